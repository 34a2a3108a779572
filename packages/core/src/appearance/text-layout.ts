/**
 * One line of text, shaped and ordered for display:
 *
 * 1. the Unicode Bidirectional Algorithm (UAX #9, by bidi-js) resolves each character's embedding level, with the
 *    paragraph direction given or found from the first strong character (rule P2/P3);
 * 2. the text is cut into runs of one level and one face (fonts.ts), and characters of right-to-left runs are
 *    mirrored (rule L4: "(" becomes ")");
 * 3. each run is shaped by fontkit's OpenType layout (GSUB contextual forms and ligatures, GPOS kerning and mark
 *    positioning); fontkit returns right-to-left runs already in visual order;
 * 4. the runs are put in visual order by rule L2 (bidi-js's reordering of the characters; a run's place is where
 *    its characters land).
 *
 * Each run keeps its logical text, so the content stream can say what it reads as (/ActualText, ISO 32000-2
 * § 14.9.4) and extraction gives logical order whatever the visual order.
 */
import bidiFactory from "bidi-js";
import { type Face, type FaceName, face, facesFor } from "./fonts.js";

const bidi = bidiFactory();

export interface PlacedGlyph {
  /** The glyph id in the face (before subsetting). */
  readonly gid: number;
  /** The glyph's own advance (its /W width), font units. */
  readonly width: number;
  /** Pen advance after shaping (kerning included), font units. */
  readonly advance: number;
  readonly xOffset: number;
  readonly yOffset: number;
  /** The characters this glyph stands for (for the ToUnicode CMap); empty for glyphs a shaper inserted. */
  readonly codePoints: readonly number[];
}

export interface ShapedRun {
  readonly face: Face;
  /** The run's characters in logical order. */
  readonly text: string;
  readonly rtl: boolean;
  /** Glyphs in visual order, left to right. */
  readonly glyphs: readonly PlacedGlyph[];
  /** Total advance, font units. */
  readonly advance: number;
}

export interface ShapedLine {
  readonly text: string;
  /** The paragraph direction (decides alignment). */
  readonly rtl: boolean;
  /** Runs in visual order, left to right. */
  readonly runs: readonly ShapedRun[];
}

/** Width of a shaped line at `size` points. */
export const lineWidth = (line: ShapedLine, size: number): number =>
  line.runs.reduce((w, r) => w + (r.advance * size) / r.face.font.unitsPerEm, 0);

/** Shapes one line. `preferred` is the face for characters that several faces can draw. */
export function shapeLine(text: string, preferred: FaceName, direction: "ltr" | "rtl" | "auto" = "auto"): ShapedLine {
  const clean = text.replace(/[\r\n\t]+/g, " ");
  if (clean.length === 0) return { text: clean, rtl: direction === "rtl", runs: [] };
  const faces = facesFor(clean, preferred);
  const levels = bidi.getEmbeddingLevels(clean, direction);
  const mirrored = bidi.getMirroredCharactersMap(clean, levels.levels);
  const visual = bidi.getReorderedIndices(clean, levels);
  const position = new Int32Array(clean.length);
  visual.forEach((logical, v) => {
    position[logical] = v;
  });

  const runs: { run: ShapedRun; at: number }[] = [];
  let start = 0;
  for (let i = 1; i <= clean.length; i++) {
    const boundary = i === clean.length || levels.levels[i] !== levels.levels[start] || faces[i] !== faces[start];
    // facesFor gives both halves of a surrogate pair one face, and bidi one level: a pair is never split.
    if (!boundary) continue;
    const logical = clean.slice(start, i);
    const rtl = (levels.levels[start]! & 1) === 1;
    let shaped = "";
    for (let k = start; k < i; k++) shaped += mirrored.get(k) ?? clean[k];
    let at = Number.POSITIVE_INFINITY;
    for (let k = start; k < i; k++) at = Math.min(at, position[k]!);
    runs.push({ run: shapeRun(face(faces[start]!), logical, shaped, rtl), at });
    start = i;
  }
  runs.sort((a, b) => a.at - b.at);
  return { text: clean, rtl: (levels.paragraphs[0]?.level ?? 0) % 2 === 1, runs: runs.map((r) => r.run) };
}

/**
 * Shaped runs by face, direction and text: a signature block repeats its labels, the signer's name and most of the
 * date from one signature to the next, and fontkit's layout of a line in a large face (Noto Sans JP's GSUB and
 * GPOS) costs milliseconds. Results are immutable; the oldest entry goes first.
 */
const runCache = new Map<string, ShapedRun>();
const RUN_CACHE_SIZE = 1024;

function shapeRun(f: Face, logical: string, shaped: string, rtl: boolean): ShapedRun {
  const key = `${f.name}\u0000${rtl ? "r" : "l"}\u0000${logical}\u0000${shaped}`;
  const hit = runCache.get(key);
  if (hit) return hit;
  const run = layoutRun(f, logical, shaped, rtl);
  if (runCache.size >= RUN_CACHE_SIZE) runCache.delete(runCache.keys().next().value!);
  runCache.set(key, run);
  return run;
}

function layoutRun(f: Face, logical: string, shaped: string, rtl: boolean): ShapedRun {
  const layout = f.font.layout(shaped, undefined, undefined, undefined, rtl ? "rtl" : "ltr");
  let advance = 0;
  const glyphs = layout.glyphs.map((g, i) => {
    const p = layout.positions[i]!;
    advance += p.xAdvance;
    return {
      gid: g.id,
      width: g.advanceWidth,
      advance: p.xAdvance,
      xOffset: p.xOffset,
      yOffset: p.yOffset,
      codePoints: g.codePoints,
    };
  });
  return { face: f, text: logical, rtl, glyphs, advance };
}
