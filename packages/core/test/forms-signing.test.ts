// Filling and signing placed fields (issue 13.2) and how the validator classifies it (13.5): each recipient's
// values and appearances are written in their own signature revision and covered by it; the earlier signatures
// see form filling (also under a certification with P=2); a later revision that changes a field locked by an
// earlier signature (FieldMDP) or a page's content is OTHER. Checked with pdfsig, mutool, qpdf and pdftotext.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { calendarDates } from "../src/appearance/calendars.js";
import { addFields, FieldError, type FieldSpec, readFields } from "../src/forms.js";
import { loadPrivateKey } from "../src/keys/pem.js";
import { softwareSigner } from "../src/keys/software.js";
import { completeExternalSignature, prepareExternalSignature } from "../src/pades/external.js";
import { type PadesSignOptions, signPdf } from "../src/pades/sign.js";
import { PdfDict, PdfName, PdfRef, PdfString } from "../src/pdf/objects.js";
import { PdfReader } from "../src/pdf/reader.js";
import { analyseModifications } from "../src/validation/modifications.js";
import { findSignatures } from "../src/validation/pdf-signatures.js";
import { validatePdf } from "../src/verify.js";
import { plainPdf } from "./support/fixtures.js";
import { text as messageText } from "./support/messages.js";
import { createRoot, issueLeaf, signingIdentity, type TestLeaf, type TestRoot } from "./support/pki.js";
import { append, stream } from "./support/revisions.js";
import { mutoolVerify, pdfsig, qpdfCheck, runOk } from "./support/tools.js";

let root: TestRoot;
let jp: TestLeaf;
let sa: TestLeaf;

const FIELDS: FieldSpec[] = [
  { name: "jp.signature", recipient: "jp", kind: "signature", page: 1, rect: [330, 60, 560, 130] },
  { name: "jp.name", recipient: "jp", kind: "name", page: 1, rect: [330, 140, 560, 160], required: true },
  { name: "jp.agree", recipient: "jp", kind: "checkbox", page: 1, rect: [310, 165, 326, 181], label: "I agree" },
  { name: "sa.signature", recipient: "sa", kind: "signature", page: 1, rect: [40, 60, 270, 130] },
  { name: "sa.title", recipient: "sa", kind: "title", page: 1, rect: [40, 140, 270, 160], label: "Title" },
  { name: "sa.date", recipient: "sa", kind: "date", page: 1, rect: [40, 165, 270, 185], label: "Date signed" },
];

const SA_SIGNED_AT = new Date("2026-12-03T09:00:00Z");

function optionsFor(leaf: TestLeaf, extra: Partial<PadesSignOptions>): PadesSignOptions {
  return { ...signingIdentity(leaf, root), ...extra };
}

const sign = (pdf: Uint8Array, leaf: TestLeaf, extra: Partial<PadesSignOptions>) =>
  signPdf(pdf, optionsFor(leaf, extra));
const reasons = (r: { reasons: Parameters<typeof messageText>[0][] }) => r.reasons.map(messageText).join("\n");

before(async () => {
  root = await createRoot("Khatam Forms Test Root", { country: "JP" });
  [jp, sa] = await Promise.all([issueLeaf(root, "Hanako Sato", { key: "ec:P-256" }), issueLeaf(root, "Fahad Alharbi")]);
});

/** The placed document, then jp fills and signs, then sa fills and signs. */
async function bothSigned(certify?: PadesSignOptions["certify"]) {
  const placed = addFields(plainPdf(), FIELDS);
  const first = await sign(placed, jp, {
    fieldName: "jp.signature",
    fill: { "jp.name": "佐藤 花子", "jp.agree": true },
    ...(certify ? { certify } : {}),
  });
  // sa signs visibly in Arabic: the block goes in the placed field, the date field shows the same day.
  const second = await sign(first, sa, {
    fieldName: "sa.signature",
    fill: { "sa.title": "وكيل الوزارة" },
    appearance: { name: "فهد الحربي", title: "وكيل الوزارة", signedAt: SA_SIGNED_AT, locale: "ar" },
  });
  return { placed, first, second };
}

describe("filling in the signer's revision", () => {
  test("two signers fill and sign: valid in pdfsig and mutool, qpdf clean, values extractable, form filling", async () => {
    const { first, second } = await bothSigned();
    const ps = await pdfsig(second, { trust: [root.certDer] });
    assert.deepEqual(
      ps.signatures.map((s) => [s.name, s.validity, s.certificate]),
      [
        ["jp.signature", "Signature is Valid.", "Certificate is Trusted."],
        ["sa.signature", "Signature is Valid.", "Certificate is Trusted."],
      ],
      ps.raw,
    );
    const mu = await mutoolVerify(second);
    assert.equal(mu.signatures.length, 2);
    assert.ok(
      mu.signatures.every((s) => s.digestOk),
      mu.raw,
    );
    assert.equal((await qpdfCheck(second)).ok, true);
    const text = (await runOk("pdftotext", ["-", "-"], { input: second })).stdout.toString("utf8");
    assert.match(text, /佐藤 花子/);
    assert.match(text, /وكيل الوزارة/);
    assert.match(text, /فهد الحربي/);

    // The first signature covers jp's values: they are in its revision, not after it.
    const atFirst = readFields(first);
    assert.equal(atFirst.find((f) => f.name === "jp.name")!.value, "佐藤 花子");
    const fields = readFields(second);
    // The date signed, filled for sa: the Gregorian day and the Umm al-Qura one.
    const dates = calendarDates(SA_SIGNED_AT, "ar", { time: false, timeZone: "UTC" });
    assert.deepEqual(
      fields.map((f) => [f.name, f.value, f.signed]),
      [
        ["jp.signature", undefined, true],
        ["jp.name", "佐藤 花子", true],
        ["jp.agree", true, true],
        ["sa.signature", undefined, true],
        ["sa.title", "وكيل الوزارة", true],
        ["sa.date", `${dates.gregorian} — ${dates.national}`, true],
      ],
    );

    // The signature dictionary carries the FieldMDP transform of the field's /Lock (§ 12.8.2.4).
    const reader = PdfReader.open(second);
    const [a] = findSignatures(reader);
    const ref = (reader.resolve(a!.dict.get("Reference")) as PdfDict[]).map((r) => reader.resolve(r) as PdfDict);
    assert.equal(ref[0]!.name("TransformMethod"), "FieldMDP");

    const mods = analyseModifications(second, a!.signedEnd);
    assert.equal(mods.level, "FORM_FILLING", reasons(mods));
    const report = await validatePdf(second, { trustAnchors: [{ certificate: root.certDer }] });
    assert.deepEqual(
      report.signatures.map((s) => [s.indication, s.modifications]),
      [
        ["TOTAL_PASSED", "FORM_FILLING"],
        ["TOTAL_PASSED", "NONE"],
      ],
    );
  });

  test("a certification with form filling allowed (P=2): the later signer's filling is allowed", async () => {
    const { second } = await bothSigned("form-filling");
    const report = await validatePdf(second, { trustAnchors: [{ certificate: root.certDer }] });
    assert.deepEqual(
      report.signatures.map((s) => [s.indication, s.modifications]),
      [
        ["TOTAL_PASSED", "FORM_FILLING"],
        ["TOTAL_PASSED", "NONE"],
      ],
      JSON.stringify(report.signatures.map((s) => s.errors)),
    );
    const ps = await pdfsig(second, { trust: [root.certDer] });
    assert.ok(
      ps.signatures.every((s) => s.validity === "Signature is Valid."),
      ps.raw,
    );
  });

  test("a device key (two-step external signing) fills its fields in the same revision", async () => {
    const placed = addFields(plainPdf(), FIELDS);
    const leaf = await issueLeaf(root, "Device Official", { key: "ec:P-256" });
    // The key stays with the caller: only the signed attributes travel to it and the value comes back.
    const signer = softwareSigner(loadPrivateKey(leaf.keyPem));
    const prepared = await prepareExternalSignature(placed, {
      certificate: leaf.certDer,
      chain: [root.certDer],
      algorithm: signer.algorithm,
      fieldName: "sa.signature",
      fill: { "sa.title": "Director" },
    });
    const update = await completeExternalSignature(prepared, await signer.sign(prepared.signedAttributes));
    const out = Buffer.concat([placed, update]);
    assert.equal(readFields(out).find((f) => f.name === "sa.title")!.value, "Director");
    const ps = await pdfsig(out, { trust: [root.certDer] });
    const sig = ps.signatures.find((s) => s.name === "sa.signature");
    assert.equal(sig?.validity, "Signature is Valid.", ps.raw);
  });

  test("refused: another's field, a missing required field, a non-boolean checkbox, an unknown field", async () => {
    const placed = addFields(plainPdf(), FIELDS);
    const refuses = (code: string) => (e: unknown) => e instanceof FieldError && e.code === code;
    const jpSign = (fill: Record<string, string | boolean>) => sign(placed, jp, { fieldName: "jp.signature", fill });
    await assert.rejects(jpSign({ "jp.name": "Hanako Sato", "sa.title": "Minister" }), refuses("not_owner"));
    await assert.rejects(jpSign({}), refuses("required_missing"));
    await assert.rejects(jpSign({ "jp.name": "" }), refuses("required_missing"));
    await assert.rejects(jpSign({ "jp.name": "Hanako Sato", "jp.agree": "yes" }), refuses("bad_value"));
    await assert.rejects(jpSign({ "jp.name": true }), refuses("bad_value"));
    await assert.rejects(jpSign({ "jp.name": "Hanako Sato", "jp.nothing": "x" }), refuses("unknown_field"));
    await assert.rejects(jpSign({ "jp.name": "Hanako Sato", "jp.signature": "x" }), refuses("bad_value"));
    await assert.rejects(sign(placed, jp, { fill: { "jp.name": "x" } }), refuses("bad_value"));
  });
});

describe("changes the signatures do not allow", () => {
  test("changing another signer's value after they signed is OTHER for their signature (FieldMDP lock)", async () => {
    const { second } = await bothSigned();
    const jpEnd = findSignatures(PdfReader.open(second))[0]!.signedEnd;
    const forged = append(second, (reader, update) => {
      const field = fieldRef(reader, "jp.name");
      const d = reader.dict(field, "field").clone();
      const ap = update.add(
        stream(
          { Type: PdfName.of("XObject"), Subtype: PdfName.of("Form"), BBox: [0, 0, 230, 20] },
          "/Tx BMC BT /Helv 10 Tf 2 5 Td (Mallory) Tj ET EMC",
        ),
      );
      update.set(field, d.set("V", PdfString.text("Mallory")).set("AP", new PdfDict([["N", ap]])));
    });
    const mods = analyseModifications(forged, jpEnd);
    assert.equal(mods.level, "OTHER", reasons(mods));
    assert.match(reasons(mods), /field 'jp\.name'.*locked by a signature \(FieldMDP\) but its \/V was changed/);
    // sa's signature was made after jp's lock was in force: the field stays locked for it too.
    const saEnd = findSignatures(PdfReader.open(second))[1]!.signedEnd;
    assert.equal(analyseModifications(forged, saEnd).level, "OTHER");
    const report = await validatePdf(forged, { trustAnchors: [{ certificate: root.certDer }] });
    assert.deepEqual(
      report.signatures.map((s) => s.modifications),
      ["OTHER", "OTHER"],
    );
  });

  test("a field the first signer locked stays locked; the next signer's own filling is allowed", async () => {
    const placed = addFields(plainPdf(), FIELDS);
    const first = await sign(placed, jp, { fieldName: "jp.signature", fill: { "jp.name": "Hanako Sato" } });
    const jpEnd = first.length;
    // Filling jp's unchecked box later (jp locked it when signing) is refused…
    const box = append(first, (reader, update) => {
      const field = fieldRef(reader, "jp.agree");
      update.set(field, reader.dict(field, "f").clone().set("V", PdfName.of("On")).set("AS", PdfName.of("On")));
    });
    assert.equal(analyseModifications(box, jpEnd).level, "OTHER");
    // …sa's own filling and signing is form filling.
    const second = await sign(first, sa, { fieldName: "sa.signature", fill: { "sa.title": "Minister" } });
    assert.equal(analyseModifications(second, jpEnd).level, "FORM_FILLING");
  });

  test("changing a page's content after signing is OTHER", async () => {
    const { second } = await bothSigned();
    const jpEnd = findSignatures(PdfReader.open(second))[0]!.signedEnd;
    const forged = append(second, (reader, update) => {
      const pageRef = reader.pages()[0]!;
      const extra = update.add(stream({}, "BT /F1 12 Tf 72 400 Td (Amended: void) Tj ET"));
      const page = reader.dict(pageRef, "page").clone();
      const contents = page.get("Contents");
      page.set("Contents", [...(contents instanceof PdfRef ? [contents] : []), extra]);
      update.set(pageRef, page);
    });
    const mods = analyseModifications(forged, jpEnd);
    assert.equal(mods.level, "OTHER", reasons(mods));
  });
});

function fieldRef(reader: PdfReader, name: string): PdfRef {
  const [top, leaf] = name.split(".");
  const acro = reader.dict(reader.catalog.get("AcroForm"), "form");
  for (const f of reader.resolve(acro.get("Fields")) as PdfRef[]) {
    const d = reader.dict(f, "field");
    if ((d.get("T") as PdfString).text !== top) continue;
    for (const k of reader.resolve(d.get("Kids")) as PdfRef[])
      if ((reader.dict(k, "kid").get("T") as PdfString).text === leaf) return k;
  }
  throw new Error(`no field ${name}`);
}
