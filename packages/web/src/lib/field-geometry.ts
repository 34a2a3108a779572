/**
 * Where a field is, in the two spaces the field editor works in: the page as drawn (pdf.js viewport pixels, CSS
 * pixels from the page's top-left corner, always upright as the reader sees it) and the PDF's default user space
 * (points, the space of an annotation's /Rect and of the API's `rect`, ISO 32000-2 § 7.9.5, § 12.5.2). The
 * conversion goes through pdf.js's own viewport (`convertToPdfPoint`, `convertToViewportRectangle`), which knows the
 * crop box's origin and the page's /Rotate, so a field lands where it was dropped on any page. Pure: no DOM, no
 * pdf.js import (the viewport is taken by its shape), so it is tested in Node against pdf.js's real viewports.
 */

/** What of pdf.js's `PageViewport` the conversions use. */
export interface Viewport {
  /** Size of the drawn page in CSS pixels (after rotation and scale). */
  readonly width: number;
  readonly height: number;
  /** The page's visible region in user space: its crop box within its media box (pdf.js `page.view`). */
  readonly viewBox: readonly number[];
  /** Points to pixels: [a, b, c, d, e, f], x' = a·x + c·y + e, y' = b·x + d·y + f. */
  readonly transform: readonly number[];
  convertToPdfPoint(x: number, y: number): number[];
  convertToViewportRectangle(rect: number[]): number[];
}

/** x1, y1, x2, y2 in user space (points), ordered: x1 < x2, y1 < y2. */
export type PdfRect = readonly [number, number, number, number];

/** A box on the drawn page, in CSS pixels from its top-left corner. */
export interface ViewRect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Smallest side of a field in points (core refuses less than 4; 8 stays grabbable). */
export const MIN_SIDE = 8;

/** A rectangle with its corners ordered. */
export function normalise(r: readonly number[]): PdfRect {
  const [a = 0, b = 0, c = 0, d = 0] = r;
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

/** Hundredths of a point: what the API stores and what a person can tell apart. */
const round = (v: number) => Math.round(v * 100) / 100 + 0; // + 0: no -0

/** The user-space rectangle under a box on the drawn page. */
export function toPdfRect(viewport: Viewport, box: ViewRect): PdfRect {
  const [x1 = 0, y1 = 0] = viewport.convertToPdfPoint(box.left, box.top);
  const [x2 = 0, y2 = 0] = viewport.convertToPdfPoint(box.left + box.width, box.top + box.height);
  return normalise([round(x1), round(y1), round(x2), round(y2)]);
}

/** Where a user-space rectangle shows on the drawn page. */
export function toViewRect(viewport: Viewport, rect: PdfRect): ViewRect {
  const [a = 0, b = 0, c = 0, d = 0] = viewport.convertToViewportRectangle([...rect]);
  return { left: Math.min(a, c), top: Math.min(b, d), width: Math.abs(c - a), height: Math.abs(d - b) };
}

/** The page's visible region in user space: a field must lie within it (core's `off_page`). */
export function pageRect(viewport: Viewport): PdfRect {
  return normalise(viewport.viewBox);
}

/** Points per CSS pixel's worth of the drawn page: the viewport's scale, whatever the rotation. */
export function scaleOf(viewport: Viewport): number {
  const [a = 1, b = 0] = viewport.transform;
  return Math.hypot(a, b);
}

/** Whether two rectangles share some area (touching edges do not count), as core's `overlaps`. */
export function overlaps(a: PdfRect, b: PdfRect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/** Whether `inner` lies within `outer`, with core's tolerance of a hundredth of a point. */
export function within(inner: PdfRect, outer: PdfRect): boolean {
  const e = 0.01;
  return inner[0] >= outer[0] - e && inner[1] >= outer[1] - e && inner[2] <= outer[2] + e && inner[3] <= outer[3] + e;
}

/** The box moved by (dx, dy) pixels and kept on the page (width × height). */
export function moveWithin(box: ViewRect, dx: number, dy: number, width: number, height: number): ViewRect {
  return {
    ...box,
    left: clamp(box.left + dx, 0, Math.max(0, width - box.width)),
    top: clamp(box.top + dy, 0, Math.max(0, height - box.height)),
  };
}

/** The corner or side being dragged: n/s move the top/bottom edge, w/e the left/right edge. */
export type Handle = "nw" | "ne" | "sw" | "se";

/**
 * The box with one corner dragged by (dx, dy) pixels, no side shorter than `min` pixels and every edge on the page;
 * the opposite corner stays put.
 */
export function resizeWithin(
  box: ViewRect,
  handle: Handle,
  dx: number,
  dy: number,
  min: number,
  width: number,
  height: number,
): ViewRect {
  let left = box.left;
  let top = box.top;
  let right = box.left + box.width;
  let bottom = box.top + box.height;
  if (handle.includes("w")) left = clamp(left + dx, 0, right - min);
  else right = clamp(right + dx, left + min, width);
  if (handle.includes("n")) top = clamp(top + dy, 0, bottom - min);
  else bottom = clamp(bottom + dy, top + min, height);
  return { left, top, width: right - left, height: bottom - top };
}

/** The box between two points where a drag started and ended, kept on the page. */
export function boxBetween(
  a: { x: number; y: number },
  b: { x: number; y: number },
  width: number,
  height: number,
): ViewRect {
  const left = clamp(Math.min(a.x, b.x), 0, width);
  const top = clamp(Math.min(a.y, b.y), 0, height);
  const right = clamp(Math.max(a.x, b.x), 0, width);
  const bottom = clamp(Math.max(a.y, b.y), 0, height);
  return { left, top, width: right - left, height: bottom - top };
}

/** A box of `size` points (width × height as the reader sees the page) with its top-left corner at a point. */
export function boxAt(
  point: { x: number; y: number },
  size: readonly [number, number],
  scale: number,
  width: number,
  height: number,
): ViewRect {
  const w = Math.min(size[0] * scale, width);
  const h = Math.min(size[1] * scale, height);
  return { left: clamp(point.x, 0, width - w), top: clamp(point.y, 0, height - h), width: w, height: h };
}

function clamp(v: number, low: number, high: number): number {
  return Math.min(Math.max(v, low), high);
}
