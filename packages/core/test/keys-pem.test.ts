import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KeyError, type KeyErrorCode } from "../src/keys/errors.js";
import { loadCertificates, loadPrivateKey } from "../src/keys/pem.js";

let dir: string;
const path = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
const file = (name: string) => new Uint8Array(readFileSync(path(name)));
const text = (name: string) => readFileSync(path(name), "utf8");
const spki = (key: KeyObject) => createPublicKey(key).export({ type: "spki", format: "der" }).toString("hex");

function rejects(load: () => unknown, code: KeyErrorCode, message: RegExp) {
  assert.throws(load, (error: unknown) => {
    assert.ok(error instanceof KeyError, `expected a KeyError, got ${error}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\n/, "one-line message");
    return true;
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "khatam-keys-pem-"));
  openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.p8.pem");
  openssl("pkey", "-in", "ec.p8.pem", "-outform", "DER", "-out", "ec.p8.der");
  openssl("ec", "-in", "ec.p8.pem", "-out", "ec.sec1.pem");
  openssl("ec", "-in", "ec.p8.pem", "-outform", "DER", "-out", "ec.sec1.der");
  openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.p8.pem");
  openssl("rsa", "-in", "rsa.p8.pem", "-traditional", "-out", "rsa.p1.pem");
  openssl("rsa", "-in", "rsa.p8.pem", "-traditional", "-outform", "DER", "-out", "rsa.p1.der");
  openssl("rsa", "-in", "rsa.p8.pem", "-traditional", "-aes256", "-passout", "pass:s3cret", "-out", "rsa.p1.enc.pem");
  // Encrypted PKCS#8: OpenSSL 3's default (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) and the PKCS#12 3DES scheme.
  openssl("pkcs8", "-topk8", "-in", "ec.p8.pem", "-passout", "pass:s3cret", "-out", "ec.p8.enc.pem");
  openssl("pkcs8", "-topk8", "-in", "ec.p8.pem", "-passout", "pass:s3cret", "-outform", "DER", "-out", "ec.p8.enc.der");
  openssl(
    "pkcs8",
    "-topk8",
    "-in",
    "rsa.p8.pem",
    "-v1",
    "PBE-SHA1-3DES",
    "-passout",
    "pass:s3cret",
    "-out",
    "rsa.3des.pem",
  );
  openssl("genpkey", "-algorithm", "ED25519", "-out", "ed25519.pem");
  openssl("req", "-x509", "-key", "ec.p8.pem", "-subj", "/CN=EC Signer/C=JP", "-days", "1", "-out", "ec.crt");
  openssl("req", "-x509", "-key", "rsa.p8.pem", "-subj", "/CN=RSA Signer/C=SA", "-days", "1", "-out", "rsa.crt");
  openssl("x509", "-in", "ec.crt", "-outform", "DER", "-out", "ec.crt.der");
  openssl("crl2pkcs7", "-nocrl", "-certfile", "ec.crt", "-certfile", "rsa.crt", "-outform", "DER", "-out", "both.p7b");
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("loadPrivateKey", () => {
  test("reads PKCS#8, SEC1 and PKCS#1 keys in PEM and DER to the same key", () => {
    const ec = spki(loadPrivateKey(text("ec.p8.pem")));
    for (const name of ["ec.p8.der", "ec.sec1.pem", "ec.sec1.der"])
      assert.equal(spki(loadPrivateKey(file(name))), ec, name);
    const rsa = spki(loadPrivateKey(file("rsa.p8.pem")));
    for (const name of ["rsa.p1.pem", "rsa.p1.der"]) assert.equal(spki(loadPrivateKey(file(name))), rsa, name);
    assert.equal(loadPrivateKey(file("ec.sec1.pem")).asymmetricKeyDetails?.namedCurve, "prime256v1");
  });

  test("decrypts encrypted PKCS#8 (PBES2/AES-256 and PKCS#12 3DES) and legacy encrypted PEM with the password", () => {
    const ec = spki(loadPrivateKey(file("ec.p8.pem")));
    assert.equal(spki(loadPrivateKey(file("ec.p8.enc.pem"), "s3cret")), ec);
    assert.equal(spki(loadPrivateKey(file("ec.p8.enc.der"), "s3cret")), ec);
    const rsa = spki(loadPrivateKey(file("rsa.p8.pem")));
    assert.equal(spki(loadPrivateKey(file("rsa.3des.pem"), "s3cret")), rsa);
    assert.equal(spki(loadPrivateKey(file("rsa.p1.enc.pem"), "s3cret")), rsa);
  });

  test("a wrong password says so", () => {
    for (const name of ["ec.p8.enc.pem", "ec.p8.enc.der", "rsa.3des.pem", "rsa.p1.enc.pem"]) {
      rejects(() => loadPrivateKey(file(name), "wrong"), "WRONG_PASSWORD", /^wrong password for the key$/);
    }
  });

  test("an encrypted key without a password asks for one", () => {
    rejects(() => loadPrivateKey(file("ec.p8.enc.pem")), "PASSWORD_REQUIRED", /password is needed/);
    rejects(() => loadPrivateKey(file("rsa.p1.enc.pem")), "PASSWORD_REQUIRED", /password is needed/);
  });

  test("a certificate or garbage is not a private key", () => {
    rejects(() => loadPrivateKey(file("ec.crt")), "NOT_A_PRIVATE_KEY", /^not a private key/);
    rejects(() => loadPrivateKey(file("ec.crt.der")), "NOT_A_PRIVATE_KEY", /^not a private key/);
    rejects(() => loadPrivateKey(new Uint8Array([1, 2, 3, 4])), "NOT_A_PRIVATE_KEY", /^not a private key/);
  });

  test("an Ed25519 key is an unsupported key type", () => {
    rejects(() => loadPrivateKey(file("ed25519.pem")), "UNSUPPORTED_KEY_TYPE", /^unsupported key type/);
  });
});

describe("loadCertificates", () => {
  test("reads a PEM bundle in order, a DER certificate and a PKCS#7 bundle", () => {
    const bundle = loadCertificates(`${text("ec.crt")}\n${text("rsa.crt")}`);
    assert.deepEqual(
      bundle.map((der) => new X509Certificate(der).subject),
      ["CN=EC Signer\nC=JP", "CN=RSA Signer\nC=SA"],
    );
    assert.deepEqual(loadCertificates(file("ec.crt.der")), [bundle[0]]);
    const p7b = loadCertificates(file("both.p7b")).map((der) => Buffer.from(der).toString("hex"));
    assert.deepEqual(p7b.sort(), bundle.map((der) => Buffer.from(der).toString("hex")).sort());
  });

  test("a key file holds no certificate", () => {
    rejects(() => loadCertificates(file("ec.p8.pem")), "NOT_A_CERTIFICATE", /^not a certificate/);
    rejects(() => loadCertificates(file("ec.p8.der")), "NOT_A_CERTIFICATE", /^not a certificate/);
  });
});
