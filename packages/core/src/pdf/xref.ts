/**
 * Cross-reference sections (ISO 32000-2 § 7.5.4 tables, § 7.5.8 streams) and the chain of revisions they form
 * through /Prev (§ 7.5.6 incremental updates).
 */

import type { StreamDecoder } from "./filters.js";
import { PdfDict, PdfFormatError, type PdfObject, PdfRef, PdfStream } from "./objects.js";
import { indexOf, lastIndexOf, Parser } from "./parser.js";

/** Where one object lives: free, at a byte offset (`n g obj`), or inside an object stream (§ 7.5.7). */
export type XrefEntry =
  | { readonly type: 0 }
  | { readonly type: 1; readonly offset: number; readonly gen: number }
  | { readonly type: 2; readonly stream: number; readonly index: number };

/** One cross-reference section: the entries one revision wrote and its trailer. */
export interface XrefSection {
  /** Byte offset of the section (what `startxref` or /Prev points at). */
  readonly offset: number;
  readonly kind: "table" | "stream";
  /** The trailer dictionary, or the cross-reference stream's dictionary. */
  readonly trailer: PdfDict;
  readonly entries: Map<number, XrefEntry>;
}

/** More revisions than this are refused: /Prev loops and chains of thousands are attack material. */
const MAX_SECTIONS = 2000;

/**
 * Entries one cross-reference stream may declare. A row of /W [0 0 0] takes no bytes, so /Index [0 4e9] would
 * otherwise make billions of entries out of nothing; 4 million objects is far beyond any real document.
 */
export const MAX_XREF_ENTRIES = 4_000_000;

const STARTXREF = new TextEncoder().encode("startxref");

/** § 7.5.5: the offset after the last `startxref` keyword in the file. */
export function findStartXref(bytes: Uint8Array): number {
  const at = lastIndexOf(bytes, STARTXREF, bytes.length);
  if (at < 0) throw new PdfFormatError("no startxref: not a PDF file or truncated");
  const p = new Parser(bytes, at + STARTXREF.length);
  const offset = p.integer();
  if (offset === undefined) throw new PdfFormatError("startxref is not followed by an offset");
  return offset;
}

/**
 * Reads the chain of sections from `start` through /Prev and /XRefStm, newest first.
 * `resolveLength` lets stream lengths that are indirect references resolve through what is read so far.
 */
export function readXrefChain(bytes: Uint8Array, start: number, decoder: StreamDecoder): XrefSection[] {
  const sections: XrefSection[] = [];
  const seen = new Set<number>();
  let offset: number | undefined = start;
  while (offset !== undefined) {
    if (seen.has(offset)) throw new PdfFormatError("cross-reference /Prev chain loops");
    if (sections.length >= MAX_SECTIONS) throw new PdfFormatError(`more than ${MAX_SECTIONS} revisions`);
    seen.add(offset);
    let section = readSection(bytes, offset, decoder);
    // A hybrid-reference file (§ 7.5.8.4) keeps extra entries in the stream that /XRefStm names.
    const stm = section.trailer.get("XRefStm");
    if (section.kind === "table" && typeof stm === "number" && !seen.has(stm)) {
      const extra = readSection(bytes, stm, decoder);
      const entries = new Map(section.entries); // the decoder's copy of the section stays as read
      for (const [n, e] of extra.entries) if (!entries.has(n)) entries.set(n, e);
      section = { ...section, entries };
    }
    sections.push(section);
    const prev: PdfObject | undefined = section.trailer.get("Prev");
    offset = typeof prev === "number" ? prev : undefined;
  }
  return sections;
}

/**
 * The section at `offset`. Each revision view of a document is a prefix of the same bytes, so a section read once is
 * reused by the decoder for every view whose bytes contain all of it.
 */
export function readSection(bytes: Uint8Array, offset: number, decoder: StreamDecoder): XrefSection {
  if (!Number.isInteger(offset) || offset < 0 || offset >= bytes.length)
    throw new PdfFormatError(`cross-reference offset ${offset} is outside the file`);
  // Keyed by the position in the underlying buffer: views are subarrays of one buffer starting at the same place.
  const at = bytes.byteOffset + offset;
  const known = decoder.sections.get(at);
  if (known && known.buffer === bytes.buffer && known.end <= bytes.byteOffset + bytes.length) {
    return known.value;
  }
  const p = new Parser(bytes, offset);
  p.skipWhite();
  const section = bytes[p.pos] === 0x78 /* x */ ? readTable(p, offset) : readStream(p, offset, decoder);
  decoder.sections.set(at, { buffer: bytes.buffer, end: bytes.byteOffset + p.pos, value: section });
  return section;
}

/** § 7.5.4: `xref`, subsections `first count` of 20-byte entries `oooooooooo ggggg n`, then `trailer << >>`. */
function readTable(p: Parser, offset: number): XrefSection {
  if (p.keyword() !== "xref") p.fail("expected 'xref'");
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    const first = p.integer();
    if (first === undefined) break;
    const count = p.integer();
    if (count === undefined || count > 10_000_000) p.fail("bad cross-reference subsection header");
    for (let i = 0; i < count; i++) {
      const off = p.integer();
      const gen = p.integer();
      const kind = p.keyword();
      if (off === undefined || gen === undefined || (kind !== "n" && kind !== "f")) p.fail("bad cross-reference entry");
      const num = first + i;
      // The first section to name an object wins, as later subsections cannot override earlier ones.
      if (!entries.has(num)) entries.set(num, kind === "n" ? { type: 1, offset: off, gen } : { type: 0 });
    }
  }
  if (p.keyword() !== "trailer") p.fail("expected 'trailer'");
  const trailer = p.object();
  if (!(trailer instanceof PdfDict)) p.fail("trailer is not a dictionary");
  return { offset, kind: "table", trailer, entries };
}

/** § 7.5.8: an XRef stream with /W field widths and /Index subsections. */
function readStream(p: Parser, offset: number, decoder: StreamDecoder): XrefSection {
  const num = p.integer();
  const gen = p.integer();
  if (num === undefined || gen === undefined || p.keyword() !== "obj") p.fail("expected a cross-reference stream");
  const stream = p.object();
  if (!(stream instanceof PdfStream) || stream.dict.name("Type") !== "XRef")
    p.fail("expected a cross-reference stream");
  const dict = stream.dict;
  const w = dict.get("W");
  if (!Array.isArray(w) || w.length < 3 || !w.every((x) => typeof x === "number" && x >= 0 && x <= 8))
    p.fail("bad /W in cross-reference stream");
  const [w0, w1, w2] = w as number[];
  const size = dict.get("Size");
  if (typeof size !== "number") p.fail("cross-reference stream without /Size");
  const index = dict.get("Index") ?? [0, size];
  if (
    !Array.isArray(index) ||
    index.length % 2 !== 0 ||
    !index.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0)
  )
    p.fail("bad /Index in cross-reference stream");
  const declared = (index as number[]).reduce((sum, x, i) => (i % 2 === 1 ? sum + x : sum), 0);
  if (declared > MAX_XREF_ENTRIES) p.fail(`a cross-reference stream declares more than ${MAX_XREF_ENTRIES} entries`);
  const rowLen = w0! + w1! + w2!;
  if (rowLen === 0) p.fail("a cross-reference stream with /W [0 0 0]");
  const data = decoder.decode(stream);
  const entries = new Map<number, XrefEntry>();
  let pos = 0;
  const field = (width: number, dflt: number): number => {
    if (width === 0) return dflt;
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + data[pos++]!;
    return v;
  };
  for (let k = 0; k < index.length; k += 2) {
    const first = index[k] as number;
    const count = index[k + 1] as number;
    for (let i = 0; i < count; i++) {
      if (pos + rowLen > data.length) p.fail("cross-reference stream is shorter than its /Index says");
      const type = field(w0!, 1);
      const f2 = field(w1!, 0);
      const f3 = field(w2!, 0);
      const n = first + i;
      if (entries.has(n)) continue;
      if (type === 1) entries.set(n, { type: 1, offset: f2, gen: f3 });
      else if (type === 2) entries.set(n, { type: 2, stream: f2, index: f3 });
      else entries.set(n, { type: 0 });
    }
  }
  return { offset, kind: "stream", trailer: dict, entries };
}

const OBJ = new TextEncoder().encode("obj");
const TRAILER = new TextEncoder().encode("trailer");

/**
 * Rebuilds a cross-reference table by scanning for `n g obj` (what viewers do for damaged files). Used only when
 * the file's own tables cannot be read; the reader then reports that it was repaired.
 */
export function scanObjects(bytes: Uint8Array): XrefSection {
  const entries = new Map<number, XrefEntry>();
  let trailer: PdfDict | undefined;
  for (let at = indexOf(bytes, OBJ); at >= 0; at = indexOf(bytes, OBJ, at + 3)) {
    // Walk back over "gen", white space and "num".
    let q = at - 1;
    while (q >= 0 && (bytes[q] === 32 || bytes[q] === 10 || bytes[q] === 13 || bytes[q] === 9)) q--;
    const genEnd = q + 1;
    while (q >= 0 && bytes[q]! >= 0x30 && bytes[q]! <= 0x39) q--;
    const genStart = q + 1;
    if (genStart === genEnd) continue;
    while (q >= 0 && (bytes[q] === 32 || bytes[q] === 10 || bytes[q] === 13 || bytes[q] === 9)) q--;
    const numEnd = q + 1;
    while (q >= 0 && bytes[q]! >= 0x30 && bytes[q]! <= 0x39) q--;
    const numStart = q + 1;
    if (numStart === numEnd || numStart === genStart) continue;
    const num = Number(new TextDecoder().decode(bytes.subarray(numStart, numEnd)));
    const gen = Number(new TextDecoder().decode(bytes.subarray(genStart, genEnd)));
    entries.set(num, { type: 1, offset: numStart, gen }); // later definitions win, as in an update
  }
  for (let at = lastIndexOf(bytes, TRAILER); at >= 0 && trailer === undefined; at = lastIndexOf(bytes, TRAILER, at)) {
    try {
      const t = new Parser(bytes, at + TRAILER.length).object();
      if (t instanceof PdfDict && t.get("Root") instanceof PdfRef) trailer = t;
    } catch {
      // keep looking further back
    }
  }
  return { offset: -1, kind: "table", trailer: trailer ?? new PdfDict(), entries };
}
