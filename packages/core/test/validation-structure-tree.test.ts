// Structure-tree updates that tag a new signature widget (Acrobat and iText 7 on tagged PDFs, seen in EU DSS's
// DSS-2821.pdf) are form filling; any other change to the logical structure stays OTHER.

import assert from "node:assert/strict";
import { test } from "node:test";
import { PdfRef } from "../src/pdf/objects.js";
import type { PdfReader } from "../src/pdf/reader.js";
import type { IncrementalUpdate } from "../src/pdf/writer.js";
import { analyseModifications } from "../src/validation/modifications.js";
import { plainPdf } from "./support/fixtures.js";
import { text as messageText } from "./support/messages.js";
import { addSignatureField, append, dict, name, page, signed, text } from "./support/revisions.js";

/** A tagged document: root → /Document element, an empty /ParentTree; signed. */
async function taggedSigned(): Promise<{ pdf: Uint8Array; signedEnd: number }> {
  const tagged = append(plainPdf(), (reader, update) => {
    const root = new PdfRef(reader.size, 0);
    const doc = new PdfRef(reader.size + 1, 0);
    const parentTree = new PdfRef(reader.size + 2, 0);
    update.add(dict({ Type: name("StructTreeRoot"), K: [doc], ParentTree: parentTree, ParentTreeNextKey: 0 }));
    update.add(dict({ Type: name("StructElem"), S: name("Document"), P: root, K: [] }));
    update.add(dict({ Nums: [] }));
    update.set(reader.trailer.get("Root") as PdfRef, reader.catalog.clone().set("StructTreeRoot", root));
  });
  return signed(tagged);
}

/** Adds a signature field and tags its widget the way Acrobat does; `tweak` may spoil the tagging. */
function signWithTagging(
  pdf: Uint8Array,
  tweak?: (reader: PdfReader, update: IncrementalUpdate, form: PdfRef, widget: PdfRef) => void,
): Uint8Array {
  return append(pdf, (reader, update) => {
    const widget = new PdfRef(reader.size + 1, 0); // addSignatureField adds the signature dictionary, then the widget
    addSignatureField(reader, update, { name: "Tagged" });
    const rootRef = reader.catalog.get("StructTreeRoot") as PdfRef;
    const root = reader.dict(rootRef, "root");
    const docRef = (reader.resolve(root.get("K")) as PdfRef[])[0]!;
    const { ref: pageRef } = page(reader);
    const form = update.add(
      dict({
        Type: name("StructElem"),
        S: name("Form"),
        P: docRef,
        Pg: pageRef,
        K: dict({ Type: name("OBJR"), Obj: widget }),
      }),
    );
    update.set(docRef, reader.dict(docRef, "doc").clone().set("K", [form]));
    update.set(root.get("ParentTree") as PdfRef, dict({ Nums: [0, form] }));
    update.set(rootRef, root.clone().set("ParentTreeNextKey", 1));
    tweak?.(reader, update, form, widget);
  });
}

test("Acrobat-style tagging of a new signature widget in a tagged PDF is form filling", async () => {
  const { pdf, signedEnd } = await taggedSigned();
  const after = signWithTagging(pdf);
  const result = analyseModifications(after, signedEnd);
  assert.equal(result.level, "FORM_FILLING", result.reasons.map(messageText).join("\n"));
  assert.ok(result.reasons.map(messageText).some((r) => /gained elements tagging the new signature widget/.test(r)));
});

test("a structure element with /ActualText added with the widget stays OTHER", async () => {
  const { pdf, signedEnd } = await taggedSigned();
  const after = signWithTagging(pdf, (reader, update, form, widget) => {
    const { ref: pageRef } = page(reader);
    update.set(
      form,
      dict({
        Type: name("StructElem"),
        S: name("Form"),
        Pg: pageRef,
        ActualText: text("Pay 1,000,000"),
        K: dict({ Type: name("OBJR"), Obj: widget }),
      }),
    );
  });
  assert.equal(analyseModifications(after, signedEnd).level, "OTHER");
});

test("re-tagging existing content (an OBJR to something other than the new widget) stays OTHER", async () => {
  const { pdf, signedEnd } = await taggedSigned();
  const after = signWithTagging(pdf, (reader, update, form) => {
    const { ref: pageRef } = page(reader);
    update.set(
      form,
      dict({ Type: name("StructElem"), S: name("Form"), K: dict({ Type: name("OBJR"), Obj: pageRef }) }),
    );
  });
  assert.equal(analyseModifications(after, signedEnd).level, "OTHER");
});

test("a structure element losing its kids stays OTHER", async () => {
  const { pdf, signedEnd } = await taggedSigned();
  const after = signWithTagging(pdf, (reader, update) => {
    const rootRef = reader.catalog.get("StructTreeRoot") as PdfRef;
    update.set(rootRef, reader.dict(rootRef, "root").clone().set("K", []).set("ParentTreeNextKey", 1));
  });
  assert.equal(analyseModifications(after, signedEnd).level, "OTHER");
});
