/**
 * The revisions after a signature (ISO 32000-2 § 7.5.6 incremental updates) and the check that they really are
 * increments of the signed one.
 *
 * The incremental saving attack (Mladenov et al., "1 Trillion Dollar Refund", CCS 2019: ISA) appends a revision
 * whose cross-reference data does not chain back to the signed revision, so a viewer shows objects the signature
 * never saw. Every later revision's chain of cross-reference sections must therefore end with exactly the signed
 * revision's sections.
 */
import { StreamDecoder } from "../../pdf/filters.js";
import { indexOf } from "../../pdf/parser.js";
import { PdfReader } from "../../pdf/reader.js";
import { detailOf, type Message, message } from "../messages.js";

/** A later revision and the document as of its end. */
export interface Revision {
  /** 1 for the first revision after the signed one, and so on. */
  readonly index: number;
  /** Byte offset just after this revision's `%%EOF` (or the file end for the newest). */
  readonly end: number;
  readonly reader: PdfReader;
}

/** Outcome of splitting the file after the signed revision. */
export type RevisionSplit =
  | { readonly ok: true; readonly signed: PdfReader; readonly later: Revision[] }
  | { readonly ok: false; readonly reason: Message };

/** More revisions than this after a signature are not analysed one by one (hostile files add thousands). */
export const MAX_LATER_REVISIONS = 200;

const EOF_MARK = new TextEncoder().encode("%%EOF");

/** `decoder`: the document's, shared by every revision view (each stream decoded once, one budget). */
export function splitRevisions(
  bytes: Uint8Array,
  signedEnd: number,
  decoder: StreamDecoder = new StreamDecoder(),
): RevisionSplit {
  let signed: PdfReader;
  let full: PdfReader;
  try {
    signed = PdfReader.open(bytes.subarray(0, signedEnd), decoder);
  } catch (e) {
    return { ok: false, reason: message("pdf.signedRevisionUnreadable", { detail: detailOf(e) }) };
  }
  if (signedEnd >= bytes.length) return { ok: true, signed, later: [] };
  try {
    full = PdfReader.open(bytes, decoder);
  } catch (e) {
    return { ok: false, reason: message("mod.laterRevisionsUnreadable", { detail: detailOf(e) }) };
  }
  if (full.repaired) return { ok: false, reason: message("mod.laterXrefDamaged") };
  const s = signed.sections.map((x) => x.offset);
  const f = full.sections.map((x) => x.offset);
  const tail = f.slice(f.length - s.length);
  if (f.length < s.length || tail.some((o, i) => o !== s[i]))
    return {
      ok: false,
      reason: message("mod.isaChain"),
    };
  const laterCount = f.length - s.length;
  if (laterCount === 0) {
    // ISA variant 1: objects appended with no cross-reference section; viewers that repair files show them.
    if (/\d+\s+\d+\s+obj\b/.test(latin1(bytes.subarray(signedEnd))))
      return {
        ok: false,
        reason: message("mod.isaNoXref"),
      };
    return { ok: true, signed, later: [] };
  }
  const later: Revision[] = [];
  // Oldest later section first; f is newest first.
  if (laterCount <= MAX_LATER_REVISIONS) {
    for (let k = laterCount - 1; k >= 1; k--) {
      const section = full.sections[k]!;
      const end = revisionEnd(bytes, section.offset);
      if (end === undefined || end <= signedEnd) return oneStep(signed, full, bytes.length);
      let reader: PdfReader;
      try {
        reader = PdfReader.open(bytes.subarray(0, end), decoder);
      } catch {
        return oneStep(signed, full, bytes.length);
      }
      const got = reader.sections.map((x) => x.offset);
      if (got.length !== f.length - k || got.some((o, i) => o !== f[k + i])) return oneStep(signed, full, bytes.length);
      later.push({ index: later.length + 1, end, reader });
    }
  } else return oneStep(signed, full, bytes.length);
  later.push({ index: later.length + 1, end: bytes.length, reader: full });
  return { ok: true, signed, later };
}

/**
 * When revision boundaries cannot be found (an unusual layout, or very many updates), the newest revision is
 * compared with the signed one in one step: coarser, but every changed object is still judged.
 */
function oneStep(signed: PdfReader, full: PdfReader, end: number): RevisionSplit {
  return { ok: true, signed, later: [{ index: 1, end, reader: full }] };
}

/** The end of the revision whose cross-reference section starts at `offset`: after the next `%%EOF` and its EOL. */
function revisionEnd(bytes: Uint8Array, offset: number): number | undefined {
  const at = indexOf(bytes, EOF_MARK, offset);
  if (at < 0) return undefined;
  let end = at + EOF_MARK.length;
  if (bytes[end] === 0x0d) end++;
  if (bytes[end] === 0x0a) end++;
  return end;
}

/** Bytes as Latin-1 text (for a pattern search), at most the first 16 MB. */
function latin1(b: Uint8Array): string {
  return new TextDecoder("latin1").decode(b.subarray(0, 16 << 20));
}
