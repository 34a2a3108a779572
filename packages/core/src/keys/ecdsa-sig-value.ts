/**
 * Conversion between the two encodings of an ECDSA signature: IEEE P1363 `r || s` (what PKCS#11 CKM_ECDSA and
 * WebCrypto return) and the DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` that CMS carries
 * (RFC 5753 § 7.2, RFC 5480).
 */

/** Encodes P1363 `r || s` (two equal-length big-endian halves) as a DER Ecdsa-Sig-Value. */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.length === 0 || signature.length % 2 !== 0) {
    throw new Error(`an ECDSA r||s signature has an even, non-zero length, not ${signature.length}`);
  }
  const half = signature.length / 2;
  const r = derInteger(signature.subarray(0, half));
  const s = derInteger(signature.subarray(half));
  return new Uint8Array([0x30, ...derLength(r.length + s.length), ...r, ...s]);
}

/** A non-negative big-endian integer as DER: leading zeros stripped, a zero byte added if the top bit is set. */
function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes.subarray(start);
  const pad = body[0] & 0x80 ? [0] : [];
  return new Uint8Array([0x02, ...derLength(body.length + pad.length), ...pad, ...body]);
}

function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  if (length < 0x100) return [0x81, length];
  return [0x82, length >> 8, length & 0xff];
}
