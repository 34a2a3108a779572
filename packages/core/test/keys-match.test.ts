import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { KeyError } from "../src/keys/errors.js";
import { assertKeyMatchesCertificate } from "../src/keys/match.js";
import { loadCertificates, loadPrivateKey } from "../src/keys/pem.js";
import type { Signer } from "../src/keys/signer.js";
import { softwareSigner } from "../src/keys/software.js";
import { GENPKEY_RSA_2048, opensslSelfSigned } from "./support/tools.js";

let dir: string;
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

before(() => {
  dir = mkdtempSync(join(tmpdir(), "khatam-keys-match-"));
  for (const name of ["a", "b"]) opensslSelfSigned(dir, name, `/CN=Official ${name}/O=Digital Agency/C=JP`);
  opensslSelfSigned(dir, "rsa", "/CN=RSA Official/C=SA", { keyArgs: GENPKEY_RSA_2048 });
});

after(() => rmSync(dir, { recursive: true, force: true }));

const signerFor = (name: string) => softwareSigner(loadPrivateKey(read(`${name}.key`)));
const cert = (name: string) => loadCertificates(read(`${name}.crt`))[0];

test("a key and its own certificate match (EC and RSA)", () => {
  assert.doesNotThrow(() => assertKeyMatchesCertificate(signerFor("a"), cert("a")));
  assert.doesNotThrow(() => assertKeyMatchesCertificate(signerFor("rsa"), cert("rsa")));
});

test("a key and someone else's certificate do not match, and the message names the certificate", () => {
  for (const [key, other] of [
    ["a", "b"],
    ["rsa", "a"],
    ["a", "rsa"],
  ]) {
    assert.throws(
      () => assertKeyMatchesCertificate(signerFor(key), cert(other)),
      (error: unknown) =>
        error instanceof KeyError &&
        error.code === "KEY_CERTIFICATE_MISMATCH" &&
        error.message.startsWith("the key does not match the certificate (") &&
        error.message.includes(other === "rsa" ? "CN=RSA Official" : `CN=Official ${other}`),
    );
  }
});

test("an SPKI with the EC point compressed still matches its certificate", () => {
  const signer = signerFor("a");
  const compressedPem = openssl(
    "ec",
    "-in",
    join(dir, "a.key"),
    "-pubout",
    "-conv_form",
    "compressed",
    "-outform",
    "DER",
  );
  const compressed: Signer = { ...signer, publicKeySpki: new Uint8Array(compressedPem) };
  assert.notDeepEqual(Buffer.from(compressed.publicKeySpki), Buffer.from(signer.publicKeySpki));
  assert.doesNotThrow(() => assertKeyMatchesCertificate(compressed, cert("a")));
});
