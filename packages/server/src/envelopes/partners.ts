/**
 * Envelopes across instances (issue 12.3): what the messages of federation-messages.ts do to envelopes here, once
 * cross-instance.ts has checked them. On the owner, a partner's recipient signs (their returned revision) or declines
 * — an action by a remote actor, through the same transition as a local one; on the partner, a copy of the offered
 * envelope is made for the local recipient, and later completed with the owner's final document or withdrawn.
 */
import { randomUUID } from "node:crypto";
import { appendEvent } from "../audit/audit.js";
import { putDocument } from "../db/documents.js";
import type { EnvelopeOrigin, Multilingual } from "../db/schema.js";
import { emailRow, enqueueRows } from "../notify/outbox.js";
import { localesOf } from "../notify/templates.js";
import { decline } from "./acting.js";
import { change } from "./commit.js";
import { type Caller, clock, type EnvelopeContext, MAX_REASON_LENGTH } from "./context.js";
import { fieldsPlacedFor } from "./fields.js";
import { invitations } from "./notices.js";
import { lastSignatureField, toLongTerm } from "./signing.js";
import type { EnvelopeRow, RecipientRow } from "./store.js";
import * as store from "./store.js";
import { isLastToAct } from "./transitions.js";

/** The audit trail's actor for what a partner instance reports its recipient did. */
function partnerCaller(recipient: RecipientRow): Caller {
  return { userId: null, email: recipient.email, role: "official", agencyId: null, countryId: null, ip: null };
}

/** What a partner reports of its recipient on an envelope here, with the audit details of the checked message. */
interface PartnerReport {
  readonly ctx: EnvelopeContext;
  readonly envelope: EnvelopeRow;
  readonly recipient: RecipientRow;
  readonly details: Record<string, unknown>;
}

/** Owner side: a recipient on a partner signed; `document` is the checked revision the partner returned. */
export async function recordPartnerSignature(
  options: PartnerReport & { readonly document: Uint8Array },
): Promise<void> {
  const { ctx, envelope, recipient } = options;
  const recipients = await store.recipientsOf(ctx.db, envelope.id);
  const last = isLastToAct(recipients, recipient);
  const field = lastSignatureField(options.document);
  // The partner embedded its own validation data (B-LT); the owner adds the archive time-stamp at the end.
  const document = last
    ? await toLongTerm(ctx, options.document, await store.agencyCountry(ctx.db, envelope.agency_id))
    : options.document;
  const details = { ...options.details, field, level: last ? "B-LTA" : "B-LT" };
  await change(ctx, partnerCaller(recipient), envelope, {
    type: "sign",
    recipientId: recipient.id,
    document,
    field,
    details,
  });
}

/** Owner side: a recipient on a partner declined. */
export async function recordPartnerDecline(options: PartnerReport & { readonly reason: string }): Promise<void> {
  const reason = options.reason.trim().slice(0, MAX_REASON_LENGTH) || "—";
  const caller = partnerCaller(options.recipient);
  await decline(options.ctx, options.envelope, options.recipient, caller, reason, options.details);
}

/**
 * Partner side: the copy of an offered envelope, sent to the local recipient (`user`) at once — in their inbox, with
 * an invitation e-mail naming the sender on the owning instance. Returns the copy's id.
 */
export async function createPartnerCopy(options: {
  readonly ctx: EnvelopeContext;
  readonly origin: EnvelopeOrigin;
  readonly user: { readonly id: string; readonly email: string; readonly agencyId: string };
  readonly title: string;
  readonly message: string | null;
  readonly registerCode: string;
  readonly expiresAt: Date | null;
  readonly document: Uint8Array;
}): Promise<string> {
  const { ctx, origin, user } = options;
  const id = randomUUID();
  const recipientId = randomUUID();
  const now = clock(ctx);
  // The fields the sender placed for this recipient, who has another id here than in the document (the offer's).
  const fields = await fieldsPlacedFor(options.document, origin.offerId, recipientId);
  await ctx.db.transaction().execute(async (tx) => {
    const sha256 = await putDocument(tx, options.document);
    await store.insertEnvelope(
      tx,
      {
        id,
        agency_id: user.agencyId,
        created_by: user.id,
        title: options.title,
        status: "sent",
        original_sha256: sha256,
        current_sha256: sha256,
        register_code: options.registerCode,
        expires_at: options.expiresAt,
        reminder_every: null,
        message: options.message,
        origin,
        sent_at: now,
      },
      [
        {
          id: recipientId,
          envelope_id: id,
          email: user.email,
          user_id: user.id,
          role: "signer",
          routing_order: 1,
          status: "notified",
        },
      ],
    );
    await store.insertFields(tx, id, fields);
    const details = { origin: { instance: origin.instance, envelopeId: origin.envelopeId }, sender: origin.sender };
    await appendEvent(tx, { envelopeId: id, type: "created", actor: null, documentSha256: sha256, details, at: now });
    await appendEvent(tx, { envelopeId: id, type: "sent", actor: null, details, at: now });
    const readers = { locales: await localesOf(tx, [user.email]), publicUrl: ctx.publicUrl };
    const copy = { id, title: options.title, expires_at: options.expiresAt, message: options.message };
    const mails = invitations(readers, copy, { ...origin.sender, agency: origin.sender.agency as Multilingual }, [
      { email: user.email, role: "signer" },
    ]);
    await enqueueRows(tx, mails.map(emailRow));
  });
  return id;
}

/** Partner side: the owner's final document replaces the copy's (it extends what the recipient signed). */
export async function recordFinalDocument(options: {
  readonly ctx: EnvelopeContext;
  readonly copy: EnvelopeRow;
  readonly document: Uint8Array;
  /** The owner's attested trail (federation/attestation.ts). */
  readonly ownerRecord: unknown;
}): Promise<void> {
  const { ctx, copy } = options;
  await change(ctx, null, copy, { type: "finish-copy", document: options.document, ownerRecord: options.ownerRecord });
}

/** Partner side: the owner voided or expired the envelope; the copy stops with it (a repeat changes nothing). */
export async function recordWithdrawal(options: {
  readonly ctx: EnvelopeContext;
  readonly copy: EnvelopeRow;
  readonly outcome: "voided" | "expired";
  readonly reason: string | null;
}): Promise<void> {
  const { ctx, copy } = options;
  if (copy.status !== "sent") return;
  await change(ctx, null, copy, { type: "withdraw-copy", outcome: options.outcome, reason: options.reason });
}
