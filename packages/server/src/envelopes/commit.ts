/**
 * How a state change is made: read the envelope's state in one query (store.envelopeState), compute the change
 * (transitions.ts, pure), apply it in one statement guarded by the version and the newest audit event it was
 * computed from (store.applyChange). When the guard fails because only an audit event was appended meanwhile (a
 * download, a view: the version is the same), the change is computed again on the fresh state and applied; when
 * the envelope itself changed since `expectedVersion`, the caller's decision is stale: `concurrent_change`.
 *
 * Crash: before the statement nothing is visible; after it, the revision, the rows, the events and the outbox rows
 * are all there.
 */
import { chainEvents } from "../audit/audit.js";
import type { Db, Tx } from "../db/connect.js";
import { type Caller, clock, type EnvelopeContext } from "./context.js";
import { EnvelopeError } from "./errors.js";
import type { EnvelopeRow, RecipientRow, StoredState } from "./store.js";
import * as store from "./store.js";
import { type Action, type Actor, type EnvelopeState, isRefusal, transition } from "./transitions.js";

const ATTEMPTS = 3;

/** The envelope and its recipients as the change left them. */
export interface Committed {
  readonly envelope: EnvelopeRow;
  readonly recipients: RecipientRow[];
}

export async function commit(options: {
  readonly db: Db | Tx;
  readonly publicUrl: string | undefined;
  readonly envelopeId: string;
  /** The version the caller decided on (e.g. signed the revision of); absent: whatever is current. */
  readonly expectedVersion?: number;
  readonly action: Action;
  readonly actor: Omit<Actor, "name"> | null;
  readonly now: Date;
  /** The state read already (a platform-key signature's snapshot); read here otherwise. */
  readonly state?: StoredState;
  /** Addresses beyond the envelope's people whose language the change's e-mails need. */
  readonly addresses?: readonly string[];
}): Promise<Committed> {
  const { db, envelopeId, actor, now } = options;
  const read = () => store.envelopeState(db, envelopeId, { userId: actor?.userId, now, addresses: options.addresses });
  let stored = options.state ?? (await read());
  for (let attempt = 1; ; attempt++) {
    if (!stored) throw new EnvelopeError("not_found", "no such envelope");
    if (options.expectedVersion !== undefined && stored.envelope.version !== options.expectedVersion) break;
    const outcome = transition(
      stateOf(stored, options.publicUrl),
      options.action,
      actor && { ...actor, name: stored.actorName },
      now,
    );
    if (isRefusal(outcome)) throw new EnvelopeError(outcome.refused, outcome.message);
    const applied = await store.applyChange(db, {
      envelopeId,
      expectedVersion: stored.envelope.version,
      lastSeq: stored.lastEvent?.seq ?? 0,
      envelope: outcome.envelope,
      document: outcome.document,
      recipient: outcome.recipient,
      notify: outcome.notify,
      events: chainEvents(stored.lastEvent, outcome.events).map(store.eventRecord),
      outbox: outcome.outbox,
    });
    if (applied) {
      const { recipient } = outcome;
      const recipients = stored.recipients.map((r) => {
        const changed = r.id === recipient?.id ? { ...r, ...recipient.patch } : r;
        return applied.notified.has(r.id) ? { ...changed, status: "notified" as const } : changed;
      });
      return { envelope: applied.envelope, recipients };
    }
    if (attempt === ATTEMPTS) break;
    stored = await read();
  }
  throw new EnvelopeError("concurrent_change", "the envelope changed meanwhile; try again");
}

/** A transition's input from what the store read. */
export function stateOf(stored: StoredState, publicUrl: string | undefined): EnvelopeState {
  return {
    envelope: stored.envelope,
    recipients: stored.recipients,
    document: stored.document,
    creatorEmail: stored.creatorEmail,
    sender: stored.sender,
    webhooks: stored.webhooks,
    readers: { locales: stored.locales, publicUrl: publicUrl ?? "" },
  };
}

/**
 * `caller`'s action on `envelope` as read (its version is the one the decision was based on), made through the one
 * transition function (transitions.ts) and committed in one guarded statement (commit.ts).
 */
export function change(
  ctx: Pick<EnvelopeContext, "db" | "publicUrl" | "now">,
  caller: Caller | null,
  envelope: EnvelopeRow,
  action: Action,
  state?: store.StoredState,
  addresses?: readonly string[],
): Promise<Committed> {
  return commit({
    db: ctx.db,
    publicUrl: ctx.publicUrl,
    envelopeId: envelope.id,
    expectedVersion: envelope.version,
    action,
    actor: caller && { userId: caller.userId, email: caller.email, ip: caller.ip },
    now: clock(ctx),
    state,
    addresses,
  });
}
