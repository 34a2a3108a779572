import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

const mode = process.argv[2];
const mem = () => Math.round(process.memoryUsage().rss / 1048576) + " MB";
if (mode === "make") {
  const t0 = performance.now();
  const pg = await PGlite.create();
  const blob = await pg.dumpDataDir("gzip");
  writeFileSync("/tmp/tpl.tar.gz", Buffer.from(await blob.arrayBuffer()));
  console.log("made", Math.round(performance.now() - t0), "ms", (await blob.arrayBuffer()).byteLength, "bytes", mem());
} else {
  const dir = mkdtempSync(join(tmpdir(), "pg-"));
  const t0 = performance.now();
  const pg = await PGlite.create(dir, { loadDataDir: new Blob([readFileSync("/tmp/tpl.tar.gz")]) });
  await pg.query("select 1");
  console.log("load", Math.round(performance.now() - t0), "ms", mem());
  await pg.close();
  const t1 = performance.now();
  const pg2 = await PGlite.create(dir);
  console.log(
    "reopen",
    Math.round(performance.now() - t1),
    "ms",
    mem(),
    (await pg2.query("select count(*) from pg_class")).rows,
  );
}
