/**
 * Atomic file replacement: the file at `path` holds either its old content or the new one, never a mixture, even
 * if the process is killed (`kill -9`) or the machine loses power at any point.
 *
 * Sequence and what a crash at each step leaves:
 * 1. write `path.<random>.tmp` and fsync it — crash: the old file is intact, a stray .tmp is left (removed on the
 *    next start by {@link removeStaleTemporaries});
 * 2. rename over `path` — atomic on POSIX file systems: readers see old or new;
 * 3. fsync the directory so the rename itself survives a power loss.
 */
import { randomBytes } from "node:crypto";
import { open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Replaces `path` with `data` atomically and durably (see the module comment). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const file = await open(temporary, "wx", mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** fsyncs a directory, making the renames and creations in it durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes the `.tmp` files a crash between steps 1 and 2 of {@link writeFileAtomic} left beside `path`. */
export async function removeStaleTemporaries(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const directory = dirname(path);
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && name.endsWith(".tmp")) await rm(join(directory, name), { force: true });
  }
}
