/**
 * `POST /api/verify?policy=…` (docs/api.md, docs/policy.md): the validation policy travels with the PDF, is checked
 * by the route (400 invalid_policy with one line saying what is wrong) and changes the report as it says.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ValidationReport } from "@khatam/core/verify";
import type * as Fixtures from "../../core/dist/test/support/fixtures.js";
import type * as Revisions from "../../core/dist/test/support/revisions.js";
import { type RunningApp, startApp, temporaryDirectory } from "./support/server.js";

// A PDF signed by a self-signed test certificate, which the platform does not trust (core's test support).
const support = (name: string) => new URL(`../../../core/dist/test/support/${name}.js`, import.meta.url).href;
const fixtures = (await import(support("fixtures"))) as typeof Fixtures;
const revisions = (await import(support("revisions"))) as typeof Revisions;

describe("POST /api/verify with a validation policy", () => {
  const dir = temporaryDirectory("khatam-verify-policy-");
  let running: RunningApp;
  let pdf: Uint8Array;
  before(async () => {
    running = await startApp(dir.path, { backgroundJobs: false });
    pdf = (await revisions.signed(fixtures.plainPdf())).pdf;
  });
  after(async () => {
    await running.close();
    dir.remove();
  });

  const verify = (policy?: string) =>
    fetch(`${running.url}/api/verify${policy === undefined ? "" : `?policy=${encodeURIComponent(policy)}`}`, {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body: new Uint8Array(pdf),
    });

  it("without a policy the untrusted signer is INDETERMINATE; with xcv.noPath: WARN the report is VALID", async () => {
    const plain = (await (await verify()).json()) as ValidationReport;
    assert.equal(plain.verdict, "INDETERMINATE");
    assert.equal(plain.signatures[0]!.subIndication, "NO_CERTIFICATE_CHAIN_FOUND");
    assert.deepEqual(
      plain.signatures[0]!.findings.map((f) => [f.level, f.id]),
      [["error", "xcv.noPath"]],
    );

    const answer = await verify(JSON.stringify({ constraints: { "xcv.noPath": "WARN" } }));
    assert.equal(answer.status, 200);
    const lenient = (await answer.json()) as ValidationReport;
    assert.equal(lenient.verdict, "VALID");
    const s = lenient.signatures[0]!;
    assert.equal(s.indication, "TOTAL_PASSED");
    assert.equal(s.subIndication, null);
    assert.deepEqual(
      s.findings.map((f) => [f.level, f.id]),
      [["warning", "xcv.noPath"]],
    );
    assert.match(s.warnings![0]!, /^no certification path from /);
  });

  it("a bad policy is a 400 naming what is wrong", async () => {
    for (const [policy, why] of [
      ["{ constraints", /^policy: .*JSON/],
      [JSON.stringify({ constraints: { "xcv.frobnicate": "WARN" } }), /unknown check id "xcv\.frobnicate"/],
      [JSON.stringify({ constraints: { "xcv.noPath": "SOMETIMES" } }), /must be FAIL, WARN or IGNORE/],
      [JSON.stringify([1, 2]), /JSON object/],
    ] as const) {
      const answer = await verify(policy);
      assert.equal(answer.status, 400, policy);
      const body = (await answer.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "invalid_policy");
      assert.match(body.error.message, why);
      assert.doesNotMatch(body.error.message, /\n/);
    }
    // Beyond the schema's bound (8 KiB, well within an HTTP request line): refused before it is parsed.
    assert.equal((await verify(`{"constraints":{"${"a".repeat(9000)}":"WARN"}}`)).status, 400);
  });
});
