// The platform server under load on 127.0.0.1, once with the embedded database (PGlite) and once with PostgreSQL:
//
// - POST /api/verify: a signed one-page PDF made through the API, replayed by autocannon (CONNECTIONS connections,
//   WARMUP_S + DURATION_S seconds, as the trust-services section). The route is rate-limited (30 per minute and client
//   address); the server is started with KHATAM_VERIFY_RATE_LIMIT raised for the bench (main.ts reads it).
// - The create-send-sign cycle of an envelope: create (multipart: the one-page PDF and meta with one recipient,
//   official@jp.demo, order 1) → send → sign (official@jp.demo's platform-held P-256 key), CYCLES cycles with one
//   client and CYCLES with four at once (after WARM_CYCLES unrecorded ones), each bounded by CYCLE_BUDGET_S seconds.
//   Latency per step and per cycle from the client; the `signingMs` the sign answer and its audit event carry; the
//   server's CPU time per cycle (/proc/PID/stat).
// - The signing engine alone (bench/platform-engine.mjs, its own process, after the PGlite server stopped, on the
//   same data directory): exactly what the server's sign does between loading the document and committing —
//   signWithPlatformKey (B-T, the jp TSA in process) + toLongTerm (B-LT) + toLongTerm (B-LTA: the only signer is
//   the last one) — on the same stamped document with the same key. Server overhead per signature = sign request
//   latency − engine time.
//
// The server: `node packages/server/dist/src/main.js` as a child, temporary KHATAM_DATA, KHATAM_DEMO=1,
// KHATAM_DEMO_KEY_TYPE=P-256, LOG_LEVEL=warn; PostgreSQL: a fresh database on BENCH_PG_URL (default
// postgres://postgres@127.0.0.1:5432), dropped afterwards. The load generator runs in the bench process.
//
// `node bench/platform.mjs --profile [CYCLES] [--postgres]`: the PGlite (or PostgreSQL) server under `node --cpu-prof` for a concurrency-1 cycle
// load only; prints where its time goes (bench/profile-summary.mjs), per cycle.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadRun, startServer, stopProcess } from "./server-process.mjs";

export const CONNECTIONS = 10;
export const DURATION_S = 5;
export const WARMUP_S = 1;
export const CYCLES = Number(process.env.BENCH_PLATFORM_CYCLES ?? 50);
export const WARM_CYCLES = 5;
export const CYCLE_BUDGET_S = 20;
export const ENGINE_RUNS = 30;
const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432";
const USER = { email: "official@jp.demo", password: "khatam-demo" };

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const q = (xs, p) => {
  const s = sorted(xs);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : undefined;
};
const stats = (xs) => ({
  p50: q(xs, 0.5),
  p99: q(xs, 0.99),
  mean: xs.reduce((a, b) => a + b, 0) / (xs.length || 1),
  n: xs.length,
});

/** utime + stime of a process, in ms (clock ticks of 10 ms on Linux). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const psql = (sql) =>
  spawnSync("psql", ["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", `${PG_URL}/postgres`, "-c", sql], {
    encoding: "utf8",
  });

/** Starts the server with the demo (P-256 keys) and the load limits raised; resolves when /healthz answers. */
function startBenchServer({ dir, databaseUrl, nodeArgs = [] }) {
  return startServer({
    dataDir: join(dir, "data"),
    nodeArgs,
    env: {
      KHATAM_DEMO: "1",
      KHATAM_DEMO_KEY_TYPE: "P-256",
      KHATAM_VERIFY_RATE_LIMIT: "100000000",
      KHATAM_PROTOCOL_RATE_LIMIT: "100000000",
      DATABASE_URL: databaseUrl || "",
    },
  });
}

/** A small API client with a bearer token; every call checks its status. */
async function client(base) {
  const call = async (method, path, { body, headers = {}, expect = 200, raw = false } = {}) => {
    const r = await fetch(`${base}${path}`, {
      method,
      body,
      headers: { ...headers, ...(token && { authorization: `Bearer ${token}` }) },
    });
    if (r.status !== expect) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
    return raw ? Buffer.from(await r.arrayBuffer()) : r.json();
  };
  let token;
  token = (
    await call("POST", "/api/auth/login", {
      body: JSON.stringify(USER),
      headers: { "content-type": "application/json" },
    })
  ).token;
  return call;
}

/** The steps of one cycle, each timed; the sign answer's signingMs. */
async function cycle(call, pdf, n) {
  const t = [performance.now()];
  const form = new FormData();
  form.set("file", new Blob([pdf], { type: "application/pdf" }), "doc.pdf");
  form.set(
    "meta",
    JSON.stringify({ title: `Bench envelope ${n}`, recipients: [{ email: USER.email, role: "signer", order: 1 }] }),
  );
  const { id } = await call("POST", "/api/envelopes", { body: form, expect: 201 });
  t.push(performance.now());
  await call("POST", `/api/envelopes/${id}/send`);
  t.push(performance.now());
  const signed = await call("POST", `/api/envelopes/${id}/sign`);
  t.push(performance.now());
  if (signed.status !== "completed") throw new Error(`envelope ${id} is ${signed.status} after signing`);
  return {
    id,
    createMs: t[1] - t[0],
    sendMs: t[2] - t[1],
    signMs: t[3] - t[2],
    cycleMs: t[3] - t[0],
    signingMs: signed.signingMs,
  };
}

/** `count` cycles over `concurrency` clients (stopping early after CYCLE_BUDGET_S); server CPU time per cycle. */
async function cycles(call, pdf, { count, concurrency, pid, label }) {
  const done = [];
  let next = 0;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const until = t0 + CYCLE_BUDGET_S * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < until) done.push(await cycle(call, pdf, `${label}-${next++}`));
    }),
  );
  const wallMs = performance.now() - t0;
  const serverCpuMs = cpuMs(pid) - cpu0;
  const pick = (k) => done.map((c) => c[k]);
  return {
    concurrency,
    cycles: done.length,
    wallMs,
    cyclesPerS: (done.length * 1000) / wallMs,
    serverCpuMsPerCycle: serverCpuMs / done.length,
    cycle: stats(pick("cycleMs")),
    create: stats(pick("createMs")),
    send: stats(pick("sendMs")),
    sign: stats(pick("signMs")),
    signingMs: stats(pick("signingMs")),
    ids: done.map((c) => c.id),
  };
}

function verifyLoad(base, body) {
  const options = {
    url: `${base}/api/verify`,
    method: "POST",
    headers: { "content-type": "application/pdf" },
    body,
    connections: CONNECTIONS,
  };
  return loadRun(options, { warmupS: WARMUP_S, durationS: DURATION_S });
}

/** One database: start, make the documents, verify load, cycle loads, stop. */
async function measureOne({ dir, databaseUrl, pdf, log, problems, label }) {
  const { child, base, startMs } = await startBenchServer({ dir, databaseUrl });
  try {
    const call = await client(base);
    // A signed document for the verify load, and the stamped (unsigned) document the engine measure signs.
    const first = await cycle(call, pdf, `${label}-sample`);
    const signedPdf = await call("GET", `/api/envelopes/${first.id}/document`, { raw: true });
    writeFileSync(join(dir, "signed.pdf"), signedPdf);
    const form = new FormData();
    form.set("file", new Blob([pdf], { type: "application/pdf" }), "doc.pdf");
    form.set(
      "meta",
      JSON.stringify({ title: "Bench envelope base", recipients: [{ email: USER.email, role: "signer", order: 1 }] }),
    );
    const { id: baseId } = await call("POST", "/api/envelopes", { body: form, expect: 201 });
    await call("POST", `/api/envelopes/${baseId}/send`);
    writeFileSync(join(dir, "stamped.pdf"), await call("GET", `/api/envelopes/${baseId}/document`, { raw: true }));

    const sample = await (
      await fetch(`${base}/api/verify`, {
        method: "POST",
        headers: { "content-type": "application/pdf" },
        body: signedPdf,
      })
    ).json();
    const level = sample.signatures?.map((s) => (s.type === "signature" ? s.level : "document time-stamp")).join(" + ");
    const check = { verdict: sample.verdict, level, bytes: signedPdf.length, signatures: sample.signatures?.length };
    if (sample.verdict !== "VALID")
      problems.push(`platform (${label}): the signed sample verifies as ${sample.verdict}`);

    log(`platform (${label}): POST /api/verify load (${CONNECTIONS} connections, ${WARMUP_S}+${DURATION_S} s)`);
    const verify = await verifyLoad(base, signedPdf);
    if (verify.non2xx || verify.errors || verify.timeouts)
      problems.push(
        `platform (${label}): verify load: ${verify.non2xx} non-2xx, ${verify.errors} errors, ${verify.timeouts} timeouts`,
      );

    log(`platform (${label}): create-send-sign, ${WARM_CYCLES} warm-up + ${CYCLES} cycles at concurrency 1, then 4`);
    await cycles(call, pdf, { count: WARM_CYCLES, concurrency: 1, pid: child.pid, label: `${label}-warm` });
    const c1 = await cycles(call, pdf, { count: CYCLES, concurrency: 1, pid: child.pid, label: `${label}-c1` });
    const c4 = await cycles(call, pdf, { count: CYCLES, concurrency: 4, pid: child.pid, label: `${label}-c4` });
    // The signingMs of the audit events (envelope signed, before its commit) of the concurrency-1 run.
    const audit = [];
    for (const id of c1.ids) {
      const trail = await call("GET", `/api/envelopes/${id}/audit`);
      const ev = trail.events.find((e) => e.type === "signed");
      if (ev?.details?.signingMs !== undefined) audit.push(ev.details.signingMs);
      if (ev?.details?.level !== "B-LTA")
        problems.push(`platform (${label}): envelope ${id} signed at ${ev?.details?.level}`);
    }
    for (const c of [c1, c4]) {
      delete c.ids;
      if (c.cycles < CYCLES)
        problems.push(
          `platform (${label}): ${c.cycles}/${CYCLES} cycles at concurrency ${c.concurrency} in ${CYCLE_BUDGET_S} s`,
        );
    }
    const rssKb = Number(/VmHWM:\s*(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]) || undefined;
    return { base, startMs, rssKb, check, verify, c1, c4, auditSigningMs: stats(audit) };
  } finally {
    await stopProcess(child);
  }
}

/** The engine figures (bench/platform-engine.mjs) on a stopped server's data directory. */
function engine(dir, publicUrl) {
  const r = spawnSync(
    "node",
    [
      "bench/platform-engine.mjs",
      join(dir, "data"),
      publicUrl,
      join(dir, "stamped.pdf"),
      USER.email,
      String(ENGINE_RUNS),
    ],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`platform-engine failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}

export async function measurePlatform({ work, pdfFile, log }) {
  const root = resolve(work, "platform");
  rmSync(root, { recursive: true, force: true });
  const pdf = readFileSync(pdfFile);
  const problems = [];
  const result = {
    settings: {
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      cycles: CYCLES,
      warmCycles: WARM_CYCLES,
      budgetS: CYCLE_BUDGET_S,
      engineRuns: ENGINE_RUNS,
    },
    problems,
  };

  const pgliteDir = join(root, "pglite");
  mkdirSync(pgliteDir, { recursive: true });
  result.pglite = await measureOne({ dir: pgliteDir, pdf, log, problems, label: "pglite" });
  log("platform: signing engine alone (in-process, the PGlite server's data directory)");
  result.engine = engine(pgliteDir, result.pglite.base);

  const dbName = `khatam_bench_${process.pid}`;
  const created = psql(`CREATE DATABASE ${dbName}`);
  if (created.status !== 0) {
    problems.push(
      `platform: PostgreSQL at ${PG_URL} not usable, skipped: ${(created.stderr || created.error?.message || "").trim()}`,
    );
  } else {
    const pgDir = join(root, "postgres");
    mkdirSync(pgDir, { recursive: true });
    try {
      result.postgres = await measureOne({
        dir: pgDir,
        databaseUrl: `${PG_URL}/${dbName}`,
        pdf,
        log,
        problems,
        label: "postgres",
      });
      result.postgres.database = `${PG_URL}/${dbName} (dropped afterwards)`;
      result.postgres.version = psql("SHOW server_version").stdout?.trim();
    } finally {
      const dropped = psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      if (dropped.status !== 0) problems.push(`platform: could not drop ${dbName}: ${dropped.stderr.trim()}`);
    }
  }
  for (const db of ["pglite", "postgres"]) {
    const r = result[db];
    if (!r) continue;
    // Overhead per signature: the sign request at concurrency 1 (client-measured) minus the engine's time.
    r.overheadMs = r.c1.sign.p50 - result.engine.engineMs.p50;
    r.cycleOverheadMs = r.c1.cycle.p50 - result.engine.engineMs.p50;
    r.cpuOverheadMs = r.c1.serverCpuMsPerCycle - result.engine.engineCpuMs;
  }
  return result;
}

// --- `node bench/platform.mjs --profile [CYCLES]` -------------------------------------------------------------
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "--profile") {
  const bench = dirname(fileURLToPath(import.meta.url));
  process.chdir(dirname(bench));
  const { summarizeProfile } = await import("./profile-summary.mjs");
  const count = Number(process.argv.slice(3).find((a) => /^\d+$/.test(a)) ?? 100);
  const dir = resolve("bench/work/platform-profile");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const profDir = join(dir, "prof");
  const pg = process.argv.includes("--postgres");
  const dbName = `khatam_bench_prof_${process.pid}`;
  if (pg && psql(`CREATE DATABASE ${dbName}`).status !== 0) throw new Error(`cannot create ${dbName} on ${PG_URL}`);
  let child;
  let c1;
  try {
    let base;
    ({ child, base } = await startBenchServer({
      dir,
      databaseUrl: pg ? `${PG_URL}/${dbName}` : undefined,
      nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-interval", "200"],
    }));
    const call = await client(base);
    const pdf = readFileSync("bench/work/small/doc-001.pdf");
    await cycles(call, pdf, { count: WARM_CYCLES, concurrency: 1, pid: child.pid, label: "warm" });
    c1 = await cycles(call, pdf, { count, concurrency: 1, pid: child.pid, label: "c1" });
  } finally {
    if (child) await stopProcess(child);
    if (pg) psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
  console.log(
    `${pg ? "PostgreSQL" : "PGlite"}: ${c1.cycles} cycles at concurrency 1: ${c1.cyclesPerS.toFixed(1)} cycles/s, sign p50 ${c1.sign.p50.toFixed(1)} ms, server CPU ${c1.serverCpuMsPerCycle.toFixed(1)} ms/cycle`,
  );
  console.log(
    `(the profile covers the server's whole life: start-up, demo seeding, ${WARM_CYCLES} warm-up and ${count} measured cycles)`,
  );
  const file = join(
    profDir,
    readdirSync(profDir).find((f) => f.endsWith(".cpuprofile")),
  );
  const per = count + WARM_CYCLES + 1;
  const { inclusive } = summarizeProfile(file, { top: 30, perUnit: per, unit: "cycle" });
  console.log("\nInclusive time, Khatam's own functions (packages/)");
  for (const [k, us] of [...inclusive]
    .filter(([k]) => k.startsWith("packages/"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 40))
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${(us / 1000 / per).toFixed(2).padStart(7)} ms/cycle  ${k}`);
}
