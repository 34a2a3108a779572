/**
 * One signature revision (ISO 32000-2 § 12.8.1): an incremental update that adds a signature dictionary with a
 * reserved /Contents hole, places it in a signature field, fixes /ByteRange, hashes everything around the hole, and
 * writes the CMS that `produce` returns for that digest into the hole.
 *
 * Shared by approval/certification signatures and document time-stamps, which differ only in their dictionary
 * entries and in what CMS they put in the hole.
 */
import type { AppearanceStream } from "../appearance/form-xobject.js";
import { writeFormXObject } from "../appearance/form-xobject.js";
import { sha } from "../cms/hash.js";
import type { HashAlgorithm } from "../keys/signer.js";
import { formFields, nextSignatureFieldName } from "../pdf/acroform.js";
import { PdfDict, PdfFormatError, PdfName, type PdfObject, PdfRaw, PdfRef, PdfString } from "../pdf/objects.js";
import { pageBox, pageRotation } from "../pdf/page-box.js";
import { PdfReader } from "../pdf/reader.js";
import { IncrementalUpdate } from "../pdf/writer.js";

export class SignError extends Error {
  override name = "SignError";
}

export interface SignatureRevisionOptions {
  /** Entries of the signature dictionary other than /ByteRange and /Contents. */
  readonly entries: readonly [string, PdfObject][];
  /** Field name; a new unique one by default. An existing empty signature field of that name is filled. */
  readonly fieldName?: string;
  /** 1-based page for the widget of a new field. */
  readonly page?: number;
  /**
   * A visible signature: the widget gets `rect` (a new field's; an existing field keeps its own) and, as its normal
   * appearance (/AP /N), what `appearance` draws for the rectangle's size. Absent: an invisible widget (§ 12.7.5.5).
   */
  readonly visible?: VisibleSignature;
  /** Other objects the same revision changes: the signer's filled form fields (forms/fill.ts). */
  readonly alsoWrite?: (update: IncrementalUpdate) => void;
  /** Extra catalog entries, given the new signature dictionary's reference (e.g. /Perms of a certification). */
  readonly catalogEntries?: (sigRef: PdfRef) => [string, PdfObject][];
  /** Bytes reserved for the CMS. */
  readonly reserve: number;
  readonly hash: HashAlgorithm;
  /**
   * The CMS (DER) for the digest of the signed bytes. An empty result leaves the hole zero-filled, for a CMS that
   * will be completed later (external signatures); `holeOffset` then says where to write it.
   */
  readonly produce: (
    digest: Uint8Array,
    hole: { readonly holeOffset: number; readonly reserve: number },
  ) => Promise<Uint8Array>;
}

export interface VisibleSignature {
  /** x1 y1 x2 y2 in the page's default user space, for a new field; an existing field's widget keeps its /Rect. */
  readonly rect?: readonly [number, number, number, number];
  /** The appearance for a widget of `width` × `height` points. */
  readonly appearance: (width: number, height: number) => AppearanceStream;
}

/**
 * The entries of a PAdES signature dictionary (ETSI EN 319 142-1 § 5.3; ISO 32000-2 Table 255): SubFilter
 * ETSI.CAdES.detached, the claimed signing time in /M (not a signed attribute), and the optional texts.
 */
export function cadesSignatureEntries(options: {
  signingTime?: Date;
  reason?: string;
  location?: string;
  contactInfo?: string;
}): [string, PdfObject][] {
  const entries: [string, PdfObject][] = [
    ["Type", PdfName.of("Sig")],
    ["Filter", PdfName.of("Adobe.PPKLite")],
    ["SubFilter", PdfName.of("ETSI.CAdES.detached")],
    ["M", PdfString.text(pdfDate(options.signingTime ?? new Date()))],
  ];
  if (options.reason) entries.push(["Reason", PdfString.text(options.reason)]);
  if (options.location) entries.push(["Location", PdfString.text(options.location)]);
  if (options.contactInfo) entries.push(["ContactInfo", PdfString.text(options.contactInfo)]);
  return entries;
}

/** Opens a PDF to sign it, turning format problems into one-line SignErrors. */
export function openForSigning(pdf: Uint8Array): PdfReader {
  let reader: PdfReader;
  try {
    reader = PdfReader.open(pdf);
  } catch (e) {
    if (e instanceof PdfFormatError) throw new SignError(`cannot read the PDF: ${e.message}`);
    throw e;
  }
  if (reader.isEncrypted) throw new SignError("the PDF is encrypted; Khatam signs only unencrypted PDFs");
  if (reader.startXref < 0)
    throw new SignError("the PDF's cross-reference data is damaged; repair it (e.g. qpdf in.pdf out.pdf) first");
  return reader;
}

/**
 * Adds the signature revision; returns the bytes to append to `reader.bytes`. If the CMS turns out larger than
 * the reservation (a TSA's token can be), the revision is built once more with room for it.
 */
export async function addSignatureRevision(reader: PdfReader, options: SignatureRevisionOptions): Promise<Uint8Array> {
  let reserve = options.reserve;
  for (let attempt = 0; ; attempt++) {
    const result = await attempt_(reader, options, reserve);
    if (result instanceof Uint8Array) return result;
    if (attempt > 0) throw new SignError(`the signature needs ${result.needed} bytes and did not fit`);
    reserve = result.needed + 2048;
  }
}

async function attempt_(
  reader: PdfReader,
  options: SignatureRevisionOptions,
  reserve: number,
): Promise<Uint8Array | { needed: number }> {
  const pdf = reader.bytes;
  const update = new IncrementalUpdate(reader);
  const sigRef = update.allocate();
  const byteRange = new PdfRaw(new TextEncoder().encode(`[0 ${" ".repeat(10)} ${" ".repeat(10)} ${" ".repeat(10)}]`));
  const contents = new PdfRaw(new TextEncoder().encode(`<${"0".repeat(reserve * 2)}>`));
  // /ByteRange before /Contents, both last: the hole is then the tail of the dictionary, as most signers write it.
  const sigDict = new PdfDict([...options.entries, ["ByteRange", byteRange], ["Contents", contents]]);
  update.set(sigRef, sigDict);
  placeField(reader, update, sigRef, options);
  options.alsoWrite?.(update);

  const bytes = update.toBytes();
  const base = pdf.length;
  const holeStart = contents.offset;
  const holeEnd = holeStart + contents.bytes.length;
  const total = base + bytes.length;
  const range = `[0 ${pad(holeStart)} ${pad(holeEnd)} ${pad(total - holeEnd)}]`;
  bytes.set(new TextEncoder().encode(range), byteRange.offset - base);

  const digest = sha(options.hash, pdf, bytes.subarray(0, holeStart - base), bytes.subarray(holeEnd - base));
  const holeOffset = holeStart - base;
  const cms = await options.produce(digest, { holeOffset, reserve });
  if (cms.length > reserve) return { needed: cms.length };
  fillHole(bytes, holeOffset, cms);
  return bytes;
}

/** Writes a CMS as hex into the /Contents hole that starts (with its `<`) at `holeOffset` of `update`. */
export function fillHole(update: Uint8Array, holeOffset: number, cms: Uint8Array): void {
  if (update[holeOffset] !== 0x3c) throw new SignError("internal: the signature hole is not where it was reserved");
  const hex = new TextEncoder().encode(Buffer.from(cms).toString("hex"));
  const close = update.indexOf(0x3e, holeOffset + 1); // the hole holds only hex digits up to its '>'
  if (close < 0 || hex.length > close - holeOffset - 1)
    throw new SignError(`the signature (${cms.length} bytes) does not fit the space reserved for it`);
  update.set(hex, holeOffset + 1);
}

const pad = (n: number): string => String(n).padEnd(10, " ");

/**
 * Puts the signature into a field: an existing empty signature field of that name, or a new field merged with an
 * invisible widget (§ 12.7.5.5: /Rect all zero) on the chosen page, added to the page's /Annots and the form's
 * /Fields, with /SigFlags 3 (signatures exist, append only).
 */
function placeField(
  reader: PdfReader,
  update: IncrementalUpdate,
  sigRef: PdfRef,
  options: SignatureRevisionOptions,
): void {
  const catalog = reader.catalog.clone();
  const catalogRef = reader.trailer.get("Root") as PdfRef;
  let catalogChanged = false;

  const acroRaw = catalog.get("AcroForm");
  const acroResolved = reader.resolve(acroRaw);
  const acroForm = acroResolved instanceof PdfDict ? acroResolved.clone() : new PdfDict();
  const name = options.fieldName ?? nextSignatureFieldName(reader);
  const existing = formFields(reader).find((f) => f.name === name);
  const add = (obj: PdfObject) => update.add(obj);

  if (existing) {
    if (existing.type !== "Sig") throw new SignError(`field '${name}' exists and is not a signature field`);
    if (reader.resolve(existing.dict.get("V")) !== null) throw new SignError(`field '${name}' is already signed`);
    if (!existing.ref) throw new SignError(`field '${name}' is not an indirect object and cannot be filled`);
    const field = existing.dict.clone().set("V", sigRef);
    if (options.visible) {
      // The widget is the field itself (merged, § 12.7.1) or its one kid without /T.
      const kids = reader.resolve(field.get("Kids"));
      const kidRef = Array.isArray(kids) && kids.length === 1 && kids[0] instanceof PdfRef ? kids[0] : undefined;
      const widget = kidRef ? reader.dict(kidRef, "the signature widget").clone() : field;
      widget.set("AP", new PdfDict([["N", visibleAppearance(reader, widget, options.visible, add)]]));
      if (kidRef) update.set(kidRef, widget);
    }
    update.set(existing.ref, field);
  } else {
    const pages = reader.pages();
    const pageRef = pages[(options.page ?? 1) - 1];
    if (!pageRef) throw new SignError(`the document has no page ${options.page ?? 1}`);
    const widgetDict = new PdfDict([
      ["Type", PdfName.of("Annot")],
      ["Subtype", PdfName.of("Widget")],
      ["FT", PdfName.of("Sig")],
      ["T", PdfString.text(name)],
      ["V", sigRef],
      ["F", 132], // Print + Locked
      ["Rect", options.visible?.rect ? [...options.visible.rect] : [0, 0, 0, 0]],
      ["P", pageRef],
    ]);
    if (options.visible) {
      const rect = options.visible.rect;
      if (!rect) throw new SignError("a visible signature needs a rectangle (rect) or a placed field");
      const box = pageBox(reader, pageRef);
      const slack = 0.5;
      if (rect[0] < box[0] - slack || rect[1] < box[1] - slack || rect[2] > box[2] + slack || rect[3] > box[3] + slack)
        throw new SignError(
          `the signature rectangle [${rect.join(" ")}] lies outside page ${options.page ?? 1} ([${box.join(" ")}])`,
        );
      widgetDict.set("AP", new PdfDict([["N", visibleAppearance(reader, widgetDict, options.visible, add)]]));
    }
    const widget = update.add(widgetDict);
    const page = reader.dict(pageRef, "the page").clone();
    appendToArray(reader, update, page, "Annots", widget, () => update.set(pageRef, page));
    appendToArray(reader, update, acroForm, "Fields", widget, () => {});
  }
  acroForm.set("SigFlags", 3);
  if (acroRaw instanceof PdfRef) update.set(acroRaw, acroForm);
  else {
    catalog.set("AcroForm", acroRaw === undefined ? update.add(acroForm) : acroForm);
    catalogChanged = true;
  }
  for (const [key, value] of options.catalogEntries?.(sigRef) ?? []) {
    catalog.set(key, value);
    catalogChanged = true;
  }
  if (catalogChanged) update.set(catalogRef, catalog);
}

/**
 * Writes the appearance for the widget's rectangle and returns the form XObject's reference. On a page shown turned
 * (/Rotate), the appearance is built for the box as the reader sees it and turned back by its /Matrix (§ 12.5.5:
 * the BBox transformed by the Matrix is fitted to the /Rect), so the block reads upright.
 */
function visibleAppearance(
  reader: PdfReader,
  widget: PdfDict,
  visible: VisibleSignature,
  add: (obj: PdfObject) => PdfRef,
): PdfRef {
  const rect = reader.resolve(widget.get("Rect"));
  const n = Array.isArray(rect) ? rect.map((v) => reader.resolve(v)) : [];
  if (n.length !== 4 || !n.every((v) => typeof v === "number"))
    throw new SignError("the signature field's widget has no rectangle (/Rect)");
  const [x1, y1, x2, y2] = n as number[];
  const width = Math.abs(x2! - x1!);
  const height = Math.abs(y2! - y1!);
  const page = widget.get("P");
  const rotation = page instanceof PdfRef ? pageRotation(reader, page) : 0;
  if (rotation === 0) return writeFormXObject(visible.appearance(width, height), add);
  const turned = rotation === 90 || rotation === 270;
  const appearance = visible.appearance(turned ? height : width, turned ? width : height);
  // Counter-clockwise by the page's rotation: [cos sin -sin cos 0 0].
  const matrix = { 90: [0, 1, -1, 0, 0, 0], 180: [-1, 0, 0, -1, 0, 0], 270: [0, -1, 1, 0, 0, 0] }[rotation] as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return writeFormXObject(appearance, add, matrix);
}

/**
 * Appends `item` to the array under `key` of `owner`. If the array is an indirect object, that object is rewritten
 * (and the owner left alone); otherwise the owner gets a new direct array and `ownerChanged` is called.
 */
function appendToArray(
  reader: PdfReader,
  update: IncrementalUpdate,
  owner: PdfDict,
  key: string,
  item: PdfObject,
  ownerChanged: () => void,
): void {
  const raw = owner.get(key);
  const current = reader.resolve(raw);
  const items = Array.isArray(current) ? [...current, item] : [item];
  if (raw instanceof PdfRef && Array.isArray(current)) update.set(raw, items);
  else {
    owner.set(key, items);
    ownerChanged();
  }
}

/** § 7.9.4 date string, in UTC: D:YYYYMMDDHHmmSSZ. */
export function pdfDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}
