/**
 * A BER-tolerant view of ASN.1 for validation (X.690 § 8): what we receive comes from other producers, some of
 * which write indefinite lengths or constructed OCTET STRINGs, so nothing here insists on DER. The tree keeps, for
 * every element, the exact bytes it was decoded from, because signatures are verified over the bytes as received
 * (RFC 5652 § 5.4: the signed attributes; RFC 5280 § 4.1.1.3: the TBS).
 *
 * Written by hand rather than with asn1js because validation parses every certificate, OCSP response and CRL of a
 * document, and asn1js's object model made that the dominant cost (tens of milliseconds for a B-LTA document);
 * this reader only slices the input, with limits on depth and element count so hostile input fails fast.
 */

import { decodeOid } from "../cms/der.js";
import { concatBytes } from "../crypto/bytes.js";

/** One decoded element: its tag, its exact encoding and, for constructed elements, its children. */
export interface BerNode {
  /** 0 universal, 1 application, 2 context-specific, 3 private (the two class bits of X.690 § 8.1.2.2). */
  readonly tagClass: 0 | 1 | 2 | 3;
  readonly tagNumber: number;
  readonly constructed: boolean;
  /** The whole TLV as received. */
  readonly raw: Uint8Array;
  /** Content octets of a primitive element (empty for constructed ones). */
  readonly content: Uint8Array;
  readonly children: readonly BerNode[];
}

export class AsnStructureError extends Error {
  override name = "AsnStructureError";
}

/** Nesting deeper than this is refused (real structures stay below 20 levels). */
const MAX_DEPTH = 64;

/** Parses one BER element that must fill `bytes` (trailing bytes are refused: they would be unsigned data). */
export function parseBer(input: Uint8Array, what = "ASN.1 value"): BerNode {
  // A plain Uint8Array view of the input: a Node Buffer's slice() shares memory, and callers copy with slice().
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  // Real encodings take two bytes or more per element, which bounds the work by the input's size.
  const budget = { nodes: Math.max(10_000, bytes.length >> 1) };
  let node: BerNode;
  let end: number;
  try {
    [node, end] = readElement(bytes, 0, bytes.length, 0, budget);
  } catch (e) {
    if (e instanceof AsnStructureError) throw new AsnStructureError(`${what} is not valid BER: ${e.message}`);
    throw e;
  }
  if (end !== bytes.length) throw new AsnStructureError(`${what} has ${bytes.length - end} bytes after its end`);
  return node;
}

/** Reads the element at `pos` (which must end by `limit`); returns it and the offset after it. */
function readElement(
  b: Uint8Array,
  pos: number,
  limit: number,
  depth: number,
  budget: { nodes: number },
): [BerNode, number] {
  if (--budget.nodes < 0) throw new AsnStructureError("too many elements");
  if (depth > MAX_DEPTH) throw new AsnStructureError("nested too deeply");
  const start = pos;
  if (pos + 2 > limit) throw new AsnStructureError("truncated element");
  const id = b[pos++]!;
  const tagClass = (id >> 6) as 0 | 1 | 2 | 3;
  const constructed = (id & 0x20) !== 0;
  let tagNumber = id & 0x1f;
  if (tagNumber === 0x1f) {
    // X.690 § 8.1.2.4: high tag numbers in base 128.
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (pos >= limit || i > 4) throw new AsnStructureError("bad tag number");
      const x = b[pos++]!;
      tagNumber = tagNumber * 128 + (x & 0x7f);
      if (!(x & 0x80)) break;
    }
  }
  if (pos >= limit) throw new AsnStructureError("truncated length");
  const first = b[pos++]!;
  if (first === 0x80) {
    // X.690 § 8.1.3.6: indefinite length, constructed only, ended by end-of-contents (00 00).
    if (!constructed) throw new AsnStructureError("indefinite length on a primitive element");
    const children: BerNode[] = [];
    for (;;) {
      if (pos + 2 > limit) throw new AsnStructureError("missing end-of-contents");
      if (b[pos] === 0 && b[pos + 1] === 0) {
        pos += 2;
        break;
      }
      const [child, next] = readElement(b, pos, limit, depth + 1, budget);
      children.push(child);
      pos = next;
    }
    return [{ tagClass, tagNumber, constructed, raw: b.subarray(start, pos), content: EMPTY, children }, pos];
  }
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4 || pos + n > limit) throw new AsnStructureError("bad length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + b[pos++]!;
  }
  const end = pos + length;
  if (end > limit) throw new AsnStructureError("length runs past its container");
  if (!constructed) {
    return [
      { tagClass, tagNumber, constructed, raw: b.subarray(start, end), content: b.subarray(pos, end), children: [] },
      end,
    ];
  }
  const children: BerNode[] = [];
  while (pos < end) {
    const [child, next] = readElement(b, pos, end, depth + 1, budget);
    children.push(child);
    pos = next;
  }
  return [{ tagClass, tagNumber, constructed, raw: b.subarray(start, end), content: EMPTY, children }, end];
}

const EMPTY = new Uint8Array(0);

/** Universal tag numbers (X.680 § 8.4). */
export const UNIVERSAL = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  SEQUENCE: 16,
  SET: 17,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
} as const;

export function isUniversal(node: BerNode | undefined, tagNumber: number): node is BerNode & { readonly tagClass: 0 } {
  return !!node && node.tagClass === 0 && node.tagNumber === tagNumber;
}

export function isContext(node: BerNode | undefined, tagNumber: number): node is BerNode & { readonly tagClass: 2 } {
  return !!node && node.tagClass === 2 && node.tagNumber === tagNumber;
}

/** The element or a structural error naming what was expected. */
export function expect(node: BerNode | undefined, tagNumber: number, what: string): BerNode {
  if (!isUniversal(node, tagNumber)) throw new AsnStructureError(`${what} is missing or has the wrong type`);
  return node;
}

/** An OBJECT IDENTIFIER in dotted form (X.690 § 8.19). */
export function oidOf(node: BerNode | undefined, what = "object identifier"): string {
  return decodeOid(expect(node, UNIVERSAL.OID, what).content);
}

/** The content of an OCTET STRING, joining the segments of a constructed (BER) one (X.690 § 8.7.3). */
export function octetsOf(node: BerNode | undefined, what = "OCTET STRING"): Uint8Array {
  const n = expect(node, UNIVERSAL.OCTET_STRING, what);
  if (!n.constructed) return n.content;
  return concatBytes(...n.children.map((c) => octetsOf(c, what)));
}

/** A BIT STRING's bits without the unused-bits octet (X.690 § 8.6.2); whole octets only, as signatures are. */
export function bitStringBytes(node: BerNode | undefined, what = "BIT STRING"): Uint8Array {
  const n = expect(node, UNIVERSAL.BIT_STRING, what);
  if (n.content.length === 0) throw new AsnStructureError(`${what} is empty`);
  return n.content.subarray(1);
}

/** An INTEGER's magnitude as lower-case hex without leading zero octets (serial numbers). */
export function integerHex(node: BerNode | undefined, what = "INTEGER"): string {
  const n = expect(node, UNIVERSAL.INTEGER, what);
  let bytes = n.content;
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return toHex(bytes);
}

/**
 * The DER of a `[n] IMPLICIT SET OF` as the signer hashed it: RFC 5652 § 5.4 says the signature is computed over
 * the signed attributes with an EXPLICIT SET OF tag, so only the first octet changes (0xA0 → 0x31).
 */
export function asSetOf(node: BerNode): Uint8Array {
  const out = node.raw.slice();
  out[0] = 0x31;
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export { equalBytes } from "../crypto/bytes.js";

/** A BOOLEAN (X.690 § 8.2: any non-zero octet is TRUE in BER). */
export function booleanOf(node: BerNode | undefined, what = "BOOLEAN"): boolean {
  const n = expect(node, UNIVERSAL.BOOLEAN, what);
  return n.content.length > 0 && n.content[0] !== 0;
}

/** A small non-negative INTEGER as a number (path lengths, salt lengths, versions). */
export function integerNumber(node: BerNode | undefined, what = "INTEGER"): number {
  const n = expect(node, UNIVERSAL.INTEGER, what);
  if (n.content.length === 0 || n.content.length > 6 || n.content[0]! & 0x80) {
    throw new AsnStructureError(`${what} is not a small non-negative integer`);
  }
  return n.content.reduce((v, b) => v * 256 + b, 0);
}

/** Whether named bit `bit` of a BIT STRING is set (X.680 § 22: bit 0 is the first octet's high bit). */
export function namedBit(node: BerNode, bit: number): boolean {
  const octet = node.content[1 + (bit >> 3)];
  return octet !== undefined && ((octet >> (7 - (bit & 7))) & 1) === 1;
}

/** The text of a character string (DirectoryString and the IA5Strings of GeneralName). */
export function stringOf(value: BerNode): string {
  if (value.tagNumber === 30) {
    // BMPString: UTF-16BE.
    let s = "";
    for (let i = 0; i + 1 < value.content.length; i += 2)
      s += String.fromCharCode((value.content[i]! << 8) | value.content[i + 1]!);
    return s;
  }
  if (value.tagNumber === 20) return String.fromCharCode(...value.content); // TeletexString, read as Latin-1
  return new TextDecoder().decode(value.content);
}

/** GeneralizedTime (X.680 § 46): YYYYMMDDHH[MM[SS[.f…]]] followed by Z or a ±HHMM offset (UTC when absent). */
export function generalizedTime(node: BerNode | undefined, what: string): Date {
  const n = expect(node, UNIVERSAL.GENERALIZED_TIME, what);
  const text = String.fromCharCode(...n.content.subarray(0, 64));
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})?$/.exec(text);
  if (!m) throw new AsnStructureError(`${what} is not a GeneralizedTime`);
  const [, y, mo, d, h, mi = "0", sec = "0", frac = "", zone = "Z"] = m;
  let ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi, +sec, Math.floor(Number(`0.${frac || "0"}`) * 1000));
  if (zone !== "Z") ms -= (zone[0] === "-" ? -1 : 1) * (+zone.slice(1, 3) * 60 + +zone.slice(3, 5)) * 60_000;
  if (Number.isNaN(ms)) throw new AsnStructureError(`${what} is not a valid time`);
  return new Date(ms);
}

/**
 * An X.509 Time (RFC 5280 § 4.1.2.5): UTCTime YYMMDDHHMM[SS]Z, years 50–99 being 19xx, or GeneralizedTime.
 */
export function x509Time(node: BerNode | undefined, what: string): Date {
  if (!isUniversal(node, UNIVERSAL.UTC_TIME)) return generalizedTime(node, what);
  const text = String.fromCharCode(...node.content.subarray(0, 32));
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/.exec(text);
  if (!m) throw new AsnStructureError(`${what} is not a UTCTime`);
  const [, yy, mo, d, h, mi, sec = "0", zone] = m;
  let ms = Date.UTC(+yy! >= 50 ? 1900 + +yy! : 2000 + +yy!, +mo! - 1, +d!, +h!, +mi!, +sec);
  if (zone !== "Z") ms -= (zone![0] === "-" ? -1 : 1) * (+zone!.slice(1, 3) * 60 + +zone!.slice(3, 5)) * 60_000;
  if (Number.isNaN(ms)) throw new AsnStructureError(`${what} is not a valid time`);
  return new Date(ms);
}

/** One GeneralName (RFC 5280 § 4.2.1.6), by its CHOICE tag; forms nobody here reads keep only their tag. */
export type GeneralName =
  | { readonly form: "rfc822Name" | "dNSName" | "uniformResourceIdentifier"; readonly text: string }
  | { readonly form: "iPAddress"; readonly bytes: Uint8Array }
  | { readonly form: "directoryName"; readonly name: BerNode }
  | { readonly form: "other"; readonly tag: number };

export function generalName(node: BerNode): GeneralName {
  if (node.tagClass !== 2) throw new AsnStructureError("a GeneralName has a wrong tag");
  switch (node.tagNumber) {
    case 1:
      return { form: "rfc822Name", text: stringOf(node) };
    case 2:
      return { form: "dNSName", text: stringOf(node) };
    case 6:
      return { form: "uniformResourceIdentifier", text: stringOf(node) };
    case 7:
      return { form: "iPAddress", bytes: node.content };
    case 4: // Name is a CHOICE, so its tag is explicit (X.680 § 31.2.7)
      return { form: "directoryName", name: expect(node.children[0], UNIVERSAL.SEQUENCE, "directoryName") };
    default:
      return { form: "other", tag: node.tagNumber };
  }
}

/** GeneralNames ::= SEQUENCE OF GeneralName (also the [0] IMPLICIT fullName of a distribution point). */
export function generalNames(node: BerNode): GeneralName[] {
  return node.children.map(generalName);
}
