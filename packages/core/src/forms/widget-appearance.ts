/**
 * Appearance streams of the widgets forms/ writes (ISO 32000-2 § 12.5.5, § 12.7.4.3): every widget carries its own
 * appearance, so no reader has to synthesise one (/NeedAppearances stays unset, which PDF 2.0 deprecates anyway).
 *
 * An empty field shows a light border; a checkbox has an /Off state (the border) and an /On state (the border and a
 * check mark drawn as a path, so no font is needed); a filled text field shows its value through
 * `appearance/text-field.ts` once that lands (until then, Helvetica for text WinAnsi encodes, refused otherwise).
 */
import { PdfDict, PdfName, type PdfObject, type PdfRef, PdfStream } from "../pdf/objects.js";
import { formatNumber } from "../pdf/writer.js";
import { FieldError } from "./field-spec.js";

/** A form XObject to write: its size, content and the resources it draws with. */
export interface WidgetAppearance {
  readonly width: number;
  readonly height: number;
  readonly content: string | Uint8Array;
  /** Writes what the content uses and returns the /Resources dictionary. */
  readonly resources?: (add: (obj: PdfObject) => PdfRef) => PdfDict;
}

const n = formatNumber;

/** The light grey border every empty field shows (0.75 pt, inside the box). */
function border(width: number, height: number): string {
  return `q 0.6 0.6 0.6 RG 0.75 w 0.375 0.375 ${n(width - 0.75)} ${n(height - 0.75)} re S Q\n`;
}

export function emptyAppearance(width: number, height: number): WidgetAppearance {
  return { width, height, content: border(width, height) };
}

/** The /On state of a checkbox: the border and a check mark scaled to the box. */
export function checkedAppearance(width: number, height: number): WidgetAppearance {
  const s = Math.min(width, height);
  const x0 = (width - s) / 2;
  const y0 = (height - s) / 2;
  const p = (fx: number, fy: number) => `${n(x0 + fx * s)} ${n(y0 + fy * s)}`;
  const mark = `q 0 g 0 G ${n(Math.max(0.8, s * 0.1))} w 1 J 1 j ${p(0.22, 0.52)} m ${p(0.42, 0.3)} l ${p(0.78, 0.74)} l S Q\n`;
  return { width, height, content: border(width, height) + mark };
}

/** Writes an appearance as a form XObject (§ 8.10) and returns its reference. */
export function writeAppearance(a: WidgetAppearance, add: (obj: PdfObject) => PdfRef): PdfRef {
  const dict = new PdfDict([
    ["Type", PdfName.of("XObject")],
    ["Subtype", PdfName.of("Form")],
    ["BBox", [0, 0, a.width, a.height]],
    ["Resources", a.resources ? a.resources(add) : new PdfDict()],
  ]);
  const bytes = typeof a.content === "string" ? latin1(a.content) : a.content;
  return add(new PdfStream(dict, bytes));
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/**
 * A filled text field (§ 12.7.4.3: the value between /Tx BMC and EMC), in Helvetica with WinAnsiEncoding, on one
 * line, shrunk to fit. Text WinAnsi cannot encode is refused with `bad_value` rather than shown as "?".
 */
export function textValueAppearance(text: string, width: number, height: number): WidgetAppearance {
  const bytes: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e) bytes.push(c);
    else if (c >= 0xa0 && c <= 0xff) bytes.push(c);
    else throw new FieldError("bad_value", `the value "${text}" has characters this field's font cannot show`);
  }
  let size = Math.min(12, height * 0.7);
  const w = bytes.length * 0.55 * size; // Helvetica's average advance, conservative for shrinking
  if (w > width - 4 && bytes.length > 0) size = Math.max(4, (size * (width - 4)) / w);
  let lit = "(";
  for (const b of bytes) lit += (b === 0x28 || b === 0x29 || b === 0x5c ? "\\" : "") + String.fromCharCode(b);
  lit += ")";
  const y = (height - size * 0.7) / 2;
  const content = `/Tx BMC q 1 1 ${n(width - 2)} ${n(height - 2)} re W n BT /Helv ${n(size)} Tf 0 g 2 ${n(y)} Td ${lit} Tj ET Q EMC\n`;
  return {
    width,
    height,
    content,
    resources: () => new PdfDict([["Font", new PdfDict([["Helv", helvetica()]])]]),
  };
}

/** The standard 14 font Helvetica (§ 9.6.2.2) with WinAnsiEncoding, as a direct dictionary. */
export function helvetica(): PdfDict {
  return new PdfDict([
    ["Type", PdfName.of("Font")],
    ["Subtype", PdfName.of("Type1")],
    ["BaseFont", PdfName.of("Helvetica")],
    ["Encoding", PdfName.of("WinAnsiEncoding")],
  ]);
}
