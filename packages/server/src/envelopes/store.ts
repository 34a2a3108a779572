/**
 * The envelope workflow's storage layer: every query of the domain (envelopes.ts) lives here, so the domain reads
 * as the workflow and the SQL is in one place, the same for PGlite and PostgreSQL.
 *
 * Concurrency contract: state changes go through {@link updateEnvelopeVersioned}, which changes the row only if its
 * `version` is still the one the caller read and bumps it; a false answer means someone else changed the envelope
 * first and the caller's transaction must be abandoned (the domain then retries from a fresh read or reports
 * `concurrent_change`). Rows read with {@link lockEnvelope} are locked until the transaction ends.
 */
import { type Selectable, sql, type Updateable } from "kysely";
import type { Db, Tx } from "../db/connect.js";
import type { Database, RecipientRole } from "../db/schema.js";

export type EnvelopeRow = Selectable<Database["envelopes"]>;
export type RecipientRow = Selectable<Database["recipients"]>;
export type SigningCertificateRow = Selectable<Database["signing_certificates"]>;
export type SigningSessionRow = Selectable<Database["signing_sessions"]>;

export interface UserRow {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly agencyId: string | null;
  readonly role: string;
}

export async function usersByEmail(db: Db | Tx, emails: readonly string[]): Promise<Map<string, UserRow>> {
  if (emails.length === 0) return new Map();
  const rows = await db
    .selectFrom("users")
    .select(["id", "email", "display_name", "agency_id", "role"])
    .where(
      sql<string>`lower(email)`,
      "in",
      emails.map((e) => e.toLowerCase()),
    )
    .execute();
  return new Map(
    rows.map((r) => [
      r.email.toLowerCase(),
      { id: r.id, email: r.email, displayName: r.display_name, agencyId: r.agency_id, role: r.role },
    ]),
  );
}

export async function agencyCountry(db: Db | Tx, agencyId: string): Promise<string> {
  const row = await db.selectFrom("agencies").select("country_id").where("id", "=", agencyId).executeTakeFirstOrThrow();
  return row.country_id;
}

export async function insertEnvelope(
  tx: Tx,
  envelope: Omit<EnvelopeRow, "version" | "created_at" | "last_reminded_at" | "sent_at" | "completed_at">,
  recipients: readonly Omit<RecipientRow, "decline_reason" | "signature_field" | "acted_at">[],
): Promise<void> {
  await tx.insertInto("envelopes").values(envelope).execute();
  if (recipients.length > 0)
    await tx
      .insertInto("recipients")
      .values([...recipients])
      .execute();
}

export async function findEnvelope(db: Db | Tx, id: string): Promise<EnvelopeRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom("envelopes").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The envelope row, locked for the rest of the transaction. */
export async function lockEnvelope(tx: Tx, id: string): Promise<EnvelopeRow | undefined> {
  return tx.selectFrom("envelopes").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function recipientsOf(db: Db | Tx, envelopeId: string): Promise<RecipientRow[]> {
  return db
    .selectFrom("recipients")
    .selectAll()
    .where("envelope_id", "=", envelopeId)
    .orderBy("routing_order")
    .orderBy("email")
    .execute();
}

/** Applies `changes` and bumps `version` if it is still `expectedVersion`; false when someone changed it first. */
export async function updateEnvelopeVersioned(
  tx: Tx,
  id: string,
  expectedVersion: number,
  changes: Updateable<Database["envelopes"]>,
): Promise<boolean> {
  const result = await tx
    .updateTable("envelopes")
    .set({ ...changes, version: expectedVersion + 1 })
    .where("id", "=", id)
    .where("version", "=", expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function updateRecipient(tx: Tx, id: string, changes: Updateable<Database["recipients"]>): Promise<void> {
  await tx.updateTable("recipients").set(changes).where("id", "=", id).execute();
}

/**
 * The caller's newest official certificate that is still within its validity: platform-held (`key_ref` set) or
 * device-held, as asked.
 */
export async function officialCertificate(
  db: Db | Tx,
  userId: string,
  custody: "platform" | "device",
  now: Date,
): Promise<SigningCertificateRow | undefined> {
  return db
    .selectFrom("signing_certificates")
    .selectAll()
    .where("user_id", "=", userId)
    .where("profile", "=", "official")
    .where("not_after", ">", now)
    .where("key_ref", custody === "platform" ? "is not" : "is", null)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
}

export async function userDisplayName(db: Db | Tx, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom("users").select("display_name").where("id", "=", userId).executeTakeFirst();
  return row?.display_name;
}

/** Summaries for the inbox. */
export interface EnvelopeSummaryRow {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly created_at: Date;
  readonly completed_at: Date | null;
}

const SUMMARY = ["e.id", "e.title", "e.status", "e.created_at", "e.completed_at"] as const;

/** Sent envelopes where one of the caller's recipient rows still has to act. */
export async function envelopesAwaiting(db: Db, userId: string, email: string): Promise<EnvelopeSummaryRow[]> {
  return db
    .selectFrom("envelopes as e")
    .innerJoin("recipients as r", "r.envelope_id", "e.id")
    .select(SUMMARY)
    .distinct()
    .where("e.status", "=", "sent")
    .where((eb) => eb.or([eb("r.user_id", "=", userId), eb(sql<string>`lower(r.email)`, "=", email.toLowerCase())]))
    .where("r.role", "in", ["signer", "approver"] satisfies RecipientRole[])
    .where("r.status", "in", ["pending", "notified", "viewed"])
    .orderBy("e.created_at", "desc")
    .limit(200)
    .execute();
}

/** Envelopes of the agency, drafts and in progress. */
export async function envelopesOfAgency(db: Db, agencyId: string): Promise<EnvelopeSummaryRow[]> {
  return db
    .selectFrom("envelopes as e")
    .select(SUMMARY)
    .where("e.agency_id", "=", agencyId)
    .where("e.status", "in", ["draft", "sent"])
    .orderBy("e.created_at", "desc")
    .limit(200)
    .execute();
}

/** Finished envelopes the caller can see (their agency's, or where they are a recipient). */
export async function envelopesFinished(
  db: Db,
  caller: { userId: string | null; email: string; agencyId: string | null },
): Promise<EnvelopeSummaryRow[]> {
  return db
    .selectFrom("envelopes as e")
    .select(SUMMARY)
    .where("e.status", "in", ["completed", "declined", "expired"])
    .where((eb) =>
      eb.or([
        eb("e.agency_id", "=", caller.agencyId ?? "00000000-0000-0000-0000-000000000000"),
        eb.exists(
          eb
            .selectFrom("recipients as r")
            .select("r.id")
            .whereRef("r.envelope_id", "=", "e.id")
            .where((w) =>
              w.or([
                w("r.user_id", "=", caller.userId ?? "00000000-0000-0000-0000-000000000000"),
                w(sql<string>`lower(r.email)`, "=", caller.email.toLowerCase()),
              ]),
            ),
        ),
      ]),
    )
    .orderBy("e.created_at", "desc")
    .limit(200)
    .execute();
}

export async function insertSession(tx: Tx, row: Omit<SigningSessionRow, "created_at">): Promise<void> {
  await tx
    .insertInto("signing_sessions")
    .values({ ...row, state: JSON.stringify(row.state) })
    .execute();
}

export async function findSession(db: Db | Tx, id: string): Promise<SigningSessionRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom("signing_sessions").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function deleteSessions(tx: Tx, recipientId: string): Promise<void> {
  await tx.deleteFrom("signing_sessions").where("recipient_id", "=", recipientId).execute();
}

/** Envelope ids whose expiry has passed while they wait for signatures. */
export async function dueForExpiry(db: Db, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom("envelopes")
    .select("id")
    .where("status", "=", "sent")
    .where("expires_at", "<=", now)
    .limit(500)
    .execute();
  return rows.map((r) => r.id);
}

/** Envelope ids whose reminder interval has passed since sending or the last reminder. */
export async function dueForReminder(db: Db, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom("envelopes")
    .select("id")
    .where("status", "=", "sent")
    .where("reminder_every", "is not", null)
    .where(sql<boolean>`coalesce(last_reminded_at, sent_at) + reminder_every <= ${now}`)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .limit(500)
    .execute();
  return rows.map((r) => r.id);
}

/** Under the envelope's lock: whether its reminder is still due (another replica may have just sent it). */
export async function stillDueForReminder(tx: Tx, id: string, now: Date): Promise<boolean> {
  const row = await tx
    .selectFrom("envelopes")
    .select("id")
    .where("id", "=", id)
    .where("status", "=", "sent")
    .where(sql<boolean>`coalesce(last_reminded_at, sent_at) + reminder_every <= ${now}`)
    .executeTakeFirst();
  return row !== undefined;
}

export async function envelopeByRegisterCode(db: Db, code: string): Promise<EnvelopeRow | undefined> {
  return db.selectFrom("envelopes").selectAll().where("register_code", "=", code).executeTakeFirst();
}

export async function signedEvents(
  db: Db,
  envelopeId: string,
): Promise<{ at: Date; details: Record<string, unknown> }[]> {
  return db
    .selectFrom("audit_events")
    .select(["at", "details"])
    .where("envelope_id", "=", envelopeId)
    .where("type", "=", "signed")
    .orderBy("seq")
    .execute();
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
