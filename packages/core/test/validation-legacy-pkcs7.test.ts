// Legacy PKCS#7 signatures (adbe.pkcs7.detached) whose SignerInfo has no signed attributes (RFC 5652 § 5.4), as
// old Acrobat and iText write them: the CMS comes from `openssl cms -sign -noattr` over the byte ranges of a
// signature revision we prepared, written into its /Contents hole. validatePdf verifies the signature over the
// signed bytes themselves.

import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { generateKey } from "../src/keys/software.js";
import { prepareExternalSignature } from "../src/pades/external.js";
import { fillHole } from "../src/pades/signature-revision.js";
import { validatePdf } from "../src/validation/validate.js";
import { plainPdf } from "./support/fixtures.js";
import { type NationalFixtures, nationalFixtures } from "./support/national.js";
import { freshDir, type OpensslSigner, opensslCmsSign, opensslSigner } from "./support/tools.js";

let national: NationalFixtures;
let certificate: Uint8Array;
let signer: OpensslSigner;

before(async () => {
  national = await nationalFixtures();
  const { privateKey, publicKey } = await generateKey("P-256");
  certificate = (
    await national.jp.issue("official", {
      spki: publicKey,
      subject: { commonName: "Legacy Signer", organization: "Digital Agency", country: "JP" },
    })
  ).der;
  signer = await opensslSigner(await freshDir("legacy-pkcs7"), "signer", {
    certificate,
    key: privateKey,
    chain: [national.jp.issuing.certificate],
  });
});

/** A PDF with one adbe.pkcs7.detached signature whose CMS openssl made with -noattr over its byte ranges. */
async function legacySigned(): Promise<Uint8Array> {
  const pdf = plainPdf();
  const prepared = await prepareExternalSignature(pdf, {
    certificate,
    chain: [national.jp.issuing.certificate],
    algorithm: { kind: "ecdsa", hash: "SHA-256" },
  });
  const update = Buffer.from(prepared.update);
  // Same length, so no offset moves: the dictionary says what a legacy producer's says.
  const at = update.indexOf("/ETSI.CAdES.detached");
  assert.ok(at > 0);
  update.write("/adbe.pkcs7.detached", at, "latin1");
  const signed = Buffer.concat([pdf, update]);
  const range = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(update.toString("latin1"));
  assert.ok(range);
  const [b, c, d] = [Number(range[2]), Number(range[3]), Number(range[4])];
  await writeFile(join(signer.dir, "content.bin"), Buffer.concat([signed.subarray(0, b), signed.subarray(c, c + d)]));
  fillHole(update, prepared.holeOffset, await opensslCmsSign(signer, "content.bin", "-noattr", "-md", "sha256"));
  return Buffer.concat([pdf, update]);
}

describe("legacy PKCS#7 without signed attributes in a PDF", () => {
  test("validatePdf: TOTAL_PASSED with the legacy warning; tampered signed bytes fail", async () => {
    const signed = await legacySigned();
    const options = {
      trustAnchors: [{ certificate: national.jp.root.certificate }],
      online: { fetch: national.fetch },
    };
    const report = await validatePdf(signed, options);
    const [s] = report.signatures;
    assert.ok(s);
    assert.equal(s.subFilter, "adbe.pkcs7.detached");
    assert.equal(s.indication, "TOTAL_PASSED", JSON.stringify(s.errors));
    assert.ok(
      s.warnings?.includes(
        "no signed attributes: the signing certificate is not bound by the signature (legacy PKCS#7)",
      ),
      JSON.stringify(s.warnings),
    );

    // One byte of the page content, inside the first byte range, changed.
    const tampered = Buffer.from(signed);
    const at = tampered.indexOf("BT");
    assert.ok(at > 0);
    tampered[at + 1] = "X".charCodeAt(0);
    const bad = (await validatePdf(tampered, options)).signatures[0]!;
    assert.equal(bad.indication, "TOTAL_FAILED");
    assert.ok(bad.subIndication === "HASH_FAILURE" || bad.subIndication === "SIG_CRYPTO_FAILURE", bad.subIndication!);
  });
});
