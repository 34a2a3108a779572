/**
 * Every query of the audit trail (audit.ts decides what an event is and how it is chained). The same for PGlite and
 * PostgreSQL.
 */
import type { Insertable } from "kysely";
import type { Db, Tx } from "../db/connect.js";
import type { Database } from "../db/schema.js";

/**
 * Locks the envelope's row (`select … for update`) for the rest of the transaction, so that nobody else appends
 * to its trail, and reads its newest event (undefined for none).
 */
export async function lockTrail(tx: Tx, envelopeId: string): Promise<{ seq: number; hash: string } | undefined> {
  await tx.selectFrom("envelopes").select("id").where("id", "=", envelopeId).forUpdate().executeTakeFirst();
  return tx
    .selectFrom("audit_events")
    .select(["seq", "hash"])
    .where("envelope_id", "=", envelopeId)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
}

export async function insertEvent(tx: Tx, row: Insertable<Database["audit_events"]>): Promise<void> {
  await tx.insertInto("audit_events").values(row).execute();
}

/** The events of an envelope in order. */
export async function eventsOf(db: Db, envelopeId: string) {
  return db
    .selectFrom("audit_events")
    .selectAll()
    .where("envelope_id", "=", envelopeId)
    .orderBy("seq", "asc")
    .execute();
}
