// PNGs written by hand (ISO/IEC 15948), for tests of image reading: any colour type, bit depth and interlacing, and
// damaged or hostile ones that no encoder would write.
import { crc32 } from "node:zlib";
import { zlibSync } from "fflate";

/** A PNG written chunk by chunk (ISO/IEC 15948 § 5), with real CRCs. */
export function png(
  header: { width: number; height: number; depth: number; colorType: number; interlace?: boolean },
  raw: Uint8Array,
  extra: [string, Uint8Array][] = [],
): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    Buffer.from(data).copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(header.width, 0);
  ihdr.writeUInt32BE(header.height, 4);
  ihdr[8] = header.depth;
  ihdr[9] = header.colorType;
  ihdr[12] = header.interlace ? 1 : 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...extra.map(([t, d]) => chunk(t, d)),
    chunk("IDAT", zlibSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Scanlines with filter type 0, each row packed from `sample(x, y)` values of `bits` bits, `n` per pixel. */
export function rows(
  width: number,
  height: number,
  n: number,
  bits: number,
  sample: (x: number, y: number, c: number) => number,
) {
  const rowBytes = Math.ceil((width * n * bits) / 8);
  const out = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const row = out.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    for (let x = 0; x < width; x++)
      for (let c = 0; c < n; c++) {
        const v = sample(x, y, c);
        const bit = (x * n + c) * bits;
        if (bits === 16) {
          row[bit >> 3] = v >> 8;
          row[(bit >> 3) + 1] = v & 0xff;
        } else if (bits === 8) row[bit >> 3] = v;
        else row[bit >> 3]! |= v << (8 - bits - (bit & 7));
      }
  }
  return out;
}
