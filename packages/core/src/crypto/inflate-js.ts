/**
 * zlib decoding in JavaScript (fflate's streaming Unzlib): the browser's FlateDecode, and Node's for the streams
 * that zlib itself refuses (a wrong Adler-32, damage after some blocks), whose bytes before the damage viewers keep
 * and so do we. fflate's class is passed in so that Node loads fflate only when such a stream turns up: its module
 * builds Huffman tables when loaded, a cost every `khatam verify` would otherwise pay at start.
 */
import type { Unzlib } from "fflate";
import { concatBytes } from "./bytes.js";
import type { Inflated } from "./types.js";

/** Sentinel thrown out of fflate's callback when the output passes the limit. */
const OVER_LIMIT = Symbol("over limit");

export function inflateWith(UnzlibClass: typeof Unzlib, data: Uint8Array, limit: number): Inflated {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const z = new UnzlibClass((chunk) => {
    total += chunk.length;
    if (total > limit) throw OVER_LIMIT;
    chunks.push(chunk);
  });
  let damaged = false;
  try {
    const step = 1 << 16;
    for (let i = 0; i < data.length; i += step) z.push(data.subarray(i, i + step), false);
    z.push(new Uint8Array(0), true);
  } catch (e) {
    if (e === OVER_LIMIT) return { bytes: new Uint8Array(0), overLimit: true };
    damaged = true;
  }
  const bytes = chunks.length === 1 ? chunks[0]! : concatBytes(...chunks);
  return { bytes, ...(damaged ? { damaged } : {}) };
}
