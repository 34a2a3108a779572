// Modification analysis of legitimate revisions after a signature: further signatures, LTA material (DSS,
// document time-stamps, /Info), form filling and annotations, with and without DocMDP (ISO 32000-2 § 12.8.2.2).

import assert from "node:assert/strict";
import { test } from "node:test";
import { docMdpPermission } from "../src/pdf/acroform.js";
import { PdfDict, PdfRef } from "../src/pdf/objects.js";
import { PdfReader } from "../src/pdf/reader.js";
import { analyseModifications, permitted } from "../src/validation/modifications.js";
import { formPdf, plainPdf } from "./support/fixtures.js";
import { text as messageText } from "./support/messages.js";
import {
  addAnnotation,
  addDss,
  addSignatureField,
  append,
  dict,
  name,
  signed,
  stream,
  testSigner,
  text,
} from "./support/revisions.js";

test("a signature with nothing after it has no modifications", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  assert.deepEqual(analyseModifications(pdf, signedEnd), { level: "NONE", reasons: [] });
});

test("a second signature by signPdf is form filling, never OTHER", async () => {
  const first = await signed(plainPdf());
  const second = await signed(first.pdf);
  const result = analyseModifications(second.pdf, first.signedEnd);
  assert.equal(result.level, "FORM_FILLING", result.reasons.map(messageText).join("\n"));
  assert.ok(result.reasons.map(messageText).some((r) => /a signature was added in new field 'Signature2'/.test(r)));
  // The second signature itself sees nothing after it.
  assert.equal(analyseModifications(second.pdf, second.signedEnd).level, "NONE");
});

test("three signatures: each revision is judged on its own and the first signature sees form filling", async () => {
  const a = await signed(plainPdf({ pages: 2 }));
  const b = await signed(a.pdf);
  const c = await signed(b.pdf);
  const result = analyseModifications(c.pdf, a.signedEnd);
  assert.equal(result.level, "FORM_FILLING");
  assert.ok(result.reasons.map(messageText).some((r) => r.startsWith("revision 1 after signing:")));
  assert.ok(result.reasons.map(messageText).some((r) => r.startsWith("revision 2 after signing:")));
});

test("signing an empty signature field that existed when signed is form filling", async () => {
  const first = await signed(formPdf(), { fieldName: "Second" });
  const second = await signed(first.pdf, { fieldName: "Signature1" });
  const result = analyseModifications(second.pdf, first.signedEnd);
  assert.equal(result.level, "FORM_FILLING", result.reasons.map(messageText).join("\n"));
  assert.ok(
    result.reasons.map(messageText).some((r) => /field 'Signature1' was signed/.test(r)),
    result.reasons.map(messageText).join("\n"),
  );
});

test("a DSS and a document time-stamp afterwards are LTA updates", async () => {
  const { certificate } = await testSigner();
  const { pdf, signedEnd } = await signed(plainPdf());
  const withDss = append(pdf, (r, u) => addDss(r, u, certificate));
  const withTs = append(withDss, (r, u) => addSignatureField(r, u, { name: "DocTS1", docTimeStamp: true }));
  const result = analyseModifications(withTs, signedEnd);
  assert.equal(result.level, "LTA_UPDATES", result.reasons.map(messageText).join("\n"));
  assert.ok(result.reasons.map(messageText).some((r) => /document security store \(\/DSS\) was added/.test(r)));
  assert.ok(
    result.reasons.map(messageText).some((r) => /a document time-stamp was added in new field 'DocTS1'/.test(r)),
  );
  // DSS and document time-stamps are allowed even under DocMDP P=1 (ISO 32000-2 § 12.8.2.2.2).
  assert.equal(analyseModifications(withTs, signedEnd, { docMdp: 1 }).level, "LTA_UPDATES");
});

test("updating the DSS again (new streams, rewritten DSS dictionary) stays an LTA update", async () => {
  const { certificate } = await testSigner();
  const { pdf, signedEnd } = await signed(plainPdf());
  const withDss = append(pdf, (r, u) => addDss(r, u, certificate));
  const again = append(withDss, (r, u) => {
    const dssRef = r.catalog.get("DSS") as PdfRef;
    const dss = r.dict(dssRef, "DSS").clone();
    const ocsp = u.add(stream({}, "fake OCSP response"));
    u.set(dssRef, dss.set("OCSPs", [ocsp]).set("VRI", dict({})));
  });
  const result = analyseModifications(again, signedEnd);
  assert.equal(result.level, "LTA_UPDATES", result.reasons.map(messageText).join("\n"));
});

test("updating /Info and XMP metadata is an LTA update", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const later = append(pdf, (r, u) => {
    const infoRef = r.trailer.get("Info") as PdfRef;
    u.set(infoRef, r.dict(infoRef, "info").clone().set("ModDate", text("D:20250101000000Z")));
    const xmp = u.add(
      stream({ Type: name("Metadata"), Subtype: name("XML") }, "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"),
    );
    u.set(r.trailer.get("Root") as PdfRef, r.catalog.clone().set("Metadata", xmp));
  });
  const result = analyseModifications(later, signedEnd);
  assert.equal(result.level, "LTA_UPDATES", result.reasons.map(messageText).join("\n"));
  assert.ok(result.reasons.map(messageText).some((r) => /\/Info\) was updated/.test(r)));
  assert.ok(result.reasons.map(messageText).some((r) => /metadata stream was added/.test(r)));
});

test("filling a text field's value and appearance is form filling", async () => {
  const { pdf, signedEnd } = await signed(formPdf());
  const filled = append(pdf, (r, u) => {
    const fieldRef = new PdfRef(8, 0);
    const ap = u.add(stream({ Type: name("XObject"), Subtype: name("Form"), BBox: [0, 0, 280, 20] }, "/Tx BMC EMC"));
    u.set(
      fieldRef,
      r
        .dict(fieldRef, "field")
        .clone()
        .set("V", text("John Roe"))
        .set("AP", dict({ N: ap })),
    );
  });
  const result = analyseModifications(filled, signedEnd);
  assert.equal(result.level, "FORM_FILLING", result.reasons.map(messageText).join("\n"));
  assert.ok(result.reasons.map(messageText).some((r) => /field 'name': \/V was changed \(form filling\)/.test(r)));
  // DocMDP P=2 permits form filling; P=1 does not.
  assert.equal(analyseModifications(filled, signedEnd, { docMdp: 2 }).level, "FORM_FILLING");
  assert.equal(analyseModifications(filled, signedEnd, { docMdp: 1 }).level, "OTHER");
});

test("rewriting a text field's existing appearance stream together with its value is form filling", async () => {
  // The appearance alone, with /V unchanged, is the shadow attack "replace via overlay" (OTHER, see
  // validation-form-fill-attacks.test.ts); pyHanko allows an in-place rewrite that the value comes with.
  const { pdf, signedEnd } = await signed(formPdf());
  const later = append(pdf, (r, u) => {
    const ap = r.getObject(10);
    assert.ok(ap !== null && typeof ap === "object" && "raw" in ap);
    u.set(new PdfRef(8, 0), r.dict(new PdfRef(8, 0), "field").clone().set("V", text("John Roe")));
    u.set(new PdfRef(10, 0), stream({ Type: name("XObject"), Subtype: name("Form"), BBox: [0, 0, 280, 20] }, "EMC"));
  });
  const result = analyseModifications(later, signedEnd);
  assert.equal(result.level, "FORM_FILLING", result.reasons.map(messageText).join("\n"));
});

test("changing a read-only field's value is OTHER", async () => {
  const base = append(formPdf(), (r, u) => {
    u.set(new PdfRef(8, 0), r.dict(new PdfRef(8, 0), "field").clone().set("Ff", 1));
  });
  const { pdf, signedEnd } = await signed(base);
  const later = append(pdf, (r, u) => {
    u.set(new PdfRef(8, 0), r.dict(new PdfRef(8, 0), "field").clone().set("V", text("Mallory")));
  });
  const result = analyseModifications(later, signedEnd);
  assert.equal(result.level, "OTHER");
  assert.ok(result.reasons.map(messageText).some((r) => /read-only/.test(r)));
});

test("a Text or Highlight annotation is ANNOTATIONS; OTHER under DocMDP 2, allowed under 3", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const noted = append(pdf, (r, u) => {
    addAnnotation(
      r,
      u,
      dict({ Type: name("Annot"), Subtype: name("Text"), Rect: [10, 10, 30, 30], Contents: text("ok") }),
    );
  });
  const highlighted = append(noted, (r, u) => {
    addAnnotation(
      r,
      u,
      dict({
        Type: name("Annot"),
        Subtype: name("Highlight"),
        Rect: [72, 700, 300, 720],
        QuadPoints: [72, 720, 300, 720, 72, 700, 300, 700],
      }),
    );
  });
  const none = analyseModifications(highlighted, signedEnd);
  assert.equal(none.level, "ANNOTATIONS", none.reasons.map(messageText).join("\n"));
  assert.ok(none.reasons.map(messageText).some((r) => /a \/Text annotation was added/.test(r)));
  assert.ok(none.reasons.map(messageText).some((r) => /a \/Highlight annotation was added/.test(r)));
  const p2 = analyseModifications(highlighted, signedEnd, { docMdp: 2 });
  assert.equal(p2.level, "OTHER");
  assert.ok(p2.reasons.map(messageText).every((r) => /DocMDP P=2/.test(r)));
  assert.equal(analyseModifications(highlighted, signedEnd, { docMdp: 3 }).level, "ANNOTATIONS");
});

test("changing and removing an existing markup annotation is ANNOTATIONS", async () => {
  const annotated = append(plainPdf(), (r, u) => {
    addAnnotation(
      r,
      u,
      dict({ Type: name("Annot"), Subtype: name("Text"), Rect: [10, 10, 30, 30], Contents: text("a") }),
    );
  });
  const { pdf, signedEnd } = await signed(annotated);
  const changed = append(pdf, (r, u) => {
    const pg = r.pages()[0]!;
    const annots = r.resolve(r.dict(pg, "page").get("Annots")) as PdfRef[];
    const note = annots.find((a) => r.dict(a, "annot").name("Subtype") === "Text")!;
    u.set(note, r.dict(note, "annot").clone().set("Contents", text("b")));
  });
  assert.equal(analyseModifications(changed, signedEnd).level, "ANNOTATIONS");
  const removed = append(changed, (r, u) => {
    const pg = r.pages()[0]!;
    const d = r.dict(pg, "page");
    const annots = r.resolve(d.get("Annots")) as PdfRef[];
    u.set(
      pg,
      d.clone().set(
        "Annots",
        annots.filter((a) => r.dict(a, "annot").name("Subtype") !== "Text"),
      ),
    );
  });
  const result = analyseModifications(removed, signedEnd);
  assert.equal(result.level, "ANNOTATIONS", result.reasons.map(messageText).join("\n"));
  assert.ok(result.reasons.map(messageText).some((r) => /a \/Text annotation was removed/.test(r)));
});

test("a certification with P=1 followed by another signature is OTHER", async () => {
  const { pdf, signedEnd } = await signed(plainPdf(), { certify: "no-changes" });
  assert.equal(docMdpPermission(PdfReader.open(pdf)), 1);
  const later = append(pdf, (r, u) => addSignatureField(r, u, { name: "Approval" }));
  const result = analyseModifications(later, signedEnd, { docMdp: 1 });
  assert.equal(result.level, "OTHER");
  assert.ok(result.reasons.map(messageText).some((r) => /DocMDP P=1/.test(r)));
  // The same change under P=2 is a permitted signature.
  assert.equal(analyseModifications(later, signedEnd, { docMdp: 2 }).level, "FORM_FILLING");
});

test("certified with P=2, a later approval signature by signPdf is form filling", async () => {
  const cert = await signed(plainPdf(), { certify: "form-filling" });
  const approval = await signed(cert.pdf);
  const mdp = docMdpPermission(PdfReader.open(approval.pdf));
  assert.equal(mdp, 2);
  assert.equal(analyseModifications(approval.pdf, cert.signedEnd, { docMdp: mdp }).level, "FORM_FILLING");
});

test("the DocMDP ceiling maps levels as ISO 32000-2 Table 257 says", () => {
  assert.equal(permitted("LTA_UPDATES", 1), "LTA_UPDATES");
  assert.equal(permitted("FORM_FILLING", 1), "OTHER");
  assert.equal(permitted("FORM_FILLING", 2), "FORM_FILLING");
  assert.equal(permitted("ANNOTATIONS", 2), "OTHER");
  assert.equal(permitted("ANNOTATIONS", 3), "ANNOTATIONS");
  assert.equal(permitted("ANNOTATIONS", undefined), "ANNOTATIONS");
  assert.equal(permitted("OTHER", 3), "OTHER");
});

test("a field-less empty signature field added later is form filling", async () => {
  const { pdf, signedEnd } = await signed(plainPdf());
  const later = append(pdf, (r, u) => {
    const w = addAnnotationWidget(r, u);
    const acroRef = r.catalog.get("AcroForm") as PdfRef;
    const acro = r.dict(acroRef, "acroform").clone();
    u.set(acroRef, acro.set("Fields", [...(r.resolve(acro.get("Fields")) as PdfRef[]), w]));
  });
  const result = analyseModifications(later, signedEnd);
  assert.equal(result.level, "FORM_FILLING", result.reasons.map(messageText).join("\n"));
  assert.ok(result.reasons.map(messageText).some((r) => /an empty signature field was added/.test(r)));
});

function addAnnotationWidget(r: PdfReader, u: Parameters<typeof addAnnotation>[1]): PdfRef {
  return addAnnotation(
    r,
    u,
    new PdfDict([
      ["Type", name("Annot")],
      ["Subtype", name("Widget")],
      ["FT", name("Sig")],
      ["T", text("Empty")],
      ["Rect", [0, 0, 0, 0]],
    ]),
  );
}

test("a prepared signature field locked (/F Print → Print+Locked, as Adobe Reader does) and then signed is form filling", async () => {
  // formPdf's field 'Signature1' is an empty signature field with /F 4; Adobe Reader sets /F 132 (Locked) on it.
  const first = await signed(formPdf(), { fieldName: "Other" });
  const locked = append(first.pdf, (reader, update) => {
    const widget = (reader.getObject(9) as PdfDict).clone();
    widget.set("F", 4 | 128);
    update.set(new PdfRef(9, 0), widget);
  });
  const second = await signed(locked, { fieldName: "Signature1" });
  const result = analyseModifications(second.pdf, first.signedEnd);
  assert.equal(result.level, "FORM_FILLING", result.reasons.map(messageText).join("\n"));
  assert.ok(result.reasons.map(messageText).some((r) => /'Signature1' was signed/.test(r)));
});

test("hiding a prepared signature field while signing it (/F Hidden) is still OTHER", async () => {
  const first = await signed(formPdf(), { fieldName: "Other" });
  const second = append(first.pdf, (reader, update) => {
    const hidden = (reader.getObject(9) as PdfDict).clone();
    hidden.set("F", 4 | 2);
    update.set(new PdfRef(9, 0), hidden);
  });
  const result = analyseModifications(second, first.signedEnd);
  assert.equal(result.level, "OTHER", result.reasons.map(messageText).join("\n"));
});

test("a developer extensions dictionary (/Extensions, an indirect object) updated in place is not OTHER", async () => {
  // pyHanko and others add their extension (ESIC, ISO 32000-2 § 7.12) to an existing indirect /Extensions.
  const base = append(plainPdf(), (reader, update) => {
    const ext = update.add(dict({ ADBE: dict({ BaseVersion: name("1.7"), ExtensionLevel: 8 }) }));
    const catalog = reader.catalog.clone();
    catalog.set("Extensions", ext);
    update.set(reader.trailer.get("Root") as PdfRef, catalog);
  });
  const first = await signed(base);
  const second = append(first.pdf, (reader, update) => {
    const ref = reader.catalog.get("Extensions") as PdfRef;
    const ext = (reader.resolve(ref) as PdfDict).clone();
    ext.set("ESIC", dict({ BaseVersion: name("1.7"), ExtensionLevel: 2 }));
    update.set(ref, ext);
  });
  const result = analyseModifications(second, first.signedEnd);
  assert.equal(result.level, "LTA_UPDATES", result.reasons.map(messageText).join("\n"));
});
