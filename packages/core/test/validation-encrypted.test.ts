// Encrypted PDFs with an empty user password (issue 14.2): qpdf encrypts a plain document with RC4-128, AES-128 and
// AES-256 (R6), poppler's pdfsig signs each (writing its strings encrypted, its /Contents not), and the validator
// reads them decrypted — TOTAL_PASSED, with the signed bytes still the file's own. A byte changed in the signed
// range, a page changed after signing and a document that needs a password are each told apart.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import type { TrustAnchor } from "../src/validation/cades.js";
import { NotAPdfError, validatePdf } from "../src/validation/validate.js";
import { plainPdf } from "./support/fixtures.js";
import { createRoot, issueLeaf, type TestRoot } from "./support/pki.js";
import { createNssDb, freshDir, runOk } from "./support/tools.js";

let dir: string;
let root: TestRoot;
let anchors: TrustAnchor[];
const signed: Record<string, Buffer> = {};

const MODES: Record<string, string[]> = {
  "RC4-128": ["128", "--use-aes=n", "--allow-weak-crypto"],
  "AES-128": ["128", "--use-aes=y"],
  "AES-256": ["256"],
};

describe("encrypted PDFs that open without a password", () => {
  before(async () => {
    dir = await freshDir("encrypted");
    root = await createRoot("Encryption Test Root");
    const leaf = await issueLeaf(root, "encrypted-signer");
    const nss = join(dir, "nss");
    await runOk("mkdir", ["-p", nss]);
    await createNssDb(nss, [root.certFile]);
    await runOk("pk12util", ["-i", leaf.p12File, "-d", `sql:${nss}`, "-W", leaf.p12Password, "-K", ""]);
    await writeFile(join(dir, "plain.pdf"), plainPdf());
    for (const [name, args] of Object.entries(MODES)) {
      const encrypted = join(dir, `${name}.pdf`);
      const out = join(dir, `${name}-signed.pdf`);
      const [bits, ...rest] = args;
      const weak = rest.filter((a) => a === "--allow-weak-crypto");
      const flags = rest.filter((a) => a !== "--allow-weak-crypto");
      await runOk("qpdf", [
        ...weak,
        "--encrypt",
        "",
        "owner-secret",
        bits!,
        ...flags,
        "--",
        join(dir, "plain.pdf"),
        encrypted,
      ]);
      await runOk("pdfsig", ["-nssdir", `sql:${nss}`, "-add-signature", "-nick", leaf.friendlyName, encrypted, out]);
      signed[name] = await readFile(out);
    }
    anchors = [{ certificate: root.certDer }];
  });

  for (const name of Object.keys(MODES)) {
    test(`${name}: read decrypted, TOTAL_PASSED, nothing changed after signing`, async () => {
      const bytes = signed[name]!;
      assert.ok(bytes.includes("/Encrypt"), "the file is encrypted");
      const report = await validatePdf(new Uint8Array(bytes), { trustAnchors: anchors });
      assert.equal(report.verdict, "VALID", JSON.stringify(report.signatures.map((s) => s.errors)));
      const [signature] = report.signatures;
      assert.equal(signature?.indication, "TOTAL_PASSED");
      assert.equal(signature?.modifications, "NONE");
      assert.match(signature?.signer?.subject ?? "", /encrypted-signer/);
    });
  }

  test("a byte changed inside the signed range of an encrypted file is HASH_FAILURE", async () => {
    const bytes = Buffer.from(signed["AES-256"]!);
    const at = bytes.indexOf("/MediaBox");
    bytes[at + 1] = "N".charCodeAt(0); // /MediaBox → /NediaBox, inside the first signed range
    const report = await validatePdf(new Uint8Array(bytes), { trustAnchors: anchors });
    assert.equal(report.verdict, "INVALID");
    assert.equal(report.signatures[0]?.subIndication, "HASH_FAILURE");
  });

  test("a page replaced in an update after signing is OTHER", async () => {
    const bytes = signed["AES-128"]!;
    const text = bytes.toString("latin1");
    const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
    const pages = /\/Pages (\d+) 0 R/.exec(text)![1];
    const size = Number(/\/Size (\d+)/.exec(text.slice(startxref))?.[1] ?? 20);
    // A new page object replacing the page tree's only kid: unencrypted strings are irrelevant, no string is needed.
    const page = `${size} 0 obj\n<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 300 300] >>\nendobj\n`;
    const kids = `${pages} 0 obj\n<< /Type /Pages /Kids [${size} 0 R] /Count 1 >>\nendobj\n`;
    const offset = bytes.length;
    const body = page + kids;
    const xref =
      `xref\n${pages} 1\n${String(offset + page.length).padStart(10, "0")} 00000 n \n` +
      `${size} 1\n${String(offset).padStart(10, "0")} 00000 n \n`;
    const encrypt = /\/Encrypt \d+ 0 R/.exec(text)![0];
    const id = /\/ID\s*\[[^\]]*\]/.exec(text)![0];
    const rootRef = /\/Root \d+ 0 R/.exec(text)![0];
    const trailer = `trailer\n<< /Size ${size + 1} ${rootRef} ${encrypt} ${id} /Prev ${startxref} >>\nstartxref\n${offset + body.length}\n%%EOF\n`;
    const updated = Buffer.concat([bytes, Buffer.from(body + xref + trailer, "latin1")]);
    const report = await validatePdf(new Uint8Array(updated), { trustAnchors: anchors });
    assert.equal(report.signatures[0]?.modifications, "OTHER", JSON.stringify(report.signatures[0]));
    assert.equal(report.verdict, "INVALID");
  });

  test("a document that needs a password cannot be read: one clear reason", async () => {
    const locked = join(dir, "locked.pdf");
    await runOk("qpdf", ["--encrypt", "user-secret", "owner-secret", "256", "--", join(dir, "plain.pdf"), locked]);
    await assert.rejects(
      validatePdf(new Uint8Array(await readFile(locked)), { trustAnchors: anchors }),
      (e: unknown) => e instanceof NotAPdfError && /password needed to open it/.test(e.message),
    );
  });
});
