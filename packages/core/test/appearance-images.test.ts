// PNG and JPEG reading for appearances (appearance/images.ts): every PNG colour type and bit depth a scanner, a
// canvas or an image editor writes — palette with tRNS, 1-bit gray, 16-bit RGBA, Adam7-interlaced — comes out as the
// right 8-bit samples and soft mask; the refusals happen before decoding.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { unzlibSync } from "fflate";
import { AppearanceError } from "../src/appearance/errors.js";
import { readImage } from "../src/appearance/images.js";
import { type PdfDict, type PdfObject, PdfRef, type PdfStream } from "../src/pdf/objects.js";
import { png, rows } from "./support/png.js";

/** The image XObject and soft mask `readImage` writes, with their samples inflated. */
function written(bytes: Uint8Array) {
  const image = readImage(bytes);
  const objects: PdfObject[] = [];
  const add = (o: PdfObject) => {
    objects.push(o);
    return new PdfRef(objects.length, 0);
  };
  const ref = image.write(add);
  const main = objects[ref.num - 1] as PdfStream;
  const smaskRef = main.dict.get("SMask");
  const mask = smaskRef instanceof PdfRef ? (objects[smaskRef.num - 1] as PdfStream) : undefined;
  return {
    image,
    dict: main.dict as PdfDict,
    samples: unzlibSync(main.raw),
    alpha: mask ? unzlibSync(mask.raw) : undefined,
  };
}

describe("PNG colour types and depths", () => {
  test("palette with tRNS: RGB from the palette, alpha from tRNS", () => {
    const bytes = png(
      { width: 4, height: 2, depth: 2, colorType: 3 },
      rows(4, 2, 1, 2, (x) => x % 3),
      [
        ["PLTE", Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255])],
        ["tRNS", Uint8Array.from([255, 0, 128])],
      ],
    );
    const w = written(bytes);
    assert.equal(w.dict.name("ColorSpace"), "DeviceRGB");
    assert.deepEqual([...w.samples.subarray(0, 12)], [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 0]);
    assert.deepEqual([...w.alpha!.subarray(0, 4)], [255, 0, 128, 255]);
  });

  test("1-bit gray: unpacked to 0 and 255, no soft mask", () => {
    const bytes = png(
      { width: 10, height: 1, depth: 1, colorType: 0 },
      rows(10, 1, 1, 1, (x) => x & 1),
    );
    const w = written(bytes);
    assert.equal(w.dict.name("ColorSpace"), "DeviceGray");
    assert.deepEqual([...w.samples], [0, 255, 0, 255, 0, 255, 0, 255, 0, 255]);
    assert.equal(w.alpha, undefined);
  });

  test("16-bit RGBA: the high bytes, alpha as a soft mask", () => {
    const bytes = png(
      { width: 2, height: 1, depth: 16, colorType: 6 },
      rows(2, 1, 4, 16, (x, _y, c) => (c === 3 ? (x ? 0x8000 : 0xffff) : 0x1234 * (c + 1))),
    );
    const w = written(bytes);
    assert.deepEqual([...w.samples], [0x12, 0x24, 0x36, 0x12, 0x24, 0x36]);
    assert.deepEqual([...w.alpha!], [255, 128]);
  });

  test("Adam7-interlaced RGBA decodes to the same pixels as the plain image", () => {
    const width = 9;
    const height = 7;
    const pixel = (x: number, y: number, c: number) => (c === 3 ? 255 : (x * 20 + y * 3 + c * 50) & 0xff);
    // Adam7 (§ 8.2): seven passes, each a subimage with its own scanlines.
    const passes = [
      [0, 0, 8, 8],
      [4, 0, 8, 8],
      [0, 4, 4, 8],
      [2, 0, 4, 4],
      [0, 2, 2, 4],
      [1, 0, 2, 2],
      [0, 1, 1, 2],
    ];
    const parts: Uint8Array[] = [];
    for (const [x0, y0, dx, dy] of passes) {
      const w = Math.ceil((width - x0!) / dx!);
      const h = Math.ceil((height - y0!) / dy!);
      if (w > 0 && h > 0) parts.push(rows(w, h, 4, 8, (x, y, c) => pixel(x0! + x * dx!, y0! + y * dy!, c)));
    }
    const interlaced = written(png({ width, height, depth: 8, colorType: 6, interlace: true }, Buffer.concat(parts)));
    const plain = written(png({ width, height, depth: 8, colorType: 6 }, rows(width, height, 4, 8, pixel)));
    assert.deepEqual(interlaced.samples, plain.samples);
    assert.equal(plain.samples[3 * (2 * width + 5)], pixel(5, 2, 0));
  });
});

describe("refused before decoding", () => {
  const refused = (bytes: Uint8Array, code: string) =>
    assert.throws(
      () => readImage(bytes),
      (e: unknown) => e instanceof AppearanceError && e.code === code,
    );
  test("a GIF", () => refused(Buffer.from("GIF89a\x01\x00\x01\x00"), "not_an_image"));
  test("a JPEG 5000 pixels wide (read from its SOF0)", () => {
    const sof = Uint8Array.from([
      0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0, 10, 0x13, 0x88, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
    ]);
    refused(sof, "image_too_large");
  });
  test("a PNG header of 100000×1", () =>
    refused(png({ width: 100000, height: 1, depth: 8, colorType: 0 }, new Uint8Array(1)), "image_too_large"));
  test("image data inflating past its 4×4 header", () =>
    refused(png({ width: 4, height: 4, depth: 8, colorType: 0 }, new Uint8Array(1 << 20)), "decompression_bomb"));
  test("a damaged PNG (colour type 5)", () =>
    refused(png({ width: 4, height: 4, depth: 8, colorType: 5 }, new Uint8Array(20)), "bad_image"));
});
