/**
 * The validation engine's only door to cryptography: digests, signature verification and key facts. Everything
 * else in `validation/` is pure computation over bytes. The primitives come from `#crypto`, which package.json
 * "imports" resolves by condition: node:crypto in Node, pure JavaScript in a browser bundle (`crypto/types.ts`).
 *
 * Signature algorithms are read as RFC 5652 § 10.1.2, RFC 5754, RFC 4055 and RFC 5758 name them, and also as other
 * producers write them in CMS: a bare rsaEncryption or id-ecPublicKey, with the hash taken from the SignerInfo's
 * digestAlgorithm.
 */

import type { HashName, PublicKeyFacts, SignatureScheme } from "../crypto/types.js";
import { expect, integerNumber, isContext, oidOf, parseBer, UNIVERSAL } from "./ber.js";

export { digest, publicKeyFacts, verifySignature, verifySignatureChunks } from "#crypto";
export type { HashName, PublicKeyFacts, SignatureScheme };

const DIGESTS: Record<string, HashName> = {
  "1.3.14.3.2.26": "SHA-1",
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};

/** The hash a digest algorithm OID names (RFC 5754 § 2, RFC 3370 § 2.1), or undefined. */
export function hashOfDigestOid(oid: string): HashName | undefined {
  return DIGESTS[oid];
}

/** Friendly names of the algorithms we report. */
const NAMES: Record<string, string> = {
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "1.2.840.10045.2.1": "id-ecPublicKey",
  "1.2.840.113549.1.1.1": "rsaEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
  "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
  "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
  "1.2.840.113549.1.1.10": "RSASSA-PSS",
  "1.3.14.3.2.26": "SHA-1",
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};

export function algorithmName(oid: string): string {
  return NAMES[oid] ?? oid;
}

/** A signature AlgorithmIdentifier as received: its OID and the DER of its parameters, if any. */
export interface AlgorithmId {
  readonly oid: string;
  readonly parameters?: Uint8Array;
}

const ECDSA: Record<string, HashName> = {
  "1.2.840.10045.4.1": "SHA-1",
  "1.2.840.10045.4.3.2": "SHA-256",
  "1.2.840.10045.4.3.3": "SHA-384",
  "1.2.840.10045.4.3.4": "SHA-512",
};
const RSA_PKCS1: Record<string, HashName> = {
  "1.2.840.113549.1.1.5": "SHA-1",
  "1.2.840.113549.1.1.11": "SHA-256",
  "1.2.840.113549.1.1.12": "SHA-384",
  "1.2.840.113549.1.1.13": "SHA-512",
};
export const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
export const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
export const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";

/**
 * The scheme an identifier names; `digestHash` (the SignerInfo's digestAlgorithm) supplies the hash for the bare
 * key OIDs some producers write. Throws for an algorithm we do not support.
 */
export function signatureScheme(alg: AlgorithmId, digestHash?: HashName): SignatureScheme {
  const ecdsa = ECDSA[alg.oid];
  if (ecdsa) return { kind: "ecdsa", hash: ecdsa };
  const pkcs1 = RSA_PKCS1[alg.oid];
  if (pkcs1) return { kind: "rsa-pkcs1", hash: pkcs1 };
  if ((alg.oid === OID_RSA_ENCRYPTION || alg.oid === OID_EC_PUBLIC_KEY) && digestHash) {
    return { kind: alg.oid === OID_EC_PUBLIC_KEY ? "ecdsa" : "rsa-pkcs1", hash: digestHash };
  }
  if (alg.oid === OID_RSASSA_PSS) {
    // RFC 4055 § 3.1: absent parameters mean SHA-1, MGF1 with SHA-1, salt 20.
    if (!alg.parameters || (alg.parameters.length === 2 && alg.parameters[0] === 0x05)) {
      return { kind: "rsa-pss", hash: "SHA-1", saltLength: 20 };
    }
    // RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT mgf1SHA1,
    //   saltLength [2] INTEGER DEFAULT 20, trailerField [3] DEFAULT 1 }, each tag explicit.
    const params = expect(parseBer(alg.parameters, "RSASSA-PSS parameters"), UNIVERSAL.SEQUENCE, "RSASSA-PSS-params");
    const field = (tag: number) => params.children.find((n) => isContext(n, tag))?.children[0];
    const SHA1 = "1.3.14.3.2.26";
    const hashNode = field(0);
    const hashOid = hashNode ? oidOf(expect(hashNode, UNIVERSAL.SEQUENCE, "hashAlgorithm").children[0]) : SHA1;
    const hash = hashOfDigestOid(hashOid);
    if (!hash) throw new Error(`RSASSA-PSS with unsupported hash ${hashOid}`);
    const mgf = field(1);
    const mgfHash = mgf?.children[1];
    const mgfHashOid = mgfHash ? oidOf(expect(mgfHash, UNIVERSAL.SEQUENCE, "MGF1 hash").children[0]) : SHA1;
    if (mgfHashOid !== hashOid) {
      throw new Error("RSASSA-PSS with an MGF1 hash different from the message hash is not supported");
    }
    const salt = field(2);
    return { kind: "rsa-pss", hash, saltLength: salt ? integerNumber(salt, "saltLength") : 20 };
  }
  throw new Error(`unsupported signature algorithm ${algorithmName(alg.oid)}`);
}
