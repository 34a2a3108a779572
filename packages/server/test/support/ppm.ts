// Pixels of a page rendered by poppler's `pdftoppm` (binary PPM), counted in a rectangle given in PDF points: how the
// tests see that a signature block, a seal or a mark was drawn.
import assert from "node:assert/strict";

export type Pixel = (r: number, g: number, b: number) => boolean;

/** Pixels of a binary PPM (P6) inside `rect` (PDF points at 72 dpi, page height `h`) that `pick` accepts. */
export function countPixels(ppm: Buffer, rect: readonly number[], h: number, pick: Pixel): number {
  const header = ppm.toString("latin1", 0, 64).match(/^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  assert.ok(header, "a binary PPM");
  const width = Number(header[1]);
  const offset = header[0].length;
  let n = 0;
  for (let y = Math.round(h - rect[3]!); y < Math.round(h - rect[1]!); y++) {
    for (let x = Math.round(rect[0]!); x < Math.round(rect[2]!); x++) {
      const i = offset + (y * width + x) * 3;
      if (pick(ppm[i]!, ppm[i + 1]!, ppm[i + 2]!)) n++;
    }
  }
  return n;
}

/** The seal's red. */
export const isRed: Pixel = (r, g, b) => r > 150 && g < 90 && b < 90;
/** Text and a typed mark. */
export const isDark: Pixel = (r, g, b) => r < 100 && g < 100 && b < 100;
