/**
 * Driving the sender's field editor on /envelopes/new (web/src/components/field-editor.tsx) from a browser test:
 * placing a field with the mouse where a rectangle of the PDF's user space shows, and reading the fields back. The
 * page layer carries pdf.js's viewport transform (`data-transform`, points → CSS pixels of the page), so the
 * screen position of any point of the PDF is computed, whatever the zoom, the crop box's origin or the page's
 * /Rotate. Each field box carries its `data-kind`, `data-recipient-index`, `data-page` and `data-rect` (user space).
 *
 * The document must have been chosen (`#document`) and the recipients entered first: the editor appears with the
 * document's pages and offers the signers on this instance.
 */
import type { Locator, Page } from "playwright-core";

export type FieldKind = "signature" | "initials" | "name" | "title" | "date" | "text" | "checkbox";
export type PdfRect = readonly [number, number, number, number];

/** Selectors of the editor's parts. */
export const FIELD_EDITOR = {
  root: "#field-editor",
  recipient: "#field-recipient",
  kind: "#field-kind",
  add: "[data-action=add-field]",
  remove: "[data-action=remove-field]",
  required: "#field-required",
  label: "#field-label",
  box: ".field-box[data-field-id]",
  layer: (pageNumber: number) => `.field-layer[data-page="${pageNumber}"]`,
} as const;

/** A field box as the editor shows it. */
export interface PlacedFieldBox {
  readonly id: string;
  readonly kind: FieldKind;
  readonly recipientIndex: number;
  readonly page: number;
  readonly rect: PdfRect;
}

/** Waits until page `pageNumber` is drawn with its field layer (scrolling it into view first). */
export async function fieldLayer(page: Page, pageNumber: number): Promise<Locator> {
  await page.locator(FIELD_EDITOR.root).waitFor();
  const figure = page.locator(`.pdf-viewer__page[data-page="${pageNumber}"]`);
  await figure.waitFor({ timeout: 30_000 });
  await figure.scrollIntoViewIfNeeded();
  const layer = page.locator(FIELD_EDITOR.layer(pageNumber));
  await layer.waitFor({ timeout: 30_000 });
  return layer;
}

/**
 * Where a user-space rectangle of page `pageNumber` shows on the screen (viewport coordinates for `page.mouse`):
 * the pages region is scrolled so that the rectangle's centre is in its middle first.
 */
export async function pdfRectOnScreen(
  page: Page,
  pageNumber: number,
  rect: PdfRect,
): Promise<{ x1: number; y1: number; x2: number; y2: number }> {
  const layer = await fieldLayer(page, pageNumber);
  return layer.evaluate((element, r) => {
    const t = JSON.parse((element as HTMLElement).dataset.transform!) as number[];
    const point = (x: number, y: number) => [t[0]! * x + t[2]! * y + t[4]!, t[1]! * x + t[3]! * y + t[5]!] as const;
    const [ax, ay] = point(r[0], r[1]);
    const [bx, by] = point(r[2], r[3]);
    const left = Math.min(ax, bx);
    const right = Math.max(ax, bx);
    const top = Math.min(ay, by);
    const bottom = Math.max(ay, by);
    const region = element.closest(".pdf-viewer__pages") as HTMLElement;
    region.scrollIntoView({ block: "center" });
    const before = element.getBoundingClientRect();
    const box = region.getBoundingClientRect();
    region.scrollTop += before.top + (top + bottom) / 2 - (box.top + box.height / 2);
    region.scrollLeft += before.left + (left + right) / 2 - (box.left + box.width / 2);
    const at = element.getBoundingClientRect();
    return { x1: at.left + left, y1: at.top + top, x2: at.left + right, y2: at.top + bottom };
  }, rect);
}

/** Every field box the editor shows (pages drawn), in no particular order. */
export async function fieldBoxes(page: Page): Promise<PlacedFieldBox[]> {
  return page.locator(FIELD_EDITOR.box).evaluateAll((boxes) =>
    boxes.map((b) => {
      const d = (b as HTMLElement).dataset;
      return {
        id: b.id,
        kind: d.kind as FieldKind,
        recipientIndex: Number(d.recipientIndex),
        page: Number(d.page),
        rect: JSON.parse(d.rect!) as PdfRect,
      };
    }),
  );
}

/**
 * Places a field through the UI with the mouse: chooses the recipient (0-based position in the form's recipients,
 * a signer on this instance) and the kind, and drags from one corner of `pdfRect` (user space of page
 * `pageNumber`, points) to the other. Returns the new field's box (focused and selected).
 */
export async function placeField(
  page: Page,
  field: { recipientIndex: number; kind: FieldKind; pageNumber: number; pdfRect: PdfRect },
): Promise<Locator> {
  await page.locator(FIELD_EDITOR.recipient).selectOption(String(field.recipientIndex));
  await page.locator(FIELD_EDITOR.kind).selectOption(field.kind);
  const before = new Set((await fieldBoxes(page)).map((b) => b.id));
  const at = await pdfRectOnScreen(page, field.pageNumber, field.pdfRect);
  await page.mouse.move(at.x1, at.y2);
  await page.mouse.down();
  await page.mouse.move((at.x1 + at.x2) / 2, (at.y1 + at.y2) / 2, { steps: 3 });
  await page.mouse.move(at.x2, at.y1, { steps: 3 });
  await page.mouse.up();
  await page.waitForFunction(([selector, count]) => document.querySelectorAll(selector).length > count, [
    FIELD_EDITOR.box,
    before.size,
  ] as const);
  const added = (await fieldBoxes(page)).filter((b) => !before.has(b.id));
  if (added.length !== 1) throw new Error(`expected one new field, found ${added.length}`);
  return page.locator(`#${added[0]!.id}`);
}

/** The user-space rectangle of a field box, as the editor keeps it (and will send it). */
export async function fieldRect(box: Locator): Promise<PdfRect> {
  return JSON.parse((await box.getAttribute("data-rect"))!) as PdfRect;
}
