/**
 * Documents stored by content (their SHA-256): inserting the same bytes twice is one row, and a stored revision is
 * never changed, so a reference to a hash always means the same bytes.
 *
 * The bytes travel to and from the database as base64 text, decoded and encoded by the database (`decode`,
 * `encode`): PGlite serialises a binary parameter and parses a bytea result byte by byte in JavaScript, which cost
 * 4–8 ms for a 60 KB document, against about one for the text; PostgreSQL is indifferent.
 */
import { createHash } from "node:crypto";
import { type Expression, sql } from "kysely";
import type { Db, Tx } from "./connect.js";

export async function putDocument(db: Db | Tx, bytes: Uint8Array): Promise<string> {
  const values = documentValues(bytes);
  await db
    .insertInto("documents")
    .values(values)
    .onConflict((oc) => oc.column("sha256").doNothing())
    .execute();
  return values.sha256;
}

/** The `documents` row of `bytes`, for an insert (see the module comment). */
export function documentValues(bytes: Uint8Array, sha256?: string) {
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  return {
    sha256: sha256 ?? createHash("sha256").update(bytes).digest("hex"),
    bytes: sql<Uint8Array>`decode(${base64}, 'base64')`,
    size: bytes.length,
  };
}

/** A bytea column as base64 text, to be read with {@link fromBase64}. */
export function asBase64(column: Expression<Uint8Array> | string) {
  return sql<string>`encode(${typeof column === "string" ? sql.ref(column) : column}, 'base64')`;
}

/** What {@link asBase64} selected, as bytes (PostgreSQL's base64 has line breaks, which Node skips). */
export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

export async function getDocument(db: Db | Tx, sha256: string): Promise<Uint8Array | undefined> {
  const row = await db
    .selectFrom("documents")
    .select(asBase64("bytes").as("bytes"))
    .where("sha256", "=", sha256)
    .executeTakeFirst();
  return row ? fromBase64(row.bytes) : undefined;
}
