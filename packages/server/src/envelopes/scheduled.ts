/**
 * The envelope work the notifications scheduler runs (notify/scheduler.ts), each safe on several replicas at once:
 * expiry (a transition, so a replica that lost the race changes nothing), reminders (under the envelope's row lock,
 * re-checked), and the purge of expired device-signing sessions.
 */
import { appendEvent } from "../audit/audit.js";
import type { Db, Tx } from "../db/connect.js";
import { emailRow, enqueueRows } from "../notify/outbox.js";
import { localesOf } from "../notify/templates.js";
import { commit } from "./commit.js";
import type { Caller } from "./context.js";
import { EnvelopeError } from "./errors.js";
import { mailTo } from "./notices.js";
import type { EnvelopeRow } from "./store.js";
import * as store from "./store.js";
import { ACTING, currentOrder, OPEN } from "./transitions.js";

/** Deletes the expired device-signing sessions (a scheduler task; idempotent, safe on several replicas at once). */
export async function purgeExpiredSessions(db: Db, now: Date = new Date()): Promise<number> {
  return store.deleteExpiredSessions(db, now);
}

/** Expires every sent envelope whose `expires_at` has passed; returns their ids. */
export async function expireDue(db: Db, now: Date = new Date(), options: { publicUrl?: string } = {}) {
  const expired: string[] = [];
  for (const id of await store.dueForExpiry(db, now)) {
    try {
      await commit({ db, publicUrl: options.publicUrl, envelopeId: id, action: { type: "expire" }, actor: null, now });
      expired.push(id);
    } catch (error) {
      // Sent elsewhere meanwhile (another replica expired it, someone voided it): nothing to do.
      if (!(error instanceof EnvelopeError)) throw error;
    }
  }
  return expired;
}

/** Reminds the recipients whose turn it is on envelopes whose reminder interval has passed; returns the ids. */
export async function remindDue(db: Db, now: Date = new Date(), options: { publicUrl?: string } = {}) {
  const reminded: string[] = [];
  for (const id of await store.dueForReminder(db, now)) {
    const done = await db.transaction().execute(async (tx) => {
      const envelope = await store.lockEnvelope(tx, id);
      if (!envelope || !(await store.stillDueForReminder(tx, id, now))) return false;
      await remind(tx, envelope, { now, publicUrl: options.publicUrl, actor: null });
      return true;
    });
    if (done) reminded.push(id);
  }
  return reminded;
}

/** E-mails a reminder to whoever may act now and records it; returns their addresses. */
export async function remind(
  tx: Tx,
  envelope: EnvelopeRow,
  options: { now: Date; publicUrl: string | undefined; actor: Caller | null },
): Promise<string[]> {
  const recipients = await store.recipientsOf(tx, envelope.id);
  const order = currentOrder(recipients);
  const due = recipients.filter(
    (r) => r.routing_order === order && ACTING.includes(r.role) && OPEN.includes(r.status) && !r.instance,
  );
  await store.markReminded(tx, envelope.id, options.now);
  const readers = {
    locales: await localesOf(
      tx,
      due.map((r) => r.email),
    ),
    publicUrl: options.publicUrl ?? "",
  };
  for (const r of due) {
    const notice = {
      kind: "reminder",
      role: r.role,
      envelopeId: envelope.id,
      title: envelope.title,
      expiresAt: envelope.expires_at,
    } as const;
    await enqueueRows(tx, mailTo(readers, [r.email], notice).map(emailRow));
  }
  await appendEvent(tx, {
    envelopeId: envelope.id,
    type: "reminded",
    actor: options.actor,
    ip: options.actor?.ip,
    details: { to: due.map((r) => r.email) },
    at: options.now,
  });
  return due.map((r) => r.email);
}
