/**
 * A new PDF of text: paragraphs in any of the shipped scripts (Latin, Arabic set right to left, Japanese), shaped
 * and set in embedded font subsets by the same engine as visible signatures (text-layout.ts, content-stream.ts,
 * font-subset.ts), wrapped to the page and onto further A4 pages, written by pdf/writer.ts. For the documents Khatam
 * makes itself, such as the demo's memorandum: text extraction gives each paragraph in its logical order.
 */
import { PdfDict, PdfName, type PdfRef, PdfString } from "../pdf/objects.js";
import { NewDocument } from "../pdf/writer.js";
import type { CalendarLanguage } from "./calendars.js";
import { ContentStream } from "./content-stream.js";
import { FontSubsets, flate } from "./font-subset.js";
import { resourceDict } from "./form-xobject.js";
import { preferredFace } from "./text-field.js";
import { lineWidth, type ShapedLine, shapeLine } from "./text-layout.js";

export interface Paragraph {
  readonly text: string;
  /** The paragraph's language: its face for characters several faces draw, and its direction (ar: right to left). */
  readonly language?: CalendarLanguage;
  /** Points; 11 by default. */
  readonly size?: number;
  /** Space above it, points; half its size by default. */
  readonly spaceBefore?: number;
}

export interface TextDocumentOptions {
  /** The document's title (its /Info /Title, which viewers show). */
  readonly title?: string;
  /** Page width and height, points: A4 by default. */
  readonly pageSize?: readonly [number, number];
  /** Margin on every side, points. */
  readonly margin?: number;
}

const A4: readonly [number, number] = [595.28, 841.89];
const LEADING = 1.45;

/** The PDF of `paragraphs`, one after another from the top of the first page. */
export function textDocument(paragraphs: readonly Paragraph[], options: TextDocumentOptions = {}): Uint8Array {
  const [width, height] = options.pageSize ?? A4;
  const margin = options.margin ?? 72;
  const fonts = new FontSubsets();
  const pages: ContentStream[] = [new ContentStream(fonts)];
  let y = height - margin;
  for (const p of paragraphs) {
    const size = p.size ?? 11;
    y -= p.spaceBefore ?? size / 2;
    for (const line of wrap(p, size, width - 2 * margin)) {
      if (y - size < margin) {
        pages.push(new ContentStream(fonts));
        y = height - margin;
      }
      y -= size;
      // A right-to-left paragraph is set against the right margin.
      const x = line.rtl ? width - margin - lineWidth(line, size) : margin;
      pages.at(-1)!.text(line, x, y, size);
      y -= size * (LEADING - 1);
    }
  }

  const doc = new NewDocument();
  const pagesRef = doc.allocate();
  const resources = doc.add(
    resourceDict(
      fonts.write((obj) => doc.add(obj)),
      null,
    ),
  );
  const kids: PdfRef[] = pages.map((content) =>
    doc.add(
      new PdfDict([
        ["Type", PdfName.of("Page")],
        ["Parent", pagesRef],
        ["MediaBox", [0, 0, width, height]],
        ["Resources", resources],
        ["Contents", doc.add(flate(content.toBytes()))],
      ]),
    ),
  );
  doc.set(
    pagesRef,
    new PdfDict([
      ["Type", PdfName.of("Pages")],
      ["Kids", kids],
      ["Count", kids.length],
    ]),
  );
  const catalog = new PdfDict([
    ["Type", PdfName.of("Catalog")],
    ["Pages", pagesRef],
  ]);
  const language = paragraphs[0]?.language;
  if (language) catalog.set("Lang", PdfString.text(language));
  const info = new PdfDict([["Producer", PdfString.text("Khatam")]]);
  if (options.title) info.set("Title", PdfString.text(options.title));
  return doc.toBytes(doc.add(catalog), doc.add(info));
}

/**
 * The paragraph's lines: as many words as fit the width (Japanese, written without spaces, breaks between any two
 * characters), each line shaped on its own.
 */
function wrap(p: Paragraph, size: number, room: number): ShapedLine[] {
  const face = preferredFace(p.language);
  const direction = p.language === "ar" ? "rtl" : "auto";
  const shape = (text: string) => shapeLine(text, face, direction);
  const units = p.language === "ja" ? [...p.text] : p.text.split(/(?<=\s)/);
  const lines: ShapedLine[] = [];
  let current = "";
  for (const unit of units) {
    const candidate = current + unit;
    if (current && lineWidth(shape(candidate.trimEnd()), size) > room) {
      lines.push(shape(current.trimEnd()));
      current = unit.trimStart();
    } else current = candidate;
  }
  if (current.trim() || lines.length === 0) lines.push(shape(current.trimEnd()));
  return lines;
}
