/**
 * Finding the signatures of a PDF and checking their byte ranges (ISO 32000-2 § 12.8.1; ETSI EN 319 142-1 § 5.4;
 * the "universal signature forgery" and "signature wrapping" classes of the PDF Insecurity research).
 *
 * A /ByteRange is a claim made by the file, never trusted: it must start at 0, leave out exactly this signature's
 * /Contents hex string and nothing else, and end at the end of a revision. The signature dictionary itself must lie
 * inside the signed bytes, and the signed revision must already contain the signature field.
 */
import { formFields } from "../pdf/acroform.js";
import { PdfDict, PdfFormatError, PdfRef, PdfString } from "../pdf/objects.js";
import { PdfReader } from "../pdf/reader.js";
import { type Failure, failure } from "./checks.js";
import { type Message, message } from "./messages.js";

export type Coverage = "ENTIRE_FILE" | "ENTIRE_REVISION" | "PARTIAL";

/** One signature or document time-stamp found in the document. */
export interface PdfSignature {
  /** Fully qualified field name. */
  readonly field: string;
  /** The signature dictionary (§ 12.8.1, Table 255). */
  readonly dict: PdfDict;
  readonly ref: PdfRef | undefined;
  readonly type: "signature" | "document-timestamp";
  readonly subFilter: string;
  /** The four /ByteRange numbers, as claimed. */
  readonly byteRange: readonly number[];
  /** The DER of the CMS (the /Contents string with its zero padding removed). */
  readonly cms: Uint8Array;
  /** The /M of the signature dictionary. */
  readonly claimedSigningTime: Date | null;
  /** Offset just past the signed bytes: the end of the revision this signature covers. */
  readonly signedEnd: number;
  readonly coverage: Coverage;
  /**
   * Problems with the byte range or placement: failed checks of format checking (EN 319 102-1 § 5.2.2), each
   * making the signature TOTAL_FAILED/FORMAT_FAILURE unless the policy says otherwise.
   */
  readonly formatErrors: Failure[];
}

/** All signature fields with a signature value, in the order their revisions were written (oldest first). */
export function findSignatures(reader: PdfReader): PdfSignature[] {
  const bytes = reader.bytes;
  const revisionEnds = findRevisionEnds(bytes);
  const out: PdfSignature[] = [];
  const seenDicts = new Set<string>();
  for (const field of formFields(reader)) {
    if (field.type !== "Sig") continue;
    const v = field.dict.get("V");
    const dict = reader.resolve(v);
    if (!(dict instanceof PdfDict)) continue;
    const ref = v instanceof PdfRef ? v : undefined;
    if (ref) {
      // The same signature dictionary referenced from two fields would be counted twice.
      if (seenDicts.has(ref.key)) continue;
      seenDicts.add(ref.key);
    }
    out.push(inspect(reader, field.name, dict, ref, revisionEnds));
  }
  return out.sort((a, b) => a.signedEnd - b.signedEnd);
}

function inspect(
  reader: PdfReader,
  field: string,
  dict: PdfDict,
  ref: PdfRef | undefined,
  revisionEnds: number[],
): PdfSignature {
  const bytes = reader.bytes;
  const errors: Message[] = [];
  const subFilter = dict.name("SubFilter") ?? "";
  const type =
    dict.name("Type") === "DocTimeStamp" || subFilter === "ETSI.RFC3161" ? "document-timestamp" : "signature";
  const brObj = reader.resolve(dict.get("ByteRange"));
  const br = Array.isArray(brObj) && brObj.every((x) => typeof x === "number") ? (brObj as number[]) : [];
  const contentsObj = reader.resolve(dict.get("Contents"));
  const contents = contentsObj instanceof PdfString ? contentsObj.bytes : new Uint8Array(0);
  let signedEnd = 0;
  if (subFilter === "adbe.x509.rsa_sha1") {
    // ISO 32000-1 § 12.8.3.2: a bare PKCS#1 signature with the certificates in /Cert, deprecated in PDF 2.0 and
    // outside PAdES. Said plainly, rather than failing to read /Contents as CMS.
    errors.push(message("pdf.legacyRsaSha1"));
  }

  if (br.length !== 4 || !br.every((n) => Number.isInteger(n) && n >= 0)) {
    errors.push(message("pdf.byteRangeShape"));
  } else {
    const [a, b, c, d] = br as [number, number, number, number];
    signedEnd = c + d;
    if (a !== 0) errors.push(message("pdf.byteRangeStart"));
    if (b >= c) errors.push(message("pdf.byteRangeOrder"));
    if (signedEnd > bytes.length) errors.push(message("pdf.byteRangePastEnd"));
    if (errors.length === 0) checkHole(bytes, b, c, contents, errors);
    if (errors.length === 0 && ref) {
      // The dictionary that claims this hole must itself be signed: its object must start before the hole and
      // sit in the signed bytes (otherwise /ByteRange and /Contents could be swapped in later; signature wrapping).
      const at = reader.offsetOf(ref.num);
      if (at === undefined || at > b) errors.push(message("pdf.dictionaryUnsigned"));
    }
    if (errors.length === 0) checkSignedRevision(reader, field, ref, signedEnd, errors);
  }
  const coverage: Coverage =
    signedEnd === bytes.length ? "ENTIRE_FILE" : revisionEnds.includes(signedEnd) ? "ENTIRE_REVISION" : "PARTIAL";
  if (coverage === "PARTIAL" && errors.length === 0) errors.push(message("pdf.partialRevision"));
  const m = reader.resolve(dict.get("M"));
  return {
    field,
    dict,
    ref,
    type,
    subFilter,
    byteRange: br,
    cms: trimDer(contents),
    claimedSigningTime: m instanceof PdfString ? parsePdfDate(m.text) : null,
    signedEnd,
    coverage,
    formatErrors: errors.map((m) => failure("FC", "FORMAT_FAILURE", m)),
  };
}

/** The hole must be exactly `<hex>` holding this dictionary's /Contents, and nothing else (§ 12.8.1). */
function checkHole(bytes: Uint8Array, start: number, end: number, contents: Uint8Array, errors: Message[]): void {
  if (bytes[start] !== 0x3c || bytes[end - 1] !== 0x3e) {
    errors.push(message("pdf.gapNotHexString"));
    return;
  }
  const hexLen = end - start - 2;
  if (hexLen !== contents.length * 2) {
    errors.push(message("pdf.gapLength"));
    return;
  }
  for (let i = 0; i < contents.length; i++) {
    const hi = hexValue(bytes[start + 1 + 2 * i]!);
    const lo = hexValue(bytes[start + 2 + 2 * i]!);
    if (hi < 0 || lo < 0 || ((hi << 4) | lo) !== contents[i]) {
      errors.push(message("pdf.gapNotContents"));
      return;
    }
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x57;
  return -1;
}

/**
 * The revision the signature covers must already hold this signature field with this signature dictionary
 * (otherwise a signature of one document is being shown as part of another: "sneaky signature").
 */
function checkSignedRevision(
  reader: PdfReader,
  field: string,
  ref: PdfRef | undefined,
  signedEnd: number,
  errors: Message[],
): void {
  if (signedEnd === reader.bytes.length) return;
  try {
    const signed = PdfReader.open(reader.bytes.subarray(0, signedEnd), reader.decoder);
    const there = formFields(signed).find((f) => f.name === field);
    const v = there?.dict.get("V");
    if (!there || (ref && !(v instanceof PdfRef && v.equals(ref))))
      errors.push(message("pdf.fieldNotInSignedRevision"));
  } catch (e) {
    if (!(e instanceof PdfFormatError)) throw e;
    errors.push(message("pdf.signedRevisionUnreadable", { detail: e.message }));
  }
}

/**
 * Offsets just past each `%%EOF` marker (and its end-of-line), the candidate revision ends (§ 7.5.5).
 */
export function findRevisionEnds(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const i of eofMarkers(bytes)) {
    let end = i + 5;
    out.push(end);
    if (bytes[end] === 0x0d) end++;
    if (bytes[end] === 0x0a) end++;
    if (end !== i + 5) out.push(end);
  }
  return out;
}

const EOF_MARKER = Uint8Array.of(0x25, 0x25, 0x45, 0x4f, 0x46); // %%EOF
/** Horspool shifts for "%%EOF": how far the window may move when its last byte is this one. */
const EOF_SHIFT = new Uint8Array(256).fill(5);
EOF_SHIFT[0x25] = 3;
EOF_SHIFT[0x45] = 2;
EOF_SHIFT[0x4f] = 1;

interface NodeBuffer {
  from(b: ArrayBufferLike, offset: number, length: number): { indexOf(needle: Uint8Array, from: number): number };
}

/**
 * Offsets of every "%%EOF" in the file, which may be anywhere (also inside streams: the revision checks decide).
 * A 20 MiB file of binary streams has a "%" every 256 bytes, so this is a substring search: Node's Buffer.indexOf
 * (native, no copy) where there is one, a Boyer–Moore–Horspool scan in a browser.
 */
function eofMarkers(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const NodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
  if (NodeBuffer) {
    const buf = NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = buf.indexOf(EOF_MARKER, 0); i >= 0; i = buf.indexOf(EOF_MARKER, i + 1)) out.push(i);
    return out;
  }
  for (let i = 4; i < bytes.length; i += EOF_SHIFT[bytes[i]!]!) {
    if (
      bytes[i] === 0x46 &&
      bytes[i - 1] === 0x4f &&
      bytes[i - 2] === 0x45 &&
      bytes[i - 3] === 0x25 &&
      bytes[i - 4] === 0x25
    )
      out.push(i - 4);
  }
  return out;
}

/**
 * /Contents is padded with zeros after the CMS; its encoding says where it ends. A definite length gives the end at
 * once; an indefinite-length (BER) encoding, which Adobe Acrobat and other producers write, ends with an
 * end-of-contents marker (two zero bytes) that cannot be told from the padding by looking at the bytes, so the
 * encoding is walked element by element (X.690 § 8.1.3.6). What cannot be walked is left whole for the CMS parser.
 */
export function trimDer(b: Uint8Array): Uint8Array {
  if (b.length < 2 || b[0] !== 0x30) return b;
  const end = berEnd(b, 0, 0);
  return end > 0 ? b.subarray(0, end) : b;
}

/** The offset just past the BER element starting at `p`, or -1 if it is not one (X.690 § 8.1). */
function berEnd(b: Uint8Array, p: number, depth: number): number {
  if (depth > 64 || p + 2 > b.length) return -1;
  const constructed = (b[p]! & 0x20) !== 0;
  if ((b[p++]! & 0x1f) === 0x1f) {
    // High tag number form: base-128 octets, the last without bit 8 (§ 8.1.2.4).
    for (let n = 0; p < b.length && b[p]! & 0x80; p++) if (++n > 4) return -1;
    p++;
  }
  if (p >= b.length) return -1;
  const first = b[p++]!;
  if (first === 0x80) {
    if (!constructed) return -1;
    // Indefinite length: elements up to the end-of-contents octets 00 00.
    while (p + 2 <= b.length) {
      if (b[p] === 0 && b[p + 1] === 0) return p + 2;
      p = berEnd(b, p, depth + 1);
      if (p < 0) return -1;
    }
    return -1;
  }
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4 || p + n > b.length) return -1;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
  }
  return p + len <= b.length ? p + len : -1;
}

/** § 7.9.4: D:YYYYMMDDHHmmSSOHH'mm'; missing parts default, as the standard says. */
export function parsePdfDate(s: string): Date | null {
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/.exec(s.trim());
  if (!m) return null;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", se = "00", tz, th = "00", tm = "00"] = m;
  let t = Date.UTC(+y!, +mo - 1, +d, +h, +mi, +se);
  if (tz === "+" || tz === "-") t -= (tz === "+" ? 1 : -1) * (+th * 60 + +tm) * 60_000;
  return Number.isNaN(t) ? null : new Date(t);
}
