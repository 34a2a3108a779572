// Proves the interoperability test support works: every fixture is a PDF that qpdf accepts, every peer tool's
// signature verifies in poppler (trusted against its own root, untrusted without it), in mupdf (digest, no changes)
// and in openssl (detached CMS), tampering is noticed, and the openssl TSA answers verifiable tokens.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  ENCRYPTED_PASSWORDS,
  encryptedPdf,
  fixtureFile,
  formPdf,
  garbage,
  largePdf,
  libpdfSign,
  linearizedPdf,
  MEMORANDUM_TEXT,
  objectStreamPdf,
  PEER_SIGNERS,
  type PeerSignedPdf,
  plainPdf,
  truncated,
} from "./support/fixtures.js";
import { createRoot, issueLeaf } from "./support/pki.js";
import {
  berLength,
  extractSignatureContents,
  freshDir,
  mutoolVerify,
  opensslAsn1parse,
  opensslCmsPrint,
  opensslVerifyDetached,
  parseMutoolVerify,
  parsePdfsig,
  pdfsig,
  qpdfCheck,
  run,
  runOk,
} from "./support/tools.js";
import { type OpensslTsa, startOpensslTsa } from "./support/tsa-server.js";

async function pdftotext(pdf: Uint8Array): Promise<string> {
  const r = await runOk("pdftotext", ["-", "-"], { input: pdf });
  return r.stdout.toString("utf8");
}

async function pageCount(pdf: Uint8Array): Promise<number> {
  const r = await runOk("pdfinfo", ["-"], { input: pdf });
  const m = /^Pages:\s+(\d+)/m.exec(r.stdout.toString("utf8"));
  assert.ok(m, r.stdout.toString("utf8"));
  return Number(m[1]);
}

describe("hand-written and qpdf-rewritten fixtures", () => {
  test("plainPdf is a valid classic-xref PDF with the memorandum text on each page", async () => {
    const pdf = plainPdf({ pages: 3 });
    assert.match(pdf.toString("latin1"), /\nxref\n0 \d+\n0000000000 65535 f \n/);
    const check = await qpdfCheck(pdf);
    assert.ok(check.ok, check.raw);
    assert.equal(await pageCount(pdf), 3);
    const text = await pdftotext(pdf);
    assert.match(text, /Memorandum of cooperation/);
    assert.match(text, /Page 3 of 3/);
    assert.match(await pdftotext(plainPdf({ text: "Agreement (draft) \\ v2" })), /Agreement \(draft\) \\ v2/);
  });

  test("objectStreamPdf has an xref stream and object streams and no xref table", async () => {
    const pdf = await objectStreamPdf();
    const s = pdf.toString("latin1");
    assert.match(s, /\/Type\s*\/XRef/);
    assert.match(s, /\/Type\s*\/ObjStm/);
    assert.doesNotMatch(s, /\nxref\n/);
    const check = await qpdfCheck(pdf);
    assert.ok(check.ok, check.raw);
    assert.match(await pdftotext(pdf), new RegExp(MEMORANDUM_TEXT.slice(0, 30)));
  });

  test("linearizedPdf is linearized and checks clean", async () => {
    const pdf = await linearizedPdf();
    assert.match(pdf.subarray(0, 1024).toString("latin1"), /\/Linearized 1/);
    const check = await qpdfCheck(pdf);
    assert.ok(check.ok, check.raw);
    const lin = await run("qpdf", ["--check-linearization", await fixtureFile("lin-check.pdf", pdf)]);
    assert.equal(lin.code, 0, lin.stdout.toString());
    assert.equal(await pageCount(pdf), 3);
  });

  test("formPdf has a filled text field and an empty signature field", async () => {
    const pdf = formPdf();
    const check = await qpdfCheck(pdf);
    assert.ok(check.ok, check.raw);
    const { PDF } = await import("@libpdf/core");
    const form = (await PDF.load(pdf)).getForm();
    assert.ok(form);
    assert.deepEqual(form.getFieldNames().sort(), ["Signature1", "name"]);
    assert.equal(form.getTextField("name")?.getValue(), "Jane Doe");
    assert.equal(form.getSignatureField("Signature1")?.isSigned(), false);
  });

  test("encryptedPdf needs its password (AES-256, R6)", async () => {
    const pdf = await encryptedPdf();
    assert.match(pdf.toString("latin1"), /\/Encrypt/);
    const without = await qpdfCheck(pdf, { password: "wrong" });
    assert.equal(without.code, 2, without.raw);
    const withUser = await qpdfCheck(pdf, { password: ENCRYPTED_PASSWORDS.user });
    assert.ok(withUser.ok, withUser.raw);
    const enc = await runOk("qpdf", [
      `--password=${ENCRYPTED_PASSWORDS.owner}`,
      "--show-encryption",
      await fixtureFile("enc-show.pdf", pdf),
    ]);
    assert.match(enc.stdout.toString(), /R = 6/);
  });

  test("garbage and truncated PDFs are not clean PDFs", async () => {
    const g = await qpdfCheck(garbage());
    assert.equal(g.code, 2, g.raw);
    const t = truncated(plainPdf({ pages: 5 }));
    assert.ok(t.length < plainPdf({ pages: 5 }).length);
    const check = await qpdfCheck(t);
    assert.notEqual(check.code, 0, check.raw);
    assert.doesNotMatch(t.toString("latin1"), /startxref/);
  });

  test("largePdf(20) is a valid ~20 MiB PDF made in under 2 s", async () => {
    const t0 = performance.now();
    const pdf = largePdf(20);
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.ok(pdf.length > 20 * 1024 * 1024 && pdf.length < 22 * 1024 * 1024, `${pdf.length} bytes`);
    assert.equal(await pageCount(pdf), 20);
    const check = await qpdfCheck(pdf);
    assert.ok(check.ok, check.raw);
  });
});

describe("signatures made by other software", () => {
  for (const [tool, make] of Object.entries(PEER_SIGNERS)) {
    describe(tool, () => {
      let signed: PeerSignedPdf;
      before(async () => {
        signed = await make();
      });

      test("pdfsig: valid, trusted against its root, covering the whole file", async () => {
        const r = await pdfsig(signed.pdf, { trust: [signed.rootDer] });
        assert.equal(r.signatures.length, 1, r.raw);
        const [sig] = r.signatures;
        assert.equal(sig!.validity, "Signature is Valid.", r.raw);
        assert.equal(sig!.certificate, "Certificate is Trusted.", r.raw);
        assert.equal(sig!.totalDocumentSigned, true, r.raw);
        assert.equal(sig!.signerName, signed.signer.friendlyName);
        assert.match(sig!.subFilter ?? "", /^(ETSI\.CAdES\.detached|adbe\.pkcs7\.detached)$/);
      });

      test("pdfsig: not trusted without its root (also given as a PEM path)", async () => {
        const none = await pdfsig(signed.pdf);
        assert.equal(none.signatures[0]!.validity, "Signature is Valid.", none.raw);
        assert.notEqual(none.signatures[0]!.certificate, "Certificate is Trusted.", none.raw);
        const byPath = await pdfsig(signed.pdf, { trust: [signed.rootFile] });
        assert.equal(byPath.signatures[0]!.certificate, "Certificate is Trusted.", byPath.raw);
      });

      test("mutool: digest verified, unchanged since signing", async () => {
        const r = await mutoolVerify(signed.pdf);
        assert.equal(r.signatures.length, 1, r.raw);
        const [sig] = r.signatures;
        assert.ok(sig!.digestOk, r.raw);
        assert.ok(sig!.unchanged, r.raw);
        assert.match(sig!.signer ?? "", new RegExp(`cn=${signed.signer.friendlyName}`, "i"));
        // mutool 1.21 trusts only its built-in Adobe root: a test PKI can never be "trusted" there.
        assert.match(sig!.certificate ?? "", /^Certificate error: /, r.raw);
      });

      test("qpdf --check accepts it", async () => {
        const r = await qpdfCheck(signed.pdf);
        if (tool === "@signpdf") {
          // @signpdf 3.3's incremental update points startxref one byte before its "xref" keyword.
          assert.equal(r.code, 3, r.raw);
          assert.deepEqual(
            r.warnings.filter((w) => w.startsWith("WARNING")).map((w) => w.replace(/^.*: /, "")),
            ["extraneous whitespace seen before xref"],
          );
        } else {
          assert.ok(r.ok, r.raw);
        }
      });

      test("openssl: the extracted CMS parses and verifies detached over the byte ranges", async () => {
        const sigs = extractSignatureContents(signed.pdf);
        assert.equal(sigs.length, 1);
        const [s] = sigs;
        assert.equal(s!.byteRange[0], 0);
        assert.equal(s!.byteRange[2] + s!.byteRange[3], signed.pdf.length);
        assert.equal(berLength(s!.contents), s!.contents.length);
        assert.ok(s!.reserved >= s!.contents.length);
        assert.match(await opensslCmsPrint(s!.contents), /contentType: pkcs7-signedData/);
        assert.match(await opensslAsn1parse(s!.contents), /:pkcs7-signedData/);
        const ok = await opensslVerifyDetached(s!.contents, s!.signedBytes, signed.rootPem);
        assert.ok(ok.ok, ok.raw);
        const tampered = Buffer.from(s!.signedBytes);
        tampered[tampered.length - 20]! ^= 1;
        const bad = await opensslVerifyDetached(s!.contents, tampered, signed.rootFile);
        assert.equal(bad.ok, false, bad.raw);
        const otherRoot = await createRoot("Unrelated Root");
        const untrusted = await opensslVerifyDetached(s!.contents, s!.signedBytes, otherRoot.certDer);
        assert.equal(untrusted.ok, false, untrusted.raw);
      });
    });
  }

  test("a byte changed inside the signed range is caught by pdfsig and mutool", async () => {
    const signed = await PEER_SIGNERS["@libpdf/core"]();
    const pdf = Buffer.from(signed.pdf);
    const at = pdf.indexOf("Memorandum of cooperation");
    assert.ok(at > 0);
    pdf[at] = "N".charCodeAt(0);
    const p = await pdfsig(pdf, { trust: [signed.rootDer] });
    assert.notEqual(p.signatures[0]!.validity, "Signature is Valid.", p.raw);
    const m = await mutoolVerify(pdf);
    assert.equal(m.signatures[0]!.digestOk, false, m.raw);
  });

  test("libpdfSign signs with a caller's key, and a second signature is an incremental update", async () => {
    const root = await createRoot("Co-signing Root", { country: "SA" });
    const leaf = await issueLeaf(root, "Minister of Communications", { country: "SA" });
    const first = await PEER_SIGNERS["@libpdf/core"]();
    const both = await libpdfSign(leaf.keyPem, leaf.certPem, { input: first.pdf, fieldName: "CoSignature" });
    assert.deepEqual(both.subarray(0, first.pdf.length), first.pdf);
    const r = await pdfsig(both, { trust: [first.rootDer, root.certPem] });
    assert.equal(r.signatures.length, 2, r.raw);
    assert.deepEqual(
      r.signatures.map((s) => [s.validity, s.certificate, s.totalDocumentSigned]),
      [
        ["Signature is Valid.", "Certificate is Trusted.", false],
        ["Signature is Valid.", "Certificate is Trusted.", true],
      ],
    );
    assert.equal(r.signatures[1]!.name, "CoSignature");
    const m = await mutoolVerify(both);
    assert.deepEqual(
      m.signatures.map((s) => [s.digestOk, s.editedSince, s.unchanged]),
      [
        [true, true, false],
        [true, false, true],
      ],
    );
    assert.equal(extractSignatureContents(both).length, 2);
  });

  test("parsers read the tools' documented formats", () => {
    const p = parsePdfsig(
      "Digital Signature Info of: x.pdf\nSignature #1:\n  - Signature Field Name: S1\n  - Signature Type: ETSI.CAdES.detached\n  - Signature Validation: Digest Mismatch.\n  - Certificate Validation: Certificate issuer isn't Trusted.\n",
    );
    assert.deepEqual(
      p.map((s) => [s.index, s.name, s.subFilter, s.validity, s.certificate, s.totalDocumentSigned]),
      [[1, "S1", "ETSI.CAdES.detached", "Digest Mismatch.", "Certificate issuer isn't Trusted.", false]],
    );
    const m = parseMutoolVerify(
      "Verifying signature 7:\n\tDistinguished name: cn=A\n\tCertificate is trusted.\n\tDigest error: Signed data has been altered.\n",
    );
    assert.deepEqual(
      m.map((s) => [s.object, s.signer, s.certificateOk, s.digestOk, s.unchanged]),
      [[7, "cn=A", true, false, false]],
    );
    // DER with zero padding, BER indefinite length (NSS) with padding, and a truncated TLV.
    assert.equal(berLength(Buffer.from("300302010100000000", "hex")), 5);
    assert.equal(berLength(Buffer.from("3080a0800201010000000000000000", "hex")), 11);
    assert.equal(berLength(Buffer.from("30820100020101", "hex")), undefined);
  });
});

describe("openssl TSA server", () => {
  let tsa: OpensslTsa;
  before(async () => {
    tsa = await startOpensslTsa();
  });
  after(async () => {
    await tsa.close();
  });

  test("answers timestamp queries with tokens that openssl ts -verify accepts", async () => {
    const dir = await freshDir("tsa-client");
    const data = join(dir, "data.bin");
    const query = join(dir, "q.tsq");
    const reply = join(dir, "r.tsr");
    await writeFile(data, plainPdf());
    await runOk("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert", "-out", query]);
    const res = await fetch(tsa.url, {
      method: "POST",
      headers: { "content-type": "application/timestamp-query" },
      body: new Uint8Array(await readFile(query)),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/timestamp-reply");
    await writeFile(reply, Buffer.from(await res.arrayBuffer()));
    const text = await runOk("openssl", ["ts", "-reply", "-in", reply, "-text"]);
    assert.match(text.stdout.toString(), /Status: Granted/);
    assert.match(text.stdout.toString(), /Policy OID: 1\.3\.6\.1\.4\.1\.99999\.1\.1/);
    const rootFile = join(dir, "root.pem");
    await writeFile(rootFile, tsa.rootPem);
    const ok = await run("openssl", ["ts", "-verify", "-data", data, "-in", reply, "-CAfile", rootFile]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout.toString(), /Verification: OK/);
    // The same token does not verify for other data.
    await writeFile(data, plainPdf({ text: "other" }));
    const bad = await run("openssl", ["ts", "-verify", "-data", data, "-in", reply, "-CAfile", rootFile]);
    assert.notEqual(bad.code, 0);
    assert.equal(tsa.requests(), 1);
    assert.match(tsa.tsaCertPem, /BEGIN CERTIFICATE/);
    assert.equal(tsa.rootDer[0], 0x30);
  });

  test("its tokens serve a B-T signature that pdfsig and openssl accept", async () => {
    const root = await createRoot("B-T Root");
    const leaf = await issueLeaf(root, "B-T Signer");
    const count0 = tsa.requests();
    const pdf = await libpdfSign(leaf.keyPem, leaf.certPem, { tsaUrl: tsa.url });
    assert.equal(tsa.requests(), count0 + 1);
    const r = await pdfsig(pdf, { trust: [root.certDer] });
    assert.equal(r.signatures[0]!.validity, "Signature is Valid.", r.raw);
    assert.equal(r.signatures[0]!.certificate, "Certificate is Trusted.", r.raw);
    const [s] = extractSignatureContents(pdf);
    const printed = await opensslCmsPrint(s!.contents);
    assert.match(printed, /unsignedAttrs:[\s\S]*object: id-smime-aa-timeStampToken/);
    assert.match(printed, /Khatam Test TSU/);
  });

  test("serves concurrent queries and rejects other content types", async () => {
    const dir = await freshDir("tsa-client");
    const queries = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const data = join(dir, `d${i}.bin`);
        await writeFile(data, `document ${i}`);
        const q = await runOk("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert"]);
        return q.stdout;
      }),
    );
    const replies = await Promise.all(
      queries.map((q) =>
        fetch(tsa.url, {
          method: "POST",
          headers: { "content-type": "application/timestamp-query" },
          body: new Uint8Array(q),
        }),
      ),
    );
    const serials = new Set<string>();
    for (const r of replies) {
      assert.equal(r.status, 200);
      const file = join(dir, `r${serials.size}.tsr`);
      await writeFile(file, Buffer.from(await r.arrayBuffer()));
      const t = await runOk("openssl", ["ts", "-reply", "-in", file, "-text"]);
      serials.add(/Serial number: (\S+)/.exec(t.stdout.toString())![1]!);
    }
    assert.equal(serials.size, 4);
    const wrong = await fetch(tsa.url, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
    assert.equal(wrong.status, 415);
  });
});
