/**
 * Routing an envelope (issue items 4 and 5): an agency uploads a PDF and names its recipients in routing order
 * (signers and approvers act in order, sequential across orders and parallel within one; viewers look), sends it,
 * and, while it is out, may correct a recipient's address, remind those whose turn it is, or void it. Each state
 * change is a transition (transitions.ts) committed in one guarded statement (commit.ts).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { appendEvent } from "../audit/audit.js";
import type { Db } from "../db/connect.js";
import { putDocument } from "../db/documents.js";
import type { RecipientRole } from "../db/schema.js";
import { change } from "./commit.js";
import {
  type Caller,
  clock,
  type EnvelopeContext,
  type EnvelopeRequest,
  MAX_REASON_LENGTH,
  registerUrl,
} from "./context.js";
import { EnvelopeError } from "./errors.js";
import { type FieldInput, placeFields, planFields } from "./fields.js";
import { getEnvelope, visibleEnvelope } from "./reading.js";
import { remind } from "./scheduled.js";
import type { CreatedEnvelope, EnvelopeView, RemindedEnvelope } from "./schemas.js";
import * as store from "./store.js";
import { ACTING } from "./transitions.js";

export interface RecipientInput {
  readonly email: string;
  readonly role: RecipientRole;
  readonly order: number;
  /** A partner instance the recipient lives on (federation): they sign there, with their own country's keys. */
  readonly instance?: string;
}

export async function createEnvelope(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly title: string;
  readonly recipients: readonly RecipientInput[];
  readonly pdf: Uint8Array;
  readonly expiresAt?: Date;
  readonly reminderEveryHours?: number;
  /** The sender's words to the recipients, sent with the invitation and shown on the envelope. */
  readonly message?: string;
  /** Fields placed for the signers (envelopes/fields.ts). */
  readonly fields?: readonly FieldInput[];
}): Promise<CreatedEnvelope> {
  const { ctx, caller } = options;
  if (!caller.userId || !caller.agencyId) {
    throw new EnvelopeError("forbidden", "only members of an agency can create envelopes");
  }
  const title = options.title.trim();
  if (!title) throw new EnvelopeError("invalid_request", "the title is empty");
  validateRecipients(options.recipients);
  const now = clock(ctx);
  if (options.expiresAt && options.expiresAt.getTime() <= now.getTime()) {
    throw new EnvelopeError("invalid_request", "expiresAt is in the past");
  }
  const id = randomUUID();
  const registerCode = newRegisterCode();
  // Stamp the register line on page 1 before anyone signs; a PDF signed already is left as it is (an added
  // content stream would count as a change after those signatures).
  const url = registerUrl(ctx.publicUrl, registerCode);
  const recipientRows = options.recipients.map((r) => ({ ...r, id: randomUUID() }));
  const fields = planFields(recipientRows, options.fields ?? []);
  // The QR code leaves the fields of page 1 clear (they are placed right after the stamp).
  const avoid = fields.filter((f) => f.page === 1).map((f) => f.rect);
  const stamp = { text: `Khatam register: ${registerCode} — ${url}`, url, avoid };
  // Without the worker pool (tests, tools) the document work is done here, its modules (forms, the QR code) loaded then.
  const prepared = ctx.documents
    ? await ctx.documents.prepare(options.pdf, stamp)
    : (await import("./document.js")).prepareUpload(options.pdf, stamp);
  // The fields, as their own incremental update after the register stamp and before any new signature (13.1).
  const working = await placeFields(prepared.working, fields);
  const remote = options.recipients.filter((r) => r.instance);
  if (remote.length > 0) await checkPartners(ctx.db, remote);
  const users = await store.usersByEmail(
    ctx.db,
    options.recipients.filter((r) => !r.instance).map((r) => r.email),
  );
  await ctx.db.transaction().execute(async (tx) => {
    const original = await putDocument(tx, options.pdf);
    const current = await putDocument(tx, working);
    await store.insertEnvelope(
      tx,
      {
        id,
        agency_id: caller.agencyId!,
        created_by: caller.userId!,
        title,
        status: "draft",
        original_sha256: original,
        current_sha256: current,
        register_code: registerCode,
        expires_at: options.expiresAt ?? null,
        reminder_every: options.reminderEveryHours ? `${options.reminderEveryHours} hours` : null,
        message: options.message?.trim().slice(0, 2000) || null,
      },
      recipientRows.map((r) => ({
        id: r.id,
        envelope_id: id,
        email: r.email,
        user_id: r.instance ? null : (users.get(r.email.toLowerCase())?.id ?? null),
        role: r.role,
        routing_order: r.order,
        status: "pending",
        instance: r.instance ?? null,
      })),
    );
    await store.insertFields(tx, id, fields);
    await appendEvent(tx, {
      envelopeId: id,
      type: "created",
      actor: caller,
      ip: caller.ip,
      documentSha256: current,
      details: {
        title,
        originalSha256: original,
        recipients: options.recipients.map((r) => ({
          email: r.email,
          role: r.role,
          order: r.order,
          ...(r.instance && { instance: r.instance }),
        })),
        ...(fields.length > 0 && { fields: fields.length }),
      },
      at: now,
    });
  });
  return { id, registerCode };
}

export async function sendEnvelope(options: EnvelopeRequest): Promise<EnvelopeView> {
  const { ctx, caller } = options;
  const envelope = await visibleEnvelope(ctx.db, caller, options.envelopeId);
  if (envelope.agency_id !== caller.agencyId) {
    throw new EnvelopeError("forbidden", "only the owning agency can send this envelope");
  }
  await change(ctx, caller, envelope, { type: "send" });
  return getEnvelope({ ctx, caller, envelopeId: envelope.id });
}

/**
 * The owning agency corrects a recipient's address before they act (a typo, the wrong colleague): the new address
 * takes the old one's place in the routing order, bound to an account only through a proved address like any
 * recipient; if it was already their turn, the new address is invited at once and the old one's signing sessions
 * end. Recorded in the audit trail with both addresses.
 */
export async function correctRecipient(
  options: EnvelopeRequest & {
    readonly email: string;
    readonly newEmail: string;
  },
): Promise<EnvelopeView> {
  const { ctx, caller } = options;
  const newEmail = options.newEmail.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(newEmail) || newEmail.length > 320) {
    throw new EnvelopeError("invalid_request", "the new address is not an e-mail address");
  }
  const envelope = await visibleEnvelope(ctx.db, caller, options.envelopeId);
  if (envelope.agency_id !== caller.agencyId || envelope.origin) {
    // A partner's copy is the owning instance's to manage: its sender acts there.
    throw new EnvelopeError("forbidden", "only the owning agency can correct its recipients");
  }
  const users = await store.usersByEmail(ctx.db, [newEmail]);
  const userId = users.get(newEmail.toLowerCase())?.id ?? null;
  await change(ctx, caller, envelope, { type: "correct", email: options.email, newEmail, userId }, undefined, [
    newEmail,
  ]);
  return getEnvelope({ ctx, caller, envelopeId: envelope.id });
}

/**
 * The owning agency cancels a sent envelope, with a reason (DocuSign's "void"): nobody can act on it any more, and
 * everyone it had already reached is told why, in their language. The document stays as it was, with the
 * signatures made so far; the audit trail records who voided it and why.
 */
export async function voidEnvelope(
  options: EnvelopeRequest & {
    readonly reason: string;
  },
): Promise<EnvelopeView> {
  const { ctx, caller } = options;
  const reason = options.reason.trim();
  if (!reason || reason.length > MAX_REASON_LENGTH) {
    throw new EnvelopeError("invalid_request", `give a reason of 1 to ${MAX_REASON_LENGTH} characters`);
  }
  const envelope = await visibleEnvelope(ctx.db, caller, options.envelopeId);
  if (envelope.agency_id !== caller.agencyId || envelope.origin) {
    // A partner's copy is the owning instance's to manage: its sender acts there.
    throw new EnvelopeError("forbidden", "only the owning agency can void this envelope");
  }
  await change(ctx, caller, envelope, { type: "void", reason });
  return getEnvelope({ ctx, caller, envelopeId: envelope.id });
}

/** A sender's reminder at most this often per envelope (the scheduled ones count too). */
const REMIND_AGAIN_AFTER_MS = 10 * 60 * 1000;

/**
 * The owning agency reminds, now, the recipients whose turn it is (the sender's "resend"): the same e-mail as the
 * scheduled reminders, in each recipient's language, recorded in the audit trail with who asked.
 */
export async function remindNow(options: EnvelopeRequest): Promise<RemindedEnvelope> {
  const { ctx, caller } = options;
  const envelope = await visibleEnvelope(ctx.db, caller, options.envelopeId);
  if (envelope.agency_id !== caller.agencyId || envelope.origin) {
    // A partner's copy is the owning instance's to manage: its sender acts there.
    throw new EnvelopeError("forbidden", "only the owning agency can remind the recipients");
  }
  if (envelope.status !== "sent") {
    throw new EnvelopeError("envelope_not_sent", `the envelope is ${envelope.status}; only a sent one can be reminded`);
  }
  const now = clock(ctx);
  const reminded = await ctx.db.transaction().execute(async (tx) => {
    const locked = await store.lockEnvelope(tx, envelope.id);
    if (locked?.status !== "sent") throw new EnvelopeError("concurrent_change", "the envelope changed meanwhile");
    const last = locked.last_reminded_at ?? locked.sent_at;
    if (last && now.getTime() - last.getTime() < REMIND_AGAIN_AFTER_MS) {
      throw new EnvelopeError("recently_reminded", "the recipients were notified minutes ago; try again later");
    }
    return remind(tx, locked, { now, publicUrl: ctx.publicUrl, actor: caller });
  });
  return { ...(await getEnvelope({ ctx, caller, envelopeId: envelope.id })), reminded };
}

/** Recipients on partner instances must be signers, on instances this one has peered with. */
async function checkPartners(db: Db, remote: readonly RecipientInput[]): Promise<void> {
  for (const r of remote) {
    if (r.role !== "signer") {
      throw new EnvelopeError("invalid_request", `${r.email}: a recipient on a partner instance signs (role signer)`);
    }
  }
  const wanted = [...new Set(remote.map((r) => r.instance!))];
  const peered = await store.peeredInstances(db, wanted);
  const missing = wanted.filter((w) => !peered.includes(w));
  if (missing.length > 0) {
    throw new EnvelopeError("invalid_request", `not a partner instance: ${missing.join(", ")}`);
  }
}

function validateRecipients(recipients: readonly RecipientInput[]): void {
  if (recipients.length === 0) throw new EnvelopeError("invalid_request", "name at least one recipient");
  if (recipients.length > 100) throw new EnvelopeError("invalid_request", "at most 100 recipients");
  const seen = new Set<string>();
  for (const r of recipients) {
    if (!/^[^\s@]+@[^\s@]+$/.test(r.email)) throw new EnvelopeError("invalid_request", `invalid e-mail ${r.email}`);
    if (seen.has(r.email.toLowerCase())) throw new EnvelopeError("invalid_request", `${r.email} is named twice`);
    seen.add(r.email.toLowerCase());
    if (!["signer", "approver", "viewer"].includes(r.role)) {
      throw new EnvelopeError("invalid_request", `invalid role ${r.role}`);
    }
    if (!Number.isInteger(r.order) || r.order < 1) {
      throw new EnvelopeError("invalid_request", "routing order must be an integer ≥ 1");
    }
  }
  if (!recipients.some((r) => ACTING.includes(r.role))) {
    throw new EnvelopeError("invalid_request", "name at least one signer or approver");
  }
}

/** 26 characters of RFC 4648 base32 from 128 random bits: unguessable and not enumerable. */
function newRegisterCode(): string {
  const bytes = randomBytes(16);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
