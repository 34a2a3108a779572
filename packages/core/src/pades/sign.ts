/**
 * PAdES baseline signing (ETSI EN 319 142-1 § 5 and 6): B-B, and B-T with a signature time-stamp.
 *
 * The signature goes into one incremental update (ISO 32000-2 § 7.5.6) that adds a signature dictionary, a signature
 * field merged with its widget, and the changed page, form and catalog objects; nothing before it is touched. The
 * /Contents hole is reserved first, the rest of the file hashed around it, and the CMS written into the hole.
 */

import { sha } from "../cms/hash.js";
import { assembleSignedData, attribute, OID, signAttributes } from "../cms/signed-data.js";
import { requestTimestamp } from "../cms/timestamp.js";
import { assertKeyMatchesCertificate } from "../keys/match.js";
import type { Signer } from "../keys/signer.js";
import { docMdpPermission, formFields, nextSignatureFieldName, signedSignatureFields } from "../pdf/acroform.js";
import { PdfDict, PdfFormatError, PdfName, type PdfObject, PdfRaw, PdfRef, PdfString } from "../pdf/objects.js";
import { PdfReader } from "../pdf/reader.js";
import { IncrementalUpdate } from "../pdf/writer.js";

export class SignError extends Error {
  override name = "SignError";
}

/** DocMDP permissions of a certification signature (ISO 32000-2 Table 257). */
export type CertifyPermission = "no-changes" | "form-filling" | "annotations";
const DOCMDP_P: Record<CertifyPermission, 1 | 2 | 3> = { "no-changes": 1, "form-filling": 2, annotations: 3 };

export interface PadesSignOptions {
  readonly signer: Signer;
  /** The signer's certificate (DER). */
  readonly certificate: Uint8Array;
  /** Issuing CA certificates (and optionally the root), DER, embedded in the CMS. */
  readonly chain?: readonly Uint8Array[];
  /** B-B (default) or B-T; B-T needs `tsaUrl` or `timestamp`. */
  readonly level?: "B-B" | "B-T";
  /** RFC 3161 time-stamp authority for B-T. */
  readonly tsaUrl?: string;
  /** Custom time-stamping (e.g. an in-process TSA): returns a TimeStampToken for `digest`. */
  readonly timestamp?: (hash: Signer["algorithm"]["hash"], digest: Uint8Array) => Promise<Uint8Array>;
  /** Name of the signature field; a new unique one by default. An existing empty signature field is filled. */
  readonly fieldName?: string;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  /** Make this a certification signature (DocMDP) with the given permission. */
  readonly certify?: CertifyPermission;
  /** Claimed signing time for /M (ETSI EN 319 142-1 § 5.4: not a signed attribute). Defaults to now. */
  readonly signingTime?: Date;
  /** 1-based page that carries the (invisible) widget; the first by default. */
  readonly page?: number;
  /** Bytes reserved for the CMS; estimated from the certificates when absent. */
  readonly reserve?: number;
}

/** Bytes reserved for a signature time-stamp token when the TSA's size is not yet known. */
const TIMESTAMP_RESERVE = 7000;

/** Signs a PDF; returns the whole signed file. */
export async function signPdf(pdf: Uint8Array, options: PadesSignOptions): Promise<Uint8Array> {
  const update = await signPdfUpdate(pdf, options);
  const out = new Uint8Array(pdf.length + update.length);
  out.set(pdf, 0);
  out.set(update, pdf.length);
  return out;
}

/**
 * Signs a PDF and returns only the incremental update: the bytes to append to `pdf`. Lets large files be written
 * without a second copy in memory.
 */
export async function signPdfUpdate(pdf: Uint8Array, options: PadesSignOptions): Promise<Uint8Array> {
  assertKeyMatchesCertificate(options.signer, options.certificate);
  if ((options.level ?? "B-B") === "B-T" && !options.tsaUrl && !options.timestamp)
    throw new SignError("level B-T needs a time-stamp authority (--tsa URL)");
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
  let reserve = options.reserve ?? estimateReserve(options);
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptSign(reader, options, reserve);
    } catch (e) {
      if (!(e instanceof TooSmall) || attempt > 0) throw e;
      reserve = e.needed + 2048;
    }
  }
}

class TooSmall extends Error {
  constructor(readonly needed: number) {
    super(`the signature needs ${needed} bytes`);
  }
}

function estimateReserve(options: PadesSignOptions): number {
  const certs = [options.certificate, ...(options.chain ?? [])].reduce((n, c) => n + c.length, 0);
  const sig = options.signer.publicKeySpki.length + 16; // an RSA signature is about as long as its modulus
  const ts = (options.level ?? "B-B") === "B-T" ? TIMESTAMP_RESERVE : 0;
  return certs + sig + ts + 1024;
}

async function attemptSign(reader: PdfReader, options: PadesSignOptions, reserve: number): Promise<Uint8Array> {
  const pdf = reader.bytes;
  const mdp = docMdpPermission(reader);
  if (mdp === 1) throw new SignError("the document is certified with no changes allowed; it cannot be signed again");
  const existing = signedSignatureFields(reader);
  if (options.certify && existing.length > 0)
    throw new SignError("a certification signature must be the first signature; the document is already signed");

  const update = new IncrementalUpdate(reader);
  const sigRef = update.allocate();
  const byteRange = new PdfRaw(new TextEncoder().encode(`[0 ${" ".repeat(10)} ${" ".repeat(10)} ${" ".repeat(10)}]`));
  const contents = new PdfRaw(new TextEncoder().encode(`<${"0".repeat(reserve * 2)}>`));
  const sigDict = new PdfDict([
    ["Type", PdfName.of("Sig")],
    ["Filter", PdfName.of("Adobe.PPKLite")],
    ["SubFilter", PdfName.of("ETSI.CAdES.detached")],
    ["M", PdfString.text(pdfDate(options.signingTime ?? new Date()))],
  ]);
  if (options.reason) sigDict.set("Reason", PdfString.text(options.reason));
  if (options.location) sigDict.set("Location", PdfString.text(options.location));
  if (options.contactInfo) sigDict.set("ContactInfo", PdfString.text(options.contactInfo));
  if (options.certify) {
    const params = new PdfDict([
      ["Type", PdfName.of("TransformParams")],
      ["P", DOCMDP_P[options.certify]],
      ["V", PdfName.of("1.2")],
    ]);
    const ref = new PdfDict([
      ["Type", PdfName.of("SigRef")],
      ["TransformMethod", PdfName.of("DocMDP")],
      ["TransformParams", params],
    ]);
    sigDict.set("Reference", [ref]);
  }
  // /ByteRange before /Contents, both last: the hole is then the tail of the dictionary, as most signers write it.
  sigDict.set("ByteRange", byteRange);
  sigDict.set("Contents", contents);
  update.set(sigRef, sigDict);
  placeField(reader, update, sigRef, options);

  const bytes = update.toBytes();
  const base = pdf.length;
  const holeStart = contents.offset;
  const holeEnd = holeStart + contents.bytes.length;
  const total = base + bytes.length;
  const range = `[0 ${pad(holeStart)} ${pad(holeEnd)} ${pad(total - holeEnd)}]`;
  bytes.set(new TextEncoder().encode(range), byteRange.offset - base);

  const hash = options.signer.algorithm.hash;
  const digest = sha(hash, pdf, bytes.subarray(0, holeStart - base), bytes.subarray(holeEnd - base));
  const parts = await signAttributes({
    contentDigest: digest,
    signer: options.signer,
    certificate: options.certificate,
    chain: options.chain,
  });
  const unsigned: Uint8Array[] = [];
  if ((options.level ?? "B-B") === "B-T") {
    // ETSI EN 319 122-1 § 5.3: the signature time-stamp covers the signature value.
    const imprint = sha(hash, parts.signature);
    const token = options.timestamp
      ? await options.timestamp(hash, imprint)
      : (await requestTimestamp(options.tsaUrl!, hash, imprint)).token;
    unsigned.push(attribute(OID.signatureTimeStampToken, token));
  }
  const cms = assembleSignedData(parts, unsigned);
  if (cms.length > reserve) throw new TooSmall(cms.length);
  const hex = new TextEncoder().encode(Buffer.from(cms).toString("hex"));
  bytes.set(hex, holeStart - base + 1);
  return bytes;
}

const pad = (n: number): string => String(n).padEnd(10, " ");

/**
 * Puts the signature into a field: an existing empty signature field of that name, or a new field merged with an
 * invisible widget (§ 12.7.5.5: /Rect all zero) on the chosen page, added to the page's /Annots and the form's
 * /Fields, with /SigFlags 3 (signatures exist, append only).
 */
function placeField(reader: PdfReader, update: IncrementalUpdate, sigRef: PdfRef, options: PadesSignOptions): void {
  const catalog = reader.catalog.clone();
  const catalogRef = reader.trailer.get("Root") as PdfRef;
  let catalogChanged = false;

  const acroRaw = catalog.get("AcroForm");
  const acroForm =
    reader.resolve(acroRaw) instanceof PdfDict ? (reader.resolve(acroRaw) as PdfDict).clone() : new PdfDict();
  const name = options.fieldName ?? nextSignatureFieldName(reader);
  const existing = formFields(reader).find((f) => f.name === name);

  if (existing) {
    if (existing.type !== "Sig") throw new SignError(`field '${name}' exists and is not a signature field`);
    if (existing.dict.get("V") !== undefined && reader.resolve(existing.dict.get("V")) !== null)
      throw new SignError(`field '${name}' is already signed`);
    if (!existing.ref) throw new SignError(`field '${name}' is not an indirect object and cannot be filled`);
    update.set(existing.ref, existing.dict.clone().set("V", sigRef));
  } else {
    const pages = reader.pages();
    const index = (options.page ?? 1) - 1;
    const pageRef = pages[index];
    if (!pageRef) throw new SignError(`the document has no page ${options.page ?? 1}`);
    const widget = update.add(
      new PdfDict([
        ["Type", PdfName.of("Annot")],
        ["Subtype", PdfName.of("Widget")],
        ["FT", PdfName.of("Sig")],
        ["T", PdfString.text(name)],
        ["V", sigRef],
        ["F", 132], // Print + Locked
        ["Rect", [0, 0, 0, 0]],
        ["P", pageRef],
      ]),
    );
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
  if (options.certify) {
    catalog.set("Perms", new PdfDict([["DocMDP", sigRef]]));
    catalogChanged = true;
  }
  if (catalogChanged) update.set(catalogRef, catalog);
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
