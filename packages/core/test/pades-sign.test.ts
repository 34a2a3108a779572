// signPdf through the API: certification signatures (DocMDP), approval signatures with their reason, location,
// contact and field name as other tools read them, signature fields that cannot be used, and bad input (encrypted,
// garbage, truncated PDFs, a key that is not the certificate's): each refused with a clear SignError or KeyError.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { KeyError } from "../src/keys/errors.js";
import { type PadesSignOptions, SignError, signPdf } from "../src/pades/sign.js";
import { encryptedPdf, formPdf, garbage, plainPdf, truncated } from "./support/fixtures.js";
import { checkKhatamSignature, expectedFor, OIDS } from "./support/pades-check.js";
import { createRoot, issueLeaf, signingIdentity, type TestLeaf, type TestRoot } from "./support/pki.js";
import { mutoolVerify, pdfsig, runOk } from "./support/tools.js";

let root: TestRoot;
let ec: TestLeaf;
let rsa: TestLeaf;

function optionsFor(leaf: TestLeaf, extra: Partial<PadesSignOptions> = {}): PadesSignOptions {
  return { ...signingIdentity(leaf, root), ...extra };
}

const sign = async (pdf: Uint8Array, leaf: TestLeaf, extra: Partial<PadesSignOptions> = {}) =>
  Buffer.from(await signPdf(pdf, optionsFor(leaf, extra)));

/** The object `num` as `mutool show` prints it (a third party's reading of the dictionary). */
async function mutoolShow(pdf: Buffer, num: number): Promise<string> {
  const { fixtureFile } = await import("./support/fixtures.js");
  const file = await fixtureFile(`show-${num}-${pdf.length}.pdf`, pdf);
  return (await runOk("mutool", ["show", file, String(num)])).stdout.toString("latin1");
}

/** Object number of the (last) signature dictionary in `pdf`. */
function sigObjectNumber(pdf: Buffer): number {
  const all = [...pdf.toString("latin1").matchAll(/(\d+) 0 obj\s*<<\s*\/Type\s*\/Sig\b/g)];
  assert.ok(all.length > 0, "no signature dictionary");
  return Number(all[all.length - 1]![1]);
}

before(async () => {
  root = await createRoot("Khatam Sign Test Root", { country: "JP" });
  [ec, rsa] = await Promise.all([
    issueLeaf(root, "Certifying Officer", { key: "ec:P-256" }),
    issueLeaf(root, "Approving Officer"),
  ]);
});

describe("certification signatures", () => {
  test("certify no-changes: /Perms /DocMDP and P 1, valid in pdfsig; signing it again is refused", async () => {
    const pdf = plainPdf();
    const signed = await sign(pdf, ec, { certify: "no-changes", reason: "Certified true copy" });
    await checkKhatamSignature(
      signed,
      expectedFor(ec, root, {
        signatureAlgorithm: OIDS.ecdsaWithSha256,
        previousLength: pdf.length,
      }),
    );
    const update = signed.subarray(pdf.length).toString("latin1");
    const sigNum = sigObjectNumber(signed);
    assert.match(update, new RegExp(`/Perms\\s*<<\\s*/DocMDP ${sigNum} 0 R\\s*>>`));
    const shown = await mutoolShow(signed, sigNum);
    assert.match(shown, /\/TransformMethod\s*\/DocMDP/);
    assert.match(shown, /\/TransformParams\s*<<[^>]*\/P 1\b/);
    assert.match(shown, /\/V\s*\/1\.2/);

    await assert.rejects(
      () => sign(signed, rsa),
      (e: Error) =>
        e instanceof SignError && /certified with no changes allowed; it cannot be signed again/.test(e.message),
    );
  });

  test("certify form-filling (P 2) then an approval signature: both valid", async () => {
    const certified = await sign(formPdf(), ec, { certify: "form-filling" });
    assert.match(await mutoolShow(certified, sigObjectNumber(certified)), /\/P 2\b/);
    const approved = await sign(certified, rsa, { fieldName: "Signature1" });
    const r = await checkKhatamSignature(
      approved,
      expectedFor(rsa, root, {
        signatureAlgorithm: OIDS.sha256WithRsa,
        count: 2,
        previousLength: certified.length,
        fieldName: "Signature1",
      }),
    );
    // Field order: the form's Signature1 (the approval), then the certification's new Signature2.
    assert.deepEqual(
      r.signatures.map((s) => [s.name, s.signerName, s.totalDocumentSigned]),
      [
        ["Signature1", "Approving Officer", true],
        ["Signature2", "Certifying Officer", false],
      ],
    );
  });

  test("a certification signature must be the first: certifying a signed document is refused", async () => {
    const signed = await sign(plainPdf(), rsa);
    await assert.rejects(
      () => sign(signed, ec, { certify: "annotations" }),
      (e: Error) => e instanceof SignError && /certification signature must be the first/.test(e.message),
    );
  });
});

describe("approval signatures", () => {
  test("reason, location, contact and field name are written and read back by pdfsig and mutool", async () => {
    const pdf = plainPdf();
    const signingTime = new Date("2026-03-01T09:30:00Z");
    const signed = await sign(pdf, rsa, {
      fieldName: "MCIT Approval",
      reason: "Approved on behalf of the Ministry",
      location: "Riyadh",
      contactInfo: "pki@mcit.gov.sa",
      signingTime,
    });
    const r = await checkKhatamSignature(
      signed,
      expectedFor(rsa, root, {
        signatureAlgorithm: OIDS.sha256WithRsa,
        previousLength: pdf.length,
        fieldName: "MCIT Approval",
      }),
    );
    // pdfsig 22.12 prints the field name and /M but not /Reason, /Location or /ContactInfo: mutool shows those.
    assert.match(r.signatures[0]!.signingTime ?? "", /Mar 01 2026 09:30:00/);
    const shown = await mutoolShow(signed, sigObjectNumber(signed));
    assert.match(shown, /\/Reason\s*\(Approved on behalf of the Ministry\)/);
    assert.match(shown, /\/Location\s*\(Riyadh\)/);
    assert.match(shown, /\/ContactInfo\s*\(pki@mcit\.gov\.sa\)/);
    assert.match(shown, /\/M\s*\(D:20260301093000Z\)/);
    assert.doesNotMatch(shown, /\/Reference/, "an approval signature has no DocMDP transform");
    assert.doesNotMatch(signed.subarray(pdf.length).toString("latin1"), /\/Perms/);
  });

  test("a non-ASCII reason is a UTF-16BE text string", async () => {
    const reason = "承認 — موافقة";
    const signed = await sign(plainPdf(), ec, { reason });
    const shown = await mutoolShow(signed, sigObjectNumber(signed));
    const hex = /\/Reason\s*<([0-9A-Fa-f]+)>/.exec(shown);
    assert.ok(hex, shown);
    const bytes = Buffer.from(hex[1]!, "hex");
    assert.deepEqual([...bytes.subarray(0, 2)], [0xfe, 0xff]);
    assert.equal(bytes.subarray(2).swap16().toString("utf16le"), reason);
    const p = await pdfsig(signed, { trust: [root.certDer] });
    assert.equal(p.signatures[0]!.validity, "Signature is Valid.", p.raw);
  });

  test("default field names do not collide: Signature1, then Signature2", async () => {
    const once = await sign(plainPdf(), ec);
    const twice = await sign(once, rsa);
    const p = await pdfsig(twice, { trust: [root.certDer] });
    assert.deepEqual(
      p.signatures.map((s) => [s.name, s.validity]),
      [
        ["Signature1", "Signature is Valid."],
        ["Signature2", "Signature is Valid."],
      ],
    );
    const m = await mutoolVerify(twice);
    assert.ok(
      m.signatures.every((s) => s.digestOk),
      m.raw,
    );
  });

  test("fields that cannot take the signature are refused", async () => {
    const form = formPdf();
    await assert.rejects(
      () => sign(form, ec, { fieldName: "name" }),
      (e: Error) => e instanceof SignError && e.message === "field 'name' exists and is not a signature field",
    );
    const filled = await sign(form, ec, { fieldName: "Signature1" });
    await assert.rejects(
      () => sign(filled, rsa, { fieldName: "Signature1" }),
      (e: Error) => e instanceof SignError && e.message === "field 'Signature1' is already signed",
    );
    await assert.rejects(
      () => sign(form, ec, { page: 7 }),
      (e: Error) => e instanceof SignError && /no page 7/.test(e.message),
    );
  });
});

describe("bad input", () => {
  const refuses = (make: () => Promise<Uint8Array> | Uint8Array, pattern: RegExp) => async () => {
    const input = await make();
    await assert.rejects(
      () => sign(input, ec),
      (e: Error) => {
        assert.ok(e instanceof SignError, `${e.name}: ${e.message}`);
        assert.match(e.message, pattern);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      },
    );
  };
  test("an encrypted PDF is refused", refuses(encryptedPdf, /^the PDF is encrypted/));
  test("garbage is refused", refuses(garbage, /^cannot read the PDF: not a PDF file/));
  test(
    "a truncated PDF is refused",
    refuses(() => truncated(plainPdf({ pages: 5 })), /^cannot read the PDF/),
  );
  test(
    "an empty file is refused",
    refuses(() => new Uint8Array(0), /^cannot read the PDF/),
  );
  test(
    "a PDF whose trailer is cut off is refused",
    refuses(() => {
      const pdf = plainPdf();
      return pdf.subarray(0, pdf.lastIndexOf("trailer"));
    }, /^cannot read the PDF/),
  );

  test("a key that is not the certificate's is refused before anything is signed", async () => {
    await assert.rejects(
      () => signPdf(plainPdf(), { ...optionsFor(ec), certificate: rsa.certDer }),
      (e: Error) => e instanceof KeyError && e.code === "KEY_CERTIFICATE_MISMATCH" && /does not match/.test(e.message),
    );
  });

  test("B-T without a time-stamp authority is refused", async () => {
    await assert.rejects(
      () => sign(plainPdf(), ec, { level: "B-T" }),
      (e: Error) => e instanceof SignError && /needs a time-stamp authority/.test(e.message),
    );
  });
});
