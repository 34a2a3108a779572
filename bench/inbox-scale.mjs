// The inbox as envelopes accumulate (issue 14.6): the platform (buildApp, demo federation) on PGlite and on
// PostgreSQL is filled to 1,000, 10,000 and 100,000 envelopes, and at each size the reads a person makes are timed
// through the HTTP API (app.inject, so no socket noise): the inbox's first page (`GET /api/envelopes?limit=20`, all
// three lists), the waiting tab alone, one envelope (`GET /api/envelopes/:id`) and its audit trail. Each read is
// repeated READS times; p50 and p99 per size, and the ratio to the 1,000-envelope figure (the goal: within 2×).
//
// The fill writes the rows the store writes (envelopes with one document, two recipients bound to the JP and SA
// officials, statuses mixed as a ministry's archive is: mostly completed, some in progress, drafts, declined,
// expired), in bulk SQL: creating 100,000 envelopes through the API would take the bench hours and measure the
// signing, not the inbox. The envelope and audit reads use envelopes made through the API, so their events are real.
//
// `node bench/inbox-scale.mjs [--sizes 1000,10000] [--engine pglite|postgres]` runs it alone and prints JSON.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const SIZES = [1000, 10_000, 100_000];
export const READS = 40;
const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432";

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};

async function timed(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return { p50: q(times, 0.5), p99: q(times, 0.99) };
}

/** Adds `count` envelopes (and their recipients) in bulk; `offset` keeps register codes and times distinct. */
async function fill(db, sql, ids, count, offset) {
  const { jpAgency, jpOfficial, saOfficial, sha } = ids;
  // Statuses by position: 70% completed, 10% sent (half waiting for JP, half for SA), 8% draft, 7% declined, 5%
  // expired; created_at spread one minute apart back from a fixed point, so pages have a stable order.
  await sql`
    insert into envelopes (id, agency_id, created_by, title, status, original_sha256, current_sha256, register_code,
      created_at, sent_at, completed_at)
    select gen_random_uuid(), ${jpAgency}::uuid, ${jpOfficial}::uuid, 'Bulk memorandum ' || g,
      case when g % 100 < 70 then 'completed' when g % 100 < 80 then 'sent' when g % 100 < 88 then 'draft'
           when g % 100 < 95 then 'declined' else 'expired' end,
      ${sha}, ${sha}, 'bulk-' || g, timestamptz '2026-01-01' - g * interval '1 minute',
      timestamptz '2026-01-01' - g * interval '1 minute', null
    from generate_series(${offset + 1}::int, ${offset + count}::int) g`.execute(db);
  await sql`
    insert into recipients (id, envelope_id, email, user_id, role, routing_order, status)
    select gen_random_uuid(), e.id, 'official@jp.demo', ${jpOfficial}::uuid, 'signer', 1,
      case when e.status in ('completed', 'declined') then 'signed'
           when e.status = 'sent' and substr(e.register_code, 6)::int % 2 = 0 then 'notified'
           when e.status = 'sent' then 'signed' else 'pending' end
    from envelopes e where e.register_code like 'bulk-%'
      and substr(e.register_code, 6)::int between ${offset + 1}::int and ${offset + count}::int`.execute(db);
  await sql`
    insert into recipients (id, envelope_id, email, user_id, role, routing_order, status)
    select gen_random_uuid(), e.id, 'official@sa.demo', ${saOfficial}::uuid, 'signer', 2,
      case when e.status = 'completed' then 'signed' when e.status = 'declined' then 'declined'
           when e.status = 'sent' and substr(e.register_code, 6)::int % 2 = 1 then 'notified' else 'pending' end
    from envelopes e where e.register_code like 'bulk-%'
      and substr(e.register_code, 6)::int between ${offset + 1}::int and ${offset + count}::int`.execute(db);
  await sql`analyze envelopes`.execute(db);
  await sql`analyze recipients`.execute(db);
}

async function measureEngine(engine, sizes, log) {
  const { buildApp } = await import("../packages/server/dist/src/app.js");
  const { sql } = await import("kysely");
  const dir = mkdtempSync(join(tmpdir(), "khatam-inbox-"));
  let databaseUrl;
  let dropDatabase = async () => {};
  if (engine === "postgres") {
    const name = `khatam_bench_${randomBytes(5).toString("hex")}`;
    const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    databaseUrl = `${PG_URL}/${name}`;
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: `${PG_URL}/postgres` });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const app = await buildApp({
    dataDir: dir,
    databaseUrl,
    publicUrl: "http://127.0.0.1:9",
    demoKeyTypes: { jp: "P-256", sa: "P-256" },
    backgroundJobs: false,
    verifyPerMinute: 1e9,
    protocolPerMinute: 1e9,
  });
  try {
    const db = app.db;
    const login = async (email) =>
      (await app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password: "khatam-demo" } })).json()
        .token;
    const jp = await login("official@jp.demo");
    const sa = await login("official@sa.demo");
    const user = (email) =>
      db.selectFrom("users").select(["id", "agency_id"]).where("email", "=", email).executeTakeFirstOrThrow();
    const jpUser = await user("official@jp.demo");
    const saUser = await user("official@sa.demo");
    const auth = (token) => ({ authorization: `Bearer ${token}` });
    // One envelope through the API (real document, events): the one whose page and audit trail are read.
    const boundary = "khatam-bench";
    const { plainPdf } = await import("../packages/server/dist/test/support/envelopes.js");
    const meta = JSON.stringify({
      title: "Measured memorandum",
      recipients: [
        { email: "official@jp.demo", role: "signer", order: 1 },
        { email: "official@sa.demo", role: "signer", order: 2 },
      ],
    });
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\n\r\n${meta}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      plainPdf(),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const created = await app.inject({
      method: "POST",
      url: "/api/envelopes",
      headers: { ...auth(jp), "content-type": `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    if (created.statusCode !== 201) throw new Error(`create: ${created.statusCode} ${created.body}`);
    const measured = created.json().id;
    await app.inject({ method: "POST", url: `/api/envelopes/${measured}/send`, headers: auth(jp) });
    const { sha } = await db
      .selectFrom("envelopes")
      .select("original_sha256 as sha")
      .where("id", "=", measured)
      .executeTakeFirstOrThrow();
    const ids = { jpAgency: jpUser.agency_id, jpOfficial: jpUser.id, saOfficial: saUser.id, sha };

    const rows = [];
    let filled = 0;
    for (const size of sizes) {
      log(`inbox scale: ${engine}, filling to ${size} envelopes`);
      await fill(db, sql, ids, size - filled, filled);
      filled = size;
      const get = (token, url) => async () => {
        const r = await app.inject({ method: "GET", url, headers: auth(token) });
        if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
      };
      await get(jp, "/api/envelopes?limit=20")(); // warm the plans
      rows.push({
        size,
        inboxJp: await timed(READS, get(jp, "/api/envelopes?limit=20")),
        inboxSa: await timed(READS, get(sa, "/api/envelopes?limit=20")),
        waitingSa: await timed(READS, get(sa, "/api/envelopes?tab=waiting&limit=20")),
        envelope: await timed(READS, get(jp, `/api/envelopes/${measured}`)),
        audit: await timed(READS, get(jp, `/api/envelopes/${measured}/audit`)),
      });
    }
    return rows;
  } finally {
    await app.close();
    await dropDatabase();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both engines; `problems` lists every read slower than twice its 1,000-envelope figure. */
export async function measureInboxScale({ sizes = SIZES, engines = ["pglite", "postgres"], log = () => {} } = {}) {
  const result = { sizes, engines: {}, problems: [] };
  for (const engine of engines) {
    const rows = await measureEngine(engine, sizes, log);
    result.engines[engine] = rows;
    const base = rows[0];
    for (const row of rows.slice(1)) {
      for (const key of ["inboxJp", "inboxSa", "waitingSa", "envelope", "audit"]) {
        // 1 ms of slack: sub-millisecond reads jitter by more than 2× on a shared machine.
        if (row[key].p50 > 2 * base[key].p50 + 1) {
          result.problems.push(
            `inbox scale (${engine}): ${key} p50 ${row[key].p50.toFixed(1)} ms at ${row.size} envelopes, ` +
              `more than 2× its ${base[key].p50.toFixed(1)} ms at ${base.size}`,
          );
        }
      }
    }
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = arg("--sizes")?.split(",").map(Number) ?? SIZES;
  const engines = arg("--engine") ? [arg("--engine")] : ["pglite", "postgres"];
  await import("reflect-metadata");
  const result = await measureInboxScale({ sizes, engines, log: (s) => process.stderr.write(`bench: ${s}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
