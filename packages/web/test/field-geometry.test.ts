// The field editor's coordinates (src/lib/field-geometry.ts) against pdf.js's real viewports: a PDF whose pages have
// a crop box away from the origin (CropBox [50 40 550 740] in a 600 × 800 MediaBox) and /Rotate 0, 90, 180 and
// 270, drawn at 150 %. A rectangle of user space shows where the page, turned as a reader sees it, has it, and a
// box drawn there converts back to the same rectangle. Also the client-side checks (src/lib/field-checks.ts).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { getDocument, type PDFDocumentProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import { checkFields, type PlacedField } from "../src/lib/field-checks.js";
import {
  boxAt,
  moveWithin,
  type PdfRect,
  pageRect,
  resizeWithin,
  scaleOf,
  toPdfRect,
  toViewRect,
  type Viewport,
} from "../src/lib/field-geometry.js";

/** A PDF with one page per rotation, each with the same media and crop boxes. */
function rotatedPdf(rotations: readonly number[]): Uint8Array {
  const kids = rotations.map((_, i) => `${3 + i} 0 R`).join(" ");
  const bodies = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${kids}] /Count ${rotations.length} >>`,
    ...rotations.map(
      (r) => `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /CropBox [50 40 550 740] /Rotate ${r} >>`,
    ),
  ];
  let out = "%PDF-1.7\n";
  const offsets: number[] = [];
  bodies.forEach((b, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${b}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

const ROTATIONS = [0, 90, 180, 270] as const;
const SCALE = 1.5;
/** A field in user space: 100 points wide, 50 high. */
const FIELD: PdfRect = [100, 100, 200, 150];

/**
 * Where FIELD shows at 150 % on each turned page, worked out by hand: the crop box is 500 × 700 points from
 * (50, 40); turned by 90° clockwise its lower-left corner goes to the top-left of the view, by 180° to the top
 * right, by 270° to the bottom right.
 */
const EXPECTED = {
  0: { size: [750, 1050], box: { left: 75, top: 885, width: 150, height: 75 } },
  90: { size: [1050, 750], box: { left: 90, top: 75, width: 75, height: 150 } },
  180: { size: [750, 1050], box: { left: 525, top: 90, width: 150, height: 75 } },
  270: { size: [1050, 750], box: { left: 885, top: 525, width: 75, height: 150 } },
} as const;

describe("field geometry with pdf.js viewports", () => {
  let pdf: PDFDocumentProxy;
  const viewports = new Map<number, Viewport>();

  before(async () => {
    pdf = await getDocument({ data: rotatedPdf(ROTATIONS), isEvalSupported: false, verbosity: 0 }).promise;
    for (const [i, r] of ROTATIONS.entries()) {
      viewports.set(r, (await pdf.getPage(i + 1)).getViewport({ scale: SCALE }));
    }
  });

  for (const rotation of ROTATIONS) {
    test(`/Rotate ${rotation}: a user-space rectangle shows where the turned page has it, and converts back`, () => {
      const viewport = viewports.get(rotation)!;
      const want = EXPECTED[rotation];
      assert.deepEqual([viewport.width, viewport.height], want.size);
      const box = toViewRect(viewport, FIELD);
      for (const k of ["left", "top", "width", "height"] as const) {
        assert.ok(Math.abs(box[k] - want.box[k]) < 1e-9, `${k}: ${box[k]} ≠ ${want.box[k]}`);
      }
      assert.deepEqual(toPdfRect(viewport, box), FIELD);
      assert.deepEqual(pageRect(viewport), [50, 40, 550, 740]);
      assert.equal(scaleOf(viewport), SCALE);
    });
  }

  test("a box drawn on the page's top-left corner is at the crop box's corner that shows there", () => {
    const corner = { left: 0, top: 0, width: 30, height: 15 }; // 20 × 10 points at 150 %
    assert.deepEqual(toPdfRect(viewports.get(0)!, corner), [50, 730, 70, 740]);
    assert.deepEqual(toPdfRect(viewports.get(90)!, corner), [50, 40, 60, 60]);
    assert.deepEqual(toPdfRect(viewports.get(180)!, corner), [530, 40, 550, 50]);
    assert.deepEqual(toPdfRect(viewports.get(270)!, corner), [540, 720, 550, 740]);
  });

  test("arrow keys move and resize on the screen's axes, whatever the rotation (here 90°)", () => {
    const viewport = viewports.get(90)!;
    const box = toViewRect(viewport, FIELD);
    // 10 points right on the screen is 10 points up in user space on a page turned 90° clockwise.
    const right = moveWithin(box, 10 * SCALE, 0, viewport.width, viewport.height);
    assert.deepEqual(toPdfRect(viewport, right), [100, 110, 200, 160]);
    // Wider on the screen by 4 points: taller in user space.
    const wider = resizeWithin(box, "se", 4 * SCALE, 0, 8 * SCALE, viewport.width, viewport.height);
    assert.deepEqual(toPdfRect(viewport, wider), [100, 100, 200, 154]);
  });

  test("a field is kept on the page: moved or resized past the edge, it stops at the edge", () => {
    const viewport = viewports.get(0)!;
    const box = toViewRect(viewport, FIELD);
    const far = moveWithin(box, -1000, 0, viewport.width, viewport.height);
    assert.deepEqual(toPdfRect(viewport, far), [50, 100, 150, 150]);
    const tiny = resizeWithin(box, "nw", 1000, 1000, 8 * SCALE, viewport.width, viewport.height);
    assert.deepEqual(toPdfRect(viewport, tiny), [192, 100, 200, 108]);
    // A new field near the bottom-right corner is pushed back onto the page.
    const placed = boxAt({ x: 740, y: 1040 }, [180, 60], SCALE, viewport.width, viewport.height);
    assert.deepEqual(toPdfRect(viewport, placed), [370, 40, 550, 100]);
  });
});

describe("client-side checks of the fields", () => {
  const field = (id: number, recipientKey: number, kind: PlacedField["kind"], page: number, rect: PdfRect) => ({
    id,
    recipientKey,
    kind,
    page,
    rect,
    label: "",
    required: true,
  });
  const recipients = [
    { key: 10, mayHaveFields: true },
    { key: 11, mayHaveFields: true },
    { key: 12, mayHaveFields: false }, // an approver
  ];
  const page = { box: [0, 0, 595, 842] as PdfRect, signatures: [[300, 700, 500, 760] as PdfRect] };

  test("fields as the server takes them pass", () => {
    const fields = [
      field(1, 10, "signature", 1, [72, 100, 252, 160]),
      field(2, 10, "date", 1, [300, 100, 410, 124]),
      field(3, 11, "signature", 2, [72, 100, 252, 160]),
    ];
    assert.deepEqual(checkFields(fields, recipients, [page, page], 2), []);
  });

  test("each mistake is found on its field, as the server's codes say", () => {
    const fields = [
      field(1, 10, "signature", 1, [72, 100, 252, 160]),
      field(2, 10, "date", 1, [580, 100, 690, 124]), // off the page
      field(3, 10, "text", 1, [400, 720, 520, 744]), // over the signature already made
      field(4, 10, "signature", 1, [100, 120, 200, 170]), // a second signature field, over the first
      field(5, 11, "checkbox", 3, [10, 10, 26, 26]), // no page 3, and recipient 11 has no signature field
      field(6, 12, "signature", 1, [10, 10, 100, 40]), // an approver
    ];
    assert.deepEqual(
      checkFields(fields, recipients, [page, page], 2).map((p) => [p.code, p.fieldId]),
      [
        ["field_off_page", 2],
        ["field_overlaps_signature", 3],
        ["field_signature_twice", 4],
        ["field_overlaps_field", 4],
        ["field_page_missing", 5],
        ["field_recipient_not_signer", 6],
        ["field_signature_missing", 5],
      ],
    );
  });

  test("a field of a recipient removed from the form is flagged", () => {
    const fields = [field(1, 99, "signature", 1, [72, 100, 252, 160])];
    assert.deepEqual(
      checkFields(fields, recipients, [page], 1).map((p) => p.code),
      ["field_recipient_unknown"],
    );
  });
});
