/**
 * A BER-tolerant view of ASN.1 for validation (X.690 § 8): what we receive comes from other producers, some of
 * which write indefinite lengths or constructed OCTET STRINGs, so nothing here insists on DER. Parsing is done by
 * asn1js once; the tree keeps, for every element, the exact bytes it was decoded from, because signatures are
 * verified over the bytes as received (RFC 5652 § 5.4: the signed attributes; RFC 5280 § 4.1.1.3: the TBS).
 */

import * as asn1js from "asn1js";
import { decodeOid } from "../cms/der.js";

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

/** Parses one BER element that must fill `bytes` (trailing bytes are refused: they would be unsigned data). */
export function parseBer(bytes: Uint8Array, what = "ASN.1 value"): BerNode {
  const view = new Uint8Array(bytes);
  // asn1js refuses more than 10,000 elements by default; a CMS carrying CRLs (Adobe's revocation archival) has
  // more. Real encodings take five bytes or more per element, so a limit of one per four bytes still bounds the
  // memory by the input. OCTET STRING contents are not parsed as ASN.1 (nothing here reads them that way).
  const maxNodes = Math.max(10_000, Math.ceil(view.length / 4));
  const decoded = asn1js.fromBER(view, { maxNodes, parseEmbedded: false });
  if (decoded.offset === -1) throw new AsnStructureError(`${what} is not valid BER: ${decoded.result.error}`);
  if (decoded.offset !== view.length) {
    throw new AsnStructureError(`${what} has ${view.length - decoded.offset} bytes after its end`);
  }
  return convert(decoded.result);
}

function convert(node: asn1js.AsnType): BerNode {
  const base = node as asn1js.BaseBlock;
  const tagClass = (base.idBlock.tagClass - 1) as 0 | 1 | 2 | 3;
  const constructed = base.idBlock.isConstructed;
  const value = (base.valueBlock as unknown as { value?: asn1js.AsnType[] }) ?? {};
  const children =
    constructed && Array.isArray(value.value)
      ? value.value.filter((c) => !(c instanceof asn1js.EndOfContent)).map(convert)
      : [];
  const raw = new Uint8Array(base.valueBeforeDecodeView);
  return {
    tagClass,
    tagNumber: base.idBlock.tagNumber,
    constructed,
    raw,
    content: constructed ? new Uint8Array(0) : raw.subarray(headerLength(raw)),
    children,
  };
}

/** Identifier and length octets of a primitive (hence definite-length) encoding (X.690 § 8.1.2, § 8.1.3). */
function headerLength(raw: Uint8Array): number {
  let i = 1;
  if ((raw[0]! & 0x1f) === 0x1f) while (i < raw.length && raw[i++]! & 0x80);
  const first = raw[i] ?? 0;
  return i + 1 + (first & 0x80 ? first & 0x7f : 0);
}

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
  const parts = n.children.map((c) => octetsOf(c, what));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
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

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
