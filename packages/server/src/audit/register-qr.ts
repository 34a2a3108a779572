/**
 * The register address as a QR code (ISO/IEC 18004), for the stamp on a document's first page and for the
 * certificate of completion: the modules come from qrcode-generator (error correction M, the smallest version that
 * holds the URL); each row's dark runs become one rectangle, drawn black on a white square that includes the
 * four-module quiet zone, so the code reads on any page background.
 */
import qrcode from "qrcode-generator";

/** The modules of the code for `url` within its quiet zone: `side` modules a side, dark runs per row. */
export interface QrRuns {
  /** Modules along a side, the quiet zone included. */
  readonly side: number;
  /** [row, column, length] of each horizontal run of dark modules, rows from the top, in quiet-zone coordinates. */
  readonly runs: readonly (readonly [number, number, number])[];
}

const QUIET = 4;

export function qrRuns(url: string): QrRuns {
  const qr = qrcode(0, "M");
  qr.addData(url, "Byte");
  qr.make();
  const count = qr.getModuleCount();
  const runs: [number, number, number][] = [];
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; ) {
      if (!qr.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < count && qr.isDark(row, col)) col++;
      runs.push([row + QUIET, start + QUIET, col - start]);
    }
  }
  return { side: count + 2 * QUIET, runs };
}

/** PDF content-stream operators drawing the code for `url` as a `size`-point square, lower-left at (x, y). */
export function qrOperators(url: string, x: number, y: number, size: number): string {
  const { side, runs } = qrRuns(url);
  const module = size / side;
  const n = (v: number) => Number(v.toFixed(3));
  const parts = [`q 1 g ${n(x)} ${n(y)} ${n(size)} ${n(size)} re f 0 g`];
  // PDF's y grows upwards; the code's rows go down from the top.
  for (const [row, col, length] of runs) {
    parts.push(`${n(x + col * module)} ${n(y + size - (row + 1) * module)} ${n(length * module)} ${n(module)} re`);
  }
  parts.push("f Q");
  return `${parts.join("\n")}\n`;
}
