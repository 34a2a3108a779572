/**
 * Page geometry the forms need (ISO 32000-2 § 7.7.3.3, § 14.11.2): the crop box — the visible region, which
 * defaults to the media box and is inheritable from the page tree — and the rectangles of a page's annotations.
 */
import { PdfDict, type PdfObject, type PdfRef } from "../pdf/objects.js";
import type { PdfReader } from "../pdf/reader.js";

export type Rect = readonly [number, number, number, number];

/** US Letter, what readers assume when a page has no usable /MediaBox. */
const DEFAULT_BOX: Rect = [0, 0, 612, 792];

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

/** An inheritable page attribute (§ 7.7.3.4), following /Parent a bounded number of steps. */
function inheritedBox(reader: PdfReader, page: PdfDict, key: string): Rect | undefined {
  let node: PdfDict | undefined = page;
  for (let depth = 0; node && depth < 64; depth++) {
    const box = asRect(reader, node.get(key));
    if (box) return box;
    let parent: PdfObject = null;
    try {
      parent = reader.resolve(node.get("Parent"));
    } catch {
      parent = null;
    }
    node = parent instanceof PdfDict ? parent : undefined;
  }
  return undefined;
}

/** The crop box clipped to the media box (§ 14.11.2): what a reader shows of the page. */
export function cropBox(reader: PdfReader, page: PdfDict): Rect {
  const media = inheritedBox(reader, page, "MediaBox") ?? DEFAULT_BOX;
  const crop = inheritedBox(reader, page, "CropBox");
  if (!crop) return media;
  const clipped: Rect = [
    Math.max(crop[0], media[0]),
    Math.max(crop[1], media[1]),
    Math.min(crop[2], media[2]),
    Math.min(crop[3], media[3]),
  ];
  return clipped[0] < clipped[2] && clipped[1] < clipped[3] ? clipped : media;
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
    if (rect)
      out.push({ ref: typeof a === "object" && a !== null && "num" in a ? (a as PdfRef) : undefined, dict: d, rect });
  }
  return out;
}
