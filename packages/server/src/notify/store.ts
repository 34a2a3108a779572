/**
 * Every query of notify: the outbox (rows written in the transaction of the change they announce, claimed and
 * settled by the worker), webhooks (their registration, subscriptions and sealed secrets) and the readers' languages.
 * One place for them, the same for PGlite and PostgreSQL; outbox.ts, delivery.ts and the routes decide.
 */
import type { Db, Tx } from "../db/connect.js";
import type { OutboxRow, WebhookSubscription } from "./outbox.js";
import type { Locale } from "./templates.js";

/** A row of `outbox` as the worker claims it. */
export interface ClaimedRow {
  readonly id: string;
  readonly kind: "email" | "webhook" | "federation";
  readonly payload: Record<string, unknown>;
  /** Attempts including the one just claimed. */
  readonly attempts: number;
}

export async function insertOutboxRows(tx: Tx, rows: readonly OutboxRow[]): Promise<void> {
  await tx
    .insertInto("outbox")
    .values(rows.map((r) => ({ kind: r.kind, payload: r.payload })))
    .execute();
}

/**
 * In one transaction: up to `limit` rows due before `due` (not delivered; fewer than `maxAttempts` attempts but for
 * federation messages, which are never given up), locked and skipping those another worker holds, their next
 * attempt pushed to `leaseUntil` and the attempt counted.
 */
export async function claimDueRows(
  db: Db,
  claim: { readonly due: Date; readonly leaseUntil: Date; readonly maxAttempts: number; readonly limit: number },
): Promise<ClaimedRow[]> {
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom("outbox")
      .select(["id", "kind", "payload", "attempts"])
      .where("delivered_at", "is", null)
      .where("next_attempt_at", "<", claim.due)
      .where((eb) => eb.or([eb("attempts", "<", claim.maxAttempts), eb("kind", "=", "federation")]))
      .orderBy("next_attempt_at")
      .orderBy("id")
      .limit(claim.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return [];
    await tx
      .updateTable("outbox")
      .set((eb) => ({ next_attempt_at: claim.leaseUntil, attempts: eb("attempts", "+", 1) }))
      .where(
        "id",
        "in",
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((r) => ({ ...r, id: String(r.id), attempts: r.attempts + 1 }));
  });
}

/** The row is done (delivered, or `note`: not to be sent); nothing when another worker settled it first. */
export async function markDelivered(db: Db, id: string, at: Date, note: string | null): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ delivered_at: at, last_error: note })
    .where("id", "=", id)
    .where("delivered_at", "is", null)
    .execute();
}

/** The attempt failed with `error`; the row is due again at `next`. */
export async function markFailed(db: Db, id: string, error: string, next: Date): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ last_error: error, next_attempt_at: next })
    .where("id", "=", id)
    .where("delivered_at", "is", null)
    .execute();
}

/** The agency's active webhooks, for outbox.ts's webhookRows. */
export async function activeWebhooks(tx: Tx, agencyId: string): Promise<WebhookSubscription[]> {
  return tx
    .selectFrom("webhooks")
    .select(["id", "events"])
    .where("agency_id", "=", agencyId)
    .where("active", "=", true)
    .execute();
}

/** What a delivery needs of a webhook, if it still exists. */
export async function webhookForDelivery(db: Db, id: string) {
  return db
    .selectFrom("webhooks")
    .select(["url", "secret", "sealed_secret", "active"])
    .where("id", "=", id)
    .executeTakeFirst();
}

/** An agency's webhooks, oldest first (never their secrets). */
export async function webhooksOf(db: Db, agencyId: string) {
  return db
    .selectFrom("webhooks")
    .select(["id", "url", "events", "active", "created_at"])
    .where("agency_id", "=", agencyId)
    .orderBy("created_at")
    .execute();
}

export async function agencyExists(db: Db, agencyId: string): Promise<boolean> {
  return (await db.selectFrom("agencies").select("id").where("id", "=", agencyId).executeTakeFirst()) !== undefined;
}

/** A new webhook, unless the agency has `max` already (counted in the same transaction); false then. */
export async function insertWebhook(
  db: Db,
  webhook: { readonly id: string; readonly agencyId: string; readonly url: string; readonly sealedSecret: string },
  events: string[],
  max: number,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const count = await tx
      .selectFrom("webhooks")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("agency_id", "=", webhook.agencyId)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= max) return false;
    await tx
      .insertInto("webhooks")
      .values({
        id: webhook.id,
        agency_id: webhook.agencyId,
        url: webhook.url,
        sealed_secret: webhook.sealedSecret,
        events,
      })
      .execute();
    return true;
  });
}

/** Deletes webhook `id` (only of `agencyId` when given); false when there is no such webhook. */
export async function deleteWebhook(db: Db, id: string, agencyId?: string): Promise<boolean> {
  let query = db.deleteFrom("webhooks").where("id", "=", id);
  if (agencyId !== undefined) query = query.where("agency_id", "=", agencyId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Webhooks whose secret is still stored in clear (written before migration 4). */
export async function clearWebhookSecrets(db: Db): Promise<{ id: string; secret: string }[]> {
  const rows = await db.selectFrom("webhooks").select(["id", "secret"]).where("secret", "is not", null).execute();
  return rows.map((r) => ({ id: r.id, secret: r.secret as string }));
}

/** Replaces the clear secret by its sealed form, if the row still holds that clear secret; whether it did. */
export async function sealWebhookSecretRow(db: Db, id: string, clear: string, sealed: string): Promise<boolean> {
  const result = await db
    .updateTable("webhooks")
    .set({ sealed_secret: sealed, secret: null })
    .where("id", "=", id)
    .where("secret", "=", clear)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The languages of the accounts with these addresses (lower-case), for those that chose one. */
export async function userLocales(
  db: Db,
  emails: readonly string[],
): Promise<{ email: string; locale: Locale | null }[]> {
  return db
    .selectFrom("users")
    .select(["email", "locale"])
    .where((eb) => eb(eb.fn("lower", ["email"]), "in", emails))
    .execute();
}

/** The language of the account with this address (any case), if it chose one. */
export async function userLocale(db: Db, email: string): Promise<Locale | null | undefined> {
  const row = await db
    .selectFrom("users")
    .select("locale")
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", email.toLowerCase()))
    .executeTakeFirst();
  return row?.locale;
}
