/**
 * RSA signature verification (RFC 8017 § 8.1.2 RSASSA-PSS-VERIFY and § 8.2.2 RSASSA-PKCS1-V1_5-VERIFY) over
 * BigInt, for the browser side of `#crypto`.
 *
 * Why by hand: the engine verifies synchronously, WebCrypto's `crypto.subtle.verify` is promise-only, and no
 * maintained JavaScript library offers a synchronous RSA verify for browsers (the noble family has no RSA;
 * node-forge and jsrsasign are large, old-style and bring their own ASN.1 and hash code). Verification needs only
 * public-key operations on public data — s^e mod n and a byte comparison — so there are no secrets for a timing
 * side channel to leak, and the code stays small enough to check against the RFC line by line. The tests compare
 * it with node:crypto on real signatures, valid and corrupted.
 */
import { equalBytes } from "./bytes.js";
import type { HashName } from "./types.js";

/** The digest function the caller supplies (so this module works with either side's hashes). */
export type DigestFn = (hash: HashName, ...parts: Uint8Array[]) => Uint8Array;

export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
}

const HASH_LENGTH: Record<HashName, number> = { "SHA-1": 20, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

/** The DER of DigestInfo ::= SEQUENCE { AlgorithmIdentifier (with NULL parameters), OCTET STRING } before the hash (RFC 8017 § 9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<HashName, string> = {
  "SHA-1": "3021300906052b0e03021a05000414",
  "SHA-256": "3031300d060960864801650304020105000420",
  "SHA-384": "3041300d060960864801650304020205000430",
  "SHA-512": "3051300d060960864801650304020305000440",
};

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** OS2IP (RFC 8017 § 4.2). */
function os2ip(bytes: Uint8Array): bigint {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

/** I2OSP (RFC 8017 § 4.1); undefined when x does not fit in `length` octets. */
function i2osp(x: bigint, length: number): Uint8Array | undefined {
  const hex = x.toString(16);
  if (hex.length > 2 * length) return undefined;
  return fromHex(hex.padStart(2 * length, "0"));
}

/** base^exp mod m, square-and-multiply. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

function byteLength(n: bigint): number {
  return Math.ceil(n.toString(2).length / 8);
}

/** RSAVP1 (RFC 8017 § 5.2.2) after the length check of § 8.x.2 step 1; undefined for an out-of-range signature. */
function rsavp1(key: RsaPublicKey, signature: Uint8Array): bigint | undefined {
  if (signature.length !== byteLength(key.n)) return undefined;
  const s = os2ip(signature);
  if (s >= key.n) return undefined;
  return modPow(s, key.e, key.n);
}

/**
 * RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 § 8.2.2): recomputes EMSA-PKCS1-v1_5 (§ 9.2) — 0x00 0x01 FF… 0x00 DigestInfo —
 * and compares it whole with the recovered encoded message, so no parsing of attacker-chosen padding takes place
 * (the Bleichenbacher 2006 forgery needs a parser).
 */
export function verifyPkcs1v15(
  key: RsaPublicKey,
  hash: HashName,
  data: Uint8Array,
  signature: Uint8Array,
  digest: DigestFn,
): boolean {
  return verifyPkcs1v15Hash(key, hash, digest(hash, data), signature);
}

/** {@link verifyPkcs1v15} given the message's hash `mHash` (EMSA-PKCS1-v1_5 steps 2 on) rather than the message. */
export function verifyPkcs1v15Hash(
  key: RsaPublicKey,
  hash: HashName,
  mHash: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (mHash.length !== HASH_LENGTH[hash]) return false;
  const m = rsavp1(key, signature);
  if (m === undefined) return false;
  const k = byteLength(key.n);
  const em = i2osp(m, k);
  const t = new Uint8Array([...fromHex(DIGEST_INFO_PREFIX[hash]), ...mHash]);
  if (!em || k < t.length + 11) return false;
  const expected = new Uint8Array(k).fill(0xff);
  expected[0] = 0x00;
  expected[1] = 0x01;
  expected[k - t.length - 1] = 0x00;
  expected.set(t, k - t.length);
  return equalBytes(em, expected); // public values: no need for constant time
}

/** MGF1 (RFC 8017 § B.2.1). */
function mgf1(hash: HashName, seed: Uint8Array, length: number, digest: DigestFn): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let i = 0, pos = 0; pos < length; i++) {
    counter[0] = i >>> 24;
    counter[1] = (i >>> 16) & 0xff;
    counter[2] = (i >>> 8) & 0xff;
    counter[3] = i & 0xff;
    const block = digest(hash, seed, counter);
    out.set(block.subarray(0, Math.min(block.length, length - pos)), pos);
    pos += block.length;
  }
  return out;
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 § 8.1.2) with EMSA-PSS-VERIFY (§ 9.1.2), MGF1 over the message hash, and the salt
 * length the AlgorithmIdentifier states (as node:crypto and OpenSSL check it: exactly).
 */
export function verifyPss(
  key: RsaPublicKey,
  hash: HashName,
  saltLength: number,
  data: Uint8Array,
  signature: Uint8Array,
  digest: DigestFn,
): boolean {
  return verifyPssHash(key, hash, saltLength, digest(hash, data), signature, digest);
}

/** {@link verifyPss} given the message's hash `mHash` (EMSA-PSS-VERIFY step 2) rather than the message. */
export function verifyPssHash(
  key: RsaPublicKey,
  hash: HashName,
  saltLength: number,
  mHash: Uint8Array,
  signature: Uint8Array,
  digest: DigestFn,
): boolean {
  if (mHash.length !== HASH_LENGTH[hash]) return false;
  const m = rsavp1(key, signature);
  if (m === undefined) return false;
  const modBits = key.n.toString(2).length;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const em = i2osp(m, emLen); // § 8.1.2 step 2c: "If I2OSP outputs 'integer too large', output 'invalid signature'"
  if (!em) return false;
  const hLen = HASH_LENGTH[hash];
  const sLen = saltLength;
  if (!Number.isInteger(sLen) || sLen < 0) return false;
  if (emLen < hLen + sLen + 2) return false; // step 3
  if (em[emLen - 1] !== 0xbc) return false; // step 4
  const maskedDb = em.subarray(0, emLen - hLen - 1); // step 5
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const zeroBits = 8 * emLen - emBits;
  const topMask = (0xff << (8 - zeroBits)) & 0xff; // the leftmost 8·emLen − emBits bits
  if ((maskedDb[0]! & topMask) !== 0) return false; // step 6
  const dbMask = mgf1(hash, h, emLen - hLen - 1, digest); // step 7
  const db = maskedDb.map((b, i) => b ^ dbMask[i]!); // step 8
  db[0] = db[0]! & ~topMask & 0xff; // step 9
  const psLen = emLen - hLen - sLen - 2; // step 10
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen); // step 11
  const hPrime = digest(hash, new Uint8Array(8), mHash, salt); // steps 12–13
  return equalBytes(h, hPrime); // step 14
}
