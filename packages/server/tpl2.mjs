import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

const conf = process.argv[2] ? JSON.parse(process.argv[2]) : {};
const mem = () => Math.round(process.memoryUsage().rss / 1048576) + " MB";
const dir = mkdtempSync(join(tmpdir(), "pg-"));
const t0 = performance.now();
const pg = await PGlite.create(dir, { loadDataDir: new Blob([readFileSync("/tmp/tpl.tar.gz")]), ...conf });
await pg.query("select 1");
const sb = (await pg.query("show shared_buffers")).rows;
console.log(JSON.stringify(conf), "load", Math.round(performance.now() - t0), "ms", mem(), JSON.stringify(sb));
