/**
 * The audit trail of an envelope: an append-only list of events, each carrying the hash of the one before, so
 * that editing, removing or reordering any stored event breaks the chain ({@link verifyChain}).
 *
 * `hash = SHA-256(prev_hash || canonical JSON of the event)`, hex; the first event's `prev_hash` is 64 zeros. The
 * canonical JSON has sorted keys and no whitespace and covers every column but the database's own `id`.
 *
 * Concurrency: {@link appendEvent} locks the envelope row (`select … for update`) before reading the last event,
 * so two transactions appending to one envelope are serialised and each links to the other's event; the
 * `unique (envelope_id, seq)` constraint is the backstop. Crash: the event is written in the caller's transaction,
 * with the state change it records, so there is never a change without its event nor an event without its change.
 */
import { createHash } from "node:crypto";
import type { Db, Tx } from "../db/connect.js";
import { eventsOf, insertEvent, lockTrail } from "./store.js";

/** What happened (the issue's list; the web and the certificate of completion name them). */
export type AuditEventType =
  | "created"
  | "sent"
  | "viewed"
  | "signed"
  | "approved"
  | "declined"
  | "completed"
  | "expired"
  | "voided"
  | "recipient_changed"
  | "reminded"
  | "downloaded";

export const GENESIS_HASH = "0".repeat(64);

/** Who did it: a user, or the platform itself (expiry, reminders) when null. */
export interface AuditActor {
  readonly userId: string | null;
  readonly email: string | null;
}

export interface AppendEventOptions {
  readonly envelopeId: string;
  readonly type: AuditEventType;
  readonly actor: AuditActor | null;
  /** The client's address as the server saw it (null for the platform's own events). */
  readonly ip?: string | null;
  /** The document revision the event concerns (e.g. the revision a signature produced). */
  readonly documentSha256?: string | null;
  readonly details?: Record<string, unknown>;
  /** When; now by default (millisecond precision, so it survives the database round trip exactly). */
  readonly at?: Date;
}

/** An event as stored and as the API shows it. */
export interface AuditEvent {
  readonly envelopeId: string;
  readonly seq: number;
  readonly type: string;
  readonly actorUserId: string | null;
  readonly actorEmail: string | null;
  readonly ip: string | null;
  /** ISO 8601. */
  readonly at: string;
  readonly documentSha256: string | null;
  readonly details: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

/** Appends an event inside `tx` (see the module comment); returns it. */
export async function appendEvent(tx: Tx, options: AppendEventOptions): Promise<AuditEvent> {
  const last = await lockTrail(tx, options.envelopeId);
  const [event] = chainEvents(last, [options]);
  await insertEvent(tx, eventRow(event!));
  return event!;
}

/**
 * Events of one envelope chained after `last` (its newest stored event, undefined for none), to be inserted with
 * {@link eventRow} in the same transaction. The caller must hold the envelope's row lock and have read `last` under
 * it (as {@link appendEvent} does), so that nobody appends in between.
 */
export function chainEvents(
  last: { readonly seq: number; readonly hash: string } | undefined,
  events: readonly AppendEventOptions[],
): AuditEvent[] {
  const out: AuditEvent[] = [];
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  for (const options of events) {
    const at = new Date(Math.floor((options.at ?? new Date()).getTime()));
    const body: Omit<AuditEvent, "hash"> = {
      envelopeId: options.envelopeId,
      seq: ++seq,
      type: options.type,
      actorUserId: options.actor?.userId ?? null,
      actorEmail: options.actor?.email ?? null,
      ip: options.ip ?? null,
      at: at.toISOString(),
      documentSha256: options.documentSha256 ?? null,
      details: options.details ?? {},
      prevHash,
    };
    const event: AuditEvent = { ...body, hash: eventHash(body) };
    out.push(event);
    prevHash = event.hash;
  }
  return out;
}

/** The `audit_events` row of an event. */
export function eventRow(event: AuditEvent) {
  return {
    envelope_id: event.envelopeId,
    seq: event.seq,
    type: event.type,
    actor_user_id: event.actorUserId,
    actor_email: event.actorEmail,
    ip: event.ip,
    at: new Date(event.at),
    document_sha256: event.documentSha256,
    details: JSON.stringify(event.details),
    prev_hash: event.prevHash,
    hash: event.hash,
  };
}

/** The events of an envelope in order. */
export async function listEvents(db: Db | Tx, envelopeId: string): Promise<AuditEvent[]> {
  const rows = await eventsOf(db, envelopeId);
  return rows.map((r) => ({
    envelopeId: r.envelope_id,
    seq: r.seq,
    type: r.type,
    actorUserId: r.actor_user_id,
    actorEmail: r.actor_email,
    ip: r.ip,
    at: r.at.toISOString(),
    documentSha256: r.document_sha256,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/** The result of {@link verifyChain}: intact, or the first event that does not fit and why. */
export type ChainVerification =
  | { readonly valid: true; readonly length: number }
  | { readonly valid: false; readonly seq: number; readonly reason: string };

/**
 * Checks that the events form one unbroken chain from the genesis hash: consecutive sequence numbers from 1, each
 * `prevHash` the hash of the event before, each `hash` recomputed from its content.
 */
export function verifyChain(events: readonly AuditEvent[]): ChainVerification {
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.seq !== i + 1) return { valid: false, seq: e.seq, reason: `expected event ${i + 1}, found ${e.seq}` };
    if (e.prevHash !== prev) return { valid: false, seq: e.seq, reason: "does not link to the event before it" };
    const { hash, ...body } = e;
    if (eventHash(body) !== hash) return { valid: false, seq: e.seq, reason: "its content does not match its hash" };
    prev = hash;
  }
  return { valid: true, length: events.length };
}

/** `SHA-256(prevHash || canonicalJson(event without hash))`, hex. */
export function eventHash(body: Omit<AuditEvent, "hash">): string {
  return createHash("sha256").update(body.prevHash).update(canonicalJson(body)).digest("hex");
}

/** JSON with object keys sorted at every level and no whitespace (one text for one value). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
