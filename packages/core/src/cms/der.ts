/**
 * Minimal DER (X.690) writing and walking.
 *
 * The CMS envelope of a signature is assembled from parts that must be embedded byte for byte (certificates made by
 * other software, a TSA's token, the signed attributes exactly as signed), which a schema library would re-encode;
 * and in bulk signing it is built for every document, so it is done by concatenation rather than by object models.
 */

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  GENERALIZED_TIME: 0x18,
} as const;

/** Encodes one TLV with a definite length. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const header = lengthHeader(tag, len);
  const out = new Uint8Array(header.length + len);
  out.set(header, 0);
  let o = header.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function lengthHeader(tag: number, len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(tag, len);
  const bytes: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Uint8Array.of(tag, 0x80 | bytes.length, ...bytes);
}

export const sequence = (...parts: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, ...parts);
export const octetString = (b: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, b);

/** SET OF with its elements in DER order (X.690 § 11.6: ascending as octet strings) — PKI.js does not sort. */
export function setOf(elements: Uint8Array[]): Uint8Array {
  return tlv(TAG.SET, ...sortDer(elements));
}

export function sortDer(elements: Uint8Array[]): Uint8Array[] {
  return [...elements].sort(compareBytes);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A non-negative INTEGER from a small number or big-endian magnitude bytes. */
export function integer(v: number | Uint8Array): Uint8Array {
  let bytes: number[];
  if (typeof v === "number") {
    bytes = [];
    for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
    if (bytes.length === 0) bytes = [0];
  } else {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    bytes = [...v.subarray(i)];
  }
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(TAG.INTEGER, Uint8Array.from(bytes));
}

const oidCache = new Map<string, Uint8Array>();

/** OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Uint8Array {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split(".").map(Number);
  const body: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let a = Math.floor(arc / 128); a > 0; a = Math.floor(a / 128)) chunk.unshift((a & 0x7f) | 0x80);
    body.push(...chunk);
  }
  const out = tlv(TAG.OID, Uint8Array.from(body));
  oidCache.set(dotted, out);
  return out;
}

/** One element found while walking DER: its tag and where its header and content lie in `bytes`. */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

export class DerError extends Error {
  override name = "DerError";
}

/** Reads the TLV at `pos`, refusing indefinite lengths and lengths that run past `limit`. */
export function readTlv(bytes: Uint8Array, pos = 0, limit = bytes.length): Tlv {
  if (pos + 2 > limit) throw new DerError("truncated DER");
  const tag = bytes[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte DER tags are not supported");
  let len = bytes[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError("indefinite length (BER) where DER is required");
    if (n > 4 || p + n > limit) throw new DerError("bad DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[p++]!;
  }
  if (p + len > limit) throw new DerError("DER length runs past its container");
  return { tag, start: pos, contentStart: p, end: p + len };
}

/** The elements inside a constructed TLV. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end; ) {
    const t = readTlv(bytes, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

export const whole = (bytes: Uint8Array, t: Tlv): Uint8Array => bytes.subarray(t.start, t.end);
export const content = (bytes: Uint8Array, t: Tlv): Uint8Array => bytes.subarray(t.contentStart, t.end);

/** Decodes an OBJECT IDENTIFIER's content to dotted form. */
export function readOid(bytes: Uint8Array, t: Tlv): string {
  if (t.tag !== TAG.OID) throw new DerError("expected an OBJECT IDENTIFIER");
  return decodeOid(content(bytes, t));
}

/** X.690 § 8.19: base-128 arcs, the first two packed as 40·x + y. */
export function decodeOid(c: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of c) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join(".");
}
