/**
 * AlgorithmIdentifier encodings (RFC 5754 § 2 and 3, RFC 5758 § 3.2, RFC 4055 § 2 and 3): the one place where the
 * signature and digest algorithms become DER. Built with the small DER writer rather than a schema library because
 * this sits on the signing hot path and on the command line's start-up, where loading ASN.1 schema modules costs
 * more than all the signing of a small document. `pki/algorithms.ts` wraps these as schema objects.
 */
import type { HashAlgorithm, SignatureAlgorithm } from "../keys/signer.js";
import { integer, oid, sequence, tlv } from "./der.js";

export type AnyHashAlgorithm = HashAlgorithm | "SHA-1";

export const DIGEST_OIDS: Readonly<Record<AnyHashAlgorithm, string>> = {
  "SHA-1": "1.3.14.3.2.26",
  "SHA-256": "2.16.840.1.101.3.4.2.1",
  "SHA-384": "2.16.840.1.101.3.4.2.2",
  "SHA-512": "2.16.840.1.101.3.4.2.3",
};

/** ECDSA signature OIDs (RFC 5758 § 3.2) — not id-ecPublicKey, which names the key, not the signature. */
export const ECDSA_OIDS: Readonly<Record<HashAlgorithm, string>> = {
  "SHA-256": "1.2.840.10045.4.3.2",
  "SHA-384": "1.2.840.10045.4.3.3",
  "SHA-512": "1.2.840.10045.4.3.4",
};

export const RSA_PKCS1_OIDS: Readonly<Record<HashAlgorithm, string>> = {
  "SHA-256": "1.2.840.113549.1.1.11",
  "SHA-384": "1.2.840.113549.1.1.12",
  "SHA-512": "1.2.840.113549.1.1.13",
};

export const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
export const OID_MGF1 = "1.2.840.113549.1.1.8";

const NULL = Uint8Array.of(0x05, 0x00);

/** Digest AlgorithmIdentifier with absent parameters ("MUST generate … with absent parameters", RFC 5754 § 2). */
export function digestAlgorithmDer(hash: AnyHashAlgorithm): Uint8Array {
  return sequence(oid(DIGEST_OIDS[hash]));
}

/**
 * signatureAlgorithm as X.509, CRLs, OCSP and CMS carry it: ecdsa-with-SHA* without parameters; sha*WithRSAEncryption
 * with NULL; id-RSASSA-PSS with explicit parameters (hash, MGF1 over the same hash, salt length), because the
 * defaults (SHA-1, salt 20) never match what we sign with. Inside them the hash identifiers carry NULL, as OpenSSL
 * writes them.
 */
export function signatureAlgorithmDer(alg: SignatureAlgorithm): Uint8Array {
  switch (alg.kind) {
    case "ecdsa":
      return sequence(oid(ECDSA_OIDS[alg.hash]));
    case "rsa-pkcs1":
      return sequence(oid(RSA_PKCS1_OIDS[alg.hash]), NULL);
    case "rsa-pss": {
      const hashId = sequence(oid(DIGEST_OIDS[alg.hash]), NULL);
      const params = sequence(
        tlv(0xa0, hashId),
        tlv(0xa1, sequence(oid(OID_MGF1), hashId)),
        tlv(0xa2, integer(alg.saltLength)),
      );
      return sequence(oid(OID_RSASSA_PSS), params);
    }
  }
}
