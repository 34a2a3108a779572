/**
 * The uploaded document: what the platform accepts (a readable, unencrypted PDF with at least one page) and the
 * register line stamped on page 1 before anyone signs.
 *
 * The stamp is an incremental update (ISO 32000-1 § 7.5.6), so the uploaded bytes stay a prefix of every later
 * revision and their hash (the envelope's `original_sha256`) can be checked against the final document. The page's
 * existing content is wrapped in `q … Q` so that whatever graphics state it leaves does not move the line.
 */
import { freeArea } from "@khatam/core/forms";
import {
  IncrementalUpdate,
  PdfDict,
  PdfFormatError,
  PdfName,
  type PdfObject,
  PdfReader,
  PdfRef,
  PdfStream,
} from "@khatam/core/pdf";
import { findSignatures } from "@khatam/core/verify";
import { qrOperators } from "../audit/register-qr.js";
import { EnvelopeError } from "./errors.js";

export interface InspectedPdf {
  readonly pages: number;
  readonly signatures: number;
}

/** Checks that `bytes` is a PDF the workflow can carry; throws `invalid_pdf` or `encrypted_pdf`. */
export function inspectPdf(bytes: Uint8Array): InspectedPdf {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 1024)).indexOf("%PDF-") < 0) {
    throw new EnvelopeError("unsupported_media_type", "the file is not a PDF");
  }
  let reader: PdfReader;
  try {
    reader = PdfReader.open(bytes);
    if (reader.isEncrypted) throw new EnvelopeError("encrypted_pdf", "the PDF is encrypted; upload it unencrypted");
    if (reader.startXref < 0) {
      throw new EnvelopeError("invalid_pdf", "the PDF's cross-reference data is damaged; repair it first");
    }
    const pages = reader.pages().length;
    if (pages === 0) throw new EnvelopeError("invalid_pdf", "the PDF has no pages");
    return { pages, signatures: findSignatures(reader).length };
  } catch (error) {
    if (error instanceof EnvelopeError) throw error;
    const reason = error instanceof PdfFormatError ? error.message : String((error as Error).message ?? error);
    throw new EnvelopeError("invalid_pdf", `not a readable PDF: ${reason}`);
  }
}

/** An upload as the workflow keeps it: what it is, and the bytes to sign (stamped, unless signed already). */
export interface PreparedUpload {
  readonly inspected: InspectedPdf;
  readonly working: Uint8Array;
}

/** Inspects an upload and, when nothing has signed it yet, stamps the register line on page 1. */
/** What is stamped on page 1: a line of text, and the register's address as a QR code. */
export interface RegisterStamp {
  readonly text: string;
  readonly url: string;
  /** Rectangles on page 1 (default user space) the QR code must leave clear: fields placed after the stamp. */
  readonly avoid?: readonly (readonly [number, number, number, number])[];
}

export function prepareUpload(pdf: Uint8Array, stamp: RegisterStamp): PreparedUpload {
  const inspected = inspectPdf(pdf);
  return { inspected, working: inspected.signatures === 0 ? stampPageOne(pdf, stamp) : pdf };
}

const FONT_KEY = "KhatamRegister";

/** The QR code's side, in points (22.6 mm: about 1.4 pt per module for a register address). */
const QR_SIZE = 64;

/**
 * Adds `stamp.text` (WinAnsi; characters outside it become "?") as one line of 7-point Helvetica near the bottom-left
 * of page 1, and `stamp.url` as a QR code where it covers neither the page's content, its annotations, the line nor
 * `stamp.avoid` (core's freeArea: the corners first, bottom-right preferred, then a scan of the page), or in the
 * bottom-right corner when the page has no such place; returns the whole new file.
 */
export function stampPageOne(pdf: Uint8Array, stamp: RegisterStamp): Uint8Array {
  const text = stamp.text;
  const reader = PdfReader.open(pdf);
  const update = new IncrementalUpdate(reader);
  const pageRef = reader.pages()[0]!;
  const page = reader.dict(pageRef, "page 1").clone();

  // Resources are inheritable (§ 7.7.3.4): take the nearest, copy it onto the page with our font added.
  let node: PdfDict | undefined = page;
  let resources: PdfDict | undefined;
  for (let depth = 0; node && depth < 64 && !resources; depth++) {
    const r = reader.resolve(node.get("Resources"));
    if (r instanceof PdfDict) resources = r;
    const parent = reader.resolve(node.get("Parent"));
    node = parent instanceof PdfDict ? parent : undefined;
  }
  const newResources = resources ? resources.clone() : new PdfDict();
  const fonts = reader.resolve(newResources.get("Font"));
  const newFonts = fonts instanceof PdfDict ? fonts.clone() : new PdfDict();
  newFonts.set(
    FONT_KEY,
    update.add(
      new PdfDict([
        ["Type", PdfName.of("Font")],
        ["Subtype", PdfName.of("Type1")],
        ["BaseFont", PdfName.of("Helvetica")],
        ["Encoding", PdfName.of("WinAnsiEncoding")],
      ]),
    ),
  );
  newResources.set("Font", newFonts);
  page.set("Resources", newResources);

  const [x, y, right] = pageBox(reader, page);
  // The line's extent, 7-point Helvetica at most 0.6 em a character (what freeArea assumes for text too).
  const lineBox = [x + 24, y + 12, x + 24 + text.length * 7 * 0.6, y + 22] as const;
  const [qrX, qrY] = qrSpot(pdf, [lineBox, ...(stamp.avoid ?? [])]) ?? [right - 24 - QR_SIZE, y + 8];
  const line = Buffer.concat([
    Buffer.from(`Q q BT /${FONT_KEY} 7 Tf 0 g ${x + 24} ${y + 14} Td `, "latin1"),
    pdfLiteral(winAnsi(text)),
    Buffer.from(" Tj ET Q\n", "latin1"),
    Buffer.from(qrOperators(stamp.url, qrX, qrY, QR_SIZE), "latin1"),
  ]);
  const open = update.add(new PdfStream(new PdfDict(), new Uint8Array(Buffer.from("q\n", "latin1"))));
  const close = update.add(new PdfStream(new PdfDict(), new Uint8Array(line)));
  const existing = page.get("Contents");
  const resolved = reader.resolve(existing);
  const old: PdfObject[] = Array.isArray(resolved) ? [...resolved] : existing instanceof PdfRef ? [existing] : [];
  page.set("Contents", [open, ...old, close]);
  update.set(pageRef, page);
  const tail = update.toBytes();
  const out = new Uint8Array(pdf.length + tail.length);
  out.set(pdf, 0);
  out.set(tail, pdf.length);
  return out;
}

/** Lower-left corner of a free place for the QR code on page 1, or undefined when the page has none. */
function qrSpot(
  pdf: Uint8Array,
  avoid: readonly (readonly [number, number, number, number])[],
): [number, number] | undefined {
  const area = freeArea(pdf, 1, QR_SIZE, QR_SIZE, { margin: 12, avoid });
  return area ? [area[0], area[1]] : undefined;
}

/** The page's visible box: left, bottom, right. */
function pageBox(reader: PdfReader, page: PdfDict): [number, number, number] {
  let node: PdfDict | undefined = page;
  for (let depth = 0; node && depth < 64; depth++) {
    const box = reader.resolve(node.get("CropBox") ?? node.get("MediaBox"));
    if (Array.isArray(box) && box.length === 4 && box.every((n) => typeof n === "number")) {
      const [a, b, c, d] = box as number[];
      return [Math.min(a!, c!), Math.min(b!, d!), Math.max(a!, c!)];
    }
    const parent = reader.resolve(node.get("Parent"));
    node = parent instanceof PdfDict ? parent : undefined;
  }
  return [0, 0, 612];
}

/** Latin-1 bytes with the em dash at WinAnsi 0x97; anything else outside Latin-1 becomes "?". */
function winAnsi(text: string): Buffer {
  const bytes = [...text].map((c) => (c === "—" ? 0x97 : c.charCodeAt(0) <= 0xff ? c.charCodeAt(0) : 0x3f));
  return Buffer.from(bytes);
}

function pdfLiteral(bytes: Buffer): Buffer {
  const out: number[] = [0x28];
  for (const b of bytes) {
    if (b === 0x28 || b === 0x29 || b === 0x5c) out.push(0x5c);
    out.push(b);
  }
  out.push(0x29);
  return Buffer.from(out);
}
