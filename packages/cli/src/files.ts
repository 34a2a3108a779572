/**
 * Atomic output: a file appears under its final name complete or not at all. Each file is written to a temporary
 * name in the same directory and renamed (rename within a file system is atomic in POSIX), so a crash or an error
 * never leaves a partial file under the final name.
 *
 * Durability is batched: `OutputBatch.commit()` makes every file written (and the renames) durable before the
 * command reports success. Each fsync costs a device cache flush (about 3 ms here, ten times the signing of a
 * small document), so a batch is flushed with one syncfs(2) of the file system (coreutils `sync -f`, as Node has no
 * binding for it), falling back to one fsync per file where that is not available. A few files (one document and
 * its folder, say) are fsynced one by one: starting a process costs more than a few flushes (`sync` took 30–170 ms
 * of a one-document `khatam sign`, the fsyncs a few ms), and only they are flushed, not all of the file system. If the machine loses power before
 * `commit()` returns, files renamed since the last commit may be lost, never partial: the inputs are untouched and
 * the command has not reported success.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writevSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export class OutputBatch {
  private readonly written: string[] = [];

  /**
   * Synchronous system calls: for a command line writing many small files one after another, they cost less than
   * round trips through the thread pool, and nothing else waits on this process's event loop.
   */
  async write(path: string, ...chunks: Uint8Array[]): Promise<void> {
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    const fd = openSync(tmp, "wx", 0o644);
    try {
      writeAll(fd, chunks);
      closeSync(fd);
      renameSync(tmp, path);
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(tmp, { force: true });
      throw e;
    }
    this.written.push(path);
  }

  /** Makes every file written so far, and the directories that hold their names, durable. */
  async commit(): Promise<void> {
    const files = this.written.splice(0);
    if (files.length === 0) return;
    const dirs = [...new Set(files.map((f) => dirname(f)))];
    if (files.length + dirs.length <= FSYNC_AT_MOST) {
      for (const path of [...files, ...dirs]) fsyncPath(path);
      return;
    }
    try {
      await execFileAsync("sync", ["-f", ...dirs], { timeout: 60_000 });
    } catch {
      for (const path of [...files, ...dirs]) fsyncPath(path);
    }
  }
}

/** writev may write less than asked (large files, signals): write the rest. */
function writeAll(fd: number, chunks: Uint8Array[]): void {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  let done = writevSync(fd, chunks);
  while (done < total) {
    let skip = done;
    const rest: Uint8Array[] = [];
    for (const c of chunks) {
      if (skip >= c.length) skip -= c.length;
      else {
        rest.push(c.subarray(skip));
        skip = 0;
      }
    }
    done += writevSync(fd, rest);
  }
}

/** Up to this many files and folders are fsynced one by one rather than with one `sync -f`. */
const FSYNC_AT_MOST = 8;

/** Synchronous, like the writes: nothing else waits on this process's event loop. */
function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes one file atomically and durably. */
export async function writeFileAtomic(path: string, ...chunks: Uint8Array[]): Promise<void> {
  const batch = new OutputBatch();
  await batch.write(path, ...chunks);
  await batch.commit();
}
