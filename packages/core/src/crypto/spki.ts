/**
 * SubjectPublicKeyInfo (RFC 5280 § 4.1.2.7) read with the DER walker of `cms/der.ts`, for the browser side of
 * `#crypto`, which has no `createPublicKey`:
 *
 * ```
 * SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
 * RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }        -- RFC 8017 § A.1.1
 * ECParameters ::= CHOICE { namedCurve OBJECT IDENTIFIER, ... }                 -- RFC 5480 § 2.1.1
 * ECPoint ::= OCTET STRING                                                      -- the BIT STRING's bytes
 * ```
 */
import { children, content, DerError, readOid, readTlv, TAG, type Tlv } from "../cms/der.js";

const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";

/** Named curves of RFC 5480 § 2.1.1.1 that we know. */
export const NAMED_CURVES: Record<string, { readonly name: "P-256" | "P-384" | "P-521"; readonly bits: number }> = {
  "1.2.840.10045.3.1.7": { name: "P-256", bits: 256 },
  "1.3.132.0.34": { name: "P-384", bits: 384 },
  "1.3.132.0.35": { name: "P-521", bits: 521 },
};

export type SpkiKey =
  | {
      readonly type: "rsa";
      readonly n: bigint;
      readonly e: bigint;
      readonly bits: number;
      /** An id-RSASSA-PSS key (RFC 4055 § 1.2), usable for RSASSA-PSS only. */
      readonly pssOnly: boolean;
    }
  | { readonly type: "ec"; readonly curveOid: string; readonly point: Uint8Array }
  | { readonly type: "other"; readonly algorithm: string };

/** An unsigned big-endian integer. */
export function bigintOf(bytes: Uint8Array): bigint {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

function positiveInteger(der: Uint8Array, t: Tlv): bigint {
  if (t.tag !== TAG.INTEGER) throw new DerError("expected an INTEGER");
  const c = content(der, t);
  if (c.length === 0 || (c[0]! & 0x80) !== 0) throw new DerError("RSA key integers must be positive");
  return bigintOf(c);
}

/** Reads a DER SubjectPublicKeyInfo; throws DerError if it is not one, or is a malformed RSA key. */
export function readSpki(der: Uint8Array): SpkiKey {
  const outer = readTlv(der);
  if (outer.tag !== TAG.SEQUENCE || outer.end !== der.length) throw new DerError("not a SubjectPublicKeyInfo");
  const [alg, key] = children(der, outer);
  if (!alg || alg.tag !== TAG.SEQUENCE || !key || key.tag !== TAG.BIT_STRING) {
    throw new DerError("not a SubjectPublicKeyInfo");
  }
  const [algOid, params] = children(der, alg);
  if (!algOid) throw new DerError("SubjectPublicKeyInfo without an algorithm");
  const algorithm = readOid(der, algOid);
  const bits = content(der, key);
  if (bits[0] !== 0) throw new DerError("a public key BIT STRING with unused bits");
  const keyBytes = bits.subarray(1);
  if (algorithm === OID_RSA_ENCRYPTION || algorithm === OID_RSASSA_PSS) {
    const seq = readTlv(keyBytes);
    if (seq.tag !== TAG.SEQUENCE || seq.end !== keyBytes.length) throw new DerError("not an RSAPublicKey");
    const [nTlv, eTlv, extra] = children(keyBytes, seq);
    if (!nTlv || !eTlv || extra) throw new DerError("not an RSAPublicKey");
    const n = positiveInteger(keyBytes, nTlv);
    const e = positiveInteger(keyBytes, eTlv);
    if (n < 3n || e < 3n || e % 2n === 0n || e >= n) throw new DerError("an impossible RSA public key");
    return { type: "rsa", n, e, bits: n.toString(2).length, pssOnly: algorithm === OID_RSASSA_PSS };
  }
  if (algorithm === OID_EC_PUBLIC_KEY) {
    if (!params || params.tag !== TAG.OID) throw new DerError("EC keys must name their curve (RFC 5480 § 2.1.1)");
    return { type: "ec", curveOid: readOid(der, params), point: keyBytes };
  }
  return { type: "other", algorithm };
}
