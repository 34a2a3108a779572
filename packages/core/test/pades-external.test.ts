import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";
import { before, describe, test } from "node:test";
import { completeExternalSignature, prepareExternalSignature } from "../src/pades/external.js";
import { createNationalPki, type NationalPki } from "../src/pki/national-pki.js";
import { validatePdf } from "../src/validation/validate.js";
import { plainPdf } from "./support/fixtures.js";
import { pdfsig, qpdfCheck } from "./support/tools.js";

/**
 * A key that never leaves its holder: a non-extractable WebCrypto key (as in the official's browser) signs the
 * signed attributes the platform prepared; the platform completes the signature.
 */
describe("external signatures (device-held keys)", () => {
  let pki: NationalPki;
  let key: CryptoKeyPair;
  let certificate: Uint8Array;

  before(async () => {
    pki = await createNationalPki({
      id: "jp",
      country: "JP",
      organization: "Digital Agency",
      publicUrl: "http://127.0.0.1:9",
    });
    key = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const spki = new Uint8Array(await webcrypto.subtle.exportKey("spki", key.publicKey));
    certificate = (
      await pki.issue("official", { spki, subject: { commonName: "Hanako Sato", organization: "Digital Agency" } })
    ).der;
  });

  const sign = async (data: Uint8Array) =>
    new Uint8Array(await webcrypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key.privateKey, data));

  test("a WebCrypto signature (r||s) over the prepared attributes completes into a valid PAdES signature", async () => {
    assert.equal(key.privateKey.extractable, false);
    const pdf = plainPdf();
    const prepared = await prepareExternalSignature(pdf, {
      certificate,
      chain: [pki.issuing.certificate],
      algorithm: { kind: "ecdsa", hash: "SHA-256" },
      reason: "Approved on my device",
    });
    const update = await completeExternalSignature(prepared, await sign(prepared.signedAttributes));
    const signed = Buffer.concat([pdf, update]);
    const report = await validatePdf(signed, { trustAnchors: [{ certificate: pki.root.certificate }] });
    assert.equal(report.signatures.length, 1);
    assert.equal(
      report.signatures[0]!.subIndication === "TRY_LATER" || report.signatures[0]!.indication === "TOTAL_PASSED",
      true,
    );
    assert.notEqual(report.signatures[0]!.indication, "TOTAL_FAILED");
    const ps = await pdfsig(signed, { trust: [pki.root.certificate] });
    assert.equal(ps.signatures[0]!.validity, "Signature is Valid.");
    assert.equal((await qpdfCheck(signed)).ok, true);
  });

  test("B-T: the completed signature is time-stamped by the country's TSA", async () => {
    const pdf = plainPdf();
    const prepared = await prepareExternalSignature(pdf, {
      certificate,
      chain: [pki.issuing.certificate],
      algorithm: { kind: "ecdsa", hash: "SHA-256" },
      level: "B-T",
    });
    const update = await completeExternalSignature(prepared, await sign(prepared.signedAttributes), {
      timestamp: async (hash, digest) => {
        const { timestampRequest, parseTimestampResponse } = await import("../src/cms/timestamp.js");
        const nonce = Uint8Array.of(1, 2, 3, 4);
        return parseTimestampResponse(await pki.timestamp(timestampRequest(hash, digest, nonce)), digest, nonce).token;
      },
    });
    const report = await validatePdf(Buffer.concat([pdf, update]), {
      trustAnchors: [{ certificate: pki.root.certificate }],
    });
    assert.equal(report.signatures[0]!.level, "B-T");
    assert.equal(report.signatures[0]!.timestamp?.valid, true);
  });

  test("an r||s value that happens to begin with 0x30 (like a DER SEQUENCE) is still read as r||s", async () => {
    const pdf = plainPdf();
    const prepared = await prepareExternalSignature(pdf, {
      certificate,
      chain: [pki.issuing.certificate],
      algorithm: { kind: "ecdsa", hash: "SHA-256" },
    });
    let value = await sign(prepared.signedAttributes);
    for (let i = 0; value[0] !== 0x30 && i < 5000; i++) value = await sign(prepared.signedAttributes);
    assert.equal(value[0], 0x30, "no r||s value beginning with 0x30 in 5000 tries");
    const update = await completeExternalSignature(prepared, value);
    const report = await validatePdf(Buffer.concat([pdf, update]), {
      trustAnchors: [{ certificate: pki.root.certificate }],
    });
    assert.notEqual(report.signatures[0]!.indication, "TOTAL_FAILED");
  });

  test("a value that does not verify with the certificate is refused, and nothing is produced", async () => {
    const pdf = plainPdf();
    const prepared = await prepareExternalSignature(pdf, {
      certificate,
      algorithm: { kind: "ecdsa", hash: "SHA-256" },
    });
    const other = await sign(new TextEncoder().encode("something else"));
    await assert.rejects(completeExternalSignature(prepared, other), /does not verify/);
    const garbage = new Uint8Array(64).fill(7);
    await assert.rejects(completeExternalSignature(prepared, garbage), /does not verify/);
  });
});
