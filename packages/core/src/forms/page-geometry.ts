/**
 * Rectangles as the forms need them (ISO 32000-2 § 7.9.5): ordered, compared, and those of a page's annotations
 * (§ 12.5.2 /Rect). Where a page shows is `pdf/page-box.ts`.
 */
import { PdfDict, type PdfObject, PdfRef } from "../pdf/objects.js";
import type { PdfReader } from "../pdf/reader.js";

export type Rect = readonly [number, number, number, number];

/** A rectangle with its corners ordered: x1 < x2, y1 < y2. */
export function normalise(r: readonly number[]): Rect {
  const [a, b, c, d] = r as [number, number, number, number];
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

/** Four finite numbers, or undefined. */
export function asRect(reader: PdfReader, obj: PdfObject | undefined): Rect | undefined {
  let v: PdfObject;
  try {
    v = reader.resolve(obj);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || v.length !== 4) return undefined;
  const n = v.map((x) => {
    try {
      return reader.resolve(x);
    } catch {
      return null;
    }
  });
  return n.every((x) => typeof x === "number" && Number.isFinite(x)) ? normalise(n as number[]) : undefined;
}

/** Whether two rectangles share some area (touching edges do not count). */
export function overlaps(a: Rect, b: Rect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** Whether `inner` lies within `outer`, with a hundredth of a point of tolerance for rounding. */
export function within(inner: Rect, outer: Rect): boolean {
  const e = 0.01;
  return inner[0] >= outer[0] - e && inner[1] >= outer[1] - e && inner[2] <= outer[2] + e && inner[3] <= outer[3] + e;
}

/** The annotations of a page with a usable /Rect, resolved. */
export function pageAnnotations(
  reader: PdfReader,
  page: PdfDict,
): { ref: PdfRef | undefined; dict: PdfDict; rect: Rect }[] {
  let list: PdfObject = null;
  try {
    list = reader.resolve(page.get("Annots"));
  } catch {
    return [];
  }
  const out: { ref: PdfRef | undefined; dict: PdfDict; rect: Rect }[] = [];
  for (const a of Array.isArray(list) ? list : []) {
    let d: PdfObject = null;
    try {
      d = reader.resolve(a);
    } catch {
      continue;
    }
    if (!(d instanceof PdfDict)) continue;
    const rect = asRect(reader, d.get("Rect"));
    if (rect) out.push({ ref: a instanceof PdfRef ? a : undefined, dict: d, rect });
  }
  return out;
}
