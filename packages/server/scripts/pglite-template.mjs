#!/usr/bin/env node
// Builds dist/pglite-template.tgz: an embedded database (PGlite) already initialised (initdb) and migrated, which the
// server unpacks into an empty data directory instead of running initdb there (issue 14.1: initdb in WebAssembly
// takes seconds and most of the start-up's memory). Run by `prepare` and by the test command after the TypeScript
// build; skipped when the template is newer than the compiled migrations. The server works without it (initdb).
import { existsSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const target = join(dist, "pglite-template.tgz");
const migrations = join(dist, "src", "db", "migrations.js");
if (existsSync(target) && statSync(target).mtimeMs > statSync(migrations).mtimeMs) process.exit(0);

const { migrate, PGLITE_OPTIONS } = await import(join(dist, "src", "db", "connect.js"));
const pglite = await PGlite.create(PGLITE_OPTIONS);
const db = new Kysely({ dialect: new PGliteDialect(pglite) });
await migrate(db);
const tarball = await pglite.dumpDataDir("gzip");
await db.destroy();
writeFileSync(`${target}.tmp`, Buffer.from(await tarball.arrayBuffer()));
renameSync(`${target}.tmp`, target);
