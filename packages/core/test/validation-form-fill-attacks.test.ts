// Modification analysis of revisions that pass themselves off as form filling (issue 14 § 2): an appearance
// stream, appearance dictionary, /MK or font rewritten although something besides the field being filled uses
// it (pyHanko clears an overwritten object only when every path to it from the trailer is cleared), and an
// appearance replaced while the value it displays stays the same (the shadow attack "replace via overlay",
// Mainka et al., NDSS 2021). Each attack must come out OTHER; the legitimate fills beside them stay FORM_FILLING.
//
// formPdf's objects: 5 the page, 7 /AcroForm, 8 the filled text field 'name' (/V (Jane Doe), /AP << /N 10 0 R >>),
// 9 the empty signature field, 10 the appearance stream of 'name', 3 Helvetica (page, /DR and that appearance).

import assert from "node:assert/strict";
import { test } from "node:test";
import { type PdfDict, type PdfObject, PdfRef } from "../src/pdf/objects.js";
import { PdfReader } from "../src/pdf/reader.js";
import type { IncrementalUpdate } from "../src/pdf/writer.js";
import { referenceIndex } from "../src/validation/diff/references.js";
import { analyseModifications } from "../src/validation/modifications.js";
import { formPdf } from "./support/fixtures.js";
import { text as messageText } from "./support/messages.js";
import { addAnnotation, append, dict, name, signed, stream, text } from "./support/revisions.js";

const NAME_FIELD = new PdfRef(8, 0);
const NAME_APPEARANCE = new PdfRef(10, 0);
const INFO = new PdfRef(4, 0);

const expectLevel = (bytes: Uint8Array, signedEnd: number, level: string, pattern?: RegExp) => {
  const result = analyseModifications(bytes, signedEnd);
  assert.equal(result.level, level, result.reasons.map(messageText).join("\n"));
  if (pattern !== undefined)
    assert.ok(
      result.reasons.map(messageText).some((r) => pattern.test(r)),
      `no reason matches ${pattern}:\n${result.reasons.map(messageText).join("\n")}`,
    );
  return result;
};

/** An appearance stream (form XObject) showing `shown` in Helvetica, as a form filler writes it. */
const appearance = (shown: string, font: PdfObject = new PdfRef(3, 0)) =>
  stream(
    {
      Type: name("XObject"),
      Subtype: name("Form"),
      BBox: [0, 0, 280, 20],
      Resources: dict({ Font: dict({ Helv: font }) }),
    },
    `/Tx BMC\nBT /Helv 12 Tf 0 g 2 5 Td (${shown}) Tj ET\nEMC`,
  );

/**
 * Adds a merged field-and-widget on page 1 and to /AcroForm /Fields (one call per update: it rewrites the page).
 * `entries` become the widget's own keys (/FT, /V, /AP, /MK …).
 */
function addField(r: PdfReader, u: IncrementalUpdate, field: string, entries: Record<string, PdfObject>): PdfRef {
  const widget = dict({
    Type: name("Annot"),
    Subtype: name("Widget"),
    T: text(field),
    Rect: [120, 640, 400, 660],
    F: 4,
    ...entries,
  });
  const ref = addAnnotation(r, u, widget);
  const acroRef = r.catalog.get("AcroForm") as PdfRef;
  const acro = r.dict(acroRef, "acroform").clone();
  u.set(acroRef, acro.set("Fields", [...(r.resolve(acro.get("Fields")) as PdfObject[]), ref]));
  return ref;
}

/** Field 'name' with its keys changed, as a filler rewrites it. */
function rewriteName(r: PdfReader, u: IncrementalUpdate, entries: Record<string, PdfObject>): void {
  const d = r.dict(NAME_FIELD, "field").clone();
  for (const [k, v] of Object.entries(entries)) d.set(k, v);
  u.set(NAME_FIELD, d);
}

/** formPdf prepared by `prepare` and then signed. */
const signedForm = (prepare?: (r: PdfReader, u: IncrementalUpdate) => void) =>
  signed(prepare === undefined ? formPdf() : append(formPdf(), prepare));

// ---------------------------------------------------------------------------------------------------------------
// The reference index the ownership rule reads.

test("the reference index lists every holder of an object, the trailer included", () => {
  const index = referenceIndex(PdfReader.open(formPdf()));
  const holders = (num: number) => index.usagesOf(num).map((u) => `${u.from}:${u.path.join("/")}`);
  assert.deepEqual(holders(10), ["8:AP/N"]);
  assert.deepEqual(holders(4), ["trailer:Info"]);
  assert.deepEqual(new Set(holders(3)), new Set(["5:Resources/Font/F1", "7:DR/Font/Helv", "10:Resources/Font/Helv"]));
  assert.deepEqual(new Set(holders(8)), new Set(["5:Annots/0", "7:Fields/0"]));
  assert.equal(index.truncated, false);
});

// ---------------------------------------------------------------------------------------------------------------
// 1. Objects used by something besides the field being filled.

test("shared-appearance-stream: filling 'name' and rewriting the appearance stream 'title' shows too is OTHER", async () => {
  const { pdf, signedEnd } = await signedForm((r, u) => {
    addField(r, u, "title", { FT: name("Tx"), V: text("Jane Doe"), AP: dict({ N: NAME_APPEARANCE }) });
  });
  const attack = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(NAME_APPEARANCE, appearance("John Roe"));
  });
  expectLevel(attack, signedEnd, "OTHER", /shared with several fields or widgets \(.*field 'title'/);
});

test("shared-appearance-dictionary: rewriting an indirect /AP two widgets share is OTHER", async () => {
  let apRef: PdfRef | undefined;
  const { pdf, signedEnd } = await signedForm((r, u) => {
    apRef = u.add(dict({ N: NAME_APPEARANCE }));
    rewriteName(r, u, { AP: apRef });
    addField(r, u, "title", { FT: name("Tx"), V: text("Jane Doe"), AP: apRef });
  });
  const attack = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(apRef!, dict({ N: u.add(appearance("John Roe")) }));
  });
  expectLevel(attack, signedEnd, "OTHER", /shared with several fields or widgets \(.*field 'title'/);
});

test("shared-font: rewriting a font that another field's appearance also uses is OTHER", async () => {
  let font: PdfRef | undefined;
  const { pdf, signedEnd } = await signedForm((r, u) => {
    font = u.add(dict({ Type: name("Font"), Subtype: name("Type1"), BaseFont: name("Helvetica-Bold") }));
    u.set(NAME_APPEARANCE, appearance("Jane Doe", font));
    addField(r, u, "title", {
      FT: name("Tx"),
      V: text("Director"),
      AP: dict({ N: u.add(appearance("Director", font)) }),
    });
  });
  const attack = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    // A font whose encoding maps other glyphs to the same codes changes what 'title' shows.
    u.set(
      font!,
      dict({
        Type: name("Font"),
        Subtype: name("Type1"),
        BaseFont: name("Helvetica-Bold"),
        Encoding: dict({ Differences: [68, name("X"), name("Y")] }),
      }),
    );
  });
  expectLevel(attack, signedEnd, "OTHER", /shared with several fields or widgets \(.*field 'title'/);
});

test("shared-with-info: an appearance stream the trailer's /Info also refers to, rewritten, is OTHER", async () => {
  const { pdf, signedEnd } = await signedForm((r, u) => {
    u.set(INFO, r.dict(INFO, "info").clone().set("Logo", NAME_APPEARANCE));
  });
  const attack = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(NAME_APPEARANCE, appearance("John Roe"));
  });
  expectLevel(attack, signedEnd, "OTHER", /shared with the document information dictionary \(\/Info\)/);
});

/** `bytes` with `/Foo 10 0 R` in its newest trailer (after the cross-reference table: no offset moves). */
function withTrailerKey(bytes: Uint8Array): Uint8Array {
  const latin1 = Buffer.from(bytes).toString("latin1");
  const at = latin1.lastIndexOf("trailer\n<<") + "trailer\n<<".length;
  return Buffer.from(`${latin1.slice(0, at)} /Foo 10 0 R${latin1.slice(at)}`, "latin1");
}

test("shared-with-trailer: an appearance stream a trailer key also names, rewritten, is OTHER", () => {
  // Our signer keeps only the standard trailer keys, so the "signed" revision here is the form as written; the
  // analysis needs only its end.
  const base = withTrailerKey(formPdf());
  const attack = withTrailerKey(
    append(base, (r, u) => {
      rewriteName(r, u, { V: text("John Roe") });
      u.set(NAME_APPEARANCE, appearance("John Roe"));
    }),
  );
  expectLevel(attack, base.length, "OTHER", /shared with the trailer \/Foo/);
});

test("shared-with-page: an appearance stream the page also draws (/XObject), rewritten, is OTHER", async () => {
  const { pdf, signedEnd } = await signedForm((r, u) => {
    const pageRef = new PdfRef(5, 0);
    const resources = dict({ Font: dict({ F1: new PdfRef(3, 0) }), XObject: dict({ Fm0: NAME_APPEARANCE }) });
    u.set(pageRef, r.dict(pageRef, "page").clone().set("Resources", resources));
  });
  const attack = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(NAME_APPEARANCE, appearance("John Roe"));
  });
  expectLevel(attack, signedEnd, "OTHER", /shared with page 1/);
});

test("shared-mk: rewriting an /MK dictionary two widgets share is OTHER", async () => {
  let mk: PdfRef | undefined;
  const { pdf, signedEnd } = await signedForm((r, u) => {
    mk = u.add(dict({ BG: [1], BC: [0] }));
    rewriteName(r, u, { MK: mk });
    addField(r, u, "title", { FT: name("Tx"), V: text("Director"), MK: mk });
  });
  const attack = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(mk!, dict({ BG: [0], BC: [1] }));
  });
  expectLevel(attack, signedEnd, "OTHER");
});

test("hostile: an appearance stream shared by 5,000 widgets and rewritten is OTHER, quickly", async () => {
  const { pdf, signedEnd } = await signedForm((r, u) => {
    const pageRef = new PdfRef(5, 0);
    const widgets: PdfRef[] = [];
    for (let i = 0; i < 5000; i++)
      widgets.push(
        u.add(
          dict({
            Type: name("Annot"),
            Subtype: name("Widget"),
            FT: name("Tx"),
            T: text(`f${i}`),
            V: text("Jane Doe"),
            Rect: [0, 0, 10, 10],
            AP: dict({ N: NAME_APPEARANCE }),
          }),
        ),
      );
    const page = r.dict(pageRef, "page");
    u.set(pageRef, page.clone().set("Annots", [...(r.resolve(page.get("Annots")) as PdfObject[]), ...widgets]));
    const acroRef = r.catalog.get("AcroForm") as PdfRef;
    const acro = r.dict(acroRef, "acroform").clone();
    u.set(acroRef, acro.set("Fields", [...(r.resolve(acro.get("Fields")) as PdfObject[]), ...widgets]));
  });
  const attack = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(NAME_APPEARANCE, appearance("John Roe"));
  });
  const started = performance.now();
  const result = expectLevel(attack, signedEnd, "OTHER", /shared with several fields or widgets \(.*; 4998 more\)/);
  assert.ok(result.reasons.map(messageText).every((r) => r.length < 1000));
  // A guard against quadratic work over the shared widgets (minutes when it regressed), not a speed goal: the bound is
  // wide enough for a loaded 2-core CI machine; speed itself is measured in `npm run bench`.
  assert.ok(performance.now() - started < 20_000, `took ${performance.now() - started} ms`);
});

// ---------------------------------------------------------------------------------------------------------------
// 2. An appearance that no longer shows the value (shadow attack: replace via overlay).

test("replace-via-overlay: the appearance stream of a filled field rewritten in place, /V unchanged, is OTHER", async () => {
  const { pdf, signedEnd } = await signedForm();
  const attack = append(pdf, (_r, u) => u.set(NAME_APPEARANCE, appearance("John Roe")));
  expectLevel(attack, signedEnd, "OTHER", /value \(\/V\) stayed the same.*replace via overlay/);
});

test("replace-via-overlay: a filled field pointed at a new appearance stream, /V unchanged, is OTHER", async () => {
  const { pdf, signedEnd } = await signedForm();
  const attack = append(pdf, (r, u) => rewriteName(r, u, { AP: dict({ N: u.add(appearance("John Roe")) }) }));
  expectLevel(attack, signedEnd, "OTHER", /value \(\/V\) stayed the same.*replace via overlay/);
});

test("replace-via-overlay: a check box switched on (/AS) while its value stays /Off is OTHER", async () => {
  const { pdf, signedEnd } = await signedForm((r, u) => {
    const on = u.add(stream({ Type: name("XObject"), Subtype: name("Form"), BBox: [0, 0, 20, 20] }, "0 0 20 20 re f"));
    const off = u.add(stream({ Type: name("XObject"), Subtype: name("Form"), BBox: [0, 0, 20, 20] }, ""));
    addField(r, u, "agree", {
      FT: name("Btn"),
      V: name("Off"),
      AS: name("Off"),
      AP: dict({ N: dict({ Yes: on, Off: off }) }),
    });
  });
  const agree = (r: PdfReader): { ref: PdfRef; dict: PdfDict } => {
    const ref = (r.resolve(r.dict(new PdfRef(7, 0), "acroform").get("Fields")) as PdfRef[])[2]!;
    return { ref, dict: r.dict(ref, "field") };
  };
  const attack = append(pdf, (r, u) => {
    const { ref, dict: d } = agree(r);
    u.set(ref, d.clone().set("AS", name("Yes")));
  });
  expectLevel(attack, signedEnd, "OTHER", /value \(\/V\) stayed the same.*replace via overlay/);
  // Switching it on properly (value and appearance state together) is form filling.
  const fill = append(pdf, (r, u) => {
    const { ref, dict: d } = agree(r);
    u.set(ref, d.clone().set("V", name("Yes")).set("AS", name("Yes")));
  });
  expectLevel(fill, signedEnd, "FORM_FILLING");
});

test("replace-via-overlay: a value filled in one revision and the appearance swapped in the next is OTHER", async () => {
  const { pdf, signedEnd } = await signedForm();
  const filled = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(NAME_APPEARANCE, appearance("John Roe"));
  });
  const overlay = append(filled, (_r, u) => u.set(NAME_APPEARANCE, appearance("Mallory")));
  const result = expectLevel(overlay, signedEnd, "OTHER", /^revision 2 after signing: .*replace via overlay/);
  assert.ok(result.reasons.map(messageText).every((r) => !/^revision 1 .*(OTHER|overlay|shared)/.test(r)));
});

// ---------------------------------------------------------------------------------------------------------------
// Legitimate fills beside the attacks.

test("a field whose value sits on its parent and appearance on its widget kid, filled, is form filling", async () => {
  let parent: PdfRef | undefined;
  let stm: PdfRef | undefined;
  const { pdf, signedEnd } = await signedForm((r, u) => {
    parent = u.allocate();
    stm = u.add(appearance("Tokyo"));
    // The widget carries the appearance; its parent field carries the value (§ 12.7.4.1).
    const widget = dict({ Type: name("Annot"), Subtype: name("Widget"), Parent: parent, Rect: [120, 640, 400, 660] });
    const kid = addAnnotation(r, u, widget.set("F", 4).set("AP", dict({ N: stm })));
    u.set(parent, dict({ FT: name("Tx"), T: text("city"), V: text("Tokyo"), Kids: [kid] }));
    const acroRef = r.catalog.get("AcroForm") as PdfRef;
    const acro = r.dict(acroRef, "acroform").clone();
    u.set(acroRef, acro.set("Fields", [...(r.resolve(acro.get("Fields")) as PdfObject[]), parent]));
  });
  const fill = append(pdf, (r, u) => {
    u.set(parent!, r.dict(parent, "field").clone().set("V", text("Riyadh")));
    u.set(stm!, appearance("Riyadh"));
  });
  expectLevel(fill, signedEnd, "FORM_FILLING", /field 'city'/);
  // The widget's appearance alone, its parent's value unchanged, is the overlay again.
  const overlay = append(pdf, (_r, u) => u.set(stm!, appearance("Riyadh")));
  expectLevel(overlay, signedEnd, "OTHER", /replace via overlay/);
});

test("a filled field's value changed with its own appearance stream rewritten in place is form filling", async () => {
  const { pdf, signedEnd } = await signedForm();
  const fill = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(NAME_APPEARANCE, appearance("John Roe"));
  });
  expectLevel(fill, signedEnd, "FORM_FILLING", /field 'name'/);
});

test("an unfilled text field filled with a value and a new appearance is form filling", async () => {
  const { pdf, signedEnd } = await signedForm((r, u) => addField(r, u, "title", { FT: name("Tx") }));
  const fill = append(pdf, (r, u) => {
    const ref = (r.resolve(r.dict(new PdfRef(7, 0), "acroform").get("Fields")) as PdfRef[])[2]!;
    const ap = u.add(appearance("Director"));
    u.set(
      ref,
      r
        .dict(ref, "field")
        .clone()
        .set("V", text("Director"))
        .set("AP", dict({ N: ap })),
    );
  });
  expectLevel(fill, signedEnd, "FORM_FILLING", /field 'title': \/V was added/);
});

test("two fields filled in one revision, each with its own appearance, is form filling", async () => {
  const { pdf, signedEnd } = await signedForm((r, u) =>
    addField(r, u, "title", { FT: name("Tx"), V: text("Director"), AP: dict({ N: u.add(appearance("Director")) }) }),
  );
  const fill = append(pdf, (r, u) => {
    rewriteName(r, u, { V: text("John Roe") });
    u.set(NAME_APPEARANCE, appearance("John Roe"));
    const ref = (r.resolve(r.dict(new PdfRef(7, 0), "acroform").get("Fields")) as PdfRef[])[2]!;
    const title = r.dict(ref, "field");
    u.set(ref, title.clone().set("V", text("Deputy Director")));
    u.set(r.dict(title.get("AP"), "ap").get("N") as PdfRef, appearance("Deputy Director"));
  });
  expectLevel(fill, signedEnd, "FORM_FILLING");
});
