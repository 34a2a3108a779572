/**
 * The seal (印影, the impression of a 判子): a round red stamp with the family name set vertically, top to bottom,
 * as Japanese seals are cut. The characters are drawn as filled outlines from Noto Sans JP — paths, not text, so
 * the seal is a picture of the name and extraction gives the name once, from the signature block's own text.
 */
import type { Glyph, PathCommand } from "fontkit";
import type { ContentStream } from "./content-stream.js";
import { AppearanceError } from "./errors.js";
import { face } from "./fonts.js";

/** Vermilion seal ink (朱肉), as RGB. */
export const SEAL_RED = [0.8, 0.1, 0.1] as const;

/** The longest family name a seal holds: four characters stay legible in a column inside the circle. */
export const MAX_SEAL_CHARACTERS = 4;

/** Checks a family name for a generated seal: 1–4 characters that Noto Sans JP draws. */
export function sealCharacters(familyName: string): string[] {
  const chars = [...familyName.replace(/\s+/g, "")];
  if (chars.length === 0 || chars.length > MAX_SEAL_CHARACTERS)
    throw new AppearanceError(
      "bad_seal_name",
      `a seal holds 1 to ${MAX_SEAL_CHARACTERS} characters of the family name, not ${chars.length}`,
    );
  const jp = face("jp").font;
  for (const ch of chars)
    if (!jp.hasGlyphForCodePoint(ch.codePointAt(0)!))
      throw new AppearanceError("unsupported_script", `the seal's font cannot draw "${ch}"`);
  return chars;
}

/**
 * Draws the seal centred at (cx, cy) with radius r: a ring, and the characters in one column sized so that the
 * column's corners stay inside the ring (a column of n cells of side s fits when its half-diagonal
 * √((ns/2)² + (s/2)²) is at most the inner radius).
 */
export function drawSeal(content: ContentStream, familyName: string, cx: number, cy: number, r: number): void {
  const chars = sealCharacters(familyName);
  const jp = face("jp").font;
  const ring = r * 0.08;
  const inner = (r - ring) * 0.92;
  const n = chars.length;
  const s = Math.min((2 * inner) / Math.sqrt(n * n + 1), r * 1.1);
  content.op("q", ...SEAL_RED, "rg", ...SEAL_RED, "RG", ring, "w");
  circle(content, cx, cy, r - ring / 2);
  content.op("S");
  const scale = s / jp.unitsPerEm;
  // Noto CJK's ideographic em box runs from -120 to 880 units (the 'BASE' table's ideo baseline).
  const emBottom = -0.12 * jp.unitsPerEm;
  chars.forEach((ch, i) => {
    const glyph = sealGlyph(ch);
    const left = cx - (glyph.advanceWidth * scale) / 2;
    const bottom = cy + (n * s) / 2 - (i + 1) * s;
    const tx = (x: number) => left + x * scale;
    const ty = (y: number) => bottom + (y - emBottom) * scale;
    drawPath(content, glyph.path.commands, tx, ty);
  });
  content.op("f", "Q");
}

/** The glyph of each seal character, shaped once per process. */
const sealGlyphs = new Map<string, Glyph>();
function sealGlyph(ch: string): Glyph {
  let g = sealGlyphs.get(ch);
  if (!g) {
    if (sealGlyphs.size > 4096) sealGlyphs.clear();
    g = face("jp").font.layout(ch).glyphs[0]!;
    sealGlyphs.set(ch, g);
  }
  return g;
}

/** A circle as four Bézier quarter arcs (κ = 0.5523, the usual cubic approximation). */
export function circle(content: ContentStream, cx: number, cy: number, r: number): void {
  const k = 0.5523 * r;
  content.op(cx + r, cy, "m");
  content.op(cx + r, cy + k, cx + k, cy + r, cx, cy + r, "c");
  content.op(cx - k, cy + r, cx - r, cy + k, cx - r, cy, "c");
  content.op(cx - r, cy - k, cx - k, cy - r, cx, cy - r, "c");
  content.op(cx + k, cy - r, cx + r, cy - k, cx + r, cy, "c");
  content.op("h");
}

/** A glyph outline as PDF path operators; TrueType's quadratic segments become cubic ones. */
function drawPath(
  content: ContentStream,
  commands: readonly PathCommand[],
  tx: (x: number) => number,
  ty: (y: number) => number,
): void {
  let x = 0;
  let y = 0;
  for (const { command, args: a } of commands) {
    if (command === "moveTo") content.op(tx(a[0]!), ty(a[1]!), "m");
    else if (command === "lineTo") content.op(tx(a[0]!), ty(a[1]!), "l");
    else if (command === "bezierCurveTo")
      content.op(tx(a[0]!), ty(a[1]!), tx(a[2]!), ty(a[3]!), tx(a[4]!), ty(a[5]!), "c");
    else if (command === "quadraticCurveTo") {
      const [qx, qy, ex, ey] = a as [number, number, number, number];
      const c1x = x + (2 / 3) * (qx - x);
      const c1y = y + (2 / 3) * (qy - y);
      const c2x = ex + (2 / 3) * (qx - ex);
      const c2y = ey + (2 / 3) * (qy - ey);
      content.op(tx(c1x), ty(c1y), tx(c2x), ty(c2y), tx(ex), ty(ey), "c");
    } else if (command === "closePath") content.op("h");
    if (command !== "closePath") {
      x = a[a.length - 2]!;
      y = a[a.length - 1]!;
    }
  }
}
