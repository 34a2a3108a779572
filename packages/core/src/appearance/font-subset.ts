/**
 * The fonts of one appearance stream, embedded as composite fonts (ISO 32000-2 § 9.7): a Type0 font with
 * /Encoding /Identity-H over a CIDFontType2 whose CIDs are the glyph ids of a TrueType subset (/CIDToGIDMap
 * /Identity), holding only the glyphs drawn (fontkit's subsetter), with their widths in /W (§ 9.7.4.3) and a
 * /ToUnicode CMap (§ 9.10.3) from each glyph to the characters it stands for. Identity-H, not a simple font,
 * because shaped Arabic and Japanese use glyphs that no 8-bit encoding reaches.
 */
import { createRequire } from "node:module";
import type { Subset } from "fontkit";
import { PdfDict, PdfName, type PdfObject, type PdfRef, PdfStream, PdfString } from "../pdf/objects.js";
import type { Face, FaceName } from "./fonts.js";

interface EmbeddedFace {
  readonly face: Face;
  readonly resource: string;
  readonly subset: Subset;
  /** Original glyph id → CID (the glyph's id in the subset). */
  readonly cids: Map<number, number>;
  /** CID → width (font units) and characters. */
  readonly glyphs: Map<number, { width: number; codePoints: readonly number[] }>;
  /** The ToUnicode stream, made on first write (an appearance written again reuses it). */
  toUnicode?: PdfStream;
}

/** ASCII and Arabic-Indic digits (U+0030–0039, U+0660–0669). */
const DIGITS = [...Array(10).keys()].flatMap((d) => [0x30 + d, 0x660 + d]);

export class FontSubsets {
  private readonly faces = new Map<FaceName, EmbeddedFace>();

  /** The resource name (/F1 …) of a face, registering it on first use. */
  resource(face: Face): string {
    return this.embedded(face).resource;
  }

  /** The CID for a glyph of `face`, including it in the subset. */
  cid(face: Face, gid: number, width: number, codePoints: readonly number[]): number {
    const e = this.embedded(face);
    let cid = e.cids.get(gid);
    if (cid === undefined) {
      cid = e.subset.includeGlyph(gid);
      e.cids.set(gid, cid);
      e.glyphs.set(cid, { width, codePoints });
    } else if (codePoints.length > 0 && e.glyphs.get(cid)!.codePoints.length === 0) {
      e.glyphs.set(cid, { width, codePoints });
    }
    return cid;
  }

  get empty(): boolean {
    return this.faces.size === 0;
  }

  /** Writes the fonts with `add` and returns the /Font resource dictionary. */
  write(add: (obj: PdfObject) => PdfRef): PdfDict {
    const fonts = new PdfDict();
    for (const e of this.faces.values()) fonts.set(e.resource, add(type0(e, add)));
    return fonts;
  }

  private embedded(face: Face): EmbeddedFace {
    let e = this.faces.get(face.name);
    if (!e) {
      const subset = face.font.createSubset();
      e = { face, resource: `F${this.faces.size + 1}`, subset, cids: new Map([[0, 0]]), glyphs: new Map() };
      this.faces.set(face.name, e);
      // The digits come first in every subset: a block differs from one signature to the next mostly in its date,
      // and with the digits always present (and numbered alike) its font program is the same, so it is cached.
      for (const c of DIGITS) {
        if (!face.font.hasGlyphForCodePoint(c)) continue;
        const g = face.font.glyphForCodePoint(c);
        this.cid(face, g.id, g.advanceWidth, [c]);
      }
    }
    return e;
  }
}

/**
 * Font programs by face and glyphs (in the order they were included, which fixes the CIDs): a signer's block
 * uses the same glyphs from one signature to the next, and subsetting and compressing a face costs milliseconds.
 */
const programs = new Map<string, PdfStream>();
const PROGRAM_CACHE_SIZE = 64;

function fontProgram(e: EmbeddedFace): PdfStream {
  const key = `${e.face.name}:${[...e.cids.keys()].join(",")}`;
  let program = programs.get(key);
  if (!program) {
    const bytes = e.subset.encode();
    program = flate(bytes, [["Length1", bytes.length]]);
    if (programs.size >= PROGRAM_CACHE_SIZE) programs.delete(programs.keys().next().value!);
    programs.set(key, program);
  }
  return program;
}

function type0(e: EmbeddedFace, add: (obj: PdfObject) => PdfRef): PdfDict {
  e.toUnicode ??= flate(toUnicode(e));
  const font = e.face.font;
  const scale = 1000 / font.unitsPerEm;
  // § 9.6.4: a subset's name is a tag of six capital letters, '+', the PostScript name; the tag differs per subset.
  const name = `${subsetTag([...e.cids.keys()])}+${font.postscriptName.replace(/[^!-~]|[()<>[\]{}/%#]/g, "")}`;
  const descriptor = new PdfDict([
    ["Type", PdfName.of("FontDescriptor")],
    ["FontName", PdfName.of(name)],
    ["Flags", 4], // symbolic: the glyphs are reached by CID, not by a standard character set
    ["FontBBox", [font.bbox.minX, font.bbox.minY, font.bbox.maxX, font.bbox.maxY].map((v) => Math.round(v * scale))],
    ["ItalicAngle", font.italicAngle],
    ["Ascent", Math.round(font.ascent * scale)],
    ["Descent", Math.round(font.descent * scale)],
    ["CapHeight", Math.round((font.capHeight || font.ascent) * scale)],
    ["StemV", 80],
    ["FontFile2", add(fontProgram(e))],
  ]);
  const widths: PdfObject[] = [];
  for (const cid of [...e.glyphs.keys()].sort((a, b) => a - b))
    widths.push(cid, [Math.round(e.glyphs.get(cid)!.width * scale)]);
  const cidFont = new PdfDict([
    ["Type", PdfName.of("Font")],
    ["Subtype", PdfName.of("CIDFontType2")],
    ["BaseFont", PdfName.of(name)],
    [
      "CIDSystemInfo",
      new PdfDict([
        ["Registry", PdfString.text("Adobe")],
        ["Ordering", PdfString.text("Identity")],
        ["Supplement", 0],
      ]),
    ],
    ["FontDescriptor", add(descriptor)],
    ["DW", 0],
    ["W", widths],
    ["CIDToGIDMap", PdfName.of("Identity")],
  ]);
  return new PdfDict([
    ["Type", PdfName.of("Font")],
    ["Subtype", PdfName.of("Type0")],
    ["BaseFont", PdfName.of(name)],
    ["Encoding", PdfName.of("Identity-H")],
    ["DescendantFonts", [add(cidFont)]],
    ["ToUnicode", add(e.toUnicode)],
  ]);
}

/** § 9.10.3: a CMap from 2-byte CIDs to UTF-16BE, one bfchar per glyph that stands for characters. */
function toUnicode(e: EmbeddedFace): Uint8Array {
  const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
  const utf16 = (cps: readonly number[]) =>
    [...String.fromCodePoint(...cps)].map((ch) => [...ch].map((u) => hex4(u.charCodeAt(0))).join("")).join("");
  const entries = [...e.glyphs].filter(([, g]) => g.codePoints.length > 0);
  const lines = [
    "/CIDInit /ProcSet findresource begin",
    "12 dict begin",
    "begincmap",
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
    "/CMapName /Adobe-Identity-UCS def",
    "/CMapType 2 def",
    "1 begincodespacerange",
    "<0000> <FFFF>",
    "endcodespacerange",
  ];
  for (let i = 0; i < entries.length; i += 100) {
    const chunk = entries.slice(i, i + 100);
    lines.push(`${chunk.length} beginbfchar`);
    for (const [cid, g] of chunk) lines.push(`<${hex4(cid)}> <${utf16(g.codePoints)}>`);
    lines.push("endbfchar");
  }
  lines.push("endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end");
  return new TextEncoder().encode(lines.join("\n"));
}

/**
 * A stream compressed with /FlateDecode. Level 1: appearance streams and CMaps are small and made per signature,
 * where deflate's higher levels cost more time than the bytes they save are worth.
 */
export function flate(data: Uint8Array, entries: [string, PdfObject][] = []): PdfStream {
  zlibSync ??= (createRequire(import.meta.url)("fflate") as typeof import("fflate")).zlibSync;
  return new PdfStream(new PdfDict([...entries, ["Filter", PdfName.of("FlateDecode")]]), zlibSync(data, { level: 1 }));
}

// fflate (its tables are built when it loads) on the first visible appearance: the signing code imports this module
// (through form-xobject.ts) for every signature, and an invisible one compresses nothing.
let zlibSync: typeof import("fflate").zlibSync | undefined;

function subsetTag(gids: readonly number[]): string {
  let h = 0x811c9dc5; // FNV-1a over the glyph ids: the same glyphs give the same tag
  for (const g of gids) h = Math.imul(h ^ g, 0x01000193) >>> 0;
  let tag = "";
  for (let i = 0; i < 6; i++) {
    tag += String.fromCharCode(65 + (h % 26));
    h = Math.floor(h / 26) + i * 7919;
  }
  return tag;
}
