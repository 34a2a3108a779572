// validatePdf end to end (ETSI EN 319 102-1 applied to PAdES, CONTRACTS.md § 4): signatures made by other people's
// software (@libpdf/core, @signpdf, poppler, mupdf) and by ours, JP+SA co-signed B-T, B-LTA now and years after the
// signer's certificate expired, every tampered variant with its indication, the report's exact shape and the
// verdict rules.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, test } from "node:test";
import type { PdfRef } from "../src/pdf/objects.js";
import type { TrustAnchor } from "../src/validation/cades.js";
import { en } from "../src/validation/messages/en.js";
import { renderMessage } from "../src/validation/messages.js";
import {
  type ReportFinding,
  type SignatureReport,
  SUB_INDICATIONS,
  type ValidationReport,
  verdictOf,
} from "../src/validation/report.js";
import { validatePdf } from "../src/validation/validate.js";
import { PEER_SIGNERS, plainPdf } from "./support/fixtures.js";
import { text as messageText } from "./support/messages.js";
import { type NationalFixtures, nationalFixtures } from "./support/national.js";
import { append, page, signed, stream, testSigner } from "./support/revisions.js";

const anchors = (...ders: Uint8Array[]): TrustAnchor[] => ders.map((certificate) => ({ certificate }));
const summary = (r: ValidationReport) =>
  JSON.stringify(
    r.signatures.map((s) => [s.field, s.level, s.indication, s.subIndication, s.coverage, s.modifications, s.errors]),
  );
const YEAR = 365.25 * 24 * 3600 * 1000;

let national: NationalFixtures;
/** The self-signed P-256 test signer of support/revisions.ts: its certificate names no revocation service. */
let selfSigned: TrustAnchor[];
/** A one-page PDF signed B-B by that signer. */
let signedOnce: Uint8Array;

before(async () => {
  national = await nationalFixtures();
  selfSigned = anchors((await testSigner()).certificate);
  signedOnce = (await signed(plainPdf())).pdf;
});

// ---------------------------------------------------------------------------------------------------------------
// Report shape (CONTRACTS.md § 4)

const SIGNATURE_FIELDS = [
  "field",
  "type",
  "subFilter",
  "level",
  "signer",
  "claimedSigningTime",
  "timestamp",
  "indication",
  "subIndication",
  "coverage",
  "modifications",
  "chain",
  "revocation",
  "errors",
] as const;

const oneOf = (value: unknown, allowed: readonly unknown[], what: string) =>
  assert.ok(allowed.includes(value), `${what} is ${JSON.stringify(value)}, not one of ${allowed.join("|")}`);
const isIso = (s: unknown, what: string) => {
  assert.equal(typeof s, "string", what);
  assert.ok(!Number.isNaN(Date.parse(s as string)) && /^\d{4}-\d\d-\d\dT/.test(s as string), `${what}: ${s}`);
};

/**
 * The findings extension: each an id of the catalogue with its level, errors first, and rendered in English they are
 * exactly the report's `errors` and `warnings` (one source for both).
 */
function assertFindings(findings: unknown, errors: readonly string[], warnings: readonly string[]): void {
  assert.ok(Array.isArray(findings), "findings is an array");
  const list = findings as ReportFinding[];
  for (const f of list) {
    oneOf(f.level, ["error", "warning"], "finding level");
    assert.ok(f.id in en, `finding id ${f.id} is in the catalogue`);
  }
  assert.deepEqual(
    list.filter((f) => f.level === "error").map((f) => renderMessage(f)),
    errors,
  );
  assert.deepEqual(
    list.filter((f) => f.level === "warning").map((f) => renderMessage(f)),
    warnings,
  );
}

/**
 * Every failed check in the findings says what it yields, a pairing Table 5 allows; the decisive one, the first, is
 * the signature's own indication; changes after the signature carry their modification level instead.
 */
function assertOutcomes(s: SignatureReport): void {
  const failed = s.findings.filter((f) => f.indication !== undefined);
  for (const f of failed) {
    oneOf(f.block, ["FC", "ISC", "CV", "XCV", "SAV"], "finding block");
    assert.ok(f.indication === "TOTAL_FAILED" || f.indication === "INDETERMINATE", f.id);
    assert.ok((SUB_INDICATIONS[f.indication] as readonly string[]).includes(f.subIndication!), `${f.id}: Table 5`);
    assert.equal(f.level, "error");
  }
  if (s.indication === "TOTAL_PASSED") assert.deepEqual(failed, [], "a passed signature has no failed check");
  else {
    assert.ok(failed.length > 0, `${s.indication} says which check failed`);
    assert.equal(failed[0]!.indication, s.indication);
    assert.equal(failed[0]!.subIndication, s.subIndication);
  }
  for (const f of s.findings.filter((f) => f.id.startsWith("mod."))) {
    oneOf(f.modification, ["LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER"], "modification level");
    assert.equal(f.modification === "OTHER", f.level === "error");
  }
}

/** Asserts the JSON form of `report` has every field of CONTRACTS.md § 4 with the right type, and nothing else. */
function assertContractShape(report: ValidationReport, file: Uint8Array): void {
  const json = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
  // The contract's fields, plus file-level warnings when there are any (the contract may be extended).
  assert.deepEqual(
    Object.keys(json)
      .filter((k) => k !== "warnings" && k !== "findings")
      .sort(),
    ["sha256", "signatures", "verdict"],
  );
  if (json.warnings !== undefined) assert.ok(Array.isArray(json.warnings) && json.warnings.length > 0);
  assertFindings(json.findings ?? [], [], (json.warnings ?? []) as string[]);
  oneOf(json.verdict, ["VALID", "INVALID", "INDETERMINATE"], "verdict");
  assert.equal(json.sha256, createHash("sha256").update(file).digest("hex"));
  assert.ok(Array.isArray(json.signatures));
  for (const s of json.signatures as Record<string, unknown>[]) {
    const extra = Object.keys(s).filter((k) => !(SIGNATURE_FIELDS as readonly string[]).includes(k));
    assert.deepEqual(
      extra.filter((k) => k !== "warnings" && k !== "findings"),
      [],
      "only the contract's fields, plus warnings and findings",
    );
    assertFindings(s.findings, s.errors as string[], (s.warnings ?? []) as string[]);
    assertOutcomes(s as unknown as SignatureReport);
    for (const k of SIGNATURE_FIELDS) assert.ok(k in s, `signature report lacks ${k}`);
    assert.equal(typeof s.field, "string");
    oneOf(s.type, ["signature", "document-timestamp"], "type");
    assert.equal(typeof s.subFilter, "string");
    oneOf(s.level, ["B-B", "B-T", "B-LT", "B-LTA", "none"], "level");
    if (s.signer !== null) {
      const signer = s.signer as Record<string, unknown>;
      assert.deepEqual(Object.keys(signer).sort(), ["country", "issuer", "serial", "subject"]);
      assert.equal(typeof signer.subject, "string");
      assert.equal(typeof signer.issuer, "string");
      assert.match(signer.serial as string, /^[0-9a-f]+$/);
      assert.ok(signer.country === null || /^[A-Z]{2}$/.test(signer.country as string), `country ${signer.country}`);
    }
    if (s.claimedSigningTime !== null) isIso(s.claimedSigningTime, "claimedSigningTime");
    if (s.timestamp !== null) {
      const ts = s.timestamp as Record<string, unknown>;
      assert.deepEqual(Object.keys(ts).sort(), ["time", "tsa", "valid"]);
      isIso(ts.time, "timestamp.time");
      assert.equal(typeof ts.tsa, "string");
      assert.equal(typeof ts.valid, "boolean");
    }
    oneOf(s.indication, ["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"], "indication");
    if (s.indication === "TOTAL_PASSED") assert.equal(s.subIndication, null);
    else assert.match(s.subIndication as string, /^[A-Z_]+$/);
    oneOf(s.coverage, ["ENTIRE_FILE", "ENTIRE_REVISION", "PARTIAL"], "coverage");
    oneOf(s.modifications, ["NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER"], "modifications");
    assert.ok(Array.isArray(s.chain));
    for (const c of s.chain as Record<string, unknown>[]) {
      assert.deepEqual(Object.keys(c).sort(), ["subject", "trusted"]);
      assert.equal(typeof c.subject, "string");
      assert.equal(typeof c.trusted, "boolean");
    }
    const rev = s.revocation as Record<string, unknown>;
    assert.deepEqual(Object.keys(rev).sort(), ["source", "status"]);
    oneOf(rev.status, ["good", "revoked", "unknown"], "revocation.status");
    oneOf(rev.source, ["embedded-ocsp", "embedded-crl", "online-ocsp", "online-crl", "none"], "revocation.source");
    assert.ok(Array.isArray(s.errors) && s.errors.every((e) => typeof e === "string"));
    if (s.indication !== "TOTAL_PASSED") assert.ok((s.errors as string[]).length > 0, "a reason is given");
    if ("warnings" in s) assert.ok(Array.isArray(s.warnings) && s.warnings.every((e) => typeof e === "string"));
  }
  assert.equal(json.verdict, verdictOf(report.signatures), "verdict follows the § 4 rules");
}

// ---------------------------------------------------------------------------------------------------------------
// Other people's signatures

describe("signatures made by other implementations", () => {
  for (const [tool, make] of Object.entries(PEER_SIGNERS)) {
    test(`${tool}: TOTAL_PASSED against its own root, NO_CERTIFICATE_CHAIN_FOUND against another country's`, async () => {
      const peer = await make();
      const right = await validatePdf(peer.pdf, { trustAnchors: anchors(peer.rootDer) });
      const wrong = await validatePdf(peer.pdf, {
        trustAnchors: anchors(national.jp.root.certificate, national.sa.root.certificate),
      });
      assertContractShape(right, peer.pdf);
      assertContractShape(wrong, peer.pdf);
      assert.equal(right.signatures.length, 1);
      assert.equal(wrong.signatures.length, 1);
      const [r] = right.signatures as [SignatureReport];
      const [w] = wrong.signatures as [SignatureReport];
      assert.equal(r.signer?.subject, `CN=${peer.signer.friendlyName},O=Khatam Test,C=JP`);
      assert.equal(r.coverage, "ENTIRE_FILE");
      assert.equal(r.modifications, "NONE");
      assert.equal(w.indication, "INDETERMINATE", summary(wrong));
      assert.equal(w.subIndication, "NO_CERTIFICATE_CHAIN_FOUND", summary(wrong));
      assert.equal(wrong.verdict, "INDETERMINATE");
      if (tool === "mutool") {
        // mupdf digests the document with SHA-1. ETSI TS 119 312 withdrew SHA-1 for signatures long before this
        // one was made, and the CMS's own signing-time (today) is after that date, so no proof of existence can
        // rescue it: EN 319 102-1 § 5.3.4 turns SAV's CRYPTO_CONSTRAINTS_FAILURE_NO_POE into INDETERMINATE /
        // CRYPTO_CONSTRAINTS_FAILURE. Not TOTAL_FAILED: the maths verifies; the algorithm is merely too weak.
        assert.equal(r.indication, "INDETERMINATE", summary(right));
        assert.equal(r.subIndication, "CRYPTO_CONSTRAINTS_FAILURE", summary(right));
        assert.ok(
          r.errors.some((e) => /SHA-1/.test(e)),
          summary(right),
        );
        assert.equal(right.verdict, "INDETERMINATE");
      } else {
        assert.equal(r.indication, "TOTAL_PASSED", summary(right));
        assert.equal(right.verdict, "VALID");
        assert.equal(r.chain.at(-1)?.trusted, true);
        assert.equal(r.level, "B-B");
      }
      if (tool === "@signpdf" || tool === "pdfsig") assert.equal(r.subFilter, "adbe.pkcs7.detached");
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Ours: national PKIs

describe("Khatam signatures from the national PKIs", () => {
  test("B-B by a JP official: VALID with online OCSP; TRY_LATER offline; no chain against SA's root", async () => {
    const jpRoot = national.jp.root.certificate;
    const online = await validatePdf(national.bb, {
      trustAnchors: anchors(jpRoot),
      online: { fetch: national.fetch },
    });
    assertContractShape(online, national.bb);
    assert.equal(online.verdict, "VALID", summary(online));
    const [s] = online.signatures as [SignatureReport];
    assert.equal(s.level, "B-B");
    assert.equal(s.subFilter, "ETSI.CAdES.detached");
    assert.equal(s.signer?.country, "JP");
    assert.match(s.signer!.subject, /^CN=Taro Yamada,O=Digital Agency,C=JP$/);
    assert.deepEqual(s.revocation, { status: "good", source: "online-ocsp" });
    assert.deepEqual(
      s.chain.map((c) => c.trusted),
      [false, false, true],
    );
    assert.equal(s.timestamp, null);
    assert.ok(s.claimedSigningTime);

    // The certificate names an OCSP responder; offline with nothing embedded, the answer is "try later".
    const offline = await validatePdf(national.bb, { trustAnchors: anchors(jpRoot) });
    assert.equal(offline.signatures[0]!.indication, "INDETERMINATE");
    assert.equal(offline.signatures[0]!.subIndication, "TRY_LATER");

    const wrong = await validatePdf(national.bb, {
      trustAnchors: anchors(national.sa.root.certificate),
      online: { fetch: national.fetch },
    });
    assert.equal(wrong.signatures[0]!.subIndication, "NO_CERTIFICATE_CHAIN_FOUND", summary(wrong));
    assert.equal(wrong.verdict, "INDETERMINATE");
  });

  test("JP+SA co-signed B-T: both TOTAL_PASSED, the first FORM_FILLING (a later signature), level B-T", async () => {
    const file = national.coSignedBt;
    const report = await validatePdf(file, {
      trustAnchors: anchors(national.jp.root.certificate, national.sa.root.certificate),
      online: { fetch: national.fetch },
    });
    assertContractShape(report, file);
    assert.equal(report.verdict, "VALID", summary(report));
    const [jp, sa] = report.signatures as [SignatureReport, SignatureReport];
    assert.deepEqual([jp.signer?.country, sa.signer?.country], ["JP", "SA"]);
    for (const s of [jp, sa]) {
      assert.equal(s.indication, "TOTAL_PASSED", summary(report));
      assert.equal(s.level, "B-T");
      assert.equal(s.timestamp?.valid, true);
    }
    assert.match(jp.timestamp!.tsa, /Digital Agency Time-Stamping Authority/);
    assert.match(sa.timestamp!.tsa, /MCIT Time-Stamping Authority/);
    assert.equal(jp.coverage, "ENTIRE_REVISION");
    assert.equal(jp.modifications, "FORM_FILLING");
    assert.equal(sa.coverage, "ENTIRE_FILE");
    assert.equal(sa.modifications, "NONE");

    // Trusting only Japan: the JP signature passes, the SA one has no chain — INDETERMINATE overall.
    const jpOnly = await validatePdf(file, {
      trustAnchors: anchors(national.jp.root.certificate),
      online: { fetch: national.fetch },
    });
    assert.deepEqual(
      jpOnly.signatures.map((s) => s.subIndication),
      [null, "NO_CERTIFICATE_CHAIN_FOUND"],
    );
    assert.equal(jpOnly.verdict, "INDETERMINATE");
  });

  test("B-LTA made by extendToLongTerm validates offline now: VALID, both signatures B-LTA", async () => {
    const file = national.bLta;
    const report = await validatePdf(file, {
      trustAnchors: anchors(national.jp.root.certificate, national.sa.root.certificate),
    });
    assertContractShape(report, file);
    assert.equal(report.verdict, "VALID", summary(report));
    assert.deepEqual(
      report.signatures.map((s) => [s.type, s.level, s.indication]),
      [
        ["signature", "B-LTA", "TOTAL_PASSED"],
        ["signature", "B-LTA", "TOTAL_PASSED"],
        ["document-timestamp", "none", "TOTAL_PASSED"],
      ],
    );
    assert.deepEqual(
      report.signatures.map((s) => s.modifications),
      ["FORM_FILLING", "LTA_UPDATES", "NONE"],
    );
    assert.equal(report.signatures[0]!.revocation.source, "embedded-ocsp");
    assert.equal(report.signatures[1]!.revocation.source, "embedded-ocsp");
  });

  test("three years after the signer certificates expired: B-LTA still TOTAL_PASSED, B-B OUT_OF_BOUNDS_NO_POE", async () => {
    const expiry = Math.max(national.jpOfficial.notAfter.getTime(), national.saOfficial.notAfter.getTime());
    assert.ok(expiry < Date.now() + 2 * YEAR, "officials were issued with short validity");
    const validationTime = new Date(expiry + 3 * YEAR);
    const trustAnchors = anchors(national.jp.root.certificate, national.sa.root.certificate);

    const lta = await validatePdf(national.bLta, { trustAnchors, validationTime });
    assertContractShape(lta, national.bLta);
    assert.equal(lta.verdict, "VALID", summary(lta));
    assert.ok(
      lta.signatures.every((s) => s.indication === "TOTAL_PASSED"),
      summary(lta),
    );

    for (const file of [national.bb]) {
      const bb = await validatePdf(file, { trustAnchors, validationTime, online: { fetch: national.fetch } });
      assertContractShape(bb, file);
      const [s] = bb.signatures as [SignatureReport];
      assert.equal(s.indication, "INDETERMINATE", summary(bb));
      assert.equal(s.subIndication, "OUT_OF_BOUNDS_NO_POE", summary(bb));
      assert.ok(
        s.errors.some((e) => /expired/.test(e)),
        summary(bb),
      );
      assert.equal(bb.verdict, "INDETERMINATE");
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Tampering

/** `pdf` with the byte at `at` replaced by `value`. */
function withByte(pdf: Uint8Array, at: number, value: number): Uint8Array {
  const out = new Uint8Array(pdf);
  assert.notEqual(out[at], value);
  out[at] = value;
  return out;
}

/** The last signature dictionary's /ByteRange (as written) and where it is. */
function byteRangeOf(pdf: Uint8Array): { at: number; text: string; values: [number, number, number, number] } {
  const s = Buffer.from(pdf).toString("latin1");
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  const last = [...s.matchAll(re)].at(-1);
  assert.ok(last, "a /ByteRange");
  const text = last[0].slice(last[0].indexOf("["));
  return {
    at: last.index + last[0].indexOf("["),
    text,
    values: last.slice(1, 5).map(Number) as [number, number, number, number],
  };
}

/** `pdf` with the last /ByteRange rewritten to `values`, in the same number of bytes (nothing moves). */
function withByteRange(pdf: Uint8Array, values: number[]): Uint8Array {
  const { at, text } = byteRangeOf(pdf);
  const body = `[${values.join(" ")}`;
  assert.ok(body.length + 1 <= text.length, "fits in place");
  const replacement = `${body.padEnd(text.length - 1, " ")}]`;
  const out = new Uint8Array(pdf);
  out.set(Buffer.from(replacement, "latin1"), at);
  return out;
}

async function expectFailure(
  file: Uint8Array,
  expected: { indication: string; subIndication: string | readonly string[]; coverage?: string },
): Promise<SignatureReport> {
  const report = await validatePdf(file, { trustAnchors: selfSigned });
  assertContractShape(report, file);
  const s = report.signatures.at(-1)!;
  assert.equal(s.indication, expected.indication, summary(report));
  const subs = typeof expected.subIndication === "string" ? [expected.subIndication] : expected.subIndication;
  assert.ok(subs.includes(s.subIndication!), summary(report));
  if (expected.coverage) assert.equal(s.coverage, expected.coverage);
  if (expected.indication === "TOTAL_FAILED") assert.equal(report.verdict, "INVALID");
  return s;
}

describe("tampered files", () => {
  test("the untouched file is VALID (the baseline for every variant below)", async () => {
    const report = await validatePdf(signedOnce, { trustAnchors: selfSigned });
    assertContractShape(report, signedOnce);
    assert.equal(report.verdict, "VALID", summary(report));
  });

  test("one byte of page text changed in the first signed range: TOTAL_FAILED / HASH_FAILURE", async () => {
    const at = Buffer.from(signedOnce).indexOf("Memorandum of cooperation between");
    const [, b] = byteRangeOf(signedOnce).values;
    assert.ok(at > 0 && at < b);
    await expectFailure(withByte(signedOnce, at, "N".charCodeAt(0)), {
      indication: "TOTAL_FAILED",
      subIndication: "HASH_FAILURE",
    });
  });

  test("one byte of the trailer /ID changed in the second signed range: TOTAL_FAILED / HASH_FAILURE", async () => {
    const text = Buffer.from(signedOnce).toString("latin1");
    const id = text.lastIndexOf("/ID [<");
    const [, , c] = byteRangeOf(signedOnce).values;
    assert.ok(id > c);
    const at = id + 6;
    await expectFailure(withByte(signedOnce, at, signedOnce[at] === 0x61 ? 0x62 : 0x61), {
      indication: "TOTAL_FAILED",
      subIndication: "HASH_FAILURE",
    });
  });

  test("a byte of the signature value in /Contents flipped: TOTAL_FAILED / SIG_CRYPTO_FAILURE", async () => {
    const [, b] = byteRangeOf(signedOnce).values;
    // The DER length of the CMS; for a B-B signature (no unsigned attributes) the signature value ends the DER.
    const hex = (i: number) =>
      Number.parseInt(Buffer.from(signedOnce.subarray(b + 1 + 2 * i, b + 3 + 2 * i)).toString(), 16);
    assert.equal(hex(0), 0x30);
    assert.equal(hex(1), 0x82);
    const derLength = 4 + hex(2) * 256 + hex(3);
    const at = b + 1 + 2 * (derLength - 6); // a hex digit of one of the last bytes of the ECDSA value
    const flipped = withByte(signedOnce, at, signedOnce[at] === 0x30 ? 0x31 : 0x30);
    await expectFailure(flipped, { indication: "TOTAL_FAILED", subIndication: "SIG_CRYPTO_FAILURE" });
  });

  test("the first byte of /Contents flipped (not a CMS any more): TOTAL_FAILED / FORMAT_FAILURE", async () => {
    const [, b] = byteRangeOf(signedOnce).values;
    assert.equal(signedOnce[b + 1], "3".charCodeAt(0));
    await expectFailure(withByte(signedOnce, b + 1, "4".charCodeAt(0)), {
      indication: "TOTAL_FAILED",
      subIndication: ["FORMAT_FAILURE", "SIG_CRYPTO_FAILURE"],
    });
  });

  test("a /ByteRange that does not start at 0: TOTAL_FAILED / FORMAT_FAILURE", async () => {
    const [, b, c, d] = byteRangeOf(signedOnce).values;
    const s = await expectFailure(withByteRange(signedOnce, [1, b - 1, c, d]), {
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    assert.ok(
      s.errors.some((e) => /does not start at the beginning/.test(e)),
      s.errors.map(messageText).join("\n"),
    );
  });

  test("a /ByteRange whose gap is not the /Contents string: TOTAL_FAILED / FORMAT_FAILURE", async () => {
    const [a, b, c, d] = byteRangeOf(signedOnce).values;
    for (const values of [
      [a, b, c + 2, d - 2], // the gap swallows two bytes after '>'
      [a, b - 2, c, d], // the gap starts two bytes before '<'
      [a, b + 2, c - 2, d], // the gap is inside the hex string
    ]) {
      const s = await expectFailure(withByteRange(signedOnce, values), {
        indication: "TOTAL_FAILED",
        subIndication: "FORMAT_FAILURE",
      });
      assert.ok(
        s.errors.some((e) => /gap in the \/ByteRange/.test(e)),
        s.errors.map(messageText).join("\n"),
      );
    }
  });

  test("a /ByteRange covering less than its revision: PARTIAL coverage, TOTAL_FAILED / FORMAT_FAILURE", async () => {
    const [a, b, c, d] = byteRangeOf(signedOnce).values;
    const s = await expectFailure(withByteRange(signedOnce, [a, b, c, d - 40]), {
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
      coverage: "PARTIAL",
    });
    assert.ok(
      s.errors.some((e) => /do not end at the end of a revision|signed revision/.test(e)),
      s.errors.map(messageText).join("\n"),
    );
  });

  test("a /ByteRange reaching past the end of the file: TOTAL_FAILED / FORMAT_FAILURE", async () => {
    const [a, b, c, d] = byteRangeOf(signedOnce).values;
    await expectFailure(withByteRange(signedOnce, [a, b, c, d + 100]), {
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
  });

  test("an appended revision that rewrites the page content: signature intact, modifications OTHER, INVALID", async () => {
    const attacked = append(signedOnce, (r, u) => {
      u.set(page(r).dict.get("Contents") as PdfRef, stream({}, "BT /F1 12 Tf 72 720 Td (We owe you nothing) Tj ET"));
    });
    const report = await validatePdf(attacked, { trustAnchors: selfSigned });
    assertContractShape(report, attacked);
    const [s] = report.signatures as [SignatureReport];
    assert.equal(s.indication, "TOTAL_PASSED", "the signed revision itself is untouched");
    assert.equal(s.coverage, "ENTIRE_REVISION");
    assert.equal(s.modifications, "OTHER");
    assert.ok(
      s.errors.some((e) => /changed after signing: .*Contents/.test(e)),
      s.errors.map(messageText).join("\n"),
    );
    assert.equal(report.verdict, "INVALID");
  });

  test("an appended second signature: both TOTAL_PASSED, the first FORM_FILLING, still VALID", async () => {
    const twice = (await signed(signedOnce)).pdf;
    const report = await validatePdf(twice, { trustAnchors: selfSigned });
    assertContractShape(report, twice);
    assert.equal(report.verdict, "VALID", summary(report));
    assert.deepEqual(
      report.signatures.map((s) => [s.coverage, s.modifications]),
      [
        ["ENTIRE_REVISION", "FORM_FILLING"],
        ["ENTIRE_FILE", "NONE"],
      ],
    );
  });

  test("a byte changed in the first of two signatures' range fails both; in the second's only the second", async () => {
    const twice = (await signed(signedOnce)).pdf;
    const early = Buffer.from(twice).indexOf("Memorandum of cooperation between");
    const both = await validatePdf(withByte(twice, early, 0x4e), { trustAnchors: selfSigned });
    assert.deepEqual(
      both.signatures.map((s) => s.subIndication),
      ["HASH_FAILURE", "HASH_FAILURE"],
    );
    const text = Buffer.from(twice).toString("latin1");
    const late = text.lastIndexOf("/ID [<") + 6;
    const second = await validatePdf(withByte(twice, late, twice[late] === 0x61 ? 0x62 : 0x61), {
      trustAnchors: selfSigned,
    });
    assert.deepEqual(
      second.signatures.map((s) => [s.indication, s.subIndication]),
      [
        ["TOTAL_PASSED", null],
        ["TOTAL_FAILED", "HASH_FAILURE"],
      ],
    );
    assert.equal(second.verdict, "INVALID");
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Verdict rules (CONTRACTS.md § 4)

describe("verdict", () => {
  const sig = (indication: SignatureReport["indication"], modifications: SignatureReport["modifications"] = "NONE") =>
    ({ indication, modifications }) as SignatureReport;

  test("VALID only when every signature is TOTAL_PASSED without OTHER; INVALID on any failure or OTHER", () => {
    const cases: [SignatureReport[], string][] = [
      [[sig("TOTAL_PASSED")], "VALID"],
      [[sig("TOTAL_PASSED", "FORM_FILLING"), sig("TOTAL_PASSED", "LTA_UPDATES"), sig("TOTAL_PASSED")], "VALID"],
      [[sig("TOTAL_PASSED", "ANNOTATIONS")], "VALID"],
      [[sig("TOTAL_PASSED", "OTHER")], "INVALID"],
      [[sig("TOTAL_PASSED"), sig("TOTAL_FAILED")], "INVALID"],
      [[sig("INDETERMINATE"), sig("TOTAL_FAILED")], "INVALID"],
      [[sig("INDETERMINATE", "OTHER")], "INVALID"],
      [[sig("TOTAL_PASSED"), sig("INDETERMINATE")], "INDETERMINATE"],
      [[], "INDETERMINATE"],
    ];
    for (const [signatures, verdict] of cases) assert.equal(verdictOf(signatures), verdict, JSON.stringify(signatures));
  });

  test("an unsigned PDF: no signatures, INDETERMINATE, the file's SHA-256", async () => {
    const pdf = plainPdf();
    const report = await validatePdf(pdf, { trustAnchors: selfSigned });
    assertContractShape(report, pdf);
    assert.deepEqual(report.signatures, []);
    assert.equal(report.verdict, "INDETERMINATE");
    assert.deepEqual(report.warnings, ["the document has no signatures"]);
  });
});
