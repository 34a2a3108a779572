/**
 * Atomic output: a file appears under its final name complete or not at all. Each file is written to a temporary
 * name in the same directory and renamed (rename within a file system is atomic in POSIX), so a crash or an error
 * never leaves a partial file under the final name.
 *
 * Durability is batched: `OutputBatch.commit()` makes every file written (and the renames) durable before the
 * command reports success. Each fsync costs a device cache flush (about 3 ms here, ten times the signing of a
 * small document), so a batch is flushed with one syncfs(2) of the file system (coreutils `sync -f`, as Node has no
 * binding for it), falling back to one fsync per file where that is not available. If the machine loses power before
 * `commit()` returns, files renamed since the last commit may be lost, never partial: the inputs are untouched and
 * the command has not reported success.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export class OutputBatch {
  private readonly written: string[] = [];

  async write(path: string, ...chunks: Uint8Array[]): Promise<void> {
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    const fh = await open(tmp, "wx", 0o644);
    try {
      await fh.writev(chunks);
      await fh.close();
      await rename(tmp, path);
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
    this.written.push(path);
  }

  /** Makes every file written so far, and the directories that hold their names, durable. */
  async commit(): Promise<void> {
    const files = this.written.splice(0);
    if (files.length === 0) return;
    const dirs = [...new Set(files.map((f) => dirname(f)))];
    try {
      await execFileAsync("sync", ["-f", ...dirs], { timeout: 60_000 });
    } catch {
      for (const path of [...files, ...dirs]) await fsync(path);
    }
  }
}

async function fsync(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes one file atomically and durably. */
export async function writeFileAtomic(path: string, ...chunks: Uint8Array[]): Promise<void> {
  const batch = new OutputBatch();
  await batch.write(path, ...chunks);
  await batch.commit();
}
