/**
 * The appearance of a filled text field (ISO 32000-2 § 12.7.4.3: variable text between /Tx BMC and EMC): the value
 * shaped in the face of its script, on one line, shrunk to fit the box, right-aligned when the value reads right to
 * left. Used by forms/ for the text, name, title and date fields a signer fills.
 *
 * Stable signature (the forms module depends on it): `textFieldAppearance(text, width, height, options)`.
 */
import type { CalendarLanguage } from "./calendars.js";
import { ContentStream } from "./content-stream.js";
import { FontSubsets } from "./font-subset.js";
import type { FaceName } from "./fonts.js";
import { type AppearanceStream, resourceDict } from "./form-xobject.js";
import { lineWidth, shapeLine } from "./text-layout.js";

export interface TextFieldOptions {
  /** The reader's language: the face for characters several faces draw (digits, Latin) and the default direction. */
  readonly locale?: CalendarLanguage;
  /** Largest font size in points (default: 70% of the height, at most 12). */
  readonly maxSize?: number;
  /** "start" (left, or right for right-to-left text; default) or "center". */
  readonly align?: "start" | "center";
  /** Text colour, RGB 0–1 (default black). */
  readonly color?: readonly [number, number, number];
}

/** Below this size a value is not shrunk further; what is longer is clipped by the box (the value stays in /V). */
export const MIN_FONT_SIZE = 4;
const PADDING = 2;

export const preferredFace = (locale: CalendarLanguage | undefined): FaceName =>
  locale === "ar" ? "naskh" : locale === "ja" ? "jp" : "sans";

/** Throws AppearanceError `unsupported_script` when no shipped font draws a character of `text`. */
export function textFieldAppearance(
  text: string,
  width: number,
  height: number,
  options: TextFieldOptions = {},
): AppearanceStream {
  const fonts = new FontSubsets();
  const content = new ContentStream(fonts);
  content.op("/Tx", "BMC", "q", PADDING / 2, PADDING / 2, width - PADDING, height - PADDING, "re", "W", "n");
  const line = shapeLine(text, preferredFace(options.locale));
  let size = Math.min(options.maxSize ?? 12, height * 0.7);
  const room = width - 2 * PADDING;
  const natural = lineWidth(line, size);
  if (natural > room) size = Math.max(MIN_FONT_SIZE, (size * room) / natural);
  const w = lineWidth(line, size);
  const x = options.align === "center" ? (width - w) / 2 : line.rtl ? Math.max(PADDING, width - PADDING - w) : PADDING;
  const y = (height - size * 0.7) / 2;
  content.text(line, x, y, size, options.color ?? [0, 0, 0]);
  content.op("Q", "EMC");
  return {
    bbox: [0, 0, width, height],
    content: content.toBytes(),
    resources: (add) => resourceDict(fonts.write(add), null),
  };
}
