/**
 * AlgorithmIdentifier values for the signatures and digests the trust services produce.
 *
 * One place for the OIDs so that certificates, CRLs, OCSP responses, time-stamp tokens and CMS signatures agree:
 * ECDSA (RFC 5758 § 3.2), RSA PKCS#1 v1.5 and RSASSA-PSS (RFC 4055 § 3, RFC 8017), SHA-2 (RFC 5754 § 2).
 */

import { RsaSaPssParams } from "@peculiar/asn1-rsa";
import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import {
  type AnyHashAlgorithm,
  DIGEST_OIDS,
  digestAlgorithmDer,
  ECDSA_OIDS,
  RSA_PKCS1_OIDS,
  signatureAlgorithmDer,
} from "../cms/algorithm-identifiers.js";
import type { HashAlgorithm, SignatureAlgorithm } from "../keys/signer.js";

export type { AnyHashAlgorithm };

/** Digest OIDs (RFC 5754 § 2; SHA-1 from RFC 3279 § 2.2, still used by OCSP CertIDs). */
export const OID_SHA1 = "1.3.14.3.2.26";
export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const OID_SHA384 = "2.16.840.1.101.3.4.2.2";
export const OID_SHA512 = "2.16.840.1.101.3.4.2.3";

/** ECDSA signature OIDs (RFC 5758 § 3.2). Not id-ecPublicKey, which names the key, not the signature. */
export const OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
export const OID_ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3";
export const OID_ECDSA_WITH_SHA512 = "1.2.840.10045.4.3.4";

/** RSA OIDs (RFC 8017 App. C, RFC 4055 § 5). */
export const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
export const OID_SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
export const OID_SHA384_WITH_RSA = "1.2.840.113549.1.1.12";
export const OID_SHA512_WITH_RSA = "1.2.840.113549.1.1.13";
export const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
export const OID_MGF1 = "1.2.840.113549.1.1.8";

/** id-ecPublicKey (RFC 5480 § 2.1.1): the key algorithm in an EC SubjectPublicKeyInfo. */
export const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";

/**
 * The digest AlgorithmIdentifier for `hash`, parameters absent: RFC 5754 § 2 says implementations "MUST generate
 * SHA2 AlgorithmIdentifiers with absent parameters".
 */
export function digestAlgorithmIdentifier(hash: AnyHashAlgorithm): AlgorithmIdentifier {
  return AsnConvert.parse(digestAlgorithmDer(hash), AlgorithmIdentifier);
}

/** The hash a digest OID names, or undefined when we do not support it (callers answer badAlg and the like). */
export function hashFromOid(oid: string): AnyHashAlgorithm | undefined {
  for (const [hash, candidate] of Object.entries(DIGEST_OIDS)) if (candidate === oid) return hash as AnyHashAlgorithm;
  return undefined;
}

/** Node's name for a hash (`createHash`, `sign`). */
export function nodeHashName(hash: AnyHashAlgorithm): string {
  return hash.replace("-", "").toLowerCase();
}

/** Output length of a hash in bytes. */
export function hashOutputLength(hash: AnyHashAlgorithm): number {
  return { "SHA-1": 20, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 }[hash];
}

/**
 * The signatureAlgorithm AlgorithmIdentifier for a signer's algorithm, as X.509 (RFC 5280 § 4.1.1.2), CRLs,
 * OCSP (RFC 6960 § 4.2.1) and CMS (RFC 5652 § 5.3) carry it:
 * - ECDSA: ecdsa-with-SHA* with parameters absent (RFC 5758 § 3.2);
 * - RSA PKCS#1 v1.5: sha*WithRSAEncryption with NULL parameters (RFC 4055 § 5);
 * - RSASSA-PSS: id-RSASSA-PSS with explicit RSASSA-PSS-params: the hash, MGF1 over the same hash, the salt length
 *   (RFC 4055 § 3.1), because the defaults (SHA-1, salt 20) never match what we sign with.
 */
export function signatureAlgorithmIdentifier(alg: SignatureAlgorithm): AlgorithmIdentifier {
  return AsnConvert.parse(signatureAlgorithmDer(alg), AlgorithmIdentifier);
}

/** How to verify a signature with Node's `crypto.verify`, read back from a signatureAlgorithm identifier. */
export interface VerifyParameters {
  /** Node hash name (`sha256`). */
  readonly hash: string;
  /** Set for RSASSA-PSS: the salt length the identifier declares. */
  readonly pssSaltLength?: number;
}

/**
 * Reads a signatureAlgorithm identifier (the inverse of {@link signatureAlgorithmIdentifier}), for verifying
 * signatures we receive, such as a PKCS#10 request's self-signature. Throws on an algorithm we do not accept.
 */
export function verifyParameters(identifier: AlgorithmIdentifier): VerifyParameters {
  const oid = identifier.algorithm;
  for (const [hash, candidate] of Object.entries(ECDSA_OIDS)) {
    if (candidate === oid) return { hash: nodeHashName(hash as HashAlgorithm) };
  }
  for (const [hash, candidate] of Object.entries(RSA_PKCS1_OIDS)) {
    if (candidate === oid) return { hash: nodeHashName(hash as HashAlgorithm) };
  }
  if (oid === OID_RSASSA_PSS && identifier.parameters) {
    const params = AsnConvert.parse(identifier.parameters, RsaSaPssParams);
    const hash = hashFromOid(params.hashAlgorithm.algorithm);
    if (!hash || hash === "SHA-1") throw new Error("RSASSA-PSS with an unsupported hash");
    return { hash: nodeHashName(hash), pssSaltLength: params.saltLength };
  }
  throw new Error(`unsupported signature algorithm ${oid}`);
}
