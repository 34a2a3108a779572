/**
 * Test databases on both engines: PGlite in a temporary directory, and a fresh database on the PostgreSQL server
 * at 127.0.0.1:5432 (user postgres, trust auth) — a real server, not a mock. `KHATAM_TEST_PG=0` leaves PostgreSQL
 * out (for machines without it); CI has it.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type OpenedDatabase, openDatabase } from "../../src/db/connect.js";

export const PG_ADMIN_URL = process.env.KHATAM_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase extends OpenedDatabase {
  /** Options that open the same database again (for restart tests). */
  readonly location: { url?: string; dataDir?: string };
  /** Closes and deletes the database. */
  drop(): Promise<void>;
}

export const ENGINES: readonly ("pglite" | "postgres")[] =
  process.env.KHATAM_TEST_PG === "0" ? ["pglite"] : ["pglite", "postgres"];

/** A fresh PostgreSQL database's URL and its dropper (which ends every session still on it). */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `khatam_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A fresh, migrated database on the given engine. */
export async function testDatabase(engine: "pglite" | "postgres"): Promise<TestDatabase> {
  if (engine === "pglite") {
    const dataDir = await mkdtemp(join(tmpdir(), "khatam-db-"));
    const opened = await openDatabase({ dataDir });
    return {
      ...opened,
      location: { dataDir },
      drop: async () => {
        await opened.close().catch(() => {});
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const postgres = await freshPostgres();
  const opened = await openDatabase({ url: postgres.url });
  return {
    ...opened,
    location: { url: postgres.url },
    drop: async () => {
      await opened.close().catch(() => {});
      await postgres.drop();
    },
  };
}
