// `khatam sign` as a user runs it (CONTRACTS.md § 2): the built CLI is spawned with PEM and PKCS#12 keys, on forms,
// with certification, with a TSA, in bulk; bad passwords, mismatched keys, unreadable PDFs and missing options each
// end with one clear line on stderr, a non-zero exit (64 for usage errors) and no output or temporary files.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
// Types only: the test support lives in @khatam/core's test tree, loaded at run time from its build output.
import type * as Fixtures from "../../core/dist/test/support/fixtures.js";
import type * as Check from "../../core/dist/test/support/pades-check.js";
import type * as Pki from "../../core/dist/test/support/pki.js";
import type * as Tools from "../../core/dist/test/support/tools.js";
import type * as Tsa from "../../core/dist/test/support/tsa-server.js";
import { assertOneLineError, COMPILED_MAIN, runCli, testSupport } from "./support/cli.js";

const fixtures = await testSupport<typeof Fixtures>("core", "fixtures");
const check = await testSupport<typeof Check>("core", "pades-check");
const pki = await testSupport<typeof Pki>("core", "pki");
const tools = await testSupport<typeof Tools>("core", "tools");
const tsaServer = await testSupport<typeof Tsa>("core", "tsa-server");

/** Runs the compiled modules' `main.js` from an unrelated working directory (`cwd`), stderr not a terminal. */
const khatam = (args: string[], cwd = "/") => runCli(COMPILED_MAIN, args, { cwd });

/** Files in `dir`, including hidden ones (temporary files of atomic writes are hidden). */
const listing = async (dir: string) => (await readdir(dir)).sort();

let root: Pki.TestRoot;
let ec: Pki.TestLeaf;
let rsa: Pki.TestLeaf;
let work: string;
let plain: string;
let form: string;

const keyArgs = (leaf: Pki.TestLeaf) => ["--key", leaf.keyFile, "--cert", leaf.certFile, "--chain", root.certFile];

async function expectValid(
  file: string,
  leaf: Pki.TestLeaf,
  extra: Partial<Check.ExpectedSignature> = {},
): Promise<Check.CheckedSignature> {
  const pdf = await readFile(file);
  const signatureAlgorithm = leaf === ec ? check.OIDS.ecdsaWithSha256 : check.OIDS.sha256WithRsa;
  return check.checkKhatamSignature(pdf, check.expectedFor(leaf, root, { signatureAlgorithm, ...extra }));
}

before(async () => {
  root = await pki.createRoot("Khatam CLI Test Root", { country: "JP" });
  [ec, rsa] = await Promise.all([
    pki.issueLeaf(root, "CLI EC Signer", { key: "ec:P-256" }),
    pki.issueLeaf(root, "CLI RSA Signer", { password: "p12 pass word" }),
  ]);
  work = await tools.freshDir("cli");
  plain = join(work, "plain.pdf");
  form = join(work, "form.pdf");
  await writeFile(plain, fixtures.plainPdf());
  await writeFile(form, fixtures.formPdf());
});

describe("khatam sign: signatures", () => {
  test("PEM key and certificate, reason/location/contact, named field: valid everywhere", async () => {
    const out = join(work, "approved.pdf");
    const r = await khatam([
      ...["sign", plain, "-o", out, ...keyArgs(ec)],
      ...["--reason", "Approved", "--location", "Tokyo", "--contact", "dx@example.jp", "--field", "JP Approval"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const input = await readFile(plain);
    const signed = await readFile(out);
    assert.deepEqual(signed.subarray(0, input.length), input);
    await expectValid(out, ec, { previousLength: input.length, fieldName: "JP Approval" });
    const update = signed.subarray(input.length).toString("latin1");
    assert.match(update, /\/Reason \(Approved\)/);
    assert.match(update, /\/Location \(Tokyo\)/);
    assert.match(update, /\/ContactInfo \(dx@example\.jp\)/);
  });

  test("--field Signature1 fills the form's empty signature field", async () => {
    const out = join(work, "form-signed.pdf");
    const r = await khatam(["sign", form, "-o", out, ...keyArgs(rsa), "--field", "Signature1"]);
    assert.equal(r.code, 0, r.stderr);
    const c = await expectValid(out, rsa, { fieldName: "Signature1" });
    assert.equal(c.pdfsig.signatures.length, 1, c.pdfsig.raw);
  });

  test("--visible with a seal: the block is drawn in the rectangle, names from the certificate, valid", async () => {
    const out = join(work, "visible.pdf");
    const r = await khatam([
      ...["sign", plain, "-o", out, ...keyArgs(ec)],
      ...[
        "--visible",
        "60,480,340,600",
        "--name",
        "山田 太郎",
        "--title",
        "外務大臣",
        "--locale",
        "ja",
        "--seal",
        "山田",
      ],
    ]);
    assert.equal(r.code, 0, r.stderr);
    await expectValid(out, ec);
    const text = (await tools.runOk("pdftotext", [out, "-"])).stdout.toString("utf8");
    assert.match(text, /署名者: 山田 太郎/);
    assert.match(text, /CLI EC Signer|Khatam CLI Test Root/); // the issuer, from the certificate
    assert.match(text, /令和/);
  });

  test("--visible with an image that is not one: one line, exit 64, nothing written", async () => {
    const dir = join(work, "visible-bad");
    await mkdir(dir, { recursive: true });
    const notImage = join(dir, "mark.png");
    await writeFile(notImage, "not a picture");
    const r = await khatam([
      ...["sign", plain, "-o", join(dir, "out.pdf"), ...keyArgs(ec)],
      ...["--visible", "60,480,340,600", "--mark", notImage],
    ]);
    assertOneLineError(r, 64, /not_an_image/);
    assert.deepEqual(await listing(dir), ["mark.png"]);
  });

  test("--p12 with --password signs with the PKCS#12's key, certificate and chain", async () => {
    const out = join(work, "p12.pdf");
    const r = await khatam(["sign", plain, "-o", out, "--p12", rsa.p12File, "--password", rsa.p12Password]);
    assert.equal(r.code, 0, r.stderr);
    await expectValid(out, rsa);
  });

  test("--certify no-changes writes /Perms /DocMDP with P 1; signing the result again is refused", async () => {
    const out = join(work, "certified.pdf");
    const r = await khatam(["sign", plain, "-o", out, ...keyArgs(ec), "--certify", "no-changes"]);
    assert.equal(r.code, 0, r.stderr);
    await expectValid(out, ec);
    const text = (await readFile(out)).toString("latin1");
    assert.match(text, /\/Perms\s*<<\s*\/DocMDP \d+ 0 R\s*>>/);
    assert.match(text, /\/TransformMethod\s*\/DocMDP\s*\/TransformParams\s*<<[^>]*\/P 1\b/);
    const again = join(work, "certified-again.pdf");
    const r2 = await khatam(["sign", out, "-o", again, ...keyArgs(rsa)]);
    assertOneLineError(r2, 1, /certified with no changes allowed; it cannot be signed again/);
    assert.equal(existsSync(again), false);
  });

  test("--tsa: a B-T signature with the openssl TSA's token", async () => {
    const tsa = await tsaServer.startOpensslTsa();
    try {
      const out = join(work, "bt.pdf");
      const r = await khatam(["sign", plain, "-o", out, ...keyArgs(ec), "--tsa", tsa.url]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(tsa.requests(), 1);
      await expectValid(out, ec, { timestamped: true });
    } finally {
      await tsa.close();
    }
  });
});

describe("khatam sign: refusals", () => {
  let outDir: string;
  before(async () => {
    outDir = join(work, "refusals");
    await mkdir(outDir);
  });
  after(async () => {
    assert.deepEqual(await listing(outDir), [], "no output or temporary files left by any refusal");
  });

  test("wrong PKCS#12 password: one line, non-zero, no output", async () => {
    const r = await khatam(["sign", plain, "-o", join(outDir, "x.pdf"), "--p12", rsa.p12File, "--password", "nope"]);
    assertOneLineError(r, 1, /password/i);
  });

  test("key and certificate mismatch: one line, non-zero, nothing written", async () => {
    const r = await khatam(["sign", plain, "-o", join(outDir, "x.pdf"), "--key", ec.keyFile, "--cert", rsa.certFile]);
    assertOneLineError(r, 1, /does not match the certificate/);
  });

  test("key and certificate mismatch in bulk: no file of the batch is written", async () => {
    const r = await khatam(["sign", plain, form, "-o", outDir, "--key", rsa.keyFile, "--cert", ec.certFile]);
    assertOneLineError(r, 1, /does not match the certificate/);
  });

  for (const [name, make, pattern] of [
    ["garbage", async () => fixtures.garbage(), /garbage\.pdf: cannot read the PDF: not a PDF file/],
    ["truncated", async () => fixtures.truncated(fixtures.plainPdf({ pages: 5 })), /truncated\.pdf: cannot read/],
    ["encrypted", () => fixtures.encryptedPdf(), /encrypted\.pdf: the PDF is encrypted/],
    ["empty", async () => new Uint8Array(0), /empty\.pdf: cannot read the PDF/],
  ] as const) {
    test(`${name} input PDF: one clear line, non-zero, no output or temporary files`, async () => {
      const input = join(work, `${name}.pdf`);
      await writeFile(input, await make());
      const r = await khatam(["sign", input, "-o", join(outDir, `${name}-signed.pdf`), ...keyArgs(ec)]);
      assertOneLineError(r, 1, pattern);
    });
  }

  test("a missing input file is a usage error (64)", async () => {
    const r = await khatam(["sign", join(work, "absent.pdf"), "-o", join(outDir, "x.pdf"), ...keyArgs(ec)]);
    assertOneLineError(r, 64, /absent\.pdf: no such file or folder/);
  });

  for (const [what, args, pattern] of [
    ["no input", ["sign", "-o", "OUT", "--key", "k", "--cert", "c"], /no input PDF/],
    ["no -o", ["sign", "PLAIN", "--key", "k", "--cert", "c"], /-o OUT\.pdf or -o OUT_DIR is required/],
    ["no --key", ["sign", "PLAIN", "-o", "OUT", "--cert", "CERT"], /--key KEY\.pem \(or --p12 FILE\) is required/],
    ["no --cert", ["sign", "PLAIN", "-o", "OUT", "--key", "KEY"], /--cert CERT\.pem is required/],
    ["--p12 without --password", ["sign", "PLAIN", "-o", "OUT", "--p12", "P12"], /--p12 needs --password/],
    ["bad --certify", ["sign", "PLAIN", "-o", "OUT", "--key", "KEY", "--certify", "all"], /--certify must be one of/],
    ["B-T without --tsa", ["sign", "PLAIN", "-o", "OUT", "--key", "KEY", "--level", "B-T"], /needs --tsa URL/],
    ["unknown option", ["sign", "PLAIN", "-o", "OUT", "--colour", "red"], /--colour/],
  ] as const) {
    test(`missing or wrong options (${what}): usage error, exit 64`, async () => {
      const real = args.map((a) =>
        a === "PLAIN"
          ? plain
          : a === "OUT"
            ? join(outDir, "x.pdf")
            : a === "KEY"
              ? ec.keyFile
              : a === "CERT"
                ? ec.certFile
                : a === "P12"
                  ? rsa.p12File
                  : a,
      );
      const r = await khatam(real);
      assertOneLineError(r, 64, pattern);
      assert.match(r.stderr, /usage:/);
    });
  }
});

describe("khatam sign: bulk", () => {
  test("a folder of 20 PDFs into an output folder: all signed and valid", async () => {
    const inDir = join(work, "bulk-in");
    const outDir = join(work, "bulk-out");
    await mkdir(inDir);
    for (let i = 1; i <= 20; i++)
      await writeFile(join(inDir, `doc-${String(i).padStart(2, "0")}.pdf`), fixtures.plainPdf({ text: `Doc ${i}` }));
    await writeFile(join(inDir, "notes.txt"), "not a PDF, not signed");
    const r = await khatam(["sign", inDir, "-o", outDir, ...keyArgs(ec)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /signed 20 of 20 documents/);
    const names = await listing(outDir);
    assert.equal(names.length, 20, names.join(" "));
    assert.ok(names.every((n) => /^doc-\d\d\.pdf$/.test(n)));
    for (const n of ["doc-01.pdf", "doc-10.pdf", "doc-20.pdf"]) await expectValid(join(outDir, n), ec);
    for (const n of names) {
      const p = await tools.pdfsig(join(outDir, n), { trust: [root.certDer] });
      assert.equal(p.signatures[0]?.validity, "Signature is Valid.", `${n}: ${p.raw}`);
    }
  });

  test("one bad file in the folder: the others are signed, exit non-zero, the error names it, no *.tmp", async () => {
    const inDir = join(work, "bulk-bad-in");
    const outDir = join(work, "bulk-bad-out");
    await mkdir(inDir);
    for (let i = 1; i <= 5; i++) await writeFile(join(inDir, `memo-${i}.pdf`), fixtures.plainPdf());
    await writeFile(join(inDir, "memo-3.pdf"), fixtures.truncated(fixtures.plainPdf({ pages: 4 })));
    const r = await khatam(["sign", inDir, "-o", outDir, ...keyArgs(rsa)]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split("\n").filter((l) => l);
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0]!, /^khatam: .*memo-3\.pdf: cannot read the PDF/);
    assert.equal(lines[1], "signed 4 of 5 documents");
    assert.doesNotMatch(r.stderr, /\r|^\s+at /m);
    const names = await listing(outDir);
    assert.deepEqual(names, ["memo-1.pdf", "memo-2.pdf", "memo-4.pdf", "memo-5.pdf"]);
    assert.ok(!names.some((n) => n.endsWith(".tmp")));
    for (const n of ["memo-1.pdf", "memo-5.pdf"]) await expectValid(join(outDir, n), rsa);
  });
});
