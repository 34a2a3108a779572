// Placing fields (issue 13.1) and finding a free place on a page (13.4): addFields writes AcroForm fields and
// widgets in one incremental update that qpdf accepts, readFields reads them back, bad placements are refused with
// a coded FieldError and nothing written, and freeArea avoids painted content and widgets.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addFields, FieldError, type FieldSpec, freeArea, pageBoxes, readFields } from "../src/forms.js";
import type { PdfDict, PdfString } from "../src/pdf/objects.js";
import { PdfReader } from "../src/pdf/reader.js";
import { encryptedPdf, formPdf, objectStreamPdf, plainPdf, streamObject, writePdf } from "./support/fixtures.js";
import { signed } from "./support/revisions.js";
import { qpdfCheck, runOk } from "./support/tools.js";

const FIELDS: FieldSpec[] = [
  { name: "r1.signature", recipient: "r1", kind: "signature", page: 1, rect: [350, 60, 550, 120], label: "Minister" },
  { name: "r1.name", recipient: "r1", kind: "name", page: 1, rect: [350, 130, 550, 150], required: true },
  { name: "r1.agree", recipient: "r1", kind: "checkbox", page: 1, rect: [330, 160, 346, 176], label: "I agree" },
  { name: "r2.signature", recipient: "r2", kind: "signature", page: 1, rect: [60, 60, 260, 120] },
  { name: "r2.date", recipient: "r2", kind: "date", page: 1, rect: [60, 130, 260, 150], label: "Date signed" },
];

const refuses = (code: string) => (e: unknown) => e instanceof FieldError && e.code === code && e.message.length > 0;

describe("addFields", () => {
  test("adds fields as one incremental update that qpdf checks clean, and readFields reads them back", async () => {
    const pdf = plainPdf();
    const out = addFields(pdf, FIELDS);
    assert.deepEqual(Buffer.from(out.subarray(0, pdf.length)), pdf, "the original bytes stay a prefix");
    assert.equal(Buffer.from(out).toString("latin1").match(/%%EOF/g)?.length, 2, "exactly one update");
    const check = await qpdfCheck(out);
    assert.equal(check.ok, true, check.raw);
    // Each empty field shows its label (extractable), in grey within its border.
    const text = (await runOk("pdftotext", ["-", "-"], { input: out })).stdout.toString("utf8");
    assert.match(text, /Minister/);
    assert.match(text, /Date signed/);
    const fields = readFields(out);
    assert.deepEqual(
      fields.map((f) => [f.name, f.recipient, f.kind, f.page, f.required, f.signed]),
      [
        ["r1.signature", "r1", "signature", 1, false, false],
        ["r1.name", "r1", "name", 1, true, false],
        ["r1.agree", "r1", "checkbox", 1, false, false],
        ["r2.signature", "r2", "signature", 1, false, false],
        ["r2.date", "r2", "date", 1, false, false],
      ],
    );
    assert.deepEqual(fields[0]!.rect, [350, 60, 550, 120]);
    assert.equal(fields[0]!.label, "Minister");
    assert.equal(fields[2]!.value, false);
    assert.equal(fields[1]!.value, undefined);
  });

  test("each recipient's signature field locks that recipient's other fields (/Lock, FieldMDP)", () => {
    const reader = PdfReader.open(addFields(plainPdf(), FIELDS));
    const acro = reader.dict(reader.catalog.get("AcroForm"), "form");
    const top = reader.resolve(acro.get("Fields")) as unknown[];
    assert.equal(top.length, 2, "r1 and r2 are the two top-level fields");
    const lockOf = (parent: number, kid: number) => {
      const p = reader.dict(top[parent] as never, "r");
      const k = reader.dict((reader.resolve(p.get("Kids")) as never[])[kid], "sig");
      const lock = reader.resolve(k.get("Lock")) as PdfDict;
      return [
        lock.name("Type"),
        lock.name("Action"),
        (reader.resolve(lock.get("Fields")) as PdfString[]).map((s) => s.text),
      ];
    };
    assert.deepEqual(lockOf(0, 0), ["SigFieldLock", "Include", ["r1.name", "r1.agree"]]);
    assert.deepEqual(lockOf(1, 0), ["SigFieldLock", "Include", ["r2.date"]]);
  });

  test("works on a document with a form already, and on one with object streams", async () => {
    const withForm = addFields(formPdf(), [FIELDS[0]!, FIELDS[1]!]);
    assert.equal((await qpdfCheck(withForm)).ok, true);
    const names = readFields(withForm).map((f) => f.name);
    assert.deepEqual(names, ["r1.signature", "r1.name"]);
    const reader = PdfReader.open(withForm);
    const acro = reader.dict(reader.catalog.get("AcroForm"), "form");
    assert.equal((reader.resolve(acro.get("Fields")) as unknown[]).length, 3, "name, Signature1 and r1");

    const objstm = addFields(await objectStreamPdf(), [{ ...FIELDS[0]!, page: 3 }]);
    assert.equal((await qpdfCheck(objstm)).ok, true);
    assert.equal(readFields(objstm)[0]!.page, 3);
  });

  test("a second call extends the recipient's node and relocks their signature field", () => {
    const once = addFields(plainPdf(), [FIELDS[0]!, FIELDS[1]!]);
    const twice = addFields(once, [
      { name: "r1.title", recipient: "r1", kind: "title", page: 1, rect: [350, 180, 550, 200] },
    ]);
    assert.deepEqual(
      readFields(twice).map((f) => f.name),
      ["r1.signature", "r1.name", "r1.title"],
    );
    const reader = PdfReader.open(twice);
    const sig = readFieldDict(reader, "r1.signature");
    const lock = reader.resolve(sig.get("Lock")) as PdfDict;
    assert.deepEqual(
      (reader.resolve(lock.get("Fields")) as PdfString[]).map((s) => s.text),
      ["r1.name", "r1.title"],
    );
  });

  test("an empty list changes nothing", () => {
    const pdf = plainPdf();
    assert.equal(addFields(pdf, []), pdf);
  });

  test("bad placements are refused with a code, and nothing is written", async () => {
    const pdf = plainPdf({ pages: 2 });
    const base = FIELDS[1]!;
    assert.throws(() => addFields(pdf, [{ ...base, page: 3 }]), refuses("page_missing"));
    assert.throws(() => addFields(pdf, [{ ...base, page: 0 }]), refuses("page_missing"));
    assert.throws(() => addFields(pdf, [{ ...base, rect: [500, 100, 700, 120] }]), refuses("off_page"));
    assert.throws(() => addFields(pdf, [{ ...base, rect: [10, -5, 100, 20] }]), refuses("off_page"));
    assert.throws(() => addFields(pdf, [{ ...base, rect: [10, 10, 11, 11] }]), refuses("bad_rect"));
    assert.throws(() => addFields(pdf, [{ ...base, rect: [10, 10, Number.NaN, 20] as never }]), refuses("bad_rect"));
    assert.throws(() => addFields(pdf, [base, { ...base }]), refuses("duplicate_name"));
    assert.throws(() => addFields(pdf, [base, { ...base, name: "r1.name.x" }]), refuses("duplicate_name"));
    assert.throws(() => addFields(formPdf(), [{ ...base, name: "Signature1" }]), refuses("duplicate_name"));
    assert.throws(() => addFields(pdf, [{ ...base, name: "r1..x" }]), refuses("bad_name"));
    assert.throws(() => addFields(pdf, [{ ...base, recipient: "" }]), refuses("bad_name"));
    assert.throws(() => addFields(pdf, [{ ...base, kind: "stamp" as never }]), refuses("bad_kind"));
    assert.throws(() => addFields(pdf, [{ ...base, label: "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ" }]), refuses("unsupported_script"));
    const encrypted = await encryptedPdf();
    assert.throws(() => addFields(encrypted, [base]), refuses("encrypted_pdf"));
    assert.throws(() => addFields(Buffer.from("%PDF-1.7\ngarbage"), [base]), refuses("unreadable_pdf"));
  });

  test("on a signed document only signature fields may be added, and not over a signature made", async () => {
    const { pdf } = await signed(formPdf(), { fieldName: "Signature1" }); // Signature1: /Rect [120 600 400 660]
    assert.throws(() => addFields(pdf, [{ ...FIELDS[1]!, rect: [50, 50, 200, 80] }]), refuses("signed_field"));
    assert.throws(() => addFields(pdf, [{ ...FIELDS[0]!, rect: [300, 620, 500, 680] }]), refuses("overlaps_signature"));
    const ok = addFields(pdf, [{ ...FIELDS[0]!, rect: [300, 500, 500, 560] }]);
    assert.equal((await qpdfCheck(ok)).ok, true);
  });

  test("pageBoxes gives each page's crop box", () => {
    assert.deepEqual(pageBoxes(plainPdf({ pages: 2 })), [
      [0, 0, 595, 842],
      [0, 0, 595, 842],
    ]);
  });
});

function readFieldDict(reader: PdfReader, name: string): PdfDict {
  const acro = reader.dict(reader.catalog.get("AcroForm"), "form");
  const walk = (objs: unknown[], prefix: string): PdfDict | undefined => {
    for (const o of objs) {
      const d = reader.dict(o as never, "field");
      const t = (d.get("T") as PdfString).text;
      const q = prefix ? `${prefix}.${t}` : t;
      if (q === name) return d;
      const kids = reader.resolve(d.get("Kids"));
      if (Array.isArray(kids)) {
        const found = walk(kids, q);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(reader.resolve(acro.get("Fields")) as unknown[], "")!;
}

/** One page of 595 × 842 with the given content stream (Helvetica as /F1, an image as /Im1). */
function pageWith(content: string, annots = ""): Buffer {
  return writePdf(
    [
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 6 0 R /Fm1 7 0 R >> >> /Contents 5 0 R ${annots} >>`,
      streamObject("", content),
      streamObject(
        "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8",
        "\x80",
      ),
      streamObject(
        "/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /Font << /F1 3 0 R >> >>",
        "BT /F1 10 Tf 5 5 Td (form text) Tj ET",
      ),
      "<< /Type /Annot /Subtype /Square /Rect [480 10 590 120] >>",
    ],
    1,
  );
}

describe("freeArea", () => {
  test("the bottom-right corner when nothing is there", () => {
    assert.deepEqual(freeArea(plainPdf(), 1, 80, 80), [595 - 18 - 80, 18, 595 - 18, 98]);
  });

  test("text, paths, images and forms in the bottom-right push the area to the next free corner", () => {
    const text = pageWith("BT /F1 12 Tf 1 0 0 1 480 40 Tm (Page 1 of 1) Tj ET");
    assert.deepEqual(freeArea(text, 1, 80, 80), [18, 18, 98, 98]);
    const path = pageWith("q 2 w 500 30 m 580 90 l S Q");
    assert.deepEqual(freeArea(path, 1, 80, 80), [18, 18, 98, 98]);
    const image = pageWith("q 60 0 0 60 520 20 cm /Im1 Do Q");
    assert.deepEqual(freeArea(image, 1, 80, 80), [18, 18, 98, 98]);
    const form = pageWith("q 1 0 0 1 470 30 cm /Fm1 Do Q");
    assert.deepEqual(freeArea(form, 1, 80, 80), [18, 18, 98, 98]);
  });

  test("a white background and a clipping path do not count; an annotation does", () => {
    const background = pageWith("q 1 g 0 0 595 842 re f Q q 0 0 595 842 re W n Q");
    assert.deepEqual(freeArea(background, 1, 80, 80), [595 - 98, 18, 595 - 18, 98]);
    const annotated = pageWith("", "/Annots [8 0 R]");
    assert.deepEqual(freeArea(annotated, 1, 80, 80), [18, 18, 98, 98]);
    assert.deepEqual(freeArea(plainPdf(), 1, 80, 80, { avoid: [[500, 20, 520, 40]] }), [18, 18, 98, 98]);
  });

  test("all four corners taken: the scan finds a gap; a full page gives null", () => {
    const corners = pageWith("0 g 0 0 150 150 re f 445 0 150 150 re f 0 692 150 150 re f 445 692 150 150 re f");
    const area = freeArea(corners, 1, 80, 80)!;
    assert.ok(area[0] >= 150 || area[1] >= 150, `${area}`);
    assert.equal(freeArea(pageWith("0 g 0 0 595 842 re f"), 1, 80, 80), null);
    assert.throws(() => freeArea(plainPdf(), 2, 80, 80), refuses("page_missing"));
  });
});
