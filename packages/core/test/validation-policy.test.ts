/**
 * Checks as data and the validation policy (issue 11.3): the sub-indications of EN 319 102-1 Table 5 each pair with
 * the indications the table allows and no other, every check id has its text in en/ar/ja, and a policy that makes a
 * failing check a warning (or a warning a failure) changes the indication as it says.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { TrustAnchor } from "../src/validation/cades.js";
import { decisive, failure } from "../src/validation/checks.js";
import { ar } from "../src/validation/messages/ar.js";
import { en } from "../src/validation/messages/en.js";
import { ja } from "../src/validation/messages/ja.js";
import { message, renderMessage } from "../src/validation/messages.js";
import { applyPolicy, checkIds, DEFAULT_POLICY, PolicyError, parsePolicy } from "../src/validation/policy.js";
import { isLegalPairing, outcomeOf, type SignatureReport, SUB_INDICATIONS } from "../src/validation/report.js";
import { validatePdf } from "../src/validation/validate.js";
import { plainPdf } from "./support/fixtures.js";
import { addDss, append, signed, testSigner } from "./support/revisions.js";

describe("EN 319 102-1 Table 5", () => {
  test("each indication lists its sub-indications once; only EXPIRED and NOT_YET_VALID are under both", () => {
    for (const list of Object.values(SUB_INDICATIONS)) assert.equal(new Set(list).size, list.length);
    const both = SUB_INDICATIONS.TOTAL_FAILED.filter((s) =>
      (SUB_INDICATIONS.INDETERMINATE as readonly string[]).includes(s),
    );
    assert.deepEqual([...both].sort(), ["EXPIRED", "NOT_YET_VALID"]);
  });

  test("the indication follows from the sub-indication; a shared one needs it said; an illegal pairing is refused", () => {
    assert.deepEqual(outcomeOf("HASH_FAILURE"), { indication: "TOTAL_FAILED", subIndication: "HASH_FAILURE" });
    assert.deepEqual(outcomeOf("TRY_LATER"), { indication: "INDETERMINATE", subIndication: "TRY_LATER" });
    assert.deepEqual(outcomeOf("EXPIRED", "INDETERMINATE"), { indication: "INDETERMINATE", subIndication: "EXPIRED" });
    assert.deepEqual(failure("CV", "SIG_CRYPTO_FAILURE", message("cv.signatureFailure")), {
      block: "CV",
      indication: "TOTAL_FAILED",
      subIndication: "SIG_CRYPTO_FAILURE",
      id: "cv.signatureFailure",
    });
    // TRY_LATER is not a sub-indication of TOTAL_FAILED: the pairing does not compile.
    const pairing = { indication: "TOTAL_FAILED", subIndication: "TRY_LATER" } as const;
    // @ts-expect-error
    const illegal = () => failure("XCV", pairing, message("ts.invalid"));
    assert.equal(typeof illegal, "function");
    // NOT_YET_VALID is under both indications: the check must say which.
    // @ts-expect-error
    const unsaid = () => outcomeOf("NOT_YET_VALID");
    assert.equal(typeof unsaid, "function");
    // HASH_FAILURE is only TOTAL_FAILED: no indication may be given, and a wrong one given anyway is refused.
    // @ts-expect-error
    assert.throws(() => outcomeOf("HASH_FAILURE", "INDETERMINATE"), /not a sub-indication of INDETERMINATE/);
    assert.equal(isLegalPairing("TOTAL_FAILED", "REVOKED"), true);
    assert.equal(isLegalPairing("INDETERMINATE", "REVOKED"), false);
    assert.equal(isLegalPairing("TOTAL_PASSED", null), true);
    assert.equal(isLegalPairing("TOTAL_PASSED", "HASH_FAILURE"), false);
  });
});

describe("the check catalogue", () => {
  test("every check id a policy may name has its text in en, ar and ja", () => {
    const ids = checkIds();
    assert.ok(ids.length > 80, `${ids.length} check ids`);
    for (const id of ids)
      for (const catalogue of [en, ar, ja] as Record<string, string>[]) assert.ok(catalogue[id]?.trim(), id);
    // Parts of messages (roles, locators) and the modification analysis are not checks.
    assert.ok(!ids.includes("role.signerCertificate" as never));
    assert.ok(!ids.includes("mod.changed" as never));
  });
});

describe("the validation policy", () => {
  test("parsePolicy: the default is empty; unknown ids, levels and fields are refused with one line", () => {
    assert.deepEqual(parsePolicy({}), { constraints: {} });
    assert.deepEqual(DEFAULT_POLICY.constraints, {});
    assert.deepEqual(parsePolicy({ constraints: { "xcv.noPath": "WARN" } }), { constraints: { "xcv.noPath": "WARN" } });
    for (const [bad, why] of [
      [[], /JSON object/],
      [{ constraints: { "xcv.nope": "WARN" } }, /unknown check id "xcv.nope"/],
      [{ constraints: { "mod.changed": "WARN" } }, /unknown check id "mod.changed"/],
      [{ constraints: { "xcv.noPath": "warn" } }, /must be FAIL, WARN or IGNORE/],
      [{ constraints: [] }, /"constraints" must be an object/],
      [{ levels: {} }, /unknown policy field "levels"/],
    ] as const) {
      assert.throws(
        () => parsePolicy(bad),
        (e: unknown) => e instanceof PolicyError && why.test(e.message) && !e.message.includes("\n"),
      );
    }
  });

  test("applyPolicy: WARN demotes, IGNORE drops, FAIL promotes a warning to SIG_CONSTRAINTS_FAILURE", () => {
    const hash = failure("CV", "HASH_FAILURE", message("cv.hashFailure"));
    const noPath = failure("XCV", "NO_CERTIFICATE_CHAIN_FOUND", message("xcv.noPath", { subject: "a", issuer: "b" }));
    const note = message("fc.signingTimeAttribute");
    const none = applyPolicy([hash, noPath], [note], DEFAULT_POLICY);
    assert.deepEqual(none, { failures: [hash, noPath], warnings: [note] });
    const r = applyPolicy([hash, noPath], [note], {
      constraints: { "cv.hashFailure": "IGNORE", "xcv.noPath": "WARN", "fc.signingTimeAttribute": "FAIL" },
    });
    assert.deepEqual(r.warnings, [{ id: "xcv.noPath", params: { subject: "a", issuer: "b" } }]);
    assert.equal(r.failures.length, 1);
    assert.deepEqual(decisive(r.failures), {
      block: "SAV",
      indication: "INDETERMINATE",
      subIndication: "SIG_CONSTRAINTS_FAILURE",
      id: "fc.signingTimeAttribute",
    });
  });

  let pdf: Uint8Array;
  let anchors: TrustAnchor[];
  before(async () => {
    pdf = (await signed(plainPdf())).pdf;
    anchors = [{ certificate: (await testSigner()).certificate }];
  });
  const ids = (s: SignatureReport) => s.findings.map((f) => `${f.level} ${f.id}`);

  test("a failing constraint made a warning: an untrusted signer passes, the reason kept as a warning", async () => {
    const strict = await validatePdf(pdf, { trustAnchors: [] });
    assert.equal(strict.signatures[0]!.subIndication, "NO_CERTIFICATE_CHAIN_FOUND");
    assert.deepEqual(ids(strict.signatures[0]!), ["error xcv.noPath"]);
    const lenient = await validatePdf(pdf, { trustAnchors: [], policy: { constraints: { "xcv.noPath": "WARN" } } });
    const s = lenient.signatures[0]!;
    assert.equal(lenient.verdict, "VALID");
    assert.equal(s.indication, "TOTAL_PASSED");
    assert.equal(s.subIndication, null);
    assert.deepEqual(ids(s), ["warning xcv.noPath"]);
    assert.deepEqual(s.warnings, [renderMessage(s.findings[0]!)]);
    assert.deepEqual(s.errors, []);
    const ignored = await validatePdf(pdf, { trustAnchors: [], policy: { constraints: { "xcv.noPath": "IGNORE" } } });
    assert.deepEqual(ids(ignored.signatures[0]!), []);
  });

  test("a warning made a failure: an unreadable DSS certificate makes the signature INDETERMINATE", async () => {
    const withDss = append(pdf, (r, u) => addDss(r, u, new Uint8Array([0x30, 3, 1, 2, 3])));
    const lenient = await validatePdf(withDss, { trustAnchors: anchors });
    assert.equal(lenient.signatures[0]!.indication, "TOTAL_PASSED");
    assert.ok(ids(lenient.signatures[0]!).includes("warning warn.unreadableCertificate"));
    const strict = await validatePdf(withDss, {
      trustAnchors: anchors,
      policy: { constraints: { "warn.unreadableCertificate": "FAIL" } },
    });
    const s = strict.signatures[0]!;
    assert.equal(strict.verdict, "INDETERMINATE");
    assert.equal(s.indication, "INDETERMINATE");
    assert.equal(s.subIndication, "SIG_CONSTRAINTS_FAILURE");
    assert.equal(s.findings[0]!.id, "warn.unreadableCertificate");
    assert.equal(s.findings[0]!.level, "error");
    assert.equal(s.errors[0], renderMessage(s.findings[0]!));
    assert.ok(isLegalPairing(s.indication, s.subIndication));
  });
});
