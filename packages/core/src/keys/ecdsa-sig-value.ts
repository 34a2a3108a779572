/**
 * Conversion between the two encodings of an ECDSA signature: IEEE P1363 `r || s` (what PKCS#11 CKM_ECDSA and
 * WebCrypto return) and the DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` that CMS carries
 * (RFC 5753 § 7.2, RFC 5480).
 */
import { integer, sequence } from "../cms/der.js";

/** Encodes P1363 `r || s` (two equal-length big-endian halves) as a DER Ecdsa-Sig-Value. */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.length === 0 || signature.length % 2 !== 0) {
    throw new Error(`an ECDSA r||s signature has an even, non-zero length, not ${signature.length}`);
  }
  const half = signature.length / 2;
  return sequence(integer(signature.subarray(0, half)), integer(signature.subarray(half)));
}

/**
 * Decodes a DER Ecdsa-Sig-Value into P1363 `r || s`, each half `size` bytes (the curve's field size: 32 for
 * P-256, 48 for P-384, 66 for P-521), as XML Signature (RFC 4050 / XMLDSig 1.1 § 6.4.3) and WebCrypto carry it.
 */
export function derToP1363(signature: Uint8Array, size: number): Uint8Array {
  let offset = 0;
  const fail = (why: string): never => {
    throw new Error(`not a DER ECDSA signature: ${why}`);
  };
  const readLength = (): number => {
    const first = signature[offset++] ?? fail("truncated");
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count === 0 || count > 2) fail("unsupported length");
    let length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | (signature[offset++] ?? fail("truncated"));
    return length;
  };
  if (signature[offset++] !== 0x30) fail("no SEQUENCE");
  const sequenceLength = readLength();
  if (offset + sequenceLength !== signature.length) fail("trailing or missing bytes");
  const out = new Uint8Array(size * 2);
  for (let half = 0; half < 2; half++) {
    if (signature[offset++] !== 0x02) fail("no INTEGER");
    const length = readLength();
    let value = signature.subarray(offset, offset + length);
    if (value.length !== length) fail("truncated");
    offset += length;
    while (value.length > 0 && value[0] === 0) value = value.subarray(1);
    if (value.length > size) fail(`an integer is longer than ${size} bytes`);
    out.set(value, half * size + size - value.length);
  }
  if (offset !== signature.length) fail("trailing bytes");
  return out;
}
