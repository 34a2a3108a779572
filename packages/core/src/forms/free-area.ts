/**
 * A free place on a page (issue 13.4): a rectangle of a given size that covers neither what the page paints
 * (`painted-area.ts`, a conservative estimate) nor any annotation or form field widget. The four corners are tried
 * first, bottom-right preferred (where a register stamp is expected), each `margin` points in from the crop box;
 * then the page is scanned bottom to top, right to left, in steps of `step` points.
 */

import { pageBox } from "../pdf/page-box.js";
import { openDocument } from "./add-fields.js";
import { FieldError } from "./field-spec.js";
import { overlaps, pageAnnotations, type Rect } from "./page-geometry.js";
import { paintedBoxes } from "./painted-area.js";

export interface FreeAreaOptions {
  /** Distance from the crop box's edges, in points (default 18, a quarter inch). */
  readonly margin?: number;
  /** Clearance kept around painted content and widgets, in points (default 2). */
  readonly gap?: number;
  /** Scan step in points (default 6). */
  readonly step?: number;
  /** More rectangles to keep clear, in default user space: what the caller is about to draw or place. */
  readonly avoid?: readonly (readonly [number, number, number, number])[];
}

/**
 * x1 y1 x2 y2 in the page's default user space of a `width` × `height` rectangle on page `page` (1-based) that
 * overlaps nothing painted and no annotation, or null when there is none.
 */
export function freeArea(
  pdf: Uint8Array,
  page: number,
  width: number,
  height: number,
  options: FreeAreaOptions = {},
): [number, number, number, number] | null {
  const reader = openDocument(pdf);
  const pages = reader.pages();
  const ref = pages[page - 1];
  if (!Number.isInteger(page) || !ref) throw new FieldError("page_missing", `the document has no page ${page}`);
  if (!(width > 0 && height > 0)) throw new FieldError("bad_rect", "the area must have a positive width and height");
  const dict = reader.dict(ref, `page ${page}`);
  const box = pageBox(reader, ref);
  const gap = options.gap ?? 2;
  const margin = options.margin ?? 18;
  const step = Math.max(1, options.step ?? 6);
  const taken = [
    ...paintedBoxes(reader, ref),
    ...pageAnnotations(reader, dict).map((a) => a.rect),
    ...(options.avoid ?? []),
  ].map((r): Rect => [r[0] - gap, r[1] - gap, r[2] + gap, r[3] + gap]);
  const fits = (x: number, y: number): boolean => {
    const r: Rect = [x, y, x + width, y + height];
    if (r[0] < box[0] || r[1] < box[1] || r[2] > box[2] || r[3] > box[3]) return false;
    return !taken.some((t) => overlaps(t, r));
  };
  const left = box[0] + margin;
  const right = box[2] - margin - width;
  const bottom = box[1] + margin;
  const top = box[3] - margin - height;
  for (const [x, y] of [
    [right, bottom],
    [left, bottom],
    [right, top],
    [left, top],
  ] as const)
    if (fits(x, y)) return [x, y, x + width, y + height];
  for (let y = bottom; y <= top; y += step)
    for (let x = right; x >= left; x -= step) if (fits(x, y)) return [x, y, x + width, y + height];
  return null;
}
