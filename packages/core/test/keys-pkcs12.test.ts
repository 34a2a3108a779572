import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPublicKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { KeyError } from "../src/keys/errors.js";
import { loadPkcs12 } from "../src/keys/pkcs12.js";
import { GENPKEY_P256, opensslSelfSigned } from "./support/tools.js";

let dir: string;
const run = (cmd: string, ...args: string[]) =>
  execFileSync(cmd, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
const openssl = (...args: string[]) => run("openssl", ...args);
const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const subject = (der: Uint8Array) => new X509Certificate(der).subject;
const hasKeytool = (() => {
  try {
    execFileSync("keytool", ["-help"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Issues `name`.crt for a new P-256 key, signed by `issuer` (or self-signed), with CA rights when `ca`. */
function issue(name: string, issuer: string | undefined, ca: boolean) {
  const ext = ca ? "basicConstraints=critical,CA:TRUE" : "keyUsage=critical,digitalSignature,nonRepudiation";
  if (!issuer) {
    opensslSelfSigned(dir, name, `/CN=${name}`, { addext: [ext] });
    return;
  }
  openssl("genpkey", ...GENPKEY_P256, "-out", `${name}.key`);
  openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`);
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${issuer}.crt`,
    "-CAkey",
    `${issuer}.key`,
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.crt`,
  );
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "khatam-keys-p12-"));
  issue("Root", undefined, true);
  issue("Issuing CA", "Root", true);
  issue("Signer", "Issuing CA", false);
  writeFileSync(join(dir, "chain.pem"), Buffer.concat([file("Root.crt"), file("Issuing CA.crt")]));
  const exportArgs = ["pkcs12", "-export", "-inkey", "Signer.key", "-in", "Signer.crt", "-certfile", "chain.pem"];
  openssl(...exportArgs, "-passout", "pass:p12-pass", "-out", "default.p12");
  openssl(...exportArgs, "-legacy", "-passout", "pass:p12-pass", "-out", "legacy.p12");
  openssl(...exportArgs, "-passout", "pass:", "-out", "empty-password.p12");
  openssl(...exportArgs, "-nomac", "-passout", "pass:p12-pass", "-out", "nomac.p12");
});

after(() => rmSync(dir, { recursive: true, force: true }));

function assertSignerContents(name: string, password: string) {
  const contents = loadPkcs12(file(name), password);
  assert.equal(subject(contents.certificate), "CN=Signer", name);
  assert.ok(new X509Certificate(contents.certificate).publicKey.equals(createPublicKey(contents.privateKey)), name);
  assert.deepEqual(contents.chain.map(subject), ["CN=Issuing CA", "CN=Root"], `${name}: chain issuer-first`);
}

test("reads a PKCS#12 made with OpenSSL 3 defaults (PBES2/AES-256-CBC, MAC SHA-256)", () => {
  assertSignerContents("default.p12", "p12-pass");
});

test("reads a PKCS#12 made with -legacy (3DES key, RC2-40 certificates, MAC SHA-1)", () => {
  assertSignerContents("legacy.p12", "p12-pass");
});

test("reads a PKCS#12 with an empty password and one without a MAC", () => {
  assertSignerContents("empty-password.p12", "");
  assertSignerContents("nomac.p12", "p12-pass");
});

test("a wrong password gives one clear error, with or without a MAC", () => {
  for (const name of ["default.p12", "legacy.p12", "nomac.p12", "empty-password.p12"]) {
    assert.throws(
      () => loadPkcs12(file(name), "not-the-password"),
      (error: unknown) =>
        error instanceof KeyError &&
        error.code === "WRONG_PASSWORD" &&
        error.message === "wrong password for the PKCS#12 file",
      name,
    );
  }
});

test("a file that is not PKCS#12 is refused as such", () => {
  assert.throws(
    () => loadPkcs12(file("Signer.crt"), "x"),
    (e: unknown) => e instanceof KeyError && e.code === "MALFORMED_PKCS12",
  );
});

test("reads PKCS#12 keystores written by Java keytool (current and legacy algorithms)", { skip: !hasKeytool }, () => {
  const gen = [
    "-genkeypair",
    "-alias",
    "signer",
    "-keyalg",
    "EC",
    "-groupname",
    "secp256r1",
    "-dname",
    "CN=Java Signer",
  ];
  const store = ["-storetype", "PKCS12", "-storepass", "java-pass", "-validity", "1"];
  run("keytool", ...gen, ...store, "-keystore", "java.p12");
  run("keytool", "-J-Dkeystore.pkcs12.legacy", ...gen, ...store, "-keystore", "java-legacy.p12");
  for (const name of ["java.p12", "java-legacy.p12"]) {
    const contents = loadPkcs12(file(name), "java-pass");
    assert.equal(subject(contents.certificate), "CN=Java Signer", name);
    assert.ok(new X509Certificate(contents.certificate).publicKey.equals(createPublicKey(contents.privateKey)), name);
    assert.throws(() => loadPkcs12(file(name), "wrong"), /^KeyError: wrong password for the PKCS#12 file$/, name);
  }
});
