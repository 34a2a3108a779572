/**
 * Cryptographic verification (ETSI EN 319 102-1 § 5.2.7, CV): the message-digest attribute equals the digest of
 * the signed data (else HASH_FAILURE), and the signature value verifies over the signed attributes with the
 * signing certificate's key (RFC 5652 § 5.4; else SIG_CRYPTO_FAILURE). A SignerInfo without signed attributes
 * (RFC 5652 § 5.4 allows it; legacy adbe.pkcs7.detached producers write them) signs the content itself: its
 * signature is verified over the content bytes, and a wrong digest shows as SIG_CRYPTO_FAILURE.
 */

import type { Certificate } from "../x509/certificate.js";
import { equalBytes, octetsOf } from "./ber.js";
import { type Failure, failure } from "./checks.js";
import {
  type HashName,
  hashOfDigestOid,
  type SignatureScheme,
  signatureScheme,
  verifySignature,
  verifySignatureChunks,
} from "./crypto.js";
import { detailOf, message } from "./messages.js";
import { attributeValues, CMS_OID, type SignerInfoData } from "./signed-data.js";

export interface CryptographicResult {
  readonly failures: Failure[];
  /** The digest algorithm of the SignerInfo, when supported. */
  readonly hash?: HashName;
  /** The signature scheme, when the algorithm is supported. */
  readonly scheme?: SignatureScheme;
}

/**
 * `signedDigest` gives the digest of the signed content (the byte ranges, or a token's TSTInfo) for a hash;
 * `signedContent` the content itself, needed only when the SignerInfo has no signed attributes.
 */
export function verifyCryptography(
  signerInfo: SignerInfoData,
  certificate: Certificate,
  signedDigest: (hash: HashName) => Uint8Array,
  signedContent?: () => readonly Uint8Array[],
): CryptographicResult {
  const failures: Failure[] = [];
  const hash = hashOfDigestOid(signerInfo.digestAlgorithm.oid);
  if (!hash) {
    // An algorithm this validator does not implement proves nothing either way: not a forgery, but not checkable
    // (EN 319 102-1 § 5.2.8: the algorithm is not in the accepted set), so INDETERMINATE, not TOTAL_FAILED.
    failures.push(
      failure(
        "CV",
        "CRYPTO_CONSTRAINTS_FAILURE",
        message("cv.digestUnsupported", { oid: signerInfo.digestAlgorithm.oid }),
      ),
    );
    return { failures };
  }
  const signedAttributes = signerInfo.signedAttributesDer;
  if (!signedAttributes) return verifyContentSignature(signerInfo, certificate, hash, signedContent);
  const claimed = octetsOf(attributeValues(signerInfo.signedAttributes, CMS_OID.messageDigest)?.[0], "message-digest");
  if (!equalBytes(claimed, signedDigest(hash))) {
    failures.push(failure("CV", "HASH_FAILURE", message("cv.hashFailure")));
  }
  let scheme: SignatureScheme;
  try {
    scheme = signatureScheme(signerInfo.signatureAlgorithm, hash);
  } catch (e) {
    failures.push(
      failure("CV", "CRYPTO_CONSTRAINTS_FAILURE", message("cv.algorithmUnsupported", { detail: detailOf(e) })),
    );
    return { failures, hash };
  }
  if (!verifySignature(certificate.spki, scheme, signedAttributes, signerInfo.signature)) {
    failures.push(failure("CV", "SIG_CRYPTO_FAILURE", message("cv.signatureFailure")));
  }
  return { failures, hash, scheme };
}

/** RFC 5652 § 5.4 without signed attributes: the signature is over the content, hashed with the digest algorithm. */
function verifyContentSignature(
  signerInfo: SignerInfoData,
  certificate: Certificate,
  hash: HashName,
  signedContent: (() => readonly Uint8Array[]) | undefined,
): CryptographicResult {
  let scheme: SignatureScheme;
  try {
    scheme = signatureScheme(signerInfo.signatureAlgorithm, hash);
  } catch (e) {
    const m = message("cv.algorithmUnsupported", { detail: detailOf(e) });
    return { failures: [failure("CV", "CRYPTO_CONSTRAINTS_FAILURE", m)], hash };
  }
  if (!signedContent) {
    const m = message("cv.contentUnavailable");
    return { failures: [failure("CV", "POLICY_PROCESSING_ERROR", m)], hash, scheme };
  }
  if (scheme.hash !== hash) {
    // The content is hashed once, with the digest algorithm; a signature algorithm naming another hash is malformed.
    const m = message("cv.hashMismatch", { signatureHash: scheme.hash, digestHash: hash });
    return { failures: [failure("CV", "SIG_CRYPTO_FAILURE", m)], hash, scheme };
  }
  if (!verifySignatureChunks(certificate.spki, scheme, signedContent(), signerInfo.signature)) {
    const m = message("cv.contentSignatureFailure");
    return { failures: [failure("CV", "SIG_CRYPTO_FAILURE", m)], hash, scheme };
  }
  return { failures: [], hash, scheme };
}
