/**
 * The envelope's state machine alone (envelopes/transitions.ts): a table of state × action → result, with no
 * database and no clock — what each action changes, which notices it queues, and which it refuses with which code.
 * The workflow tests (envelopes-workflow, federation-envelopes) prove the same through the HTTP API and the store.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import type { EnvelopeOrigin } from "../src/db/schema.js";
import type { EnvelopeRow, RecipientRow } from "../src/envelopes/store.js";
import {
  type Action,
  type Actor,
  type Change,
  currentOrder,
  type EnvelopeState,
  isRefusal,
  type Refusal,
  transition,
} from "../src/envelopes/transitions.js";

const NOW = new Date("2026-06-01T10:00:00.000Z");
const ENVELOPE_ID = "11111111-1111-4111-8111-111111111111";
const DOCUMENT = new TextEncoder().encode("%PDF-1.7 current revision");
const SIGNED = new TextEncoder().encode("%PDF-1.7 current revision + a signature");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const ALICE: Actor = { userId: "a0000000-0000-4000-8000-000000000001", email: "alice@mofa.example", name: "Alice" };
const SENDER: Actor = { userId: "a0000000-0000-4000-8000-00000000000f", email: "sender@mofa.example", name: "Sam" };

function envelope(overrides: Partial<EnvelopeRow> = {}): EnvelopeRow {
  return {
    id: ENVELOPE_ID,
    agency_id: "a9000000-0000-4000-8000-000000000000",
    created_by: SENDER.userId!,
    title: "Memorandum",
    status: "sent",
    original_sha256: "0".repeat(64),
    current_sha256: sha256(DOCUMENT),
    register_code: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    expires_at: null,
    reminder_every: null,
    message: null,
    last_reminded_at: null,
    created_at: new Date("2026-05-01T00:00:00Z"),
    sent_at: new Date("2026-05-01T00:00:00Z"),
    completed_at: null,
    version: 3,
    origin: null,
    ...overrides,
  };
}

let ids = 0;
function recipient(
  email: string,
  role: RecipientRow["role"],
  order: number,
  status: RecipientRow["status"],
  extra: Partial<RecipientRow> = {},
): RecipientRow {
  ids++;
  return {
    id: `r0000000-0000-4000-8000-${String(ids).padStart(12, "0")}`,
    envelope_id: ENVELOPE_ID,
    email,
    user_id: null,
    role,
    routing_order: order,
    status,
    decline_reason: null,
    signature_field: null,
    acted_at: null,
    envelope_created_at: new Date("2026-05-01T00:00:00Z"),
    instance: null,
    ...extra,
  };
}

function state(env: EnvelopeRow, recipients: RecipientRow[], webhooks = [{ id: "w1", events: ["*"] }]): EnvelopeState {
  return {
    envelope: env,
    recipients,
    document: DOCUMENT,
    creatorEmail: SENDER.email,
    sender: { name: "Sam", email: SENDER.email, agency: { en: "Ministry", ja: "省" } },
    webhooks,
    readers: { locales: new Map([["bob@mofa.example", "ja"]]), publicUrl: "https://khatam.example" },
  };
}

function changed(outcome: Change | Refusal): Change {
  if (isRefusal(outcome)) assert.fail(`refused: ${outcome.refused} (${outcome.message})`);
  return outcome;
}

function refused(outcome: Change | Refusal): string {
  assert.ok(isRefusal(outcome), "expected a refusal");
  return outcome.refused;
}

/** The outbox rows as [kind, what] pairs: the e-mail's address, the webhook's event, the federation message's path. */
function outbox(change: Change): string[] {
  return change.outbox.map((row) => {
    const payload = JSON.parse(row.payload);
    if (row.kind === "email") return `email ${payload.to}`;
    if (row.kind === "webhook") return `webhook ${payload.event}`;
    return `federation ${payload.path}`;
  });
}

describe("envelope transitions", () => {
  test("a signature in a routing order that others still hold: the row, the event, a webhook; nobody new asked", () => {
    const alice = recipient("alice@mofa.example", "signer", 1, "viewed", { user_id: ALICE.userId });
    const carol = recipient("carol@mofa.example", "signer", 1, "notified");
    const bob = recipient("bob@mofa.example", "signer", 2, "pending");
    const action: Action = { type: "sign", recipientId: alice.id, document: SIGNED, field: "Sig1", details: { x: 1 } };
    const change = changed(transition(state(envelope(), [alice, carol, bob]), action, ALICE, NOW));
    assert.deepEqual(change.envelope, { current_sha256: sha256(SIGNED) });
    assert.deepEqual(change.document, { sha256: sha256(SIGNED), bytes: SIGNED });
    assert.deepEqual(change.recipient, {
      id: alice.id,
      patch: { status: "signed", acted_at: NOW, signature_field: "Sig1" },
    });
    assert.deepEqual(change.notify, []);
    assert.deepEqual(
      change.events.map((e) => [e.type, e.documentSha256, e.details]),
      [["signed", sha256(SIGNED), { recipient: alice.email, x: 1 }]],
    );
    assert.deepEqual(outbox(change), ["webhook envelope.signed"]);
  });

  test("the last of a routing order: the next order is asked (e-mail in its reader's language, offer to a partner)", () => {
    const alice = recipient("alice@mofa.example", "approver", 1, "notified", { user_id: ALICE.userId });
    const bob = recipient("bob@mofa.example", "signer", 2, "pending");
    const remote = recipient("dan@mofa.sa.example", "signer", 2, "pending", { instance: "sa.example" });
    const viewer = recipient("vic@mofa.example", "viewer", 3, "notified");
    const change = changed(
      transition(
        state(envelope(), [alice, bob, remote, viewer]),
        { type: "approve", recipientId: alice.id },
        ALICE,
        NOW,
      ),
    );
    assert.deepEqual(change.envelope, { current_sha256: sha256(DOCUMENT) });
    assert.equal(change.document, undefined, "an approval makes no revision");
    assert.deepEqual(change.recipient?.patch, { status: "approved", acted_at: NOW });
    assert.deepEqual(change.notify, [bob.id, remote.id]);
    assert.deepEqual(outbox(change), [
      "webhook envelope.approved",
      "email bob@mofa.example",
      "federation /federation/v1/offers",
    ]);
    // Asked only if still pending when the change is applied (the store checks): each row names its recipient.
    assert.deepEqual(
      change.outbox.slice(1).map((r) => r.recipient),
      [bob.id, remote.id],
    );
    const mail = JSON.parse(change.outbox[1]!.payload);
    assert.match(mail.text, /Sam \(省\)/, "the invitation names the sender's agency in the reader's language");
    const offer = JSON.parse(change.outbox[2]!.payload);
    assert.equal(offer.body.documentSha256, sha256(DOCUMENT), "the offer carries the current revision");
  });

  test("the last signature completes: B-LTA revision current, completion event, mail, webhook, partners told", () => {
    const alice = recipient("alice@mofa.example", "signer", 1, "viewed", { user_id: ALICE.userId });
    const remote = recipient("dan@mofa.sa.example", "signer", 1, "signed", { instance: "sa.example" });
    const viewer = recipient("vic@mofa.example", "viewer", 1, "notified");
    const action: Action = { type: "sign", recipientId: alice.id, document: SIGNED, field: "Sig2", details: {} };
    const change = changed(transition(state(envelope(), [alice, remote, viewer]), action, ALICE, NOW));
    assert.deepEqual(change.envelope, { current_sha256: sha256(SIGNED), status: "completed", completed_at: NOW });
    assert.deepEqual(
      change.events.map((e) => e.type),
      ["signed", "completed"],
    );
    assert.equal(change.events[1]!.actor, null, "the platform completes");
    assert.deepEqual(outbox(change), [
      "webhook envelope.signed",
      "federation /federation/v1/completions",
      "email sender@mofa.example",
      "email alice@mofa.example",
      "email vic@mofa.example",
      "webhook envelope.completed",
    ]);
  });

  test("on a partner's copy the last signature goes back to the owner instead of completing here", () => {
    const origin: EnvelopeOrigin = {
      instance: "jp.example",
      envelopeId: "22222222-2222-4222-8222-222222222222",
      offerId: "33333333-3333-4333-8333-333333333333",
      sender: { name: "Aiko", email: "aiko@jp.example", agency: { en: "Digital Agency" } },
    };
    const alice = recipient("alice@mofa.example", "signer", 1, "notified", { user_id: ALICE.userId });
    const action: Action = { type: "sign", recipientId: alice.id, document: SIGNED, field: "Sig1", details: {} };
    const change = changed(transition(state(envelope({ origin }), [alice]), action, ALICE, NOW));
    assert.equal(change.envelope.status, "completed");
    assert.deepEqual(
      change.events.map((e) => e.type),
      ["signed"],
    );
    assert.deepEqual(outbox(change), ["webhook envelope.signed", "federation /federation/v1/returns"]);
    assert.equal(JSON.parse(change.outbox[1]!.payload).body.outcome, "signed");
  });

  test("a decline stops the envelope; those reached and the sender hear of it, by the decliner's name", () => {
    const alice = recipient("alice@mofa.example", "signer", 2, "viewed", { user_id: ALICE.userId });
    const bob = recipient("bob@mofa.example", "signer", 1, "signed");
    const later = recipient("eve@mofa.example", "signer", 3, "pending");
    const action: Action = { type: "decline", recipientId: alice.id, reason: "wrong date" };
    const change = changed(transition(state(envelope(), [alice, bob, later]), action, ALICE, NOW));
    assert.deepEqual(change.envelope, { status: "declined" });
    assert.deepEqual(change.recipient?.patch, { status: "declined", decline_reason: "wrong date", acted_at: NOW });
    assert.deepEqual(change.events[0]!.details, { reason: "wrong date", recipient: alice.email });
    assert.deepEqual(outbox(change), [
      "email bob@mofa.example",
      "email sender@mofa.example",
      "webhook envelope.declined",
    ]);
    assert.match(JSON.parse(change.outbox[1]!.payload).text, /Alice/);
  });

  test("a partner's decline on the owner is recorded with the partner's details", () => {
    const remote = recipient("dan@mofa.sa.example", "signer", 1, "notified", { instance: "sa.example" });
    const partner: Actor = { userId: null, email: remote.email };
    const action: Action = { type: "decline", recipientId: remote.id, reason: "no", details: { instance: "sa" } };
    const change = changed(transition(state(envelope(), [remote]), action, partner, NOW));
    assert.deepEqual(change.events[0]!.details, { reason: "no", recipient: remote.email, instance: "sa" });
    assert.deepEqual(change.events[0]!.actor, { userId: null, email: remote.email });
    assert.deepEqual(outbox(change), ["email sender@mofa.example", "webhook envelope.declined"]);
  });

  test("expiry, void and send", () => {
    const remote = recipient("dan@mofa.sa.example", "signer", 1, "notified", { instance: "sa.example" });
    const later = recipient("eve@mofa.example", "signer", 2, "pending");
    const past = envelope({ expires_at: new Date("2026-05-31T00:00:00Z") });
    const expired = changed(transition(state(past, [remote, later]), { type: "expire" }, null, NOW));
    assert.deepEqual(expired.envelope, { status: "expired" });
    assert.deepEqual(outbox(expired), [
      "federation /federation/v1/withdrawals",
      "email sender@mofa.example",
      "email dan@mofa.sa.example",
      "webhook envelope.expired",
    ]);
    const voided = changed(transition(state(envelope(), [remote, later]), { type: "void", reason: "r" }, SENDER, NOW));
    assert.deepEqual(voided.envelope, { status: "voided" });
    assert.deepEqual(outbox(voided), [
      "email dan@mofa.sa.example",
      "webhook envelope.voided",
      "federation /federation/v1/withdrawals",
    ]);
    const draft = envelope({ status: "draft", sent_at: null });
    const first = recipient("bob@mofa.example", "signer", 1, "pending");
    const viewer = recipient("vic@mofa.example", "viewer", 5, "pending");
    const sent = changed(transition(state(draft, [first, later, viewer]), { type: "send" }, SENDER, NOW));
    assert.deepEqual(sent.envelope, { status: "sent", sent_at: NOW });
    assert.deepEqual(sent.notify, [first.id, viewer.id]);
    assert.deepEqual(outbox(sent), ["email bob@mofa.example", "email vic@mofa.example", "webhook envelope.sent"]);
  });

  test("a correction replaces the address; one already asked is asked again at the new address", () => {
    const bob = recipient("bob@mofa.example", "signer", 1, "notified");
    const action: Action = { type: "correct", email: "BOB@mofa.example", newEmail: "rob@mofa.example", userId: null };
    const change = changed(transition(state(envelope(), [bob]), action, SENDER, NOW));
    assert.deepEqual(change.recipient, {
      id: bob.id,
      patch: { email: "rob@mofa.example", user_id: null, status: "notified" },
    });
    assert.deepEqual(change.events[0]!.details, { from: "bob@mofa.example", to: "rob@mofa.example" });
    assert.deepEqual(outbox(change), ["email rob@mofa.example"]);
  });

  test("a partner copy's end: the owner's final document, or its withdrawal", () => {
    const copy = envelope({ origin: { instance: "jp.example" } as EnvelopeOrigin, status: "completed" });
    const final = changed(
      transition(state(copy, []), { type: "finish-copy", document: SIGNED, ownerRecord: 1 }, null, NOW),
    );
    assert.deepEqual(final.envelope, { current_sha256: sha256(SIGNED), status: "completed", completed_at: NOW });
    assert.deepEqual(final.events[0]!.details, { origin: "jp.example", final: true, partnerRecord: 1 });
    const open = envelope({ origin: { instance: "jp.example" } as EnvelopeOrigin });
    const withdrawal: Action = { type: "withdraw-copy", outcome: "voided", reason: "gone" };
    assert.deepEqual(changed(transition(state(open, []), withdrawal, null, NOW)).envelope, { status: "voided" });
    assert.equal(refused(transition(state(copy, []), withdrawal, null, NOW)), "envelope_not_sent");
  });

  // state × action → the refusal's code (which the routes map to an HTTP status).
  const a1 = () => recipient("alice@mofa.example", "signer", 1, "notified", { user_id: ALICE.userId });
  const refusals: [string, EnvelopeRow, () => RecipientRow[], (rs: RecipientRow[]) => Action, string][] = [
    ["sign on a draft", envelope({ status: "draft" }), () => [a1()], signBy(0), "envelope_not_sent"],
    ["sign on a voided envelope", envelope({ status: "voided" }), () => [a1()], signBy(0), "envelope_not_sent"],
    ["sign twice", envelope(), () => [a1(), { ...a1(), status: "signed" }], signBy(1), "already_signed"],
    ["sign after declining", envelope(), () => [{ ...a1(), status: "declined" }], signBy(0), "already_declined"],
    [
      "sign before one's turn",
      envelope(),
      () => [a1(), recipient("bob@mofa.example", "signer", 2, "pending")],
      signBy(1),
      "not_your_turn",
    ],
    ["an approver signs", envelope(), () => [{ ...a1(), role: "approver" }], signBy(0), "wrong_signing_method"],
    [
      "a signer approves",
      envelope(),
      () => [a1()],
      (rs) => ({ type: "approve", recipientId: rs[0]!.id }),
      "wrong_signing_method",
    ],
    ["a viewer declines", envelope(), () => [{ ...a1(), role: "viewer" }], declineBy(0), "not_a_recipient"],
    ["send a sent envelope", envelope(), () => [a1()], () => ({ type: "send" }), "envelope_not_draft"],
    [
      "void a completed envelope",
      envelope({ status: "completed" }),
      () => [a1()],
      () => ({ type: "void", reason: "r" }),
      "envelope_not_sent",
    ],
    [
      "expire before the deadline",
      envelope({ expires_at: new Date("2026-07-01T00:00:00Z") }),
      () => [a1()],
      () => ({ type: "expire" }),
      "envelope_not_sent",
    ],
    ["expire without a deadline", envelope(), () => [a1()], () => ({ type: "expire" }), "envelope_not_sent"],
    [
      "correct one who signed",
      envelope(),
      () => [{ ...a1(), status: "signed" }],
      () => ({ type: "correct", email: "alice@mofa.example", newEmail: "x@mofa.example", userId: null }),
      "already_signed",
    ],
    [
      "correct to an address already named",
      envelope(),
      () => [a1(), recipient("bob@mofa.example", "signer", 2, "pending")],
      () => ({ type: "correct", email: "alice@mofa.example", newEmail: "Bob@mofa.example", userId: null }),
      "invalid_request",
    ],
  ];
  for (const [name, env, recipients, action, code] of refusals) {
    test(`refused: ${name} → ${code}`, () => {
      const rs = recipients();
      assert.equal(refused(transition(state(env, rs), action(rs), ALICE, NOW)), code);
    });
  }

  test("the current routing order is the lowest with a signer or approver still to act", () => {
    assert.equal(currentOrder([recipient("a@x", "viewer", 1, "pending"), recipient("b@x", "signer", 2, "pending")]), 2);
    assert.equal(currentOrder([recipient("a@x", "signer", 1, "signed")]), null);
  });
});

function signBy(i: number) {
  return (rs: RecipientRow[]): Action => ({
    type: "sign",
    recipientId: rs[i]!.id,
    document: SIGNED,
    field: null,
    details: {},
  });
}

function declineBy(i: number) {
  return (rs: RecipientRow[]): Action => ({ type: "decline", recipientId: rs[i]!.id, reason: "no" });
}
