// Issue "every signature `khatam sign` makes is accepted by pdfsig, mupdf and qpdf, alone and countersigned, on
// documents from other software": Khatam B-B signatures on hand-written, qpdf-rewritten, form, large and
// peer-signed PDFs, each checked by poppler, mupdf, qpdf and openssl (support/pades-check.ts); a JP ECDSA signature
// countersigned by SA with RSA-3072 and RSA-PSS; B-T through the openssl TSA.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type PadesSignOptions, signPdf } from "../src/pades/sign.js";
import {
  formPdf,
  largePdf,
  linearizedPdf,
  objectStreamPdf,
  PEER_SIGNERS,
  type PeerSignedPdf,
  plainPdf,
} from "./support/fixtures.js";
import {
  checkKhatamSignature,
  derChildren,
  derNode,
  type ExpectedSignature,
  expectedFor,
  OIDS,
} from "./support/pades-check.js";
import { createRoot, issueLeaf, signingIdentity, type TestLeaf, type TestRoot } from "./support/pki.js";
import { freshDir, pdfsig, run, runOk } from "./support/tools.js";
import { type OpensslTsa, startOpensslTsa } from "./support/tsa-server.js";

/** Signs with a test leaf through the API, embedding the root as the chain. */
async function signWith(
  pdf: Uint8Array,
  leaf: TestLeaf,
  root: TestRoot,
  options: Partial<PadesSignOptions> & { pss?: boolean } = {},
): Promise<Buffer> {
  const { pss, ...rest } = options;
  return Buffer.from(await signPdf(pdf, { ...signingIdentity(leaf, root, { pss }), ...rest }));
}

describe("Khatam B-B signatures accepted by pdfsig, mutool, qpdf and openssl", { concurrency: 4 }, () => {
  let root: TestRoot;
  let jp: TestLeaf;
  before(async () => {
    root = await createRoot("Khatam Interop Root JP", { country: "JP" });
    jp = await issueLeaf(root, "Digital Agency Signer", { key: "ec:P-256" });
  });
  const expect = (extra: Partial<ExpectedSignature> = {}) =>
    expectedFor(jp, root, { signatureAlgorithm: OIDS.ecdsaWithSha256, ...extra });

  test("plain PDF (classic xref table)", async () => {
    const pdf = plainPdf();
    const signed = await signWith(pdf, jp, root);
    assert.deepEqual(signed.subarray(0, pdf.length), pdf);
    await checkKhatamSignature(signed, expect({ previousLength: pdf.length, fieldName: "Signature1" }));
  });

  test("object-stream / xref-stream PDF (qpdf --object-streams=generate)", async () => {
    const pdf = await objectStreamPdf();
    const signed = await signWith(pdf, jp, root);
    // The update of an xref-stream file is itself an xref stream (a classic table could not be mixed in).
    assert.match(signed.subarray(pdf.length).toString("latin1"), /\/Type\s*\/XRef/);
    await checkKhatamSignature(signed, expect({ previousLength: pdf.length }));
  });

  test("linearized PDF (qpdf --linearize)", async () => {
    const pdf = await linearizedPdf();
    const signed = await signWith(pdf, jp, root);
    await checkKhatamSignature(signed, expect({ previousLength: pdf.length }));
  });

  test("form PDF: fills the existing empty Signature1 field", async () => {
    const pdf = formPdf();
    const signed = await signWith(pdf, jp, root, { fieldName: "Signature1" });
    const r = await checkKhatamSignature(signed, expect({ previousLength: pdf.length, fieldName: "Signature1" }));
    assert.doesNotMatch(r.pdfsig.raw, /Signature2/);
    assert.equal(r.pdfsig.signatures.length, 1, "no second, empty field remains");
    // The field object 9 was rewritten with /V, not a new widget added.
    assert.match(
      signed.subarray(pdf.length).toString("latin1"),
      /\n9 0 obj\s*<<[\s\S]*?\/T\s*\(Signature1\)[\s\S]*?\/V \d+ 0 R/,
    );
  });

  test("form PDF: adds a new signature field beside the empty one", async () => {
    const pdf = formPdf();
    const signed = await signWith(pdf, jp, root, { fieldName: "Countersignature" });
    await checkKhatamSignature(signed, expect({ previousLength: pdf.length, fieldName: "Countersignature" }));
  });

  test("20 MB PDF", async () => {
    const pdf = largePdf(20);
    const signed = await signWith(pdf, jp, root);
    assert.ok(signed.length - pdf.length < 64 * 1024, `update of ${signed.length - pdf.length} bytes`);
    await checkKhatamSignature(signed, expect({ previousLength: pdf.length }));
  });

  for (const [tool, make] of Object.entries(PEER_SIGNERS)) {
    test(`countersigns a PDF signed by ${tool}: both signatures valid`, async () => {
      const peer: PeerSignedPdf = await make();
      const signed = await signWith(peer.pdf, jp, root);
      assert.deepEqual(signed.subarray(0, peer.pdf.length), peer.pdf, "the peer's bytes are untouched");
      const r = await checkKhatamSignature(
        signed,
        expect({
          trust: [peer.rootDer, root.certDer],
          count: 2,
          previousLength: peer.pdf.length,
          // @signpdf 3.3's own update points startxref one byte before "xref" (support-selftest.test.ts).
          qpdfWarnings: tool === "@signpdf" ? ["extraneous whitespace seen before xref"] : [],
        }),
      );
      assert.equal(r.pdfsig.signatures[0]!.signerName, peer.signer.friendlyName);
      assert.equal(r.pdfsig.signatures[1]!.signerName, "Digital Agency Signer");
      assert.ok(r.mutool!.signatures.some((s) => s.editedSince && /cn=.*Test Signer/i.test(s.signer ?? "")));
    });
  }
});

describe("JP signs with ECDSA P-256, SA countersigns with RSA-3072 and RSA-PSS", () => {
  let jpRoot: TestRoot;
  let saRoot: TestRoot;
  let jp: TestLeaf;
  let sa: TestLeaf;
  let saDeputy: TestLeaf;
  before(async () => {
    [jpRoot, saRoot] = await Promise.all([
      createRoot("Japan Government Root", { country: "JP" }),
      createRoot("Saudi National Root", { country: "SA" }),
    ]);
    [jp, sa, saDeputy] = await Promise.all([
      issueLeaf(jpRoot, "Digital Agency of Japan", { key: "ec:P-256", country: "JP" }),
      issueLeaf(saRoot, "MCIT Saudi Arabia", { key: "rsa:3072", country: "SA" }),
      issueLeaf(saRoot, "MCIT Deputy Minister", { key: "rsa:3072", country: "SA" }),
    ]);
  });

  test("ECDSA then RSA-3072 PKCS#1 v1.5 then RSA-PSS: all valid, earlier bytes unchanged", async () => {
    const pdf = plainPdf({ pages: 2 });
    const first = await signWith(pdf, jp, jpRoot, { reason: "Signed for Japan", fieldName: "JP" });
    const second = await signWith(first, sa, saRoot, { reason: "Countersigned for Saudi Arabia", fieldName: "SA" });
    assert.deepEqual(second.subarray(0, first.length), first, "the JP-signed file is a byte prefix");
    const trust = [jpRoot.certDer, saRoot.certDer];
    const r = await checkKhatamSignature(
      second,
      expectedFor(sa, saRoot, {
        trust,
        signatureAlgorithm: OIDS.sha256WithRsa,
        count: 2,
        previousLength: first.length,
        fieldName: "SA",
      }),
    );
    assert.deepEqual(
      r.pdfsig.signatures.map((s) => [s.name, s.signerName]),
      [
        ["JP", "Digital Agency of Japan"],
        ["SA", "MCIT Saudi Arabia"],
      ],
    );

    // A different SA official signs with PSS: poppler 22.12 reports a certificate that already signed an earlier
    // revision as "Unknown issue with Certificate" (also when openssl made the CMS), so a third signature by `sa`
    // could not be judged by pdfsig.
    const third = await signWith(second, saDeputy, saRoot, { pss: true, fieldName: "SA-PSS" });
    assert.deepEqual(third.subarray(0, second.length), second);
    // mupdf 1.21 verifies through OpenSSL's PKCS#7 API, which has no RSASSA-PSS: pdfsig and openssl judge it.
    const pss = await checkKhatamSignature(
      third,
      expectedFor(saDeputy, saRoot, {
        trust,
        signatureAlgorithm: OIDS.rsaPss,
        count: 3,
        previousLength: second.length,
        fieldName: "SA-PSS",
        skipMutool: true,
      }),
    );
    assert.match(pss.printed, /rsassaPss/);
  });
});

describe("B-T through the openssl TSA", () => {
  let tsa: OpensslTsa;
  let root: TestRoot;
  let leaf: TestLeaf;
  before(async () => {
    tsa = await startOpensslTsa();
    root = await createRoot("Khatam B-T Root");
    leaf = await issueLeaf(root, "B-T Signer", { key: "ec:P-256" });
  });
  after(async () => {
    await tsa.close();
  });

  test("the CMS carries a signature-time-stamp over the signature value that openssl ts -verify accepts", async () => {
    const pdf = plainPdf();
    const before = tsa.requests();
    const signed = await signWith(pdf, leaf, root, { level: "B-T", tsaUrl: tsa.url });
    assert.equal(tsa.requests(), before + 1);
    const r = await checkKhatamSignature(
      signed,
      expectedFor(leaf, root, {
        signatureAlgorithm: OIDS.ecdsaWithSha256,
        previousLength: pdf.length,
        timestamped: true,
      }),
    );
    assert.match(r.printed, /unsignedAttrs:[\s\S]*object: id-smime-aa-timeStampToken/);
    const token = r.cms.unsignedAttributes[0]!.values[0]!;
    assert.equal(derNode(token).tag, 0x30);
    assert.equal(derChildren(derNode(token)).length, 2, "the token is a ContentInfo");

    const dir = await freshDir("bt");
    const tokenFile = join(dir, "token.der");
    await writeFile(tokenFile, token);
    const imprint = createHash("sha256").update(r.cms.signature).digest("hex");
    const text = await runOk("openssl", ["ts", "-reply", "-in", tokenFile, "-token_in", "-text"]);
    const shown = text.stdout.toString();
    assert.match(shown, /Hash Algorithm: sha256/);
    const hexDump = [...shown.matchAll(/^\s*[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){1,16})/gm)]
      .map((m) => m[1]!.replace(/[ -]/g, ""))
      .join("");
    assert.ok(hexDump.includes(imprint), `the token's imprint is SHA-256 of our signature value\n${shown}`);
    const verify = await run("openssl", [
      ...["ts", "-verify", "-digest", imprint, "-in", tokenFile, "-token_in"],
      ...["-CAfile", tsa.rootFile],
    ]);
    assert.equal(verify.code, 0, verify.stderr + verify.stdout.toString());
    assert.match(verify.stdout.toString(), /Verification: OK/);
    const wrong = await run("openssl", [
      ...["ts", "-verify", "-digest", "00".repeat(32), "-in", tokenFile, "-token_in"],
      ...["-CAfile", tsa.rootFile],
    ]);
    assert.notEqual(wrong.code, 0);
    const ps = await pdfsig(signed, { trust: [root.certDer] });
    assert.equal(ps.signatures[0]!.validity, "Signature is Valid.", ps.raw);
  });
});
