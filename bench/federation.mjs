// Co-signing across two sovereign instances on 127.0.0.1 (issue 12), beside the same co-signing on one instance:
//
// - single instance: one server hosting both countries (KHATAM_INSTANCE unset); a cycle is create (official@jp.demo,
//   recipients official@jp.demo order 1 and official@sa.demo order 2) → send → JP signs → SA signs → completed.
// - two instances: `jp` and `sa` as two server processes (KHATAM_INSTANCE, each its own data directory and embedded
//   database), peered both ways through the API; a cycle is create on jp (official@sa.demo with instance sa) → send
//   → JP signs on jp → [offer delivered to sa] → the copy appears in the SA official's inbox → SA signs on sa →
//   [signed revision delivered back and checked on jp] → completed on jp. Both outboxes are polled every
//   OUTBOX_INTERVAL_MS (KHATAM_OUTBOX_INTERVAL_MS), which bounds how long a message waits before it leaves.
// - the protocol alone, in this process: an RFC 9421 request signature (instance key, P-256) made and checked over a
//   one-page document's offer, SIGN_RUNS times.
//
// Cycles run one at a time (CYCLES after WARM_CYCLES unrecorded), each step timed from the client. Overhead per hop =
// (cross-instance cycle − single-instance cycle) / 2 (the offer and the return are on the critical path; the final
// document's trip to the partner is not).
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sleep, startServer, stopProcess } from "./server-process.mjs";

export const CYCLES = Number(process.env.BENCH_FEDERATION_CYCLES ?? 15);
export const WARM_CYCLES = 2;
export const OUTBOX_INTERVAL_MS = 50;
export const SIGN_RUNS = 200;
const PASSWORD = "khatam-demo";

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : undefined;
};
const stats = (xs) => ({ p50: q(xs, 0.5), p99: q(xs, 0.99), n: xs.length });

/** A demo server (P-256 keys, the admin token, a short outbox interval) on `dir`, with `env` on top. */
async function start(dir, env) {
  mkdirSync(dir, { recursive: true });
  return startServer({
    dataDir: dir,
    env: {
      KHATAM_DEMO: "1",
      KHATAM_DEMO_KEY_TYPE: "P-256",
      KHATAM_ADMIN_TOKEN: "bench-admin-token-0123456789",
      KHATAM_OUTBOX_INTERVAL_MS: String(OUTBOX_INTERVAL_MS),
      KHATAM_PROTOCOL_RATE_LIMIT: "100000000",
      DATABASE_URL: "",
      ...env,
    },
  });
}

const stop = (server) => stopProcess(server.child);

/** An API client signed in as `email` (or with the admin token). */
async function client(base, email) {
  let token = "bench-admin-token-0123456789";
  const call = async (method, path, { body, json, expect = 200 } = {}) => {
    const r = await fetch(`${base}${path}`, {
      method,
      body: json ? JSON.stringify(json) : body,
      headers: { authorization: `Bearer ${token}`, ...(json && { "content-type": "application/json" }) },
    });
    if (r.status !== expect) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
    return r.json();
  };
  if (email) {
    const r = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    token = (await r.json()).token;
  }
  return call;
}

const form = (pdf, meta) => {
  const f = new FormData();
  f.set("file", new Blob([pdf], { type: "application/pdf" }), "doc.pdf");
  f.set("meta", JSON.stringify(meta));
  return f;
};

async function until(check, label, budgetMs = 30_000) {
  const end = performance.now() + budgetMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > end) throw new Error(`${label}: not within ${budgetMs} ms`);
    await sleep(5);
  }
}

async function singleCycles(pdf, dir) {
  const server = await start(join(dir, "single"), {});
  try {
    const jp = await client(server.base, "official@jp.demo");
    const sa = await client(server.base, "official@sa.demo");
    const samples = [];
    for (let i = 0; i < WARM_CYCLES + CYCLES; i++) {
      const t0 = performance.now();
      const { id } = await jp("POST", "/api/envelopes", {
        body: form(pdf, {
          title: `Single ${i}`,
          recipients: [
            { email: "official@jp.demo", role: "signer", order: 1 },
            { email: "official@sa.demo", role: "signer", order: 2 },
          ],
        }),
        expect: 201,
      });
      await jp("POST", `/api/envelopes/${id}/send`);
      await jp("POST", `/api/envelopes/${id}/sign`);
      const done = await sa("POST", `/api/envelopes/${id}/sign`);
      if (done.status !== "completed") throw new Error(`single cycle: ${done.status}`);
      if (i >= WARM_CYCLES) samples.push(performance.now() - t0);
    }
    return samples;
  } finally {
    await stop(server);
  }
}

async function crossCycles(pdf, dir) {
  const jpServer = await start(join(dir, "jp"), { KHATAM_INSTANCE: "jp" });
  const saServer = await start(join(dir, "sa"), { KHATAM_INSTANCE: "sa" });
  try {
    for (const [from, to, id] of [
      [jpServer, saServer, "sa"],
      [saServer, jpServer, "jp"],
    ]) {
      const identity = await (await fetch(`${to.base}/federation/v1/identity`)).json();
      await (await client(from.base))("POST", "/api/admin/peers", {
        json: { instance: id, url: to.base, keyFingerprint: identity.keyFingerprint },
        expect: 201,
      });
    }
    const jp = await client(jpServer.base, "official@jp.demo");
    const sa = await client(saServer.base, "official@sa.demo");
    const samples = [];
    const steps = { offerMs: [], returnMs: [] };
    for (let i = 0; i < WARM_CYCLES + CYCLES; i++) {
      const title = `Cross ${i}`;
      const t0 = performance.now();
      const { id } = await jp("POST", "/api/envelopes", {
        body: form(pdf, {
          title,
          recipients: [
            { email: "official@jp.demo", role: "signer", order: 1 },
            { email: "official@sa.demo", role: "signer", order: 2, instance: "sa" },
          ],
        }),
        expect: 201,
      });
      await jp("POST", `/api/envelopes/${id}/send`);
      await jp("POST", `/api/envelopes/${id}/sign`);
      const t1 = performance.now();
      const copy = await until(
        async () => (await sa("GET", "/api/envelopes")).waiting.find((e) => e.title === title),
        "offer",
      );
      const t2 = performance.now();
      await sa("POST", `/api/envelopes/${copy.id}/sign`);
      const t3 = performance.now();
      await until(async () => (await jp("GET", `/api/envelopes/${id}`)).status === "completed", "return");
      const t4 = performance.now();
      if (i >= WARM_CYCLES) {
        samples.push(t4 - t0);
        steps.offerMs.push(t2 - t1);
        steps.returnMs.push(t4 - t3);
      }
    }
    return { samples, steps };
  } finally {
    await stop(jpServer);
    await stop(saServer);
  }
}

/** RFC 9421: sign and verify an offer of `pdf` with a P-256 instance key, in this process. */
async function signatureCost(pdf) {
  const { generateKeyPairSync } = await import("node:crypto");
  const { softwareSigner } = await import("../packages/core/dist/src/keys.js");
  const { signRequest, verifyMessage, keyFingerprint } = await import(
    "../packages/server/dist/src/federation/message-signatures.js"
  );
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  const key = { id: "jp", key: { signer: softwareSigner(privateKey) }, publicKey: spki };
  const body = Buffer.from(JSON.stringify({ document: Buffer.from(pdf).toString("base64") }));
  const url = "http://127.0.0.1:1/federation/v1/offers";
  const times = [];
  for (let i = 0; i < SIGN_RUNS; i++) {
    const t0 = performance.now();
    const headers = await signRequest(
      key,
      "POST",
      url,
      { "content-type": "application/json", "idempotency-key": `k${i}`, "khatam-to": "sa" },
      body,
    );
    await verifyMessage({ method: "POST", url }, headers, body, (fp) =>
      fp === keyFingerprint(spki) ? spki : undefined,
    );
    times.push(performance.now() - t0);
  }
  return { ...stats(times.slice(20)), bodyBytes: body.length };
}

export async function measureFederation({ work, pdf, log }) {
  const dir = join(work, "federation");
  rmSync(dir, { recursive: true, force: true }); // fresh instances each run: no partner pinned from the last one
  log(`  single instance: ${CYCLES} co-signing cycles (JP then SA)`);
  const single = await singleCycles(pdf, dir);
  log(`  two instances (jp, sa): ${CYCLES} co-signing cycles, outbox polled every ${OUTBOX_INTERVAL_MS} ms`);
  const cross = await crossCycles(pdf, dir);
  log(`  RFC 9421 request signature: ${SIGN_RUNS} sign + verify`);
  const signature = await signatureCost(pdf);
  const singleStats = stats(single);
  const crossStats = stats(cross.samples);
  return {
    settings: { cycles: CYCLES, outboxIntervalMs: OUTBOX_INTERVAL_MS },
    single: { ...singleStats, cyclesPerS: 1000 / singleStats.p50 },
    cross: {
      ...crossStats,
      cyclesPerS: 1000 / crossStats.p50,
      offer: stats(cross.steps.offerMs),
      return: stats(cross.steps.returnMs),
    },
    overheadPerHopMs: (crossStats.p50 - singleStats.p50) / 2,
    signature,
    problems: [],
  };
}
