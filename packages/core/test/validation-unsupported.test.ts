import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { sha } from "../src/cms/hash.js";
import { assembleSignedData, signAttributes } from "../src/cms/signed-data.js";
import { generateKey, softwareSigner } from "../src/keys/software.js";
import { prepareExternalSignature } from "../src/pades/external.js";
import { fillHole } from "../src/pades/signature-revision.js";
import { createNationalPki } from "../src/pki/national-pki.js";
import { validateCades } from "../src/validation/cades.js";
import { validatePdf } from "../src/validation/validate.js";
import { plainPdf } from "./support/fixtures.js";
import { text } from "./support/messages.js";

test("a signature algorithm the validator does not implement is INDETERMINATE (CRYPTO_CONSTRAINTS_FAILURE), not a forgery", async () => {
  const pki = await createNationalPki({
    id: "jp",
    country: "JP",
    organization: "Digital Agency",
    publicUrl: "http://127.0.0.1:9",
  });
  const { privateKey, publicKey } = await generateKey("P-256");
  const cert = (await pki.issue("official", { spki: publicKey, subject: { commonName: "Taro" } })).der;
  const content = new TextEncoder().encode("memorandum");
  const parts = await signAttributes({
    contentDigest: sha("SHA-256", content),
    signer: softwareSigner(privateKey),
    certificate: cert,
    chain: [pki.issuing.certificate],
  });
  const cms = assembleSignedData(parts);
  // ecdsa-with-SHA256 (1.2.840.10045.4.3.2) → ecdsa-with-SHA224 (…4.3.1): same length, an algorithm we do not accept.
  const oid = Buffer.from("06082a8648ce3d040302", "hex");
  const at = Buffer.from(cms).lastIndexOf(oid); // the SignerInfo comes after the certificates
  assert.ok(at > 0);
  const patched = Buffer.from(cms);
  patched[at + oid.length - 1] = 0x01;
  const result = await validateCades({
    cms: patched,
    kind: "signature",
    signedContentDigest: (hash) => sha(hash, content),
    trustAnchors: [{ certificate: pki.root.certificate }],
    validationTime: new Date(),
  });
  assert.equal(result.indication, "INDETERMINATE");
  assert.equal(result.subIndication, "CRYPTO_CONSTRAINTS_FAILURE");
  assert.match(result.errors.map(text).join("\n"), /cannot be checked/);
});

test("a /SubFilter adbe.x509.rsa_sha1 signature is FORMAT_FAILURE naming the unsupported legacy format, not a CMS parse error", async () => {
  const pki = await createNationalPki({
    id: "jp",
    country: "JP",
    organization: "Digital Agency",
    publicUrl: "http://127.0.0.1:9",
  });
  const { publicKey } = await generateKey("RSA-2048");
  const certificate = (await pki.issue("official", { spki: publicKey, subject: { commonName: "Legacy" } })).der;
  const pdf = plainPdf();
  const prepared = await prepareExternalSignature(pdf, {
    certificate,
    chain: [pki.issuing.certificate],
    algorithm: { kind: "rsa-pkcs1", hash: "SHA-256" },
  });
  const update = Buffer.from(prepared.update);
  // Same length, so no offset moves: the dictionary says what an old Acrobat's says (ISO 32000-1 § 12.8.3.2).
  const at = update.indexOf("/ETSI.CAdES.detached");
  assert.ok(at > 0);
  update.write("/adbe.x509.rsa_sha1 ", at, "latin1");
  // What such a /Contents holds: a PKCS#1 signature value in a DER OCTET STRING, not a CMS ContentInfo.
  fillHole(update, prepared.holeOffset, Uint8Array.from([0x04, 0x82, 0x01, 0x00, ...randomBytes(256)]));
  const report = await validatePdf(Buffer.concat([pdf, update]), {
    trustAnchors: [{ certificate: pki.root.certificate }],
  });
  const [sig] = report.signatures;
  assert.equal(sig?.subFilter, "adbe.x509.rsa_sha1");
  assert.equal(sig.indication, "TOTAL_FAILED");
  assert.equal(sig.subIndication, "FORMAT_FAILURE");
  assert.match(sig.errors.map(text).join("\n"), /adbe\.x509\.rsa_sha1, a legacy format .* does not support/);
  assert.doesNotMatch(sig.errors.map(text).join("\n"), /bytes after its end/);
});
