/**
 * The envelope's state machine as one pure function: {@link transition} takes the envelope as it was read, an action
 * and who acts, and returns the change — the envelope's new columns, the acting recipient's row, who is notified
 * next, the audit events and the outbox rows (e-mails, webhook deliveries, messages to partner instances) — or the
 * coded reason it is refused. It reads no database and no clock: every sending, signing (platform key, device key,
 * or a partner's returned revision), approval, decline, correction, void, expiry and a partner copy's end goes
 * through it, and store.applyChange writes what it returns in one statement guarded by the version it was computed
 * from (commit.ts), so two concurrent actions cannot both win.
 *
 * The states, for the record (the audit trail names them): an envelope is `draft`, `sent`, then `completed`,
 * `declined`, `expired` or `voided`; a recipient is `pending`, `notified`, `viewed`, then `signed`, `approved` or
 * `declined`. Signers and approvers act in routing order (sequential across orders, parallel within one); viewers
 * only look.
 */
import { createHash } from "node:crypto";
import type { AppendEventOptions } from "../audit/audit.js";
import type { RecipientRole } from "../db/schema.js";
import {
  emailRow,
  type OutboxRow,
  type WebhookEvent,
  type WebhookSubscription,
  webhookRows,
} from "../notify/outbox.js";
import type { EnvelopeErrorCode } from "./errors.js";
import { completionRows, offerRow, returnRow, withdrawalRows } from "./federation-messages.js";
import { invitations, mailTo, type Readers, type Sender } from "./notices.js";
import type { EnvelopeRow, RecipientRow } from "./store.js";

/** The roles that act (a viewer only looks). */
export const ACTING: readonly RecipientRole[] = ["signer", "approver"];
/** A recipient's statuses before they act. */
export const OPEN: readonly RecipientRow["status"][] = ["pending", "notified", "viewed"];

/** Everything a transition reads: the envelope, its recipients and what its notices need (store.envelopeState). */
export interface EnvelopeState {
  readonly envelope: EnvelopeRow;
  readonly recipients: readonly RecipientRow[];
  /** The current revision's bytes (offers, returns and completions carry it when no new revision is made). */
  readonly document: Uint8Array;
  /** The creating official's address (they hear of the outcome). */
  readonly creatorEmail: string;
  readonly sender: Sender;
  /** The owning agency's active webhooks. */
  readonly webhooks: readonly WebhookSubscription[];
  readonly readers: Readers;
}

/** Who acts: a person (their account, or a partner's recipient with no account here), or the platform (null). */
export interface Actor {
  readonly userId: string | null;
  readonly email: string;
  /** The client's address, for the audit trail. */
  readonly ip?: string | null;
  /** Their display name, if they have an account (notices name them). */
  readonly name?: string | null;
}

export type Action =
  | { readonly type: "send" }
  /** A signature made on the current revision: `document` is the new revision (B-LT, or B-LTA when last). */
  | {
      readonly type: "sign";
      readonly recipientId: string;
      readonly document: Uint8Array;
      readonly field: string | null;
      readonly details: Record<string, unknown>;
    }
  | { readonly type: "approve"; readonly recipientId: string }
  | {
      readonly type: "decline";
      readonly recipientId: string;
      readonly reason: string;
      readonly details?: Record<string, unknown>;
    }
  /** The owning agency replaces a recipient's address before they act (`userId`: the account that proved it). */
  | { readonly type: "correct"; readonly email: string; readonly newEmail: string; readonly userId: string | null }
  | { readonly type: "void"; readonly reason: string }
  | { readonly type: "expire" }
  /** Partner side: the owner's final document replaces the copy's, with the owner's attested trail. */
  | { readonly type: "finish-copy"; readonly document: Uint8Array; readonly ownerRecord: unknown }
  /** Partner side: the owner voided or expired the envelope. */
  | { readonly type: "withdraw-copy"; readonly outcome: "voided" | "expired"; readonly reason: string | null };

/** Columns of a row that a change sets (absent: unchanged). */
export interface EnvelopePatch {
  readonly status?: EnvelopeRow["status"];
  readonly current_sha256?: string;
  readonly completed_at?: Date;
  readonly sent_at?: Date;
}

export interface RecipientPatch {
  readonly status?: RecipientRow["status"];
  readonly acted_at?: Date;
  readonly signature_field?: string | null;
  readonly decline_reason?: string;
  readonly email?: string;
  readonly user_id?: string | null;
}

/** An outbox row; with `recipient`, queued only if that recipient is notified by the same change. */
export type ChangeRow = OutboxRow & { readonly recipient?: string };

export interface Change {
  readonly envelope: EnvelopePatch;
  /** A new revision to store (it becomes `current_sha256`). */
  readonly document?: { readonly sha256: string; readonly bytes: Uint8Array };
  /** The row of the recipient who acted (or was corrected); their device-signing sessions end with it. */
  readonly recipient?: { readonly id: string; readonly patch: RecipientPatch };
  /** Recipients asked to act now: `pending` ones become `notified`. */
  readonly notify: readonly string[];
  /** In order, chained after the envelope's newest event. */
  readonly events: readonly AppendEventOptions[];
  readonly outbox: readonly ChangeRow[];
}

export interface Refusal {
  readonly refused: EnvelopeErrorCode;
  readonly message: string;
}

/** The change `action` by `actor` makes to `state` at `now`, or why it may not happen. */
export function transition(state: EnvelopeState, action: Action, actor: Actor | null, now: Date): Change | Refusal {
  const { envelope } = state;
  switch (action.type) {
    case "send":
      if (envelope.status !== "draft") {
        return refuse("envelope_not_draft", `the envelope is ${envelope.status}; only a draft can be sent`);
      }
      return send(state, actor, now);
    case "sign":
    case "approve":
    case "decline": {
      const recipient = state.recipients.find((r) => r.id === action.recipientId);
      const refusal = recipient ? turnRefusal(state, recipient) : refuse("not_a_recipient", "no such recipient");
      if (refusal) return refusal;
      if (action.type === "decline") return decline(state, recipient!, action, actor, now);
      if ((action.type === "sign") !== (recipient!.role === "signer")) {
        return refuse("wrong_signing_method", "signers sign and approvers approve");
      }
      return act(state, recipient!, action, actor, now);
    }
    case "correct":
      return correct(state, action, actor, now);
    case "void":
      if (envelope.status !== "sent") {
        return refuse("envelope_not_sent", `the envelope is ${envelope.status}; only a sent one can be voided`);
      }
      return end(state, "voided", actor, now, action.reason);
    case "expire":
      if (envelope.status !== "sent" || !envelope.expires_at || envelope.expires_at > now) {
        return refuse("envelope_not_sent", "the envelope is not waiting past its expiry");
      }
      return end(state, "expired", null, now, null);
    case "finish-copy":
      return finishCopy(state, action, now);
    case "withdraw-copy":
      if (envelope.status !== "sent") return refuse("envelope_not_sent", `the copy is ${envelope.status} already`);
      return {
        envelope: { status: action.outcome },
        notify: [],
        events: [
          event(state, action.outcome, null, now, {
            origin: envelope.origin?.instance,
            ...(action.reason && { reason: action.reason }),
          }),
        ],
        outbox: [],
      };
  }
}

export function isRefusal(outcome: Change | Refusal): outcome is Refusal {
  return "refused" in outcome;
}

/** The lowest routing order with a signer or approver still to act; null when everyone has. */
export function currentOrder(
  recipients: readonly Pick<RecipientRow, "role" | "status" | "routing_order">[],
): number | null {
  const open = recipients.filter((r) => ACTING.includes(r.role) && OPEN.includes(r.status));
  return open.length ? Math.min(...open.map((r) => r.routing_order)) : null;
}

/** Whether `recipient` is the last signer or approver still to act. */
export function isLastToAct(recipients: readonly RecipientRow[], recipient: Pick<RecipientRow, "id">): boolean {
  return recipients.every((r) => r.id === recipient.id || !ACTING.includes(r.role) || !OPEN.includes(r.status));
}

/** Why `recipient` may not act now on `state`'s envelope, if they may not. */
export function turnRefusal(
  state: Pick<EnvelopeState, "envelope" | "recipients">,
  recipient: RecipientRow,
): Refusal | undefined {
  if (!ACTING.includes(recipient.role)) return refuse("not_a_recipient", "viewers do not act on an envelope");
  if (recipient.status === "declined") return refuse("already_declined", "you have declined this envelope");
  if (!OPEN.includes(recipient.status)) return refuse("already_signed", "you have already acted on this envelope");
  const { status } = state.envelope;
  if (status === "draft") return refuse("envelope_not_sent", "the envelope has not been sent yet");
  if (status !== "sent") return refuse("envelope_not_sent", `the envelope is ${status}; nothing more can be done`);
  const order = currentOrder(state.recipients);
  if (recipient.routing_order !== order) {
    return refuse("not_your_turn", `recipients of routing order ${order} act before you`);
  }
  return undefined;
}

function refuse(code: EnvelopeErrorCode, message: string): Refusal {
  return { refused: code, message };
}

function event(
  state: EnvelopeState,
  type: AppendEventOptions["type"],
  actor: Actor | null,
  at: Date,
  details?: Record<string, unknown>,
  documentSha256?: string,
): AppendEventOptions {
  return {
    envelopeId: state.envelope.id,
    type,
    actor: actor && { userId: actor.userId, email: actor.email },
    ip: actor?.ip,
    ...(documentSha256 !== undefined && { documentSha256 }),
    ...(details && { details }),
    at,
  };
}

function webhooks(state: EnvelopeState, event: string, data: WebhookEvent["data"], at: Date): OutboxRow[] {
  return webhookRows(state.webhooks, { agencyId: state.envelope.agency_id, event, data }, at);
}

/** The requests to act: an e-mail each, or an offer of `document` to the partner instance a recipient lives on. */
function asked(state: EnvelopeState, recipients: readonly RecipientRow[], document: Uint8Array): ChangeRow[] {
  const { envelope } = state;
  const local = recipients.filter((r) => !r.instance);
  const mails = invitations(state.readers, envelope, state.sender, local);
  const offer = {
    id: envelope.id,
    title: envelope.title,
    message: envelope.message,
    registerCode: envelope.register_code,
    expiresAt: envelope.expires_at,
  };
  return [
    ...local.map((r, i) => ({ ...emailRow(mails[i]!), recipient: r.id })),
    ...recipients
      .filter((r) => r.instance)
      .map((r) =>
        offerRow(offer, { id: r.id, email: r.email, instance: r.instance!, order: r.routing_order }, document, {
          name: state.sender.name,
          email: state.sender.email,
          agency: state.sender.agency as Record<string, string>,
        }),
      ),
  ];
}

function send(state: EnvelopeState, actor: Actor | null, now: Date): Change {
  const first = currentOrder(state.recipients);
  const notify = state.recipients.filter(
    (r) => r.role === "viewer" || (first !== null && r.routing_order === first && ACTING.includes(r.role)),
  );
  const { envelope } = state;
  return {
    envelope: { status: "sent", sent_at: now },
    notify: notify.map((r) => r.id),
    events: [event(state, "sent", actor, now)],
    outbox: [
      ...asked(state, notify, state.document),
      ...webhooks(
        state,
        "envelope.sent",
        { envelopeId: envelope.id, title: envelope.title, recipients: notify.map((r) => r.email) },
        now,
      ),
    ],
  };
}

/**
 * A signer signed or an approver approved: their row, the event, the next routing order asked to act, and — when
 * nobody is left — completion (on a partner's copy: the signed revision goes back to the owner instead).
 */
function act(
  state: EnvelopeState,
  recipient: RecipientRow,
  action: Extract<Action, { type: "sign" | "approve" }>,
  actor: Actor | null,
  now: Date,
): Change {
  const { envelope, recipients } = state;
  const signed = action.type === "sign";
  const document = signed ? action.document : state.document;
  const sha256 = signed ? createHash("sha256").update(document).digest("hex") : envelope.current_sha256;
  const status = signed ? ("signed" as const) : ("approved" as const);
  const patch: RecipientPatch = { status, acted_at: now, ...(signed && { signature_field: action.field }) };
  const after = recipients.map((r) => (r.id === recipient.id ? { ...r, status } : r));
  const events = [
    event(state, status, actor, now, { recipient: recipient.email, ...(signed ? action.details : {}) }, sha256),
  ];
  const outbox: ChangeRow[] = webhooks(
    state,
    `envelope.${status}`,
    { envelopeId: envelope.id, by: recipient.email, documentSha256: sha256 },
    now,
  );
  const change = {
    ...(signed && { document: { sha256, bytes: document } }),
    recipient: { id: recipient.id, patch },
    events,
    outbox,
  };
  const next = currentOrder(after);
  const completed = { current_sha256: sha256, status: "completed" as const, completed_at: now };
  if (next === null && envelope.origin) {
    // A partner's copy: the signed revision goes back to the owner, who carries the workflow on.
    outbox.push(returnRow(envelope.origin, envelope.id, { signed: document }));
    return { ...change, envelope: completed, notify: [] };
  }
  if (next === null) {
    outbox.push(...completionRows(envelope.id, recipients, document));
    events.push(event(state, "completed", null, now, { originalSha256: envelope.original_sha256 }, sha256));
    // People on partner instances hear from their own instance (the completion goes there).
    const to = [state.creatorEmail, ...recipients.filter((r) => !r.instance).map((r) => r.email)];
    const notice = { kind: "completed", envelopeId: envelope.id, title: envelope.title } as const;
    outbox.push(...mailTo(state.readers, to, notice).map(emailRow));
    outbox.push(
      ...webhooks(
        state,
        "envelope.completed",
        { envelopeId: envelope.id, documentSha256: sha256, registerCode: envelope.register_code },
        now,
      ),
    );
    return { ...change, envelope: completed, notify: [] };
  }
  let notify: RecipientRow[] = [];
  if (next !== currentOrder(recipients)) {
    // Those still pending are asked (the store re-checks: a first view may come in between).
    notify = after.filter((r) => r.routing_order === next && ACTING.includes(r.role) && r.status === "pending");
    outbox.push(...asked(state, notify, document));
  }
  return { ...change, envelope: { current_sha256: sha256 }, notify: notify.map((r) => r.id) };
}

/** `recipient` declines: the envelope stops, and the others who were told and the sender hear of it. */
function decline(
  state: EnvelopeState,
  recipient: RecipientRow,
  action: Extract<Action, { type: "decline" }>,
  actor: Actor | null,
  now: Date,
): Change {
  const { envelope } = state;
  const { reason } = action;
  const change = {
    envelope: { status: "declined" as const },
    recipient: { id: recipient.id, patch: { status: "declined" as const, decline_reason: reason, acted_at: now } },
    notify: [],
    events: [event(state, "declined", actor, now, { reason, recipient: recipient.email, ...action.details })],
  };
  if (envelope.origin) return { ...change, outbox: [returnRow(envelope.origin, envelope.id, { declined: reason })] };
  const others = state.recipients.filter((r) => r.id !== recipient.id && r.status !== "pending" && !r.instance);
  const declinedBy = actor?.name || actor?.email || "";
  const notice = { kind: "declined", envelopeId: envelope.id, title: envelope.title, declinedBy, reason } as const;
  return {
    ...change,
    outbox: [
      ...mailTo(state.readers, [...others.map((r) => r.email), state.creatorEmail], notice).map(emailRow),
      ...webhooks(state, "envelope.declined", { envelopeId: envelope.id, by: actor?.email, reason }, now),
    ],
  };
}

/** The owning agency ends a sent envelope (`voided`, with a reason) or its deadline does (`expired`). */
function end(
  state: EnvelopeState,
  outcome: "voided" | "expired",
  actor: Actor | null,
  now: Date,
  reason: string | null,
): Change {
  const { envelope, recipients } = state;
  const reached = recipients.filter((r) => r.status !== "pending").map((r) => r.email);
  const withdrawals = withdrawalRows(envelope.id, recipients, outcome, reason);
  if (outcome === "expired") {
    const notice = { kind: "expired", envelopeId: envelope.id, title: envelope.title } as const;
    return {
      envelope: { status: "expired" },
      notify: [],
      events: [event(state, "expired", null, now, { expiresAt: envelope.expires_at?.toISOString() })],
      outbox: [
        ...withdrawals,
        ...mailTo(state.readers, [state.creatorEmail, ...reached], notice).map(emailRow),
        ...webhooks(state, "envelope.expired", { envelopeId: envelope.id }, now),
      ],
    };
  }
  const voidedBy = actor?.name || actor?.email || "";
  const notice = { kind: "voided", envelopeId: envelope.id, title: envelope.title, voidedBy, reason: reason! } as const;
  return {
    envelope: { status: "voided" },
    notify: [],
    events: [event(state, "voided", actor, now, { reason })],
    outbox: [
      ...mailTo(state.readers, reached, notice).map(emailRow),
      ...webhooks(state, "envelope.voided", { envelopeId: envelope.id, reason }, now),
      ...withdrawals,
    ],
  };
}

function correct(
  state: EnvelopeState,
  action: Extract<Action, { type: "correct" }>,
  actor: Actor | null,
  now: Date,
): Change | Refusal {
  const { envelope, recipients } = state;
  if (envelope.status !== "draft" && envelope.status !== "sent") {
    return refuse("envelope_not_sent", `the envelope is ${envelope.status}; nothing can be corrected`);
  }
  const recipient = recipients.find((r) => r.email.toLowerCase() === action.email.toLowerCase());
  if (!recipient) return refuse("not_a_recipient", "no such recipient on this envelope");
  if (!OPEN.includes(recipient.status)) {
    return refuse("already_signed", "this recipient has acted already; their entry cannot change");
  }
  const newEmail = action.newEmail;
  if (recipients.some((r) => r.id !== recipient.id && r.email.toLowerCase() === newEmail.toLowerCase())) {
    return refuse("invalid_request", `${newEmail} is a recipient already`);
  }
  // Reached already: the new address is asked at once (and the old one's signing sessions end with the change).
  const reached = recipient.status !== "pending";
  return {
    envelope: {},
    recipient: {
      id: recipient.id,
      patch: { email: newEmail, user_id: action.userId, status: reached ? "notified" : "pending" },
    },
    notify: [],
    events: [event(state, "recipient_changed", actor, now, { from: recipient.email, to: newEmail })],
    outbox: reached
      ? invitations(state.readers, envelope, state.sender, [{ ...recipient, email: newEmail }]).map(emailRow)
      : [],
  };
}

function finishCopy(state: EnvelopeState, action: Extract<Action, { type: "finish-copy" }>, now: Date): Change {
  const { envelope } = state;
  const sha256 = createHash("sha256").update(action.document).digest("hex");
  const details = { origin: envelope.origin?.instance, final: true, partnerRecord: action.ownerRecord };
  return {
    envelope: { current_sha256: sha256, status: "completed", completed_at: envelope.completed_at ?? now },
    document: { sha256, bytes: action.document },
    notify: [],
    events: [event(state, "completed", null, now, details, sha256)],
    outbox: [],
  };
}
