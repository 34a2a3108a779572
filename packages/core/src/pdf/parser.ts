/**
 * Object syntax (ISO 32000-2 § 7.2, § 7.3): a hand-written parser over bytes.
 *
 * Written by hand rather than taken from a PDF library because signing and validation need what libraries hide:
 * exact byte offsets of every token (for /ByteRange and /Contents), revision-by-revision reading, and hard limits
 * on nesting and sizes so that hostile files fail fast instead of exhausting the stack or memory.
 */
import { PdfDict, PdfFormatError, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from "./objects.js";

/** Deeper nesting than this is refused (real documents stay far below; attack files use thousands of levels). */
export const MAX_DEPTH = 200;

const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of "()<>[]{}/%") DELIM[c.charCodeAt(0)] = 1;

export const isWhite = (c: number): boolean => WS[c] === 1;
const isRegular = (c: number): boolean => WS[c] === 0 && DELIM[c] === 0;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

export class Parser {
  pos: number;
  private depth = 0;

  /**
   * @param bytes the whole file (offsets are absolute)
   * @param resolveLength resolves an indirect /Length of a stream; undefined means "search for endstream"
   */
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
    private readonly resolveLength?: (ref: PdfRef) => number | undefined,
  ) {
    this.pos = pos;
  }

  fail(what: string): never {
    throw new PdfFormatError(`${what} at byte ${this.pos}`);
  }

  /** Skips white space and comments. */
  skipWhite(): void {
    const b = this.bytes;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p]!;
      if (WS[c] === 1) p++;
      else if (c === 0x25 /* % */) {
        while (p < b.length && b[p] !== 10 && b[p] !== 13) p++;
      } else break;
    }
    this.pos = p;
  }

  /** Reads a keyword or other regular-character token without consuming white space before it. */
  keyword(): string {
    this.skipWhite();
    const start = this.pos;
    const b = this.bytes;
    while (this.pos < b.length && isRegular(b[this.pos]!)) this.pos++;
    return latin1(b, start, this.pos);
  }

  /** Reads an unsigned integer token, or returns undefined (and does not move) if the next token is not one. */
  integer(): number | undefined {
    this.skipWhite();
    const b = this.bytes;
    let p = this.pos;
    let v = 0;
    const start = p;
    while (p < b.length && isDigit(b[p]!)) v = v * 10 + b[p++]! - 0x30;
    if (p === start || p - start > 15 || (p < b.length && isRegular(b[p]!))) return undefined;
    this.pos = p;
    return v;
  }

  /** Parses one direct object (a reference `n g R` counts as one). */
  object(): PdfObject {
    this.skipWhite();
    const b = this.bytes;
    if (this.pos >= b.length) this.fail("unexpected end of file");
    const c = b[this.pos]!;
    switch (c) {
      case 0x2f: // /
        return this.name();
      case 0x28: // (
        return this.literalString();
      case 0x3c: // <
        return b[this.pos + 1] === 0x3c ? this.dictOrStream() : this.hexString();
      case 0x5b: // [
        return this.array();
      default:
        break;
    }
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) return this.numberOrRef();
    const word = this.keyword();
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    if (word === "") this.pos++;
    return this.fail(`unexpected token '${word || String.fromCharCode(c)}'`);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`objects nested deeper than ${MAX_DEPTH} levels`);
  }

  private numberOrRef(): number | PdfRef {
    const start = this.pos;
    const n = this.number();
    if (Number.isInteger(n) && n >= 0 && isDigit(this.bytes[start]!)) {
      // Look ahead for "gen R" without committing.
      const save = this.pos;
      const gen = this.integer();
      if (gen !== undefined) {
        this.skipWhite();
        if (this.bytes[this.pos] === 0x52 /* R */ && !isRegular(this.bytes[this.pos + 1] ?? 32)) {
          this.pos++;
          return new PdfRef(n, gen);
        }
      }
      this.pos = save;
    }
    return n;
  }

  number(): number {
    const b = this.bytes;
    const start = this.pos;
    while (this.pos < b.length && isRegular(b[this.pos]!)) this.pos++;
    const text = latin1(b, start, this.pos);
    // PDF allows "--5" style oddities from broken writers; Number() rejects them, which is what we want.
    const v = Number(text);
    if (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) {
      this.pos = start;
      this.fail(`bad number '${text.slice(0, 20)}'`);
    }
    return v;
  }

  private name(): PdfName {
    const b = this.bytes;
    const start = ++this.pos;
    let escaped = false;
    while (this.pos < b.length && isRegular(b[this.pos]!)) {
      if (b[this.pos] === 0x23) escaped = true;
      this.pos++;
    }
    let s = latin1(b, start, this.pos);
    if (escaped) s = s.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return PdfName.of(s);
  }

  private literalString(): PdfString {
    const b = this.bytes;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    while (this.pos < b.length) {
      const c = b[this.pos++]!;
      if (c === 0x5c /* \ */) {
        const e = b[this.pos++];
        if (e === undefined) break;
        switch (e) {
          case 0x6e:
            out.push(10);
            break;
          case 0x72:
            out.push(13);
            break;
          case 0x74:
            out.push(9);
            break;
          case 0x62:
            out.push(8);
            break;
          case 0x66:
            out.push(12);
            break;
          case 0x0d: // line continuation
            if (b[this.pos] === 0x0a) this.pos++;
            break;
          case 0x0a:
            break;
          default:
            if (e >= 0x30 && e <= 0x37) {
              let v = e - 0x30;
              for (let i = 0; i < 2 && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; i++)
                v = v * 8 + b[this.pos++]! - 0x30;
              out.push(v & 0xff);
            } else out.push(e);
        }
      } else if (c === 0x28) {
        depth++;
        out.push(c);
      } else if (c === 0x29) {
        if (--depth === 0) return new PdfString(Uint8Array.from(out));
        out.push(c);
      } else out.push(c);
    }
    return this.fail("unterminated string");
  }

  private hexString(): PdfString {
    const b = this.bytes;
    const start = ++this.pos;
    const end = b.indexOf(0x3e, start);
    if (end < 0) this.fail("unterminated hex string");
    const out = new Uint8Array((end - start + 1) >> 1);
    let n = 0;
    let hi = -1;
    for (let p = start; p < end; p++) {
      const c = b[p]!;
      const v = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
      if (v < 0 || v > 15 || (c > 0x39 && c < 0x41)) {
        if (WS[c] === 1) continue;
        this.pos = p;
        this.fail("bad character in hex string");
      }
      if (hi < 0) hi = v;
      else {
        out[n++] = (hi << 4) | v;
        hi = -1;
      }
    }
    if (hi >= 0) out[n++] = hi << 4;
    this.pos = end + 1;
    return new PdfString(out.subarray(0, n), true);
  }

  private array(): PdfObject[] {
    this.enter();
    this.pos++;
    const out: PdfObject[] = [];
    for (;;) {
      this.skipWhite();
      if (this.pos >= this.bytes.length) this.fail("unterminated array");
      if (this.bytes[this.pos] === 0x5d) {
        this.pos++;
        this.depth--;
        return out;
      }
      out.push(this.object());
    }
  }

  private dictOrStream(): PdfDict | PdfStream {
    this.enter();
    this.pos += 2;
    const dict = new PdfDict();
    const b = this.bytes;
    for (;;) {
      this.skipWhite();
      if (this.pos >= b.length) this.fail("unterminated dictionary");
      if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) {
        this.pos += 2;
        break;
      }
      const key = this.object();
      if (!(key instanceof PdfName)) this.fail("dictionary key is not a name");
      dict.set(key.name, this.object());
    }
    this.depth--;
    const save = this.pos;
    if (this.keyword() === "stream") return this.streamData(dict);
    this.pos = save;
    return dict;
  }

  /** § 7.3.8.1: `stream` is followed by CRLF or LF (a lone CR is tolerated), then exactly /Length bytes. */
  private streamData(dict: PdfDict): PdfStream {
    const b = this.bytes;
    if (b[this.pos] === 0x0d) this.pos++;
    if (b[this.pos] === 0x0a) this.pos++;
    const start = this.pos;
    let length = dict.get("Length");
    if (length instanceof PdfRef) length = this.resolveLength?.(length);
    if (typeof length === "number" && Number.isInteger(length) && length >= 0 && start + length <= b.length) {
      const after = new Parser(b, start + length);
      if (after.keyword() === "endstream") {
        this.pos = after.pos;
        return new PdfStream(dict, b.subarray(start, start + length));
      }
    }
    // Wrong or missing /Length (common in damaged files): the data ends before the next "endstream".
    const end = indexOf(b, ENDSTREAM, start);
    if (end < 0) this.fail("stream without endstream");
    let dataEnd = end;
    if (b[dataEnd - 1] === 0x0a) dataEnd--;
    if (b[dataEnd - 1] === 0x0d) dataEnd--;
    this.pos = end + ENDSTREAM.length;
    return new PdfStream(dict, b.subarray(start, Math.max(start, dataEnd)));
  }
}

const ENDSTREAM = new TextEncoder().encode("endstream");

export function latin1(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Index of `needle` in `hay` at or after `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Index of the last `needle` in `hay` that starts before `before`, or -1. */
export function lastIndexOf(hay: Uint8Array, needle: Uint8Array, before = hay.length): number {
  const first = needle[0]!;
  for (let i = hay.lastIndexOf(first, before - 1); i >= 0; i = i > 0 ? hay.lastIndexOf(first, i - 1) : -1) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
