#!/usr/bin/env node
// Builds dist/pglite-template/: an embedded database (PGlite) already initialised (initdb) and migrated, which the
// server copies into an empty data directory instead of running initdb there (issue 14.1: initdb in WebAssembly
// takes seconds and most of the start-up's memory). Run by `prepare` and by the test command after the TypeScript
// build; skipped when the template is newer than the compiled migrations. The server works without it (initdb).
import { existsSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const target = join(dist, "pglite-template");
const migrations = join(dist, "src", "db", "migrations.js");
const version = join(target, "PG_VERSION");
if (existsSync(version) && statSync(version).mtimeMs > statSync(migrations).mtimeMs) process.exit(0);

const { migrate, PGLITE_OPTIONS } = await import(join(dist, "src", "db", "connect.js"));
const staging = `${target}.tmp`;
rmSync(staging, { recursive: true, force: true });
const pglite = await PGlite.create(staging, PGLITE_OPTIONS);
const db = new Kysely({ dialect: new PGliteDialect(pglite) });
await migrate(db);
// A clean shutdown: a checkpoint, no WAL to replay and no postmaster.pid in what every new server copies.
await db.destroy();
// The migrations' order made PG_VERSION older than them; its time says when the template was built.
utimesSync(join(staging, "PG_VERSION"), new Date(), new Date());
rmSync(target, { recursive: true, force: true });
rmSync(join(dist, "pglite-template.tgz"), { force: true }); // the archive of earlier builds
renameSync(staging, target);
