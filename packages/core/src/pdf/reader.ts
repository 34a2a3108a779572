/**
 * A lazy, read-only view of a PDF file as its newest revision presents it (ISO 32000-2 § 7.5).
 *
 * Only the cross-reference data is read up front; objects are parsed when asked for and cached, so opening a
 * 20 MB file to sign it touches a few kilobytes. `PdfReader.open(bytes.subarray(0, end))` gives the view of an
 * earlier revision, which is how validation compares what was signed with what came after.
 */
import { StandardSecurityHandler } from "./encryption.js";
import { DecodeBudgetExceeded, StreamDecoder } from "./filters.js";
import { PdfDict, PdfFormatError, type PdfObject, PdfRef, PdfStream, PdfString } from "./objects.js";
import { Parser } from "./parser.js";
import { findStartXref, readXrefChain, scanObjects, type XrefEntry, type XrefSection } from "./xref.js";

/** Page trees deeper or larger than this are refused as hostile. */
const MAX_PAGES = 100_000;

export class PdfReader {
  /** Cross-reference sections, newest first. */
  readonly sections: readonly XrefSection[];
  /** The newest trailer (merged with older ones for /Root, /Info, /ID, /Encrypt as § 7.5.6 allows). */
  readonly trailer: PdfDict;
  /** The offset the final `startxref` names: /Prev of the next incremental update. */
  readonly startXref: number;
  /** True when the cross-reference data was unusable and objects were found by scanning. */
  readonly repaired: boolean;
  private readonly entries = new Map<number, XrefEntry>();
  private readonly cache = new Map<number, PdfObject>();
  private readonly objectStreams = new Map<number, { data: Uint8Array; offsets: Map<number, number> }>();
  private resolving = new Set<number>();
  /** The standard security handler of an encrypted document whose user password is empty (§ 7.6.4). */
  private security?: StandardSecurityHandler;
  /** Why an encrypted document cannot be decrypted (it needs a password, or another handler). */
  private securityError?: string;
  private encryptNum?: number;
  private scanned?: Map<number, XrefEntry>;

  private constructor(
    readonly bytes: Uint8Array,
    /** Decodes this document's streams once each, within one budget shared by every view of the same bytes. */
    readonly decoder: StreamDecoder,
    sections: XrefSection[],
    startXref: number,
    repaired: boolean,
  ) {
    this.sections = sections;
    this.startXref = startXref;
    this.repaired = repaired;
    const trailer = new PdfDict();
    for (let i = sections.length - 1; i >= 0; i--) {
      const s = sections[i]!;
      for (const [k, v] of s.trailer.map) trailer.set(k, v);
      for (const [n, e] of s.entries) this.entries.set(n, e);
    }
    this.trailer = trailer;
  }

  /**
   * Opens a PDF; throws PdfFormatError with a one-line reason when it is not one. Views of one document (revisions,
   * `bytes.subarray(0, end)`) should share the first view's `decoder`, so that nothing is decoded twice and the
   * document's decode budget holds across all of them.
   */
  static open(bytes: Uint8Array, decoder = new StreamDecoder()): PdfReader {
    if (bytes.length < 8 || !headerFound(bytes)) throw new PdfFormatError("not a PDF file (no %PDF- header)");
    let startXref = -1;
    try {
      startXref = findStartXref(bytes);
      const reader = new PdfReader(bytes, decoder, readXrefChain(bytes, startXref, decoder), startXref, false);
      if (!(reader.trailer.get("Root") instanceof PdfRef)) throw new PdfFormatError("trailer has no /Root");
      reader.openSecurity();
      return reader;
    } catch (e) {
      if (!(e instanceof PdfFormatError) || e instanceof DecodeBudgetExceeded) throw e;
      const scanned = scanObjects(bytes);
      if (scanned.entries.size === 0 || !(scanned.trailer.get("Root") instanceof PdfRef))
        throw new PdfFormatError(`damaged PDF: ${e.message}`);
      const repaired = new PdfReader(bytes, decoder, [scanned], startXref, true);
      repaired.openSecurity();
      return repaired;
    }
  }

  /** The largest object number in use plus one: the /Size the next update starts from. */
  get size(): number {
    let max = 0;
    for (const n of this.entries.keys()) if (n > max) max = n;
    const declared = this.trailer.get("Size");
    return Math.max(max + 1, typeof declared === "number" ? declared : 0);
  }

  get isEncrypted(): boolean {
    return this.trailer.has("Encrypt");
  }

  /** For an encrypted document: null when it is read decrypted (empty user password), else why it cannot be. */
  get encryptionProblem(): string | null {
    return this.isEncrypted ? (this.securityError ?? null) : null;
  }

  /** Sets up decryption of an encrypted document; records why when it cannot (the document is then read raw). */
  private openSecurity(): void {
    const ref = this.trailer.get("Encrypt");
    if (ref === undefined) return;
    if (ref instanceof PdfRef) this.encryptNum = ref.num;
    try {
      const encrypt = this.resolve(ref); // the encryption dictionary itself is never encrypted
      if (!(encrypt instanceof PdfDict)) throw new PdfFormatError("the /Encrypt entry is not a dictionary");
      const ids = this.resolve(this.trailer.get("ID"));
      const first = Array.isArray(ids) && ids[0] instanceof PdfString ? ids[0].bytes : new Uint8Array(0);
      this.security = StandardSecurityHandler.open(encrypt, first);
      this.cache.clear(); // objects read before (the /Encrypt dictionary's) are read again, decrypted
    } catch (e) {
      if (!(e instanceof PdfFormatError)) throw e;
      this.securityError = e.message;
    }
  }

  /** Numbers of all objects in use (type 1 and 2 entries). */
  objectNumbers(): number[] {
    return [...this.entries].filter(([, e]) => e.type !== 0).map(([n]) => n);
  }

  /** The cross-reference entry of an object, if any. */
  entry(num: number): XrefEntry | undefined {
    return this.entries.get(num);
  }

  /** Follows a reference (or returns a direct object as is). A missing object is null (§ 7.3.10). */
  resolve(obj: PdfObject | undefined): PdfObject {
    if (obj instanceof PdfRef) return this.getObject(obj.num);
    return obj === undefined ? null : obj;
  }

  /** `resolve` that insists on a dictionary (a stream's dictionary counts when `streams` is true). */
  dict(obj: PdfObject | undefined, what: string): PdfDict {
    const v = this.resolve(obj);
    if (v instanceof PdfDict) return v;
    throw new PdfFormatError(`${what} is not a dictionary`);
  }

  getObject(num: number): PdfObject {
    const cached = this.cache.get(num);
    if (cached !== undefined) return cached;
    if (this.resolving.has(num)) throw new PdfFormatError(`object ${num} refers to itself while being read`);
    this.resolving.add(num);
    try {
      const obj = this.load(num);
      this.cache.set(num, obj);
      return obj;
    } finally {
      this.resolving.delete(num);
    }
  }

  private load(num: number): PdfObject {
    const e = this.entries.get(num);
    if (e === undefined || e.type === 0) return null;
    // Objects inside an object stream are not encrypted again: the stream was (§ 7.6.2).
    if (e.type === 2) return this.fromObjectStream(num, e.stream, e.index);
    const found = this.parseAt(num, e.offset);
    if (found !== undefined) return this.decrypted(num, e.gen, found);
    // The offset is wrong (a common defect of careless writers): find the object by scanning, as viewers do.
    this.scanned ??= scanObjects(this.bytes).entries;
    const s = this.scanned.get(num);
    if (s?.type === 1) {
      const again = this.parseAt(num, s.offset);
      if (again !== undefined) return this.decrypted(num, s.gen, again);
    }
    throw new PdfFormatError(`object ${num} is not where the cross-reference table says`);
  }

  private decrypted(num: number, gen: number, object: PdfObject): PdfObject {
    if (!this.security || num === this.encryptNum) return object;
    return this.security.decryptObject(num, gen, object);
  }

  /** Parses `num gen obj … endobj` at `offset`; undefined if a different object (or none) is there. */
  private parseAt(num: number, offset: number): PdfObject | undefined {
    if (offset < 0 || offset >= this.bytes.length) return undefined;
    // Shared by the views of the same bytes (keyed by the position in the underlying buffer, as xref.ts keys its
    // sections): an object that ends within this view reads the same in every view that holds it. Not an object
    // whose stream /Length is indirect (another revision may give that object another value), nor one encrypted.
    const at = this.bytes.byteOffset + offset;
    const known = this.decoder.objects.get(at);
    const viewEnd = this.bytes.byteOffset + this.bytes.length;
    if (known && known.buffer === this.bytes.buffer && known.num === num && known.end <= viewEnd) return known.value;
    let lengthResolved = false;
    const p = new Parser(this.bytes, offset, (ref) => {
      lengthResolved = true;
      const v = ref.num === num ? undefined : this.getObject(ref.num);
      return typeof v === "number" ? v : undefined;
    });
    if (p.integer() !== num || p.integer() === undefined || p.keyword() !== "obj") return undefined;
    const value = p.object();
    if (!lengthResolved && !this.isEncrypted) {
      this.decoder.objects.set(at, { buffer: this.bytes.buffer, num, end: this.bytes.byteOffset + p.pos, value });
    }
    return value;
  }

  /** Byte offset of `num gen obj` for an object stored at an offset (for validation's coverage analysis). */
  offsetOf(num: number): number | undefined {
    const e = this.entries.get(num);
    return e?.type === 1 ? e.offset : undefined;
  }

  private fromObjectStream(num: number, streamNum: number, index: number): PdfObject {
    let os = this.objectStreams.get(streamNum);
    if (os === undefined) {
      const stream = this.getObject(streamNum);
      if (!(stream instanceof PdfStream) || stream.dict.name("Type") !== "ObjStm")
        throw new PdfFormatError(`object stream ${streamNum} is missing`);
      const n = stream.dict.get("N");
      const first = stream.dict.get("First");
      if (typeof n !== "number" || typeof first !== "number" || n < 0 || n > 1_000_000)
        throw new PdfFormatError(`object stream ${streamNum} has a bad /N or /First`);
      const data = this.decoder.decode(stream);
      const header = new Parser(data);
      const offsets = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const objNum = header.integer();
        const off = header.integer();
        if (objNum === undefined || off === undefined) throw new PdfFormatError(`object stream ${streamNum} header`);
        offsets.set(objNum, first + off);
      }
      os = { data, offsets };
      this.objectStreams.set(streamNum, os);
    }
    const at = os.offsets.get(num);
    if (at === undefined)
      throw new PdfFormatError(`object ${num} is not in object stream ${streamNum} (index ${index})`);
    return new Parser(os.data, at).object();
  }

  get catalog(): PdfDict {
    return this.dict(this.trailer.get("Root"), "the document catalog (/Root)");
  }

  /** References of all pages in order (§ 7.7.3), refusing cycles and absurd trees. */
  pages(): PdfRef[] {
    const out: PdfRef[] = [];
    const seen = new Set<number>();
    const walk = (ref: PdfObject | undefined, depth: number): void => {
      if (!(ref instanceof PdfRef)) throw new PdfFormatError("page tree node is not an indirect object");
      if (seen.has(ref.num)) throw new PdfFormatError("the page tree has a cycle");
      if (depth > 64 || out.length > MAX_PAGES) throw new PdfFormatError("the page tree is too deep or too large");
      seen.add(ref.num);
      const node = this.dict(ref, "a page tree node");
      const kids = this.resolve(node.get("Kids"));
      if (node.name("Type") === "Pages" || Array.isArray(kids)) {
        if (!Array.isArray(kids)) throw new PdfFormatError("page tree node without /Kids");
        for (const k of kids) walk(k, depth + 1);
      } else out.push(ref);
    };
    walk(this.catalog.get("Pages"), 0);
    return out;
  }
}

function headerFound(bytes: Uint8Array): boolean {
  // § 7.5.2 puts the header first; readers accept it within the first 1024 bytes (junk before it is common).
  const head = bytes.subarray(0, 1024);
  for (let i = head.indexOf(0x25); i >= 0 && i + 5 <= head.length; i = head.indexOf(0x25, i + 1))
    if (head[i + 1] === 0x50 && head[i + 2] === 0x44 && head[i + 3] === 0x46 && head[i + 4] === 0x2d) return true;
  return false;
}
