/**
 * Hostile documents against the public verifier and the envelope upload (security issue 9.2): files that name one
 * decompression bomb thousands of times or chain cross-reference streams that each inflate to the limit. They are
 * checked in worker threads within one decode budget per document, so each is refused with a 4xx while `/healthz`
 * keeps answering at once; a deadline and a bounded queue cap what a flood of them can take.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type * as Hostile from "../../core/dist/test/support/hostile-pdfs.js";
import { api, envelopeForm, type Federation, type Platform, seededPlatform } from "./support/envelopes.js";
import { assertRefusal, startApp, temporaryDirectory } from "./support/server.js";

// The hostile files are built by core's test support (this file runs as packages/server/dist/test/…).
const hostile = (await import(
  new URL("../../../core/dist/test/support/hostile-pdfs.js", import.meta.url).href
)) as typeof Hostile;

const post = (url: string, pdf: Uint8Array) =>
  fetch(`${url}/api/verify`, {
    method: "POST",
    headers: { "content-type": "application/pdf" },
    body: new Uint8Array(pdf),
  });

describe("hostile documents are checked off the event loop", () => {
  let platform: Platform;
  let users: Federation;
  const dssBomb = hostile.dssBombPdf(1000);
  const xrefChain = hostile.xrefStreamChainPdf(20);

  before(async () => {
    ({ platform, people: users } = await seededPlatform("pglite"));
  });
  after(() => platform.close());

  it("refuses each with a 4xx while /healthz answers within 100 ms", async () => {
    let checking = true;
    const latencies: number[] = [];
    const probe = (async () => {
      while (checking) {
        const start = performance.now();
        const response = await fetch(`${platform.url}/healthz`);
        await response.arrayBuffer();
        latencies.push(performance.now() - start);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const started = performance.now();
    const answers = await Promise.all([dssBomb, xrefChain, dssBomb, xrefChain].map((pdf) => post(platform.url, pdf)));
    const elapsed = performance.now() - started;
    checking = false;
    await probe;
    for (const answer of answers) {
      const text = await answer.text();
      assert.ok(answer.status < 500, `${answer.status} ${text}`);
    }
    // The DSS bomb is a readable PDF with no signature (a report); the chain exceeds the budget (400 invalid_pdf).
    assert.equal(answers[0]!.status, 200);
    assert.equal(answers[1]!.status, 400);
    latencies.sort((a, b) => a - b);
    const worst = latencies[latencies.length - 1]!;
    assert.ok(latencies.length >= 5, `${latencies.length} probes in ${elapsed.toFixed(0)} ms`);
    const p = (q: number) => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(1);
    console.log(
      `healthz p50 ${p(0.5)} p90 ${p(0.9)} p99 ${p(0.99)} max ${worst.toFixed(1)} ms; ${latencies.length} probes`,
    );
    // The event loop is free (p99 within 100 ms); the worst single probe also absorbs the scheduling of a shared
    // 2-core CI machine running another test file at the same time, hence its looser bound.
    assert.ok(Number(p(0.99)) < 100, `/healthz p99 ${p(0.99)} ms (${latencies.length} probes)`);
    assert.ok(worst < 300, `/healthz took up to ${worst.toFixed(1)} ms (${latencies.length} probes)`);
  });

  it("an envelope upload of a hostile file is refused (400) and nothing is stored", async () => {
    const before = await platform.db
      .selectFrom("envelopes")
      .select((e) => e.fn.countAll().as("n"))
      .executeTakeFirst();
    const response = await api(
      platform,
      users.jpOfficial,
      "POST",
      "/api/envelopes",
      envelopeForm(xrefChain, { title: "Bomb", recipients: [{ email: "official@sa.demo", role: "signer" }] }),
    );
    assert.equal(response.status, 400, await response.clone().text());
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "invalid_pdf");
    const afterwards = await platform.db
      .selectFrom("envelopes")
      .select((e) => e.fn.countAll().as("n"))
      .executeTakeFirst();
    assert.equal(Number(afterwards!.n), Number(before!.n));
  });
});

describe("the document pool's deadline and queue", () => {
  it("stops a document that takes longer than the deadline (422) and keeps serving", async () => {
    const data = temporaryDirectory();
    const app = await startApp(data.path, { documentPool: { threads: 1, deadlineMs: 1 } });
    try {
      const response = await post(app.url, hostile.xrefStreamChainPdf(20));
      await assertRefusal(response, 422, "document_too_complex");
      assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    } finally {
      await app.close();
      data.remove();
    }
  });

  it("answers 503 with Retry-After when the queue is full", async () => {
    const data = temporaryDirectory();
    const app = await startApp(data.path, { documentPool: { threads: 1, maxQueue: 1 } });
    try {
      const pdf = hostile.xrefStreamChainPdf(20);
      const answers = await Promise.all(Array.from({ length: 5 }, () => post(app.url, pdf)));
      const statuses = answers.map((a) => a.status);
      assert.ok(statuses.includes(503), statuses.join(","));
      const busy = answers.find((a) => a.status === 503)!;
      assert.equal(busy.headers.get("retry-after"), "5");
      assert.equal(((await busy.json()) as { error: { code: string } }).error.code, "busy");
      assert.ok(
        statuses.every((s) => s === 400 || s === 503),
        statuses.join(","),
      );
    } finally {
      await app.close();
      data.remove();
    }
  });
});
