import assert from "node:assert/strict";
import { test } from "node:test";
import { sha } from "../src/cms/hash.js";
import { assembleSignedData, signAttributes } from "../src/cms/signed-data.js";
import { generateKey, softwareSigner } from "../src/keys/software.js";
import { createNationalPki } from "../src/pki/national-pki.js";
import { validateCades } from "../src/validation/cades.js";

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
  assert.match(result.errors.join("\n"), /cannot be checked/);
});
