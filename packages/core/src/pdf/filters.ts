/**
 * Stream filters (ISO 32000-2 § 7.4): FlateDecode with PNG/TIFF predictors, which is what cross-reference streams
 * and object streams use. Other filters only matter for content, which signing and validation never decode.
 *
 * The zlib decoder comes from `#crypto`: node:zlib in Node, fflate in the browser's verification page.
 */
import { inflate as zlibInflate } from "#crypto";
import { isName, PdfDict, PdfFormatError, type PdfObject, type PdfStream } from "./objects.js";
import type { XrefSection } from "./xref.js";

/** Decoded structural streams larger than this are refused (decompression bombs). */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

/**
 * What one document may decode in all, across every stream, object stream, cross-reference section and revision
 * view of it. A per-stream limit alone lets a small file name one bomb many times (a /DSS listing one 16 MiB stream
 * a thousand times, or 20 chained cross-reference streams): the cost must be bounded per document.
 */
export const DOCUMENT_DECODE_BUDGET = 128 * 1024 * 1024;

/** The document asked for more decoded bytes than its budget: hostile or absurd, refused as unreadable. */
export class DecodeBudgetExceeded extends PdfFormatError {
  constructor(budget: number) {
    super(`the document's compressed streams expand beyond ${budget >> 20} MB in all`);
  }
}

/**
 * Decodes the streams of one document, each at most once (by its position in the file, so that every revision
 * view opened on a prefix of the same bytes shares the result), against one budget for the whole document.
 * Also keeps the cross-reference sections and the objects read, by offset, for the same reason.
 */
export class StreamDecoder {
  private used = 0;
  private readonly decoded = new Map<string, { readonly buffer: ArrayBufferLike; readonly data: Uint8Array }>();
  /** Cross-reference sections already read, by byte offset, with where each ends (see xref.ts). */
  readonly sections = new Map<
    number,
    { readonly buffer: ArrayBufferLike; readonly end: number; readonly value: XrefSection }
  >();

  /**
   * Objects already parsed at a byte offset (`num gen obj …`), with where each ends (see reader.ts): validation opens
   * a view per revision, and each would otherwise parse the signature dictionaries (and their /Contents) again.
   */
  readonly objects = new Map<
    number,
    { readonly buffer: ArrayBufferLike; readonly num: number; readonly end: number; readonly value: PdfObject }
  >();

  constructor(readonly budget = DOCUMENT_DECODE_BUDGET) {}

  /** Bytes decoded so far. */
  get decodedBytes(): number {
    return this.used;
  }

  decode(stream: PdfStream, limit = MAX_DECODED_BYTES): Uint8Array {
    const raw = stream.raw;
    const key = `${raw.byteOffset}:${raw.length}`;
    const cached = this.decoded.get(key);
    if (cached !== undefined && cached.buffer === raw.buffer) return cached.data;
    if (this.used >= this.budget) throw new DecodeBudgetExceeded(this.budget);
    const account = { remaining: this.budget - this.used, budget: this.budget };
    let data: Uint8Array;
    try {
      data = decodeStream(stream, limit, account);
    } finally {
      this.used = this.budget - account.remaining;
    }
    this.decoded.set(key, { buffer: raw.buffer, data });
    return data;
  }
}

/**
 * Decodes a stream's filters. `account.remaining`, when given, is charged for every decoded byte of every stage
 * (a doubly-compressed stream costs both inflations) and refuses the stream once it would go below zero.
 */
export function decodeStream(stream: PdfStream, limit = MAX_DECODED_BYTES, account?: DecodeAccount): Uint8Array {
  const filter = stream.dict.get("Filter");
  const filters = Array.isArray(filter) ? filter : filter === undefined ? [] : [filter];
  if (filters.length > 4) throw new PdfFormatError("a stream has more than four filters");
  const parms = stream.dict.get("DecodeParms");
  const parmsList = Array.isArray(parms) ? parms : [parms];
  let data = stream.raw;
  filters.forEach((f, i) => {
    if (!isName(f)) throw new PdfFormatError("stream /Filter is not a name");
    if (f.name !== "FlateDecode" && f.name !== "Fl") throw new PdfFormatError(`unsupported stream filter /${f.name}`);
    data = inflate(data, limit, account);
    const p = parmsList[i];
    if (p instanceof PdfDict) data = unpredict(data, p);
  });
  return data;
}

/** What a document has left to decode. */
interface DecodeAccount {
  remaining: number;
  readonly budget: number;
}

function inflate(data: Uint8Array, limit: number, account?: DecodeAccount): Uint8Array {
  const budget = account ? Math.min(limit, account.remaining) : limit;
  const { bytes, overLimit, damaged } = zlibInflate(data, Math.max(budget, 0));
  if (overLimit || budget < 0) {
    if (account && account.remaining < limit) throw new DecodeBudgetExceeded(account.budget);
    throw new PdfFormatError(`a compressed stream expands beyond ${limit >> 20} MB`);
  }
  // Truncated or damaged zlib data: keep what was decoded (as viewers do), but fail if nothing was.
  if (damaged && bytes.length === 0) throw new PdfFormatError("damaged compressed stream");
  if (account) account.remaining -= bytes.length;
  return bytes;
}

const num = (o: PdfObject | undefined, d: number): number => (typeof o === "number" ? o : d);

/** § 7.4.4.4: undoes the PNG (10–15) and TIFF (2) predictors. */
function unpredict(data: Uint8Array, p: PdfDict): Uint8Array {
  const predictor = num(p.get("Predictor"), 1);
  if (predictor === 1) return data;
  const colors = num(p.get("Colors"), 1);
  const bpc = num(p.get("BitsPerComponent"), 8);
  const columns = num(p.get("Columns"), 1);
  const bpp = Math.max(1, (colors * bpc) >> 3);
  const rowLen = (colors * bpc * columns + 7) >> 3;
  if (predictor === 2) {
    const out = data.slice();
    for (let r = 0; r + rowLen <= out.length; r += rowLen)
      for (let i = bpp; i < rowLen; i++) out[r + i] = (out[r + i]! + out[r + i - bpp]!) & 0xff;
    return out;
  }
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = new Uint8Array(rows * rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = r * (rowLen + 1) + 1;
    const dst = r * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const x = data[src + i]!;
      const a = i >= bpp ? out[dst + i - bpp]! : 0;
      const b = r > 0 ? out[dst - rowLen + i]! : 0;
      const c = r > 0 && i >= bpp ? out[dst - rowLen + i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new PdfFormatError(`bad PNG predictor row type ${type}`);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}
