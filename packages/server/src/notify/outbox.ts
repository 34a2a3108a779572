/**
 * The transactional outbox: a notification is a row written in the same transaction as the state change it
 * announces. A worker delivers rows afterwards with retries, so none is lost on a crash and none is sent for a
 * change that was rolled back.
 */
import type { Tx } from "../db/connect.js";
import { activeWebhooks, insertOutboxRows } from "./store.js";
/** A row of `outbox` as inserted. */
export interface OutboxRow {
  readonly kind: "email" | "webhook" | "federation";
  readonly payload: string;
}

export interface WebhookSubscription {
  readonly id: string;
  readonly events: readonly string[];
}

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

/** Inserts prepared rows (federation messages, e-mails, webhook deliveries); nothing for none. */
export async function enqueueRows(tx: Tx, rows: readonly OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await insertOutboxRows(tx, rows);
}

export async function enqueueEmail(tx: Tx, message: EmailMessage): Promise<void> {
  await insertOutboxRows(tx, [emailRow(message)]);
}

/** One outbox row per active webhook of the agency subscribed to the event (or to `*`). */
export async function enqueueWebhook(tx: Tx, event: WebhookEvent): Promise<void> {
  await enqueueRows(tx, webhookRows(await activeWebhooks(tx, event.agencyId), event));
}

/** The outbox row of an e-mail (to insert in the transaction of the change it announces). */
export function emailRow(message: EmailMessage): OutboxRow {
  return { kind: "email", payload: JSON.stringify(message) };
}

/** The outbox rows of an event: one per webhook subscribed to it (or to `*`), stamped `at`. */
export function webhookRows(
  hooks: readonly WebhookSubscription[],
  event: WebhookEvent,
  at: Date = new Date(),
): OutboxRow[] {
  const rows: OutboxRow[] = [];
  for (const hook of hooks) {
    if (!hook.events.includes(event.event) && !hook.events.includes("*")) continue;
    const payload = { webhookId: hook.id, event: event.event, data: event.data, at: at.toISOString() };
    rows.push({ kind: "webhook", payload: JSON.stringify(payload) });
  }
  return rows;
}

/**
 * A message to a partner instance (server federation/protocol.ts delivers it, signed, and retries until the partner
 * takes it): POST `path` with `body` as JSON. `idempotencyKey` names the message for good, so a repeat after a lost
 * answer is recognised by the partner and not acted on twice.
 */
export interface FederationMessage {
  readonly peer: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly idempotencyKey: string;
  /** A local envelope whose audit trail goes with the message, attested by this instance (federation/attestation.ts). */
  readonly attestEnvelope?: string;
}

/** The outbox row of a message to a partner instance (to insert in the transaction of the change it carries). */
export function federationRow(message: FederationMessage): OutboxRow {
  return { kind: "federation", payload: JSON.stringify(message) };
}
