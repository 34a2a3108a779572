/**
 * The transactional outbox: a notification is a row written in the same transaction as the state change it
 * announces. A worker delivers rows afterwards with retries, so none is lost on a crash and none is sent for a
 * change that was rolled back.
 */
import type { Tx } from "../db/connect.js";

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

export interface WebhookEvent {
  readonly agencyId: string;
  /** e.g. `envelope.sent`, `envelope.signed`, `envelope.completed`, `envelope.declined`, `envelope.expired`. */
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export async function enqueueEmail(tx: Tx, message: EmailMessage): Promise<void> {
  await tx
    .insertInto("outbox")
    .values({ kind: "email", payload: JSON.stringify(message) })
    .execute();
}

/** One outbox row per active webhook of the agency subscribed to the event (or to `*`). */
export async function enqueueWebhook(tx: Tx, event: WebhookEvent): Promise<void> {
  const hooks = await tx
    .selectFrom("webhooks")
    .select(["id", "events"])
    .where("agency_id", "=", event.agencyId)
    .where("active", "=", true)
    .execute();
  for (const hook of hooks) {
    if (!hook.events.includes(event.event) && !hook.events.includes("*")) continue;
    const payload = { webhookId: hook.id, event: event.event, data: event.data, at: new Date().toISOString() };
    await tx
      .insertInto("outbox")
      .values({ kind: "webhook", payload: JSON.stringify(payload) })
      .execute();
  }
}
