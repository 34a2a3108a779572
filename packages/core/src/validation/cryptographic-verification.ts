/**
 * Cryptographic verification (ETSI EN 319 102-1 § 5.2.7, CV): the message-digest attribute equals the digest of
 * the signed data (else HASH_FAILURE), and the signature value verifies over the signed attributes with the
 * signing certificate's key (RFC 5652 § 5.4; else SIG_CRYPTO_FAILURE). A SignerInfo without signed attributes
 * (RFC 5652 § 5.4 allows it; legacy adbe.pkcs7.detached producers write them) signs the content itself: its
 * signature is verified over the content bytes, and a wrong digest shows as SIG_CRYPTO_FAILURE.
 */
import { equalBytes, octetsOf } from "./ber.js";
import type { CertificateInfo } from "./certificate-info.js";
import { type Failure, failure } from "./checks.js";
import {
  type HashName,
  hashOfDigestOid,
  type SignatureScheme,
  signatureScheme,
  verifySignature,
  verifySignatureChunks,
} from "./crypto.js";
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
  certificate: CertificateInfo,
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
        "INDETERMINATE",
        "CRYPTO_CONSTRAINTS_FAILURE",
        `unsupported digest algorithm ${signerInfo.digestAlgorithm.oid}: the signature cannot be checked`,
      ),
    );
    return { failures };
  }
  const signedAttributes = signerInfo.signedAttributesDer;
  if (!signedAttributes) return verifyContentSignature(signerInfo, certificate, hash, signedContent);
  const claimed = octetsOf(attributeValues(signerInfo.signedAttributes, CMS_OID.messageDigest)?.[0], "message-digest");
  if (!equalBytes(claimed, signedDigest(hash))) {
    failures.push(
      failure(
        "CV",
        "TOTAL_FAILED",
        "HASH_FAILURE",
        "the signed content has been altered: its digest does not match the message-digest attribute",
      ),
    );
  }
  let scheme: SignatureScheme;
  try {
    scheme = signatureScheme(signerInfo.signatureAlgorithm, hash);
  } catch (e) {
    failures.push(
      failure(
        "CV",
        "INDETERMINATE",
        "CRYPTO_CONSTRAINTS_FAILURE",
        `${(e as Error).message}: the signature cannot be checked`,
      ),
    );
    return { failures, hash };
  }
  if (!verifySignature(certificate.spki, scheme, signedAttributes, signerInfo.signature)) {
    failures.push(
      failure(
        "CV",
        "TOTAL_FAILED",
        "SIG_CRYPTO_FAILURE",
        "the signature value does not verify with the signer's public key",
      ),
    );
  }
  return { failures, hash, scheme };
}

/** RFC 5652 § 5.4 without signed attributes: the signature is over the content, hashed with the digest algorithm. */
function verifyContentSignature(
  signerInfo: SignerInfoData,
  certificate: CertificateInfo,
  hash: HashName,
  signedContent: (() => readonly Uint8Array[]) | undefined,
): CryptographicResult {
  let scheme: SignatureScheme;
  try {
    scheme = signatureScheme(signerInfo.signatureAlgorithm, hash);
  } catch (e) {
    const message = `${(e as Error).message}: the signature cannot be checked`;
    return { failures: [failure("CV", "INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE", message)], hash };
  }
  if (!signedContent) {
    const message = "the signature has no signed attributes and the signed content is not available to verify it";
    return { failures: [failure("CV", "INDETERMINATE", "POLICY_PROCESSING_ERROR", message)], hash, scheme };
  }
  if (scheme.hash !== hash) {
    // The content is hashed once, with the digest algorithm; a signature algorithm naming another hash is malformed.
    const message = `the signature algorithm's hash ${scheme.hash} differs from the digest algorithm ${hash}`;
    return { failures: [failure("CV", "TOTAL_FAILED", "SIG_CRYPTO_FAILURE", message)], hash, scheme };
  }
  if (!verifySignatureChunks(certificate.spki, scheme, signedContent(), signerInfo.signature)) {
    const message =
      "the signature value does not verify over the signed content with the signer's public key (content altered or wrong signature)";
    return { failures: [failure("CV", "TOTAL_FAILED", "SIG_CRYPTO_FAILURE", message)], hash, scheme };
  }
  return { failures: [], hash, scheme };
}
