/**
 * Atomic output: a file appears under its final name complete or not at all. Written to a temporary name in the
 * same directory, flushed to disk, then renamed (rename within a file system is atomic in POSIX).
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeFileAtomic(path: string, ...chunks: Uint8Array[]): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "wx", 0o644);
  try {
    await fh.writev(chunks);
    await fh.datasync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}
