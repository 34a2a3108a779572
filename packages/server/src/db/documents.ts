/**
 * Documents stored by content (their SHA-256): inserting the same bytes twice is one row, and a stored revision is
 * never changed, so a reference to a hash always means the same bytes.
 */
import { createHash } from "node:crypto";
import type { Db, Tx } from "./connect.js";

export async function putDocument(db: Db | Tx, bytes: Uint8Array): Promise<string> {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  await db
    .insertInto("documents")
    .values({ sha256, bytes, size: bytes.length })
    .onConflict((oc) => oc.column("sha256").doNothing())
    .execute();
  return sha256;
}

export async function getDocument(db: Db | Tx, sha256: string): Promise<Uint8Array | undefined> {
  const row = await db.selectFrom("documents").select("bytes").where("sha256", "=", sha256).executeTakeFirst();
  return row ? new Uint8Array(row.bytes) : undefined;
}
