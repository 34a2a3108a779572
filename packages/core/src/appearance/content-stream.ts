/**
 * A content stream being written (ISO 32000-2 § 8 and § 9.4): paths, colours, images and shaped text. Text is
 * drawn as 2-byte CIDs of the appearance's font subsets, positioned glyph by glyph as the shaper placed them, and
 * each run wrapped in a marked-content span whose /ActualText (§ 14.9.4) is the run's logical text, so a reader that
 * extracts text gets Arabic in reading order rather than in the visual order the glyphs are painted in.
 *
 * Known limit: how a line mixing directions is put back together is the extractor's own bidi. poppler gives an
 * Arabic line with Latin words or digits inside it in logical order, but a line that starts right to left and ends
 * in a Latin word ("محمد Al-Saud") may come out with the Latin word first when the page around it reads left to
 * right; each run's own characters are always right.
 */
import { formatNumber } from "../pdf/writer.js";
import type { FontSubsets } from "./font-subset.js";
import type { PlacedGlyph, ShapedLine, ShapedRun } from "./text-layout.js";

const n = (v: number): string => formatNumber(Math.round(v * 1000) / 1000);

export class ContentStream {
  private readonly ops: string[] = [];

  constructor(readonly fonts: FontSubsets) {}

  op(...parts: (string | number)[]): this {
    this.ops.push(parts.map((p) => (typeof p === "number" ? n(p) : p)).join(" "));
    return this;
  }

  /** Draws a shaped line with its left end of the baseline at (x, y). */
  text(line: ShapedLine, x: number, y: number, size: number, rgb: readonly [number, number, number] = [0, 0, 0]): this {
    let pen = x;
    for (const run of line.runs) {
      const scale = size / run.face.font.unitsPerEm;
      const resource = this.fonts.resource(run.face);
      // A left-to-right run is one span. A right-to-left run gets a span per glyph cluster, painted right to left:
      // extractors (poppler, mupdf) order right-to-left characters by their position on the line, so a span whose
      // /ActualText held the whole logical run would come out reversed; per cluster, each span's text is still
      // exactly what its glyphs stand for (a lam-alef ligature says "لا", a nūn and its dot say "ن").
      const clusters = run.rtl ? clustersOf(run.glyphs) : [run.glyphs];
      this.op("BT", `/${resource}`, size, "Tf", ...rgb, "rg");
      for (const cluster of clusters) {
        const actual = run.rtl
          ? String.fromCodePoint(...[...cluster].reverse().flatMap((g) => g.codePoints))
          : run.text;
        pen = this.glyphs(run, cluster, pen, y, scale, actual);
      }
      this.op("ET");
    }
    return this;
  }

  /**
   * Paints glyphs from `pen` in a span reading as `actual`; returns the pen after them. Glyphs in place go in one
   * TJ, with the difference between the shaped advance and the /W width as a TJ adjustment (thousandths of an em,
   * subtracted: § 9.4.3). Glyphs the shaper moved (marks, dots) follow in a span of their own with an empty
   * /ActualText, each with its own text matrix: extractors place a span by its first and last glyph, and a mark
   * above or before its base would otherwise move the text to another line or open a gap in the word.
   */
  private glyphs(
    run: ShapedRun,
    glyphs: readonly PlacedGlyph[],
    pen: number,
    y: number,
    scale: number,
    actual: string,
  ): number {
    const font = run.face.font;
    const moved: { hex: string; x: number; y: number }[] = [];
    const tj: string[] = [];
    let start: number | undefined;
    for (const g of glyphs) {
      const cid = this.fonts.cid(run.face, g.gid, g.width, g.codePoints);
      const hex = `<${cid.toString(16).padStart(4, "0")}>`;
      if (g.xOffset !== 0 || g.yOffset !== 0) {
        moved.push({ hex, x: pen + g.xOffset * scale, y: y + g.yOffset * scale });
        // The glyph in the TJ is skipped over: an adjustment of its whole advance keeps the pen right.
        if (start !== undefined) tj.push(` ${n((-g.advance * 1000) / font.unitsPerEm)} `);
      } else {
        if (start === undefined) start = pen;
        tj.push(hex);
        const adjust = ((g.width - g.advance) * 1000) / font.unitsPerEm;
        if (Math.abs(adjust) > 0.01) tj.push(` ${n(adjust)} `);
      }
      pen += g.advance * scale;
    }
    this.op("/Span", `<</ActualText ${utf16Hex(actual)}>>`, "BDC");
    if (start !== undefined) this.op(1, 0, 0, 1, start, y, "Tm", `[${tj.join("")}]`, "TJ");
    else if (moved.length > 0) {
      const m = moved.shift()!;
      this.op(1, 0, 0, 1, m.x, m.y, "Tm", m.hex, "Tj");
    }
    this.op("EMC");
    if (moved.length > 0) {
      this.op("/Span", "<</ActualText ()>>", "BDC");
      for (const m of moved) this.op(1, 0, 0, 1, m.x, m.y, "Tm", m.hex, "Tj");
      this.op("EMC");
    }
    return pen;
  }

  toBytes(): Uint8Array {
    return new TextEncoder().encode(this.ops.join("\n"));
  }
}

/** A text string as UTF-16BE with BOM, in hexadecimal (§ 7.9.2.2). */
export function utf16Hex(s: string): string {
  let hex = "<FEFF";
  for (let i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0");
  return `${hex}>`;
}

/**
 * The glyph clusters of a right-to-left run in visual order: a glyph that stands for characters, with the glyphs a
 * shaper inserted beside it (decomposed dots and marks, which carry no characters of their own and come before
 * their base in visual order).
 */
function clustersOf(glyphs: readonly PlacedGlyph[]): PlacedGlyph[][] {
  const out: PlacedGlyph[][] = [];
  let pending: PlacedGlyph[] = [];
  for (const g of glyphs) {
    pending.push(g);
    if (g.codePoints.length > 0) {
      out.push(pending);
      pending = [];
    }
  }
  if (pending.length > 0) {
    if (out.length > 0) out[out.length - 1]!.push(...pending);
    else out.push(pending);
  }
  return out;
}
