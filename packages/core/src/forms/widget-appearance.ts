/**
 * Appearance streams of the widgets forms/ writes (ISO 32000-2 § 12.5.5, § 12.7.4.3): every widget carries its own
 * appearance, so no reader has to synthesise one (/NeedAppearances stays unset, which PDF 2.0 deprecates anyway).
 *
 * An empty field shows a light border and its label in grey; a checkbox has an /Off state (the border) and an /On
 * state (the border and a check mark drawn as a path, so no font is needed); a filled text field shows its value
 * (`appearance/text-field.ts`: shaped, in an embedded subset of the face its script needs).
 */
import type { CalendarLanguage } from "../appearance/calendars.js";
import { AppearanceError } from "../appearance/errors.js";
import { type AppearanceStream, writeFormXObject } from "../appearance/form-xobject.js";
import { textFieldAppearance } from "../appearance/text-field.js";
import { concatBytes } from "../crypto/bytes.js";
import { PdfDict, PdfName, type PdfObject, type PdfRef } from "../pdf/objects.js";
import { formatNumber } from "../pdf/writer.js";
import { FieldError } from "./field-spec.js";

export type { AppearanceStream };

const n = formatNumber;
const ascii = (s: string) => new TextEncoder().encode(s);

/** The light grey border every field shows (0.75 pt, inside the box). */
function border(width: number, height: number): string {
  return `q 0.6 0.6 0.6 RG 0.75 w 0.375 0.375 ${n(width - 0.75)} ${n(height - 0.75)} re S Q\n`;
}

const noResources = () => new PdfDict();

/** An empty field: the border and, when given, the label in grey. */
export function emptyAppearance(width: number, height: number, label?: string): AppearanceStream {
  const bbox = [0, 0, width, height] as const;
  if (!label) return { bbox, content: ascii(border(width, height)), resources: noResources };
  const text = guarded(() => textFieldAppearance(label, width, height, { maxSize: 9, color: [0.45, 0.45, 0.45] }));
  return { bbox, content: concatBytes(ascii(border(width, height)), text.content), resources: text.resources };
}

/** The /On state of a checkbox: the border and a check mark scaled to the box. */
export function checkedAppearance(width: number, height: number): AppearanceStream {
  const s = Math.min(width, height);
  const x0 = (width - s) / 2;
  const y0 = (height - s) / 2;
  const p = (fx: number, fy: number) => `${n(x0 + fx * s)} ${n(y0 + fy * s)}`;
  const mark = `q 0 G ${n(Math.max(0.8, s * 0.1))} w 1 J 1 j ${p(0.22, 0.52)} m ${p(0.42, 0.3)} l ${p(0.78, 0.74)} l S Q\n`;
  return { bbox: [0, 0, width, height], content: ascii(border(width, height) + mark), resources: noResources };
}

/** A filled text field: the value in the face its script needs, `locale` choosing it for shared characters. */
export function textValueAppearance(
  text: string,
  width: number,
  height: number,
  locale?: CalendarLanguage,
): AppearanceStream {
  return guarded(() => textFieldAppearance(text, width, height, locale ? { locale } : {}));
}

/** Writes an appearance as a form XObject (§ 8.10) and returns its reference. */
export function writeAppearance(a: AppearanceStream, add: (obj: PdfObject) => PdfRef): PdfRef {
  return writeFormXObject(a, add);
}

/** Text no shipped font can draw is the caller's input problem: a FieldError naming it. */
function guarded<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof AppearanceError) throw new FieldError("unsupported_script", e.message);
    throw e;
  }
}

/** The standard 14 font Helvetica (§ 9.6.2.2) with WinAnsiEncoding: the form's default font for /DA. */
export function helvetica(): PdfDict {
  return new PdfDict([
    ["Type", PdfName.of("Font")],
    ["Subtype", PdfName.of("Type1")],
    ["BaseFont", PdfName.of("Helvetica")],
    ["Encoding", PdfName.of("WinAnsiEncoding")],
  ]);
}
