/**
 * Pictures in an appearance (a drawn signature from a canvas, an uploaded signature or seal): PNG or JPEG, checked
 * before anything is decoded.
 *
 * - JPEG is embedded as it is, with /DCTDecode (ISO 32000-2 § 7.4.8); its size and components are read from the
 *   start-of-frame segment (ITU-T T.81 § B.2.2), and nothing is decompressed here.
 * - PNG (ISO/IEC 15948) is decoded by fast-png and written as 8-bit /DeviceRGB or /DeviceGray samples with
 *   /FlateDecode, its transparency as a soft mask (/SMask, § 11.6.5.3), so a drawn signature's transparent
 *   background shows the page.
 *
 * Refused with an AppearanceError: bytes that are neither (`not_an_image`); more than MAX_IMAGE_SIDE pixels on a
 * side, read from the header (`image_too_large`); image data that inflates beyond what the header declares — a
 * decompression bomb — found by inflating as a stream and stopping at the declared size (`decompression_bomb`);
 * damaged or unsupported structure (`bad_image`).
 *
 * Decoded images are cached by content (a server signing many documents with one person's drawn signature decodes
 * it once).
 */

import { decode as decodePng } from "fast-png";
import { Unzlib, zlibSync } from "fflate";
import { sha } from "../cms/hash.js";
import { PdfDict, PdfName, type PdfObject, type PdfRef, PdfStream } from "../pdf/objects.js";
import { AppearanceError } from "./errors.js";

/** The longest side accepted, in pixels: a 4096-pixel drawing is 14 inches at 300 dpi, more than any stamp needs. */
export const MAX_IMAGE_SIDE = 4096;

export interface EmbeddableImage {
  readonly width: number;
  readonly height: number;
  /** Writes the image XObject (and its soft mask) with `add`. */
  readonly write: (add: (obj: PdfObject) => PdfRef) => PdfRef;
}

const cache = new Map<string, EmbeddableImage>();
const CACHE_SIZE = 16;

/** Reads a PNG or JPEG for embedding. */
export function readImage(bytes: Uint8Array): EmbeddableImage {
  const key = Buffer.from(sha("SHA-256", bytes)).toString("hex");
  const hit = cache.get(key);
  if (hit) return hit;
  const image = isPng(bytes) ? readPng(bytes) : isJpeg(bytes) ? readJpeg(bytes) : notAnImage();
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, image);
  return image;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array): boolean => b.length > 8 && PNG_SIGNATURE.every((x, i) => b[i] === x);
const isJpeg = (b: Uint8Array): boolean => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
function notAnImage(): never {
  throw new AppearanceError("not_an_image", "the image is neither a PNG nor a JPEG");
}

function checkSize(width: number, height: number): void {
  if (width < 1 || height < 1) throw new AppearanceError("bad_image", "the image has no pixels");
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE)
    throw new AppearanceError(
      "image_too_large",
      `the image is ${width}×${height} pixels; at most ${MAX_IMAGE_SIDE}×${MAX_IMAGE_SIDE} is accepted`,
    );
}

function readJpeg(bytes: Uint8Array): EmbeddableImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new AppearanceError("bad_image", "the JPEG's segments are damaged");
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte (T.81 § B.1.1.2)
      continue;
    }
    const length = view.getUint16(at + 2);
    // SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC) carry the frame header: P, Y, X, Nf.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 10 > bytes.length) break;
      const bits = bytes[at + 4]!;
      const height = view.getUint16(at + 5);
      const width = view.getUint16(at + 7);
      const components = bytes[at + 9]!;
      checkSize(width, height);
      if (bits !== 8 || ![1, 3, 4].includes(components))
        throw new AppearanceError("bad_image", `a JPEG of ${components} components at ${bits} bits is not supported`);
      if (marker === 0xc3 || marker >= 0xc9)
        throw new AppearanceError("bad_image", "lossless and arithmetic-coded JPEGs are not supported");
      const colorSpace = components === 1 ? "DeviceGray" : components === 3 ? "DeviceRGB" : "DeviceCMYK";
      const entries: [string, PdfObject][] = [
        ["Type", PdfName.of("XObject")],
        ["Subtype", PdfName.of("Image")],
        ["Width", width],
        ["Height", height],
        ["ColorSpace", PdfName.of(colorSpace)],
        ["BitsPerComponent", 8],
        ["Filter", PdfName.of("DCTDecode")],
      ];
      // Adobe's CMYK JPEGs are stored inverted (the APP14 convention), which § 8.6.5 readers undo with /Decode.
      if (components === 4) entries.push(["Decode", [1, 0, 1, 0, 1, 0, 1, 0]]);
      const stream = new PdfStream(new PdfDict(entries), bytes);
      return { width, height, write: (add) => add(stream) };
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or scan data before any frame header
    at += 2 + length;
  }
  throw new AppearanceError("bad_image", "the JPEG has no frame header");
}

interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly interlace: number;
}

function readPng(bytes: Uint8Array): EmbeddableImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR")
    throw new AppearanceError("bad_image", "the PNG has no header chunk");
  const header: PngHeader = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24]!,
    colorType: bytes[25]!,
    interlace: bytes[28]!,
  };
  checkSize(header.width, header.height);
  checkInflatedSize(bytes, view, header);
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes);
  } catch (e) {
    throw new AppearanceError("bad_image", `the PNG cannot be decoded: ${e instanceof Error ? e.message : e}`);
  }
  const { color, alpha, gray } = samples(png);
  const { width, height } = png;
  // Compressed once, when first written: the image is cached, and so are its streams' bytes.
  let compressed: { color: Uint8Array; alpha?: Uint8Array } | undefined;
  return {
    width,
    height,
    write: (add) => {
      compressed ??= { color: zlibSync(color), alpha: alpha && zlibSync(alpha) };
      const entries: [string, PdfObject][] = [
        ["Type", PdfName.of("XObject")],
        ["Subtype", PdfName.of("Image")],
        ["Width", width],
        ["Height", height],
        ["ColorSpace", PdfName.of(gray ? "DeviceGray" : "DeviceRGB")],
        ["BitsPerComponent", 8],
        ["Filter", PdfName.of("FlateDecode")],
      ];
      if (alpha) {
        const mask = new PdfDict([
          ["Type", PdfName.of("XObject")],
          ["Subtype", PdfName.of("Image")],
          ["Width", width],
          ["Height", height],
          ["ColorSpace", PdfName.of("DeviceGray")],
          ["BitsPerComponent", 8],
          ["Filter", PdfName.of("FlateDecode")],
        ]);
        entries.push(["SMask", add(new PdfStream(mask, compressed.alpha!))]);
      }
      return add(new PdfStream(new PdfDict(entries), compressed.color));
    },
  };
}

/**
 * Inflates the IDAT data as a stream and stops as soon as it yields more than the header's image needs (ISO/IEC
 * 15948 § 7: one filter byte per scanline plus the packed samples, more for Adam7's passes): what a decoder would
 * otherwise allocate without bound.
 */
function checkInflatedSize(bytes: Uint8Array, view: DataView, h: PngHeader): void {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[h.colorType];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(h.bitDepth))
    throw new AppearanceError("bad_image", `PNG colour type ${h.colorType} at ${h.bitDepth} bits is not valid`);
  const rowBytes = Math.ceil((h.width * channels * h.bitDepth) / 8) + 1;
  // Adam7 adds at most one filter byte per scanline of each of 7 passes and a byte of padding per pass row.
  const expected = rowBytes * h.height + (h.interlace ? 15 * h.height + 64 : 0);
  let produced = 0;
  let bomb = false;
  const inflate = new Unzlib((chunk) => {
    produced += chunk.length;
    if (produced > expected) bomb = true;
  });
  let at = 8;
  try {
    while (at + 12 <= bytes.length && !bomb) {
      const length = view.getUint32(at);
      const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
      if (at + 12 + length > bytes.length) throw new AppearanceError("bad_image", "the PNG is truncated");
      if (type === "IDAT") inflate.push(bytes.subarray(at + 8, at + 8 + length));
      if (type === "IEND") break;
      at += 12 + length;
    }
    if (!bomb) inflate.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof AppearanceError) throw e;
    throw new AppearanceError("bad_image", `the PNG's image data is damaged: ${e instanceof Error ? e.message : e}`);
  }
  if (bomb)
    throw new AppearanceError(
      "decompression_bomb",
      `the PNG's image data inflates to more than the ${expected} bytes its ${h.width}×${h.height} header declares`,
    );
}

/** 8-bit colour samples (RGB or gray) and the alpha channel when any pixel is not opaque. */
function samples(png: ReturnType<typeof decodePng>): { color: Uint8Array; alpha?: Uint8Array; gray: boolean } {
  const { width, height, depth } = png;
  const pixels = width * height;
  const palette = png.palette;
  const channels = palette ? 1 : png.channels;
  const rowSamples = width * channels;
  const data = png.data;
  // Sample k of row y at any bit depth (rows of depths below 8 are packed and byte-aligned).
  const rowBytes = Math.ceil((rowSamples * depth) / 8);
  const sample = (y: number, k: number): number => {
    if (depth === 16 || depth === 8) return data[y * rowSamples + k]!;
    const bit = k * depth;
    const byte = data[y * rowBytes + (bit >> 3)]!;
    return (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const to8 = (v: number): number =>
    depth === 16 ? v >> 8 : depth === 8 ? v : Math.round((v * 255) / ((1 << depth) - 1));
  const gray = !palette && channels <= 2;
  const color = new Uint8Array(pixels * (gray ? 1 : 3));
  const alpha = new Uint8Array(pixels).fill(255);
  let translucent = false;
  const trns = png.transparency;
  // Plain loops without allocation per pixel: a 4096 × 4096 upload is 16 million pixels.
  const wide = depth === 16 || depth === 8;
  const shift = depth === 16 ? 8 : 0;
  const colorChannels = gray ? 1 : 3;
  const hasAlpha = !palette && (channels === 2 || channels === 4);
  const key = !palette && !hasAlpha && trns && trns.length >= colorChannels ? trns : undefined;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (palette) {
        const entry = palette[sample(y, x)];
        const o = p * 3;
        color[o] = entry?.[0] ?? 0;
        color[o + 1] = entry?.[1] ?? 0;
        color[o + 2] = entry?.[2] ?? 0;
        const a = entry && entry.length > 3 ? entry[3]! : 255;
        alpha[p] = a;
        if (a < 255) translucent = true;
        continue;
      }
      const k = x * channels;
      const raw = (c: number) => (wide ? data[y * rowSamples + k + c]! : sample(y, k + c));
      const eight = (c: number) => (wide ? raw(c) >> shift : to8(raw(c)));
      if (gray) color[p] = eight(0);
      else {
        color[p * 3] = eight(0);
        color[p * 3 + 1] = eight(1);
        color[p * 3 + 2] = eight(2);
      }
      if (hasAlpha) {
        const a = eight(channels - 1);
        alpha[p] = a;
        if (a < 255) translucent = true;
      } else if (key && raw(0) === key[0] && (gray || (raw(1) === key[1] && raw(2) === key[2]))) {
        alpha[p] = 0; // tRNS of a gray or RGB image names one transparent colour
        translucent = true;
      }
    }
  }
  return translucent ? { color, alpha, gray } : { color, gray };
}
