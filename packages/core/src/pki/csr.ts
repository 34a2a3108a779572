/**
 * PKCS#10 certification requests (RFC 2986): parsed and their self-signature checked before a CA relies on them.
 */
import { constants, createPublicKey, verify } from "node:crypto";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import type { Name } from "@peculiar/asn1-x509";
import { verifyParameters } from "./algorithms.js";
import { fromPem } from "./certificate.js";

/** A certification request was unreadable or its proof of possession failed; nothing must be issued for it. */
export class InvalidCertificationRequestError extends Error {
  override readonly name = "InvalidCertificationRequestError";
}

/** What a CA takes from a verified request. */
export interface VerifiedCertificationRequest {
  /** The subject the requester asked for (the CA may override it). */
  readonly subject: Name;
  /** DER SubjectPublicKeyInfo whose private key signed the request. */
  readonly subjectPublicKeyInfo: Uint8Array;
}

/**
 * Parses a CertificationRequest (DER, or PEM `CERTIFICATE REQUEST`) and verifies its signature over the
 * certificationRequestInfo with the key it contains (RFC 2986 § 3: the proof that the requester holds the key).
 * Throws {@link InvalidCertificationRequestError} with a reason a person can act on.
 */
export function verifyCertificationRequest(input: Uint8Array | string): VerifiedCertificationRequest {
  let request: CertificationRequest;
  try {
    const der = typeof input === "string" ? fromPem(input, "CERTIFICATE REQUEST") : input;
    request = AsnConvert.parse(der, CertificationRequest);
  } catch (error) {
    throw new InvalidCertificationRequestError(
      `not a PKCS#10 certification request (RFC 2986): ${(error as Error).message}`,
    );
  }
  const info = request.certificationRequestInfo;
  const signedBytes = request.certificationRequestInfoRaw;
  if (!signedBytes) throw new InvalidCertificationRequestError("the certification request info could not be read");
  const spki = new Uint8Array(AsnConvert.serialize(info.subjectPKInfo));
  let valid: boolean;
  try {
    const params = verifyParameters(request.signatureAlgorithm);
    const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    const keyInput =
      params.pssSaltLength !== undefined
        ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.pssSaltLength }
        : { key, dsaEncoding: "der" as const };
    valid = verify(params.hash, new Uint8Array(signedBytes), keyInput, new Uint8Array(request.signature));
  } catch (error) {
    throw new InvalidCertificationRequestError(
      `the certification request cannot be verified: ${(error as Error).message}`,
    );
  }
  if (!valid) {
    throw new InvalidCertificationRequestError(
      "the certification request's signature does not verify with the key it carries: it was altered or signed by another key",
    );
  }
  return { subject: info.subject, subjectPublicKeyInfo: spki };
}
