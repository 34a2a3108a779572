/**
 * The PDF object model (ISO 32000-2 § 7.3): the eight basic types plus indirect references.
 *
 * Strings keep their raw bytes (never re-encoded), so a dictionary copied into an incremental update says exactly
 * what it said before.
 */

/** A name object (§ 7.3.5), with `#xx` escapes already decoded. */
export class PdfName {
  private static readonly interned = new Map<string, PdfName>();
  private constructor(readonly name: string) {}
  /** Names are interned so that `===` compares them. */
  static of(name: string): PdfName {
    let n = PdfName.interned.get(name);
    if (n === undefined) {
      n = new PdfName(name);
      if (PdfName.interned.size < 10_000) PdfName.interned.set(name, n);
    }
    return n;
  }
  toString(): string {
    return `/${this.name}`;
  }
}

/** A string object (§ 7.3.4): literal `( )` or hexadecimal `< >`, as bytes. */
export class PdfString {
  constructor(
    readonly bytes: Uint8Array,
    readonly hex = false,
  ) {}
  /** Text string (§ 7.9.2.2): UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding (read as Latin-1 here). */
  get text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return new TextDecoder("utf-16be").decode(b.subarray(2));
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf)
      return new TextDecoder().decode(b.subarray(3));
    return String.fromCharCode(...b);
  }
  /** A text string in the most compact encoding that holds it: PDFDocEncoding for ASCII, else UTF-16BE. */
  static text(s: string): PdfString {
    if (/^[\x20-\x7e]*$/.test(s)) return new PdfString(new TextEncoder().encode(s));
    const out = new Uint8Array(2 + s.length * 2);
    out[0] = 0xfe;
    out[1] = 0xff;
    for (let i = 0; i < s.length; i++) {
      out[2 + 2 * i] = s.charCodeAt(i) >> 8;
      out[3 + 2 * i] = s.charCodeAt(i) & 0xff;
    }
    return new PdfString(out, true);
  }
}

/** An indirect reference `n g R` (§ 7.3.10). */
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  get key(): string {
    return `${this.num} ${this.gen}`;
  }
  equals(other: unknown): boolean {
    return other instanceof PdfRef && other.num === this.num && other.gen === this.gen;
  }
}

/** A dictionary (§ 7.3.7). Keys are name strings without the slash; insertion order is kept for writing. */
export class PdfDict {
  readonly map: Map<string, PdfObject>;
  constructor(entries?: Iterable<[string, PdfObject]>) {
    this.map = new Map(entries);
  }
  get(key: string): PdfObject | undefined {
    return this.map.get(key);
  }
  set(key: string, value: PdfObject): this {
    this.map.set(key, value);
    return this;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  /** The value of `key` when it is a name, else undefined. */
  name(key: string): string | undefined {
    const v = this.map.get(key);
    return v instanceof PdfName ? v.name : undefined;
  }
  /** A shallow copy, for writing a changed version of an object into an incremental update. */
  clone(): PdfDict {
    return new PdfDict(this.map);
  }
}

/**
 * A stream (§ 7.3.8): its dictionary and where its raw (still encoded) data lies in the file. Data is read only on
 * demand, so a 20 MB image is never copied just to find the catalog.
 */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly raw: Uint8Array,
  ) {}
}

/**
 * Bytes written verbatim at a position the caller wants to know, such as the /ByteRange and /Contents
 * placeholders of a signature dictionary, filled in once the hash is known. Only the writer produces these.
 */
export class PdfRaw {
  /** Absolute file offset of the first byte, known once written. */
  offset = -1;
  constructor(readonly bytes: Uint8Array) {}
}

export type PdfObject =
  | PdfRaw
  | null
  | boolean
  | number
  | PdfName
  | PdfString
  | PdfObject[]
  | PdfDict
  | PdfRef
  | PdfStream;

/** Thrown for any structural problem in a PDF; the message is one line a user can act on. */
export class PdfFormatError extends Error {
  override name = "PdfFormatError";
}

export const isDict = (o: PdfObject | undefined): o is PdfDict => o instanceof PdfDict;
export const isName = (o: PdfObject | undefined, name?: string): o is PdfName =>
  o instanceof PdfName && (name === undefined || o.name === name);
