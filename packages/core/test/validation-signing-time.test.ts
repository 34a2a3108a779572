// The time bounds of a signature in ETSI EN 319 102-1 § 5.5.4: a signature time-stamp proves the signature existed
// at its time (an upper bound of the signing time), a content time-stamp (EN 319 122-1 § 5.2.8) proves it was made
// after its time (a lower bound). Back-dating, revocation and expiry are judged against the right bound, and a
// suspension (certificateHold) is never final. Certificates from createNationalPki, time-stamps from its TSA.

import assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { before, describe, test } from "node:test";
import { sha } from "../src/cms/hash.js";
import { assembleSignedData, attribute, OID, type SignedParts, signAttributes } from "../src/cms/signed-data.js";
import { parseTimestampResponse, timestampRequest } from "../src/cms/timestamp.js";
import { generateKey, softwareSigner } from "../src/keys/software.js";
import { createNationalPki, type NationalPki } from "../src/pki/national-pki.js";
import { type CadesValidationInput, validateCades } from "../src/validation/cades.js";
import { ocspRequest } from "../src/validation/revocation.js";
import { Certificate } from "../src/x509/certificate.js";
import { text } from "./support/messages.js";

const CONTENT = new TextEncoder().encode("Memorandum of cooperation — the PDF byte ranges");
const DAY = 24 * 3600 * 1000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

let pki: NationalPki;

interface Signer {
  readonly key: KeyObject;
  readonly certificate: Uint8Array;
  readonly serial: string;
}

/** A signer whose certificate is valid from `issued` days ago (for `options.years`, or until `options.until`). */
async function signer(issued: number, options: { until?: Date } = {}): Promise<Signer> {
  const { privateKey, publicKey } = await generateKey("P-256");
  const cert = await pki.issue("official", {
    spki: publicKey,
    subject: { commonName: `Official ${Math.random().toString(36).slice(2, 8)}` },
    now: ago(issued),
    years: 1,
    notAfter: options.until,
  });
  return { key: privateKey, certificate: cert.der, serial: cert.serial };
}

/** A TSA token over `data` at `at`. */
async function token(data: Uint8Array, at: Date): Promise<Uint8Array> {
  const imprint = sha("SHA-256", data);
  const response = await pki.timestamp(timestampRequest("SHA-256", imprint, Uint8Array.of(9)), at);
  return parseTimestampResponse(response, imprint).token;
}

/** Signs CONTENT, with content time-stamps (signed attributes) taken at `contentStamps` over `stampedContent`. */
async function sign(
  who: Signer,
  options: { contentStamps?: Date[]; stampedContent?: Uint8Array } = {},
): Promise<SignedParts> {
  const extra: Uint8Array[] = [];
  for (const at of options.contentStamps ?? [])
    extra.push(attribute(OID.contentTimeStamp, await token(options.stampedContent ?? CONTENT, at)));
  return signAttributes({
    contentDigest: sha("SHA-256", CONTENT),
    signer: softwareSigner(who.key),
    certificate: who.certificate,
    chain: [pki.issuing.certificate],
    extraSignedAttributes: extra,
  });
}

/** The CMS with a signature time-stamp at each of `at`. */
async function assemble(parts: SignedParts, ...at: Date[]): Promise<Uint8Array> {
  const stamps: Uint8Array[] = [];
  for (const t of at) stamps.push(attribute(OID.signatureTimeStampToken, await token(parts.signature, t)));
  return assembleSignedData(parts, stamps);
}

async function validate(cms: Uint8Array, extra: Partial<CadesValidationInput> = {}) {
  return validateCades({
    cms,
    signedContentDigest: (h) => sha(h, CONTENT),
    kind: "signature",
    trustAnchors: [{ certificate: pki.root.certificate }],
    validationTime: new Date(),
    crls: [await pki.crl()],
    ...extra,
  });
}

before(async () => {
  pki = await createNationalPki({
    id: "jp",
    country: "JP",
    organization: "Digital Agency",
    publicUrl: "https://khatam.example",
    // Long enough ago for the back-dated and expired cases; the OCSP responder certificate (1 year) still valid.
    now: ago(300),
  });
});

describe("back-dating (EN 319 102-1 § 5.5.4 step 4 b)", () => {
  test("a signature time-stamp before the signer certificate's notBefore is TOTAL_FAILED NOT_YET_VALID", async () => {
    const who = await signer(10);
    const parts = await sign(who);
    const r = await validate(await assemble(parts, ago(20)));
    assert.equal(r.timestamp?.valid, true, r.warnings.map(text).join("; "));
    assert.equal(r.indication, "TOTAL_FAILED");
    assert.equal(r.subIndication, "NOT_YET_VALID");
    assert.match(r.errors.map(text)[0]!, /before the signer's certificate was issued/);
  });

  test("the same certificate time-stamped inside its validity is TOTAL_PASSED (the control)", async () => {
    const who = await signer(10);
    const parts = await sign(who);
    const r = await validate(await assemble(parts, ago(5)));
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
  });

  test("a back-dated time-stamp on a certificate that has since expired is still NOT_YET_VALID", async () => {
    const who = await signer(100, { until: ago(50) });
    const parts = await sign(who);
    const r = await validate(await assemble(parts, ago(120)));
    assert.equal(r.indication, "TOTAL_FAILED");
    assert.equal(r.subIndication, "NOT_YET_VALID");
  });
});

describe("revocation against the signature time-stamp (§ 5.5.4 step 4 a)", () => {
  test("revoked one day before the signature time-stamp is INDETERMINATE REVOKED_NO_POE, not REVOKED", async () => {
    const who = await signer(10);
    const parts = await sign(who);
    pki.revoke(who.serial, "keyCompromise", ago(3));
    const r = await validate(await assemble(parts, ago(2)));
    assert.equal(r.timestamp?.valid, true, r.warnings.map(text).join("; "));
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "REVOKED_NO_POE");
    assert.match(
      r.errors.map(text)[0]!,
      /before the signature was proven to exist .*nothing proves it was made before the revocation/,
    );
    assert.deepEqual(r.revocation, { status: "revoked", source: "embedded-crl" });
  });

  test("revoked after the signature time-stamp: TOTAL_PASSED, with a warning", async () => {
    const who = await signer(10);
    const parts = await sign(who);
    pki.revoke(who.serial, "keyCompromise", ago(3));
    const r = await validate(await assemble(parts, ago(4)));
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.ok(r.warnings.map(text).some((w) => /revoked on .* after the signature was proven to exist/.test(w)));
  });
});

describe("content time-stamps: the signature was made after them", () => {
  test("a content time-stamp after the revocation proves signing after it: TOTAL_FAILED REVOKED", async () => {
    const who = await signer(10);
    const parts = await sign(who, { contentStamps: [ago(1)] });
    pki.revoke(who.serial, "keyCompromise", ago(3));
    const r = await validate(assembleSignedData(parts));
    assert.deepEqual(
      r.contentTimestamps.map((t) => t.valid),
      [true],
      r.warnings.map(text).join("; "),
    );
    assert.equal(r.indication, "TOTAL_FAILED");
    assert.equal(r.subIndication, "REVOKED");
    assert.match(r.errors.map(text)[0]!, /content time-stamp proves the signature was made after/);
  });

  test("a content time-stamp before the revocation proves nothing about it: REVOKED_NO_POE", async () => {
    const who = await signer(10);
    const parts = await sign(who, { contentStamps: [ago(5)] });
    pki.revoke(who.serial, "keyCompromise", ago(3));
    const r = await validate(assembleSignedData(parts));
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "REVOKED_NO_POE");
  });

  test("a content time-stamp over other bytes is set aside with a warning: REVOKED_NO_POE", async () => {
    const who = await signer(10);
    const parts = await sign(who, { contentStamps: [ago(1)], stampedContent: new TextEncoder().encode("other") });
    pki.revoke(who.serial, "keyCompromise", ago(3));
    const r = await validate(assembleSignedData(parts));
    assert.deepEqual(
      r.contentTimestamps.map((t) => t.valid),
      [false],
    );
    assert.ok(
      r.warnings.map(text).some((w) => /content time-stamp cannot bound the signing time.*message imprint/.test(w)),
    );
    assert.equal(r.subIndication, "REVOKED_NO_POE");
  });

  test("a content time-stamp after the signer certificate expired: TOTAL_FAILED EXPIRED", async () => {
    const who = await signer(40, { until: ago(5) });
    const parts = await sign(who, { contentStamps: [ago(1)] });
    const r = await validate(assembleSignedData(parts));
    assert.equal(r.indication, "TOTAL_FAILED");
    assert.equal(r.subIndication, "EXPIRED");
    const inside = await validate(assembleSignedData(await sign(who, { contentStamps: [ago(10)] })));
    assert.equal(inside.subIndication, "OUT_OF_BOUNDS_NOT_REVOKED");
  });

  test("a valid content time-stamp before the signature time-stamp passes; one after it is TIMESTAMP_ORDER_FAILURE", async () => {
    const who = await signer(10);
    const inOrder = await sign(who, { contentStamps: [ago(2)] });
    const ok = await validate(await assemble(inOrder, ago(1)));
    assert.equal(ok.indication, "TOTAL_PASSED", ok.errors.map(text).join("; "));
    assert.equal(ok.contentTimestamps.length, 1);
    const reversed = await sign(who, { contentStamps: [ago(1)] });
    const r = await validate(await assemble(reversed, ago(2)));
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "TIMESTAMP_ORDER_FAILURE");
  });
});

describe("suspension (certificateHold, RFC 5280 § 5.3.1)", () => {
  test("on hold per the CRL is INDETERMINATE TRY_LATER, saying the certificate is suspended", async () => {
    const who = await signer(10);
    const cms = assembleSignedData(await sign(who));
    pki.revoke(who.serial, "certificateHold", ago(1));
    const r = await validate(cms);
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "TRY_LATER");
    assert.match(r.errors.map(text)[0]!, /suspended \(certificateHold/);
  });

  test("on hold per OCSP is TRY_LATER too, even with a signature time-stamp after the hold", async () => {
    const who = await signer(10);
    const parts = await sign(who);
    pki.revoke(who.serial, "certificateHold", ago(3));
    const ocsp = await pki.ocspRespond(
      ocspRequest(Certificate.fromDer(who.certificate), Certificate.fromDer(pki.issuing.certificate)),
    );
    const r = await validate(await assemble(parts, ago(1)), { crls: [], ocspResponses: [ocsp] });
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "TRY_LATER");
    assert.match(r.errors.map(text)[0]!, /suspended/);
  });

  test("a hold lifted by a newer CRL no longer counts: TOTAL_PASSED", async () => {
    const who = await signer(10);
    const cms = assembleSignedData(await sign(who));
    const before = await pki.crl({ now: ago(2) });
    pki.revoke(who.serial, "certificateHold", ago(1));
    const held = await pki.crl({ now: ago(1) });
    // The CA lifts the hold (RFC 5280 § 5.3.1): its record loses the entry, and the next CRL no longer lists it.
    const record = pki.certificates().find((c) => c.serial === who.serial)!;
    record.revoked = undefined;
    const lifted = await pki.crl();
    const r = await validate(cms, { crls: [before, held, lifted] });
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
  });
});
