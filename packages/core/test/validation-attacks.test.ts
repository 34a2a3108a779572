// Modification analysis against the attacks of the PDF insecurity research (Ruhr University Bochum): incremental
// saving attacks (CCS 2019), shadow attacks hide/replace (NDSS 2021), evil annotation and sneaky signature attacks
// on certification (IEEE S&P 2021). Each fixture is named after its attack class; each must come out OTHER.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { docMdpPermission } from "../src/pdf/acroform.js";
import { type PdfDict, PdfRef, PdfStream } from "../src/pdf/objects.js";
import { PdfReader } from "../src/pdf/reader.js";
import { analyseModifications } from "../src/validation/modifications.js";
import { plainPdf, streamObject, writePdf } from "./support/fixtures.js";
import { text as messageText } from "./support/messages.js";
import { addAnnotation, append, dict, name, page, signed, stream, text } from "./support/revisions.js";

const expectOther = (bytes: Uint8Array, signedEnd: number, pattern: RegExp, docMdp?: 1 | 2 | 3) => {
  const result = analyseModifications(bytes, signedEnd, { docMdp });
  assert.equal(result.level, "OTHER", result.reasons.map(messageText).join("\n"));
  assert.ok(
    result.reasons.map(messageText).some((r) => pattern.test(r)),
    `no reason matches ${pattern}:\n${result.reasons.map(messageText).join("\n")}`,
  );
  return result;
};

/** The first page's content stream reference. */
const contentsOf = (r: PdfReader): PdfRef => page(r).dict.get("Contents") as PdfRef;

test("incremental-saving-attack: the page content stream rewritten in place is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    u.set(contentsOf(r), stream({}, "BT /F1 12 Tf 72 720 Td (We owe you nothing) Tj ET"));
  });
  expectOther(attacked, signedEnd, /page 1 \/Contents \(object \d+\) was rewritten — page content/);
});

test("incremental-saving-attack: the page pointed at a new content stream is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const { ref, dict: d } = page(r);
    u.set(ref, d.clone().set("Contents", u.add(stream({}, "BT (forged) Tj ET"))));
  });
  expectOther(attacked, signedEnd, /page 1: \/Contents was changed/);
});

test("incremental-saving-attack: a revision whose /Prev skips the signed revision is OTHER", async () => {
  const original = plainPdf();
  const { pdf, signedEnd } = await signed(original);
  const signedXref = PdfReader.open(pdf).startXref;
  const originalXref = PdfReader.open(original).startXref;
  const attacked = append(pdf, (r, u) => {
    u.set(contentsOf(r), stream({}, "BT (forged) Tj ET"));
  });
  // Point /Prev at the unsigned original's cross-reference table, keeping every offset valid.
  const tail = Buffer.from(attacked.subarray(signedEnd)).toString("latin1");
  const from = `/Prev ${signedXref}`;
  const to = `/Prev ${originalXref}`.padEnd(from.length, " ");
  assert.ok(tail.includes(from));
  const forged = Buffer.concat([Buffer.from(pdf), Buffer.from(tail.replace(from, to), "latin1")]);
  expectOther(forged, signedEnd, /incremental saving attack: .*does not lead back to the signed revision/);
});

test("incremental-saving-attack: objects appended with no cross-reference section are OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const contents = contentsOf(PdfReader.open(pdf));
  const tail = `${contents.num} 0 obj\n<< /Length 17 >>\nstream\nBT (forged) Tj ET\nendstream\nendobj\n`;
  const attacked = Buffer.concat([Buffer.from(pdf), Buffer.from(tail, "latin1")]);
  expectOther(attacked, signedEnd, /objects were appended after the signed revision without a cross-reference section/);
  // Trailing white space after %%EOF is harmless.
  const padded = Buffer.concat([Buffer.from(pdf), Buffer.from("\n\n  \n", "latin1")]);
  assert.equal(analyseModifications(padded, signedEnd).level, "NONE");
});

test("page-added: a new page after signing is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const pagesRef = r.catalog.get("Pages") as PdfRef;
    const pages = r.dict(pagesRef, "pages");
    const content = u.add(stream({}, "BT (Annex: all debts waived) Tj ET"));
    const newPage = u.add(
      dict({ Type: name("Page"), Parent: pagesRef, MediaBox: [0, 0, 595, 842], Contents: content }),
    );
    const kids = r.resolve(pages.get("Kids")) as PdfRef[];
    u.set(
      pagesRef,
      pages
        .clone()
        .set("Kids", [...kids, newPage])
        .set("Count", kids.length + 1),
    );
  });
  expectOther(attacked, signedEnd, /number of pages changed from 1 to 2/);
});

test("page-removed: dropping a page after signing is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf({ pages: 2 }));
  const attacked = append(pdf, (r, u) => {
    const pagesRef = r.catalog.get("Pages") as PdfRef;
    const pages = r.dict(pagesRef, "pages");
    const kids = r.resolve(pages.get("Kids")) as PdfRef[];
    u.set(pagesRef, pages.clone().set("Kids", kids.slice(0, 1)).set("Count", 1));
  });
  expectOther(attacked, signedEnd, /number of pages changed from 2 to 1/);
});

test("shadow-replace-font: the page font rewritten is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const font = (r.resolve(r.dict(page(r).dict.get("Resources"), "res").get("Font")) as PdfDict).get("F1") as PdfRef;
    u.set(font, dict({ Type: name("Font"), Subtype: name("Type1"), BaseFont: name("Symbol") }));
  });
  expectOther(attacked, signedEnd, /page 1 \/Resources \/Font \/F1 \(object \d+\) was rewritten — .*shadow replace/);
});

/** A one-page PDF whose 20 MB image is FlateDecode-labelled random bytes: decoding it would throw. */
function imagePdf(): Buffer {
  const image = randomBytes(20 * 1024 * 1024);
  return writePdf(
    [
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
      "<< /Producer (shadow test) >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>",
      streamObject("", "q 400 0 0 400 100 200 cm /Im1 Do Q"),
      streamObject(
        "/Type /XObject /Subtype /Image /Width 4096 /Height 5120 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
        image,
      ),
    ],
    1,
    3,
  );
}

test("shadow-replace-image: a 20 MB image swapped is OTHER, found without decoding it, in well under seconds", async () => {
  const { pdf, signedEnd } = await signed(imagePdf());
  const identical = append(pdf, (r, u) => u.set(new PdfRef(6, 0), r.getObject(6)));
  const attacked = append(identical, (r, u) => {
    const old = r.getObject(6) as PdfStream;
    u.set(new PdfRef(6, 0), new PdfStream(old.dict, randomBytes(old.raw.length)));
  });
  const start = performance.now();
  expectOther(attacked, signedEnd, /\/XObject \/Im1 \(object 6\) was rewritten — .*shadow replace/);
  const unchanged = analyseModifications(identical, signedEnd);
  const elapsed = performance.now() - start;
  assert.equal(unchanged.level, "NONE", unchanged.reasons.map(messageText).join("\n"));
  assert.ok(elapsed < 3000, `took ${elapsed} ms`);
});

/** A PDF with an optional content group that is ON: the shadow "hide" attack switches it OFF after signing. */
function optionalContentPdf(): Buffer {
  return writePdf(
    [
      "<< /Type /Catalog /Pages 2 0 R /OCProperties 6 0 R >>",
      "<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      "<< /Producer (shadow test) >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /Properties << /OC1 7 0 R >> >> /Contents 8 0 R >>",
      "<< /OCGs [7 0 R] /D << /ON [7 0 R] /OFF [] /Order [7 0 R] >> >>",
      "<< /Type /OCG /Name (Clause 7) >>",
      streamObject("", "/OC /OC1 BDC BT /F1 12 Tf 72 720 Td (Clause 7: liability is capped) Tj ET EMC"),
    ],
    1,
    4,
  );
}

test("shadow-hide: switching an optional content group off after signing is OTHER", async () => {
  const { pdf, signedEnd } = await signed(optionalContentPdf());
  const attacked = append(pdf, (r, u) => {
    const ocp = r.dict(new PdfRef(6, 0), "ocp").clone();
    u.set(new PdfRef(6, 0), ocp.set("D", dict({ ON: [], OFF: [new PdfRef(7, 0)], Order: [new PdfRef(7, 0)] })));
  });
  expectOther(attacked, signedEnd, /OCProperties \(object 6\) was rewritten — optional content/);
  // The same switch through a new /OCProperties in the catalog.
  const viaCatalog = append(pdf, (r, u) => {
    const ocp = u.add(dict({ OCGs: [new PdfRef(7, 0)], D: dict({ OFF: [new PdfRef(7, 0)] }) }));
    u.set(r.trailer.get("Root") as PdfRef, r.catalog.clone().set("OCProperties", ocp));
  });
  expectOther(viaCatalog, signedEnd, /the catalog \/OCProperties \(which optional content is shown/);
});

test("evil-annotation: a FreeText/Stamp overlay with its own appearance is OTHER under DocMDP 2", async () => {
  const { pdf, signedEnd } = await signed(plainPdf(), { certify: "form-filling" });
  const docMdp = docMdpPermission(PdfReader.open(pdf));
  assert.equal(docMdp, 2);
  const overlay = (subtype: string) => (r: PdfReader, u: Parameters<Parameters<typeof append>[1]>[1]) => {
    const ap = u.add(
      stream(
        { Type: name("XObject"), Subtype: name("Form"), BBox: [0, 0, 500, 40] },
        "1 g 0 0 500 40 re f 0 g BT /Helv 12 Tf 2 12 Td (liability is unlimited) Tj ET",
      ),
    );
    addAnnotation(
      r,
      u,
      dict({ Type: name("Annot"), Subtype: name(subtype), Rect: [70, 700, 570, 740], F: 4, AP: dict({ N: ap }) }),
    );
  };
  for (const subtype of ["FreeText", "Stamp"]) {
    const attacked = append(pdf, overlay(subtype));
    expectOther(attacked, signedEnd, new RegExp(`/${subtype} annotation was added drawing its own appearance.*P=2`), 2);
    // Under P=3 the specification allows it, but the report still says an overlay was drawn.
    const p3 = analyseModifications(attacked, signedEnd, { docMdp: 3 });
    assert.equal(p3.level, "ANNOTATIONS");
    assert.ok(p3.reasons.map(messageText).some((x) => /drawing its own appearance over \[70 700 570 740\]/.test(x)));
  }
});

test("evil-annotation: a markup annotation with a JavaScript action is OTHER even without DocMDP", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const js = u.add(dict({ S: name("JavaScript"), JS: text("app.alert('x')") }));
    addAnnotation(
      r,
      u,
      dict({ Type: name("Annot"), Subtype: name("Square"), Rect: [0, 0, 10, 10], AA: dict({ PO: js }) }),
    );
  });
  expectOther(attacked, signedEnd, /\/Square annotation with actions/);
  const link = append(pdf, (r, u) => {
    addAnnotation(r, u, dict({ Type: name("Annot"), Subtype: name("Link"), Rect: [0, 0, 595, 842] }));
  });
  expectOther(link, signedEnd, /\/Link annotation was added \(not a markup annotation\)/);
});

test("sneaky-signature: a widget added without a signature field, or a text field added, is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf(), { certify: "form-filling" });
  const widgetOnly = append(pdf, (r, u) => {
    addAnnotation(
      r,
      u,
      dict({ Type: name("Annot"), Subtype: name("Widget"), FT: name("Tx"), Rect: [70, 700, 570, 740] }),
    );
  });
  expectOther(widgetOnly, signedEnd, /a widget that belongs to no new signature field/, 2);
  const textField = append(pdf, (r, u) => {
    const w = addAnnotation(
      r,
      u,
      dict({
        Type: name("Annot"),
        Subtype: name("Widget"),
        FT: name("Tx"),
        T: text("overlay"),
        V: text("forged"),
        Rect: [70, 700, 570, 740],
      }),
    );
    const acroRef = r.catalog.get("AcroForm") as PdfRef;
    const acro = r.dict(acroRef, "acroform").clone();
    u.set(acroRef, acro.set("Fields", [...(r.resolve(acro.get("Fields")) as PdfRef[]), w]));
  });
  expectOther(textField, signedEnd, /a new form field 'overlay' of type \/Tx was added/, 2);
});

test("open-action-javascript: an /OpenAction JavaScript added to the catalog is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const js = u.add(dict({ S: name("JavaScript"), JS: text("this.getField('x').display = display.hidden;") }));
    u.set(r.trailer.get("Root") as PdfRef, r.catalog.clone().set("OpenAction", js));
  });
  expectOther(attacked, signedEnd, /the catalog \/OpenAction \(an action run when the document opens\) was added/);
});

test("catalog-pages-swapped: /Pages pointing to a new page tree is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const treeRef = u.allocate();
    const content = u.add(stream({}, "BT (a different document) Tj ET"));
    const p = u.add(dict({ Type: name("Page"), Parent: treeRef, MediaBox: [0, 0, 595, 842], Contents: content }));
    u.set(treeRef, dict({ Type: name("Pages"), Kids: [p], Count: 1 }));
    u.set(r.trailer.get("Root") as PdfRef, r.catalog.clone().set("Pages", treeRef));
  });
  const result = expectOther(attacked, signedEnd, /the catalog \/Pages \(the page tree\) was changed/);
  assert.ok(result.reasons.map(messageText).some((x) => /page 1 was replaced by a different page object/.test(x)));
});

test("catalog-replaced: /Root pointing to a new catalog with /Names JavaScript is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  let newCatalog = 0;
  const attacked = append(pdf, (r, u) => {
    const names = dict({
      JavaScript: dict({ Names: [text("a"), u.add(dict({ S: name("JavaScript"), JS: text("1") }))] }),
    });
    // The writer copies /Root from the old trailer, so it is swapped in the bytes below.
    newCatalog = u.add(r.catalog.clone().set("Names", names)).num;
  });
  // Rewrite the trailer's /Root to the new catalog (numbers of the same length keep offsets valid).
  const oldRoot = (PdfReader.open(pdf).trailer.get("Root") as PdfRef).num;
  const tail = Buffer.from(attacked.subarray(signedEnd)).toString("latin1");
  const from = `/Root ${oldRoot} 0 R`;
  const to = `/Root ${newCatalog} 0 R`;
  assert.equal(from.length <= to.length, true);
  const swapped = Buffer.concat([Buffer.from(pdf), Buffer.from(tail.replace(from, to), "latin1")]);
  assert.equal((PdfReader.open(swapped).trailer.get("Root") as PdfRef).num, newCatalog);
  expectOther(swapped, signedEnd, /the catalog \/Names .*was added/);
});

test("unchanged-copy: objects rewritten byte-identical or equal in value are NONE", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const copied = append(pdf, (r, u) => {
    const { ref, dict: d } = page(r);
    u.set(ref, d.clone());
    u.set(contentsOf(r), r.getObject(contentsOf(r).num));
    u.set(r.trailer.get("Root") as PdfRef, r.catalog.clone());
    u.set(r.catalog.get("Pages") as PdfRef, r.getObject((r.catalog.get("Pages") as PdfRef).num));
  });
  const result = analyseModifications(copied, signedEnd);
  assert.deepEqual(result, { level: "NONE", reasons: [] });
});

test("signature-dictionary-rewritten: the signed signature's dictionary with another /ByteRange is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const acro = r.dict(r.catalog.get("AcroForm"), "acroform");
    const field = r.dict((r.resolve(acro.get("Fields")) as PdfRef[])[0], "field");
    const sigRef = field.get("V") as PdfRef;
    const sig = r.dict(sigRef, "sig").clone();
    sig.map.delete("ByteRange");
    u.set(sigRef, sig.set("ByteRange", [0, 10, 20, 30]));
  });
  expectOther(attacked, signedEnd, /the signature dictionary of field 'Signature1' was rewritten/);
});

test("signature-value-replaced: pointing a signed field at a new signature dictionary is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const acro = r.dict(r.catalog.get("AcroForm"), "acroform");
    const fieldRef = (r.resolve(acro.get("Fields")) as PdfRef[])[0]!;
    const field = r.dict(fieldRef, "field");
    const sig = u.add(r.dict(field.get("V"), "sig").clone().set("M", text("D:20000101000000Z")));
    u.set(fieldRef, field.clone().set("V", sig));
  });
  expectOther(attacked, signedEnd, /field 'Signature1' already holds a signature; its \/V was changed/);
});

test("widget-moved: moving or hiding an existing widget is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    const acro = r.dict(r.catalog.get("AcroForm"), "acroform");
    const fieldRef = (r.resolve(acro.get("Fields")) as PdfRef[])[0]!;
    u.set(fieldRef, r.dict(fieldRef, "field").clone().set("F", 2));
  });
  expectOther(attacked, signedEnd, /\/F was changed \(annotation flags/);
});

test("object-number-reuse: an object undefined when signed and defined later is OTHER", async () => {
  // The page names an XObject 99 that does not exist: null when signed (ISO 32000-2 § 7.3.10).
  const base = writePdf(
    [
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
      "<< /Producer (reuse test) >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /X1 99 0 R >> >> /Contents 5 0 R >>",
      streamObject("", "q /X1 Do Q"),
    ],
    1,
    3,
  );
  const { pdf, signedEnd } = await signed(base);
  const attacked = append(pdf, (_r, u) => {
    u.set(
      new PdfRef(99, 0),
      stream({ Type: name("XObject"), Subtype: name("Form"), BBox: [0, 0, 595, 842] }, "BT (surprise) Tj ET"),
    );
  });
  assert.equal(PdfReader.open(pdf).entry(99), undefined);
  expectOther(attacked, signedEnd, /object 99 \(page 1 \/Resources \/XObject \/X1\) was undefined when signed/);
});

test("object-freed: freeing an object the signed revision used is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const contents = contentsOf(PdfReader.open(pdf));
  const attacked = append(pdf, () => {});
  // Turn the (empty) update into one that frees the content stream: append a table section by hand.
  const prev = PdfReader.open(attacked).startXref;
  const at = attacked.length;
  const trailer = `trailer\n<< /Size 100 /Root ${(PdfReader.open(pdf).trailer.get("Root") as PdfRef).num} 0 R /Prev ${prev} >>\n`;
  const section = `xref\n${contents.num} 1\n0000000000 00001 f\r\n${trailer}startxref\n${at}\n%%EOF\n`;
  const freed = Buffer.concat([Buffer.from(attacked), Buffer.from(section, "latin1")]);
  assert.equal(PdfReader.open(freed).entry(contents.num)?.type, 0);
  expectOther(freed, signedEnd, /page 1 \/Contents\) was deleted/);
});

test("hostile: an update with thousands of annotations and a deep array finishes quickly", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const attacked = append(pdf, (r, u) => {
    let deep: unknown[] = [];
    for (let i = 0; i < 1500; i++) deep = [deep];
    const annots: PdfRef[] = [];
    for (let i = 0; i < 20_000; i++)
      annots.push(
        u.add(
          dict({ Type: name("Annot"), Subtype: name("Text"), Rect: [0, 0, 1, 1], Deep: i === 0 ? (deep as never) : 0 }),
        ),
      );
    const { ref, dict: d } = page(r);
    u.set(ref, d.clone().set("Annots", annots));
  });
  const start = performance.now();
  const result = analyseModifications(attacked, signedEnd);
  assert.equal(result.level, "OTHER", result.reasons.map(messageText).join("\n"));
  assert.ok(performance.now() - start < 5000);
});
