/**
 * Opening the platform database: PostgreSQL when `DATABASE_URL` is set, otherwise PGlite (PostgreSQL compiled to
 * WebAssembly) in `$KHATAM_DATA/db`. One schema and one query layer (Kysely) for both, so what the tests prove on
 * one holds on the other; the tests run against both.
 *
 * Durability: PGlite writes its WAL through the file system on every commit, so an acknowledged transaction
 * survives `kill -9` of the process; PostgreSQL as configured by its operator.
 */
import { cpSync, existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import { distDirectory } from "../dist-directory.js";
import { MIGRATIONS } from "./migrations.js";
import type { Database } from "./schema.js";

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface OpenedDatabase {
  readonly db: Db;
  /**
   * For single statements made while a transaction of `db` may be in progress in the same flow of work (the trust
   * services write their state and keys from within, e.g., the demo seed's transaction): on PostgreSQL `db` itself
   * (another pooled connection); on PGlite, whose one session `db` serialises transaction by transaction, a second
   * query layer on the same session, whose statements run at once — inside the transaction in progress, if any, so
   * that they commit or roll back with it — instead of waiting for it forever.
   */
  readonly unqueued: Db;
  readonly engine: "pglite" | "postgres";
  close(): Promise<void>;
}

/**
 * The embedded database's settings. shared_buffers is 16 MB rather than PostgreSQL's 128 MB: PGlite's memory is the
 * largest part of the server's, and one platform's working set fits (the data stay on disk; the OS caches them).
 */
export const PGLITE_OPTIONS = {
  startParams: [
    ...((PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? []),
    "-c",
    "shared_buffers=16MB",
  ],
};

/**
 * For a data directory without a database yet: the prepared one (scripts/pglite-template.mjs, built with the code),
 * initialised and migrated, copied in as plain files instead of running initdb — PostgreSQL's data directory holds no
 * absolute path, and a native copy costs a fraction of unpacking an archive through PGlite's WebAssembly file system.
 * Copied beside `dir` and renamed over it (empty), so a crash mid-copy leaves no half database. Nothing happens when
 * there is a database already, or no template (the server then runs initdb).
 */
async function copyTemplate(dir: string): Promise<void> {
  if (existsSync(join(dir, "PG_VERSION"))) return;
  const template = join(distDirectory(import.meta.url), "pglite-template");
  if (!existsSync(join(template, "PG_VERSION"))) return;
  if ((await readdir(dir)).length > 0) return; // something else is there: let PGlite say what
  const staging = `${dir}.template-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  // Synchronous: fs.cp's promise-per-file walk took ~3× the CPU (300–500 ms of a first start on two cores, against
  // ~100 ms) for the ~1,100 files, and the start has nothing else to run meanwhile but the key generation it competes with.
  cpSync(template, staging, { recursive: true });
  await rename(staging, dir);
}

// bytea comes back as Buffer from pg; timestamps as Date; int8 (bigserial ids) as string, which is what the schema says.
export async function openDatabase(options: { url?: string; dataDir?: string }): Promise<OpenedDatabase> {
  let db: Db;
  let unqueued: Db;
  let engine: OpenedDatabase["engine"];
  if (options.url) {
    // The PostgreSQL client only for PostgreSQL (the embedded database's starts do not load it).
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    // An idle connection the server closes (restart, failover, a dropped database) emits 'error' on the pool; unhandled
    // it would end the process. The pool replaces the connection; queries in flight fail and are retried by callers.
    pool.on("error", () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    unqueued = db;
    engine = "postgres";
  } else {
    const dir = join(options.dataDir ?? "./data", "db");
    await mkdir(dir, { recursive: true });
    await copyTemplate(dir);
    const pglite = await PGlite.create(dir, PGLITE_OPTIONS);
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    // Never destroyed: that would close the session `db` closes.
    unqueued = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    engine = "pglite";
  }
  try {
    await migrate(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { db, unqueued, engine, close: () => db.destroy() };
}

/** Applies the migrations not yet applied, each in its own transaction, under an advisory lock (replicas). */
export async function migrate(db: Db): Promise<void> {
  await sql`create table if not exists khatam_migrations (
    version integer primary key, name text not null, applied_at timestamptz not null default now())`.execute(db);
  // Most starts find every migration applied: one read of the versions, not a locked transaction per migration
  // (60 statements through PGlite, ~150–200 ms of each start). A missing one is re-checked under the lock.
  const applied = await db.selectFrom("khatam_migrations").select("version").execute();
  const done = new Set(applied.map((row) => row.version));
  for (const m of MIGRATIONS.filter((m) => !done.has(m.version))) {
    await db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(7283001)`.execute(tx);
      const done = await tx
        .selectFrom("khatam_migrations")
        .select("version")
        .where("version", "=", m.version)
        .executeTakeFirst();
      if (done) return;
      // One statement at a time: PGlite's extended protocol takes no multi-statement strings.
      for (const statement of statements(m.sql)) await sql.raw(statement).execute(tx);
      await tx.insertInto("khatam_migrations").values({ version: m.version, name: m.name }).execute();
    });
  }
}

/** Splits a migration at the semicolons that end statements (the schema has no semicolons inside statements). */
function statements(script: string): string[] {
  return script
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter((s) => s.length > 0);
}
