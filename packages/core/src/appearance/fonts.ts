/**
 * The typefaces an appearance may use, shipped through npm (SIL Open Font License 1.1, the full faces as TrueType
 * from the @expo-google-fonts packages — fontsource splits Noto Sans JP into unicode-range chunks, these do not):
 *
 * - Noto Naskh Arabic: Arabic (with its own Latin and digits, so a mixed Arabic line stays in one face);
 * - Noto Sans JP: kanji, kana and the fullwidth forms (and Latin);
 * - Noto Sans: Latin, Greek and Cyrillic;
 * - Great Vibes: the typed signature mark of a Latin name.
 *
 * A face is read and parsed once per process (module-level cache): fontkit parses tables lazily, so opening
 * Noto Sans JP (5 MB) costs ~20 ms once, and every later signature reuses the parsed font and its glyph caches.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as fontkit from "fontkit";
import { AppearanceError } from "./errors.js";

export type FaceName = "naskh" | "sans" | "jp" | "script";

const FILES: Record<FaceName, string> = {
  naskh: "@expo-google-fonts/noto-naskh-arabic/400Regular/NotoNaskhArabic_400Regular.ttf",
  sans: "@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf",
  jp: "@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf",
  script: "@expo-google-fonts/great-vibes/400Regular/GreatVibes_400Regular.ttf",
};

export interface Face {
  readonly name: FaceName;
  readonly font: fontkit.Font;
}

const cache = new Map<FaceName, Face>();

/** The parsed face, read from its package on first use. */
export function face(name: FaceName): Face {
  let f = cache.get(name);
  if (!f) {
    const path = createRequire(import.meta.url).resolve(FILES[name]);
    f = { name, font: withOwnCharacters(fontkit.create(readFileSync(path))) };
    cache.set(name, f);
  }
  return f;
}

/**
 * fontkit keeps one Glyph object per glyph id, made with the characters of the glyph's first use, so a glyph shared
 * by several characters (Noto Naskh draws ز as a dotless ر and a dot) would report the first one's characters after
 * shaping. Each shaped glyph is given the characters its shaping says it stands for, in an object derived from the
 * cached glyph (outlines and metrics are still shared).
 */
function withOwnCharacters(font: fontkit.Font): fontkit.Font {
  const getGlyph = font.getGlyph.bind(font);
  font.getGlyph = (id: number, codePoints: number[] = []) => {
    const glyph = getGlyph(id, codePoints);
    const same = glyph.codePoints.length === codePoints.length && glyph.codePoints.every((c, i) => c === codePoints[i]);
    return same ? glyph : (Object.create(glyph, { codePoints: { value: codePoints } }) as fontkit.Glyph);
  };
  return font;
}

/** Scripts by code point ranges (Unicode Scripts.txt, the blocks that matter for names). */
const isArabic = (c: number): boolean =>
  (c >= 0x0600 && c <= 0x06ff) ||
  (c >= 0x0750 && c <= 0x077f) ||
  (c >= 0x08a0 && c <= 0x08ff) ||
  (c >= 0xfb50 && c <= 0xfdff) ||
  (c >= 0xfe70 && c <= 0xfeff);
const isCjk = (c: number): boolean =>
  (c >= 0x3000 && c <= 0x30ff) || // CJK punctuation, hiragana, katakana
  (c >= 0x3400 && c <= 0x4dbf) ||
  (c >= 0x4e00 && c <= 0x9fff) ||
  (c >= 0xf900 && c <= 0xfaff) ||
  (c >= 0xff00 && c <= 0xffef) || // half- and fullwidth forms
  (c >= 0x20000 && c <= 0x3134f);

/** Characters that take the face of their neighbours (spaces, digits, punctuation, joiners, marks of direction). */
const isNeutral = (c: number): boolean =>
  c < 0x41 || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0xbf) || (c >= 0x2000 && c <= 0x206f);

/**
 * The face for each character of `text`: the script's own face, else the preferred one when it has the glyph,
 * else any shipped face that has it. Neutral characters stay in the face of the character before them when it can
 * draw them, so "محمد 2" or "山田 (JP)" stays one run. No face at all: AppearanceError `unsupported_script`
 * (no tofu boxes in a signed document).
 */
export function facesFor(text: string, preferred: FaceName): FaceName[] {
  const out: FaceName[] = [];
  let previous: FaceName | undefined;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    let chosen: FaceName | undefined;
    if (isArabic(c)) chosen = "naskh";
    else if (isCjk(c)) chosen = "jp";
    else if (isNeutral(c) && previous && face(previous).font.hasGlyphForCodePoint(c)) chosen = previous;
    else if (face(preferred).font.hasGlyphForCodePoint(c)) chosen = preferred;
    else chosen = (["sans", "naskh", "jp"] as const).find((n) => face(n).font.hasGlyphForCodePoint(c));
    if (!chosen || !face(chosen).font.hasGlyphForCodePoint(c))
      throw new AppearanceError(
        "unsupported_script",
        `no shipped font can draw U+${c.toString(16).toUpperCase().padStart(4, "0")} (${ch})`,
      );
    // One entry per UTF-16 unit, so indices match bidi-js's, which works on UTF-16 strings.
    for (let i = 0; i < ch.length; i++) out.push(chosen);
    previous = chosen;
  }
  return out;
}

/** Whether a face can draw every character of `text` (for choosing the typed mark's face). */
export function covers(name: FaceName, text: string): boolean {
  const font = face(name).font;
  for (const ch of text) if (!font.hasGlyphForCodePoint(ch.codePointAt(0)!) && !/\s/.test(ch)) return false;
  return true;
}
