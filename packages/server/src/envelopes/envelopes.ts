/**
 * The envelope workflow (issue items 4, 5 and 9): an agency uploads a PDF, names recipients in routing order,
 * sends it; signers and approvers act in order (sequential across orders, parallel within one); each signer adds
 * their own PAdES signature (B-T by their country's TSA, then B-LT); when the last one has acted the document gets
 * a document time-stamp (B-LTA) and the envelope is completed. Declining ends it; so does the expiry date.
 *
 * Every function takes one options object and throws {@link EnvelopeError}s. Every state change is one
 * transaction that re-reads the envelope under a row lock, checks the `version` it based its decision on, writes
 * the change, its audit event and its notifications (outbox) together, and bumps the version. The slow part of
 * signing (CMS, time-stamp, OCSP) runs before that transaction on the revision that was current; if another
 * signer got in first, the version check fails and the signature is made again on the new revision (up to three
 * times) — so parallel signers never overwrite each other and no signature is ever lost.
 *
 * Crash at any point: before the commit nothing is visible (a computed signature is simply dropped); after it, the
 * document, state, audit event and notifications are all there.
 *
 * Visibility: an envelope is visible to the members of its owning agency and to its recipients; to anyone else it
 * does not exist (`not_found`).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Signer } from "@khatam/core/keys";
import { Certificate } from "@khatam/core/x509";
import {
  type AppendEventOptions,
  type AuditEvent,
  appendEvent,
  chainEvents,
  listEvents,
  verifyChain,
} from "../audit/audit.js";
import type { Db, Tx } from "../db/connect.js";
import { getDocument, putDocument } from "../db/documents.js";
import type { EnvelopeOrigin, Multilingual, RecipientRole, Role } from "../db/schema.js";
import {
  type EmailMessage,
  emailRow,
  enqueueEmail,
  enqueueRows,
  enqueueWebhook,
  type OutboxRow,
  webhookRows,
} from "../notify/outbox.js";
import { localesOf, type Notice, renderEmail } from "../notify/templates.js";
import type { KeyStore } from "../trust/keys.js";
import { sealCompletionCertificate } from "./completion-seal.js";
import { type PreparedUpload, prepareUpload, type RegisterStamp } from "./document.js";
import { EnvelopeError } from "./errors.js";
import { completionRows, offerRow, returnRow, withdrawalRows } from "./federation-messages.js";
import {
  type FieldInput,
  fieldsOf,
  insertFields,
  placeFields,
  planFields,
  type SigningChoices,
  signingFieldOptions,
} from "./fields.js";
import type { CreatedEnvelope, EnvelopeView, Inbox, PreparedSignature, RemindedEnvelope } from "./schemas.js";
import {
  completeDeviceSignature,
  lastSignatureField,
  type PlatformTrust,
  prepareDeviceSignature,
  preparedFromState,
  preparedToState,
  signWithPlatformKey,
  toLongTerm,
} from "./signing.js";
import type { EnvelopeRow, RecipientRow, SigningCertificateRow } from "./store.js";
import * as store from "./store.js";

/** Who is acting, as the HTTP layer authenticated them. */
export interface Caller {
  readonly userId: string | null;
  readonly email: string;
  readonly role: Role;
  readonly agencyId: string | null;
  readonly countryId: string | null;
  /** The client's address, for the audit trail. */
  readonly ip?: string | null;
}

/** Opens the platform-held key of a signing certificate (tenancy/signing-keys.ts). */
export type SignerResolver = (certificate: SigningCertificateRow) => Promise<Signer>;

/** What the workflow needs of the platform. */
export interface EnvelopeContext extends PlatformTrust {
  readonly db: Db;
  readonly signerFor: SignerResolver;
  /** The clock (tests move it). */
  readonly now?: () => Date;
  /**
   * Inspects and stamps an upload off the event loop (the server's worker pool); without it the work is done in
   * this thread (scripts, tests of the workflow alone).
   */
  readonly documents?: {
    prepare(pdf: Uint8Array, stamp: RegisterStamp): Promise<PreparedUpload>;
  };
}

export interface RecipientInput {
  readonly email: string;
  readonly role: RecipientRole;
  readonly order: number;
  /** A partner instance the recipient lives on (federation): they sign there, with their own country's keys. */
  readonly instance?: string;
}

const MAX_RETRIES = 3;
const SESSION_TTL_MS = 15 * 60 * 1000;
/** Longest reason for declining or voiding (the route schemas say the same). */
const MAX_REASON_LENGTH = 2000;
const ACTING: readonly RecipientRole[] = ["signer", "approver"];
const OPEN: readonly RecipientRow["status"][] = ["pending", "notified", "viewed"];

// ---------------------------------------------------------------------------------------------------------------
// Creating and sending

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
  const prepared = ctx.documents ? await ctx.documents.prepare(options.pdf, stamp) : prepareUpload(options.pdf, stamp);
  // The fields, as their own incremental update after the register stamp and before any new signature (13.1).
  const working = placeFields(prepared.working, fields);
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
    await insertFields(tx, id, fields);
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

export async function sendEnvelope(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
}): Promise<EnvelopeView> {
  const { ctx, caller } = options;
  const envelope = await visibleEnvelope(ctx.db, caller, options.envelopeId);
  if (envelope.agency_id !== caller.agencyId) {
    throw new EnvelopeError("forbidden", "only the owning agency can send this envelope");
  }
  if (envelope.status !== "draft") {
    throw new EnvelopeError("envelope_not_draft", `the envelope is ${envelope.status}; only a draft can be sent`);
  }
  const now = clock(ctx);
  await transition(ctx, envelope, async (tx, recipients) => {
    await appendEvent(tx, { envelopeId: envelope.id, type: "sent", actor: caller, ip: caller.ip, at: now });
    const first = currentOrder(recipients);
    const notify = recipients.filter(
      (r) => r.role === "viewer" || (first !== null && r.routing_order === first && ACTING.includes(r.role)),
    );
    await notifyRecipients(tx, ctx, envelope, notify);
    await enqueueWebhook(tx, {
      agencyId: envelope.agency_id,
      event: "envelope.sent",
      data: { envelopeId: envelope.id, title: envelope.title, recipients: notify.map((r) => r.email) },
    });
    return { status: "sent", sent_at: now };
  });
  return getEnvelope({ ctx, caller, envelopeId: envelope.id });
}

// ---------------------------------------------------------------------------------------------------------------
// Acting: sign (platform key or device key), approve, decline

/**
 * The caller acts on the envelope: a signer signs with their platform-held certificate, an approver approves.
 * Returns the envelope after the action.
 */
export async function signEnvelope(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
  /** The signer's values and the look of their signature (envelopes/fields.ts). */
  readonly choices?: SigningChoices;
}): Promise<EnvelopeView & { signingMs?: number }> {
  const { ctx, caller } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      const snapshot = await store.signingSnapshot(ctx.db, options.envelopeId, caller.userId, clock(ctx));
      if (!snapshot) throw new EnvelopeError("not_found", "no such envelope");
      const { envelope, recipients } = snapshot;
      if (!isVisible(envelope, recipients, caller)) throw new EnvelopeError("not_found", "no such envelope");
      const recipient = actingRecipientOf(envelope, recipients, caller);
      if (recipient.role === "approver") {
        await finishAction({ ctx, caller, envelope, recipient, type: "approved" });
        return getEnvelope({ ctx, caller, envelopeId: envelope.id });
      }
      const certificate =
        snapshot.certificate && caller.role === "official" && caller.userId
          ? checkNotRevoked(ctx, snapshot.certificate)
          : await signingCertificate(ctx, caller, "platform");
      // The slow part, outside any transaction (and off PGlite's one connection): on the revision read above.
      const started = performance.now();
      const signer = await ctx.signerFor(certificate);
      const der = new Uint8Array(certificate.der);
      const field = await signingFieldOptions({
        db: ctx.db,
        envelopeId: envelope.id,
        recipientId: recipient.id,
        userId: caller.userId,
        certificate: der,
        choices: options.choices ?? {},
        now: clock(ctx),
      });
      const signed = await signWithPlatformKey({
        trust: ctx,
        pdf: snapshot.document,
        signer,
        certificate: der,
        caId: certificate.ca_id,
        reason: signingReason(envelope),
        field,
      });
      const last = isLastToAct(recipients, recipient);
      const signatureField = lastSignatureField(signed);
      let document = await toLongTerm(ctx, signed);
      // On a partner's copy the owner adds the archive time-stamp, once every signature is in.
      if (last && !envelope.origin) document = await toLongTerm(ctx, document, snapshot.agencyCountry);
      // The commit: one short transaction that re-checks the version the decision was based on.
      const view = await commitSignature({
        ctx,
        caller,
        snapshot,
        recipient,
        last,
        document,
        field: signatureField,
        details: {
          ...signatureDetails(certificate, signatureField, last),
          signingMs: Math.round(performance.now() - started),
        },
      });
      return { ...view, signingMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (error instanceof EnvelopeError && error.code === "concurrent_change" && attempt < MAX_RETRIES) continue;
      throw error;
    }
  }
}

/**
 * Step 1 of a device-key signature: the signature revision is prepared on the current document and stored in
 * `signing_sessions` (so a restart between the two requests loses nothing); the caller's device signs
 * `signedAttributes` (base64) with its key (WebCrypto: ECDSA P-256 with SHA-256, value r||s or DER).
 */
export async function prepareSignature(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
  /** The signer's values and the look of their signature (envelopes/fields.ts), fixed in the prepared revision. */
  readonly choices?: SigningChoices;
}): Promise<PreparedSignature> {
  const { ctx, caller } = options;
  const { envelope, recipient } = await actingRecipient(ctx.db, caller, options.envelopeId);
  if (recipient.role !== "signer") throw new EnvelopeError("wrong_signing_method", "approvers approve with /sign");
  const certificate = await signingCertificate(ctx, caller, "device");
  const base = await currentDocument(ctx.db, envelope);
  const der = new Uint8Array(certificate.der);
  const field = await signingFieldOptions({
    db: ctx.db,
    envelopeId: envelope.id,
    recipientId: recipient.id,
    userId: caller.userId,
    certificate: der,
    choices: options.choices ?? {},
    now: clock(ctx),
  });
  const prepared = await prepareDeviceSignature({
    trust: ctx,
    pdf: base,
    certificate: der,
    spki: Certificate.fromDer(der).spki,
    caId: certificate.ca_id,
    reason: signingReason(envelope),
    field,
  });
  const sessionId = randomUUID();
  const expiresAt = new Date(clock(ctx).getTime() + SESSION_TTL_MS);
  await ctx.db.transaction().execute(async (tx) => {
    await store.insertSession(tx, {
      id: sessionId,
      envelope_id: envelope.id,
      recipient_id: recipient.id,
      base_sha256: envelope.current_sha256,
      prepared: prepared.update,
      state: { ...preparedToState(prepared), certificateId: certificate.id },
      expires_at: expiresAt,
    });
  });
  return {
    sessionId,
    signedAttributes: Buffer.from(prepared.signedAttributes).toString("base64"),
    algorithm: prepared.algorithm,
    expiresAt: expiresAt.toISOString(),
  };
}

/** Step 2: the device's signature value completes the prepared revision, which is then made B-LT (and B-LTA). */
export async function completeSignature(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
  readonly sessionId: string;
  readonly signatureValue: Uint8Array;
}): Promise<EnvelopeView & { signingMs: number }> {
  const { ctx, caller } = options;
  const { envelope, recipient } = await actingRecipient(ctx.db, caller, options.envelopeId);
  const session = await store.findSession(ctx.db, options.sessionId);
  if (!session || session.envelope_id !== envelope.id || session.recipient_id !== recipient.id) {
    throw new EnvelopeError("session_not_found", "no such signing session for you on this envelope");
  }
  if (session.expires_at.getTime() < clock(ctx).getTime()) {
    throw new EnvelopeError("session_not_found", "the signing session has expired; prepare again");
  }
  if (session.base_sha256 !== envelope.current_sha256) {
    throw new EnvelopeError("session_stale", "the document changed since the session was prepared; prepare again");
  }
  const certificateId = String(session.state.certificateId);
  const certificate = await ctx.db
    .selectFrom("signing_certificates")
    .selectAll()
    .where("id", "=", certificateId)
    .executeTakeFirstOrThrow();
  const started = performance.now();
  const base = await currentDocument(ctx.db, envelope);
  const signed = await completeDeviceSignature({
    trust: ctx,
    base,
    prepared: preparedFromState(new Uint8Array(session.prepared), session.state),
    signatureValue: options.signatureValue,
    caId: certificate.ca_id,
  });
  await finishSignature({ ctx, caller, envelope, recipient, certificate, signed, started });
  const signingMs = Math.round(performance.now() - started);
  return { ...(await getEnvelope({ ctx, caller, envelopeId: envelope.id })), signingMs };
}

export async function declineEnvelope(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
  readonly reason: string;
}): Promise<EnvelopeView> {
  const { ctx, caller } = options;
  const reason = options.reason.trim();
  if (!reason) throw new EnvelopeError("invalid_request", "give a reason for declining");
  const { envelope, recipient } = await actingRecipient(ctx.db, caller, options.envelopeId);
  await decline(ctx, envelope, recipient, caller, reason);
  return getEnvelope({ ctx, caller, envelopeId: envelope.id });
}

/** `recipient` declines: the envelope stops, the others who were told and the sender hear of it. */
async function decline(
  ctx: EnvelopeContext,
  envelope: EnvelopeRow,
  recipient: RecipientRow,
  caller: Caller,
  reason: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  const now = clock(ctx);
  await transition(ctx, envelope, async (tx, recipients) => {
    await store.updateRecipient(tx, recipient.id, { status: "declined", decline_reason: reason, acted_at: now });
    await store.deleteSessions(tx, recipient.id);
    await appendEvent(tx, {
      envelopeId: envelope.id,
      type: "declined",
      actor: caller,
      ip: caller.ip,
      details: { reason, recipient: recipient.email, ...details },
      at: now,
    });
    if (envelope.origin) {
      await enqueueRows(tx, [returnRow(envelope.origin, envelope.id, { declined: reason })]);
      return { status: "declined" };
    }
    const others = recipients.filter((r) => r.id !== recipient.id && r.status !== "pending" && !r.instance);
    const mail = await mailer(tx, ctx.publicUrl, envelope, [
      ...others.map((r) => r.email),
      await creatorEmail(tx, envelope),
    ]);
    const declinedBy = (await personOf(tx, caller.userId)) ?? caller.email;
    for (const to of mail.addresses) {
      await enqueueEmail(
        tx,
        mail.render(to, { kind: "declined", envelopeId: envelope.id, title: envelope.title, declinedBy, reason }),
      );
    }
    await enqueueWebhook(tx, {
      agencyId: envelope.agency_id,
      event: "envelope.declined",
      data: { envelopeId: envelope.id, by: caller.email, reason },
    });
    return { status: "declined" };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

export async function getEnvelope(options: {
  readonly ctx: Pick<EnvelopeContext, "db">;
  readonly caller: Caller;
  readonly envelopeId: string;
}): Promise<EnvelopeView> {
  const envelope = await visibleEnvelope(options.ctx.db, options.caller, options.envelopeId);
  const recipients = await store.recipientsOf(options.ctx.db, envelope.id);
  const people = await store.peopleOf(options.ctx.db, envelope, recipients);
  const base = view(envelope, recipients);
  const fields = await fieldsOf(options.ctx.db, envelope.id);
  return {
    ...base,
    ...(fields.length > 0 && { fields }),
    recipients: base.recipients.map((r, i) => {
      const userId = recipients[i]!.user_id;
      return { ...r, name: userId ? (people.names.get(userId) ?? null) : null };
    }),
    sender: {
      name: people.sender?.name ?? null,
      email: people.sender?.email ?? null,
      agency: { id: envelope.agency_id, names: people.agencyNames },
    },
  };
}

/** Rows per inbox page: by default, and at most. */
export const INBOX_PAGE = { default: 50, max: 200 } as const;

export const INBOX_LISTS: readonly store.InboxList[] = ["waiting", "sent", "completed"];

/**
 * The inbox: three lists (see {@link store.inboxPage}), newest first, each a page of `limit` rows (default 50, at
 * most 200) with the recipients whose turn it is; one query per list, whatever the number of envelopes. `tab`
 * lists only that list (the others are empty); `cursor`, a list's `nextCursor`, continues that list (and implies
 * its tab).
 */
export async function listInbox(options: {
  readonly ctx: Pick<EnvelopeContext, "db">;
  readonly caller: Caller;
  readonly tab?: store.InboxList;
  readonly limit?: number;
  readonly cursor?: string;
}): Promise<Inbox> {
  const { ctx, caller } = options;
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? INBOX_PAGE.default), 1), INBOX_PAGE.max);
  const cursor = options.cursor === undefined ? undefined : parseInboxCursor(options.cursor);
  if (cursor && options.tab && cursor.list !== options.tab) {
    throw new EnvelopeError("invalid_request", `the cursor continues the ${cursor.list} list, not ${options.tab}`);
  }
  const tab = cursor?.list ?? options.tab;
  const lists = tab ? [tab] : INBOX_LISTS;
  const pages = await Promise.all(
    lists.map(async (list) => {
      // Nothing can be waiting for a caller without a user, nor sent by one without an agency.
      if ((list === "waiting" && !caller.userId) || (list === "sent" && !caller.agencyId)) return [list, []] as const;
      const rows = await store.inboxPage(ctx.db, list, caller, { limit: limit + 1, after: cursor?.after });
      return [list, rows] as const;
    }),
  );
  const inbox: Inbox = {
    waiting: [],
    sent: [],
    completed: [],
    nextCursor: { waiting: null, sent: null, completed: null },
  };
  for (const [list, rows] of pages) {
    const page = rows.slice(0, limit);
    inbox[list] = page.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      createdAt: r.created_at.toISOString(),
      sentAt: r.sent_at?.toISOString() ?? null,
      completedAt: r.completed_at?.toISOString() ?? null,
      expiresAt: r.expires_at?.toISOString() ?? null,
      next: r.next,
      progress: { done: r.done, total: r.total },
    }));
    const last = page.at(-1);
    if (rows.length > limit && last)
      inbox.nextCursor[list] = inboxCursor(list, { createdAt: last.position, id: last.id });
  }
  return inbox;
}

function inboxCursor(list: store.InboxList, after: store.InboxPosition): string {
  return Buffer.from(JSON.stringify([list, after.createdAt, after.id])).toString("base64url");
}

function parseInboxCursor(text: string): { list: store.InboxList; after: store.InboxPosition } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 3 &&
    INBOX_LISTS.includes(parsed[0]) &&
    typeof parsed[1] === "string" &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(parsed[1]) &&
    typeof parsed[2] === "string" &&
    store.isUuid(parsed[2])
  ) {
    return { list: parsed[0], after: { createdAt: parsed[1], id: parsed[2] } };
  }
  throw new EnvelopeError("invalid_request", "`cursor` is not a cursor of this inbox");
}

/** Deletes the expired device-signing sessions (a scheduler task; idempotent, safe on several replicas at once). */
export async function purgeExpiredSessions(db: Db, now: Date = new Date()): Promise<number> {
  return store.deleteExpiredSessions(db, now);
}

/**
 * The current PDF. The first read by a recipient records `viewed` (and their status, unless they acted already);
 * every other download records `downloaded`; a later preview on the envelope page records nothing.
 */
export async function readDocument(options: {
  readonly ctx: Pick<EnvelopeContext, "db" | "now">;
  readonly caller: Caller;
  readonly envelopeId: string;
  /** `preview`: shown on the page (recorded only as the first view); `download` (default): a copy taken. */
  readonly purpose?: "preview" | "download";
}): Promise<{ bytes: Uint8Array; sha256: string; title: string }> {
  const { ctx, caller } = options;
  const envelope = await visibleEnvelope(ctx.db, caller, options.envelopeId);
  const now = clock(ctx);
  const sha256 = envelope.current_sha256;
  await ctx.db.transaction().execute(async (tx) => {
    // Lock first: two downloads at once must not both see the recipient as not yet having viewed.
    await store.lockEnvelope(tx, envelope.id);
    const recipients = await store.recipientsOf(tx, envelope.id);
    const firstView = recipients.find(
      (r) => isCaller(r, caller) && (r.status === "pending" || r.status === "notified"),
    );
    if (firstView && envelope.status === "sent") await store.updateRecipient(tx, firstView.id, { status: "viewed" });
    if (options.purpose === "preview" && !(firstView && envelope.status === "sent")) return;
    await appendEvent(tx, {
      envelopeId: envelope.id,
      type: firstView && envelope.status === "sent" ? "viewed" : "downloaded",
      actor: caller,
      ip: caller.ip,
      documentSha256: sha256,
      at: now,
    });
  });
  const bytes = await getDocument(ctx.db, sha256);
  if (!bytes) throw new Error(`document ${sha256} of envelope ${envelope.id} is missing`);
  return { bytes, sha256, title: envelope.title };
}

export async function auditTrail(options: {
  readonly ctx: Pick<EnvelopeContext, "db">;
  readonly caller: Caller;
  readonly envelopeId: string;
}): Promise<{ envelope: EnvelopeView; events: AuditEvent[]; chain: ReturnType<typeof verifyChain> }> {
  const envelope = await getEnvelope(options);
  const events = await listEvents(options.ctx.db, envelope.id);
  return { envelope, events, chain: verifyChain(events) };
}

/**
 * The certificate of completion as a sealed PDF (audit/certificate.ts, envelopes/completion-seal.ts), in the languages
 * of the envelope's parties: English, and Arabic or Japanese where a sender or recipient reads it.
 */
export async function completionCertificate(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
  readonly keyStore: KeyStore;
}): Promise<Uint8Array> {
  const { ctx } = options;
  const trail = await auditTrail(options);
  const envelope = trail.envelope;
  const addresses = [envelope.sender?.email ?? "", ...envelope.recipients.map((r) => r.email)].filter(Boolean);
  const locales = new Set<string>(["en", ...(await localesOf(ctx.db, addresses)).values()]);
  const languages = (["en", "ar", "ja"] as const).filter((l) => locales.has(l));
  const agency = envelope.sender?.agency.names;
  // Loaded when first needed: the layout brings PDFKit, fontkit and their fonts' decoders, a third of the server's
  // code, which a start need not compile.
  const { completionCertificatePdf } = await import("../audit/certificate.js");
  const pdf = await completionCertificatePdf({
    envelopeId: envelope.id,
    title: envelope.title,
    status: envelope.status,
    registerCode: envelope.registerCode,
    registerUrl: registerUrl(ctx.publicUrl, envelope.registerCode),
    originalSha256: envelope.originalSha256,
    documentSha256: envelope.documentSha256,
    completedAt: envelope.completedAt,
    sender: {
      name: envelope.sender?.name ?? null,
      agency: agency ? languages.flatMap((l) => (agency[l] ? [agency[l]!] : [])) : [],
    },
    parties: envelope.recipients.map((r) => ({
      name: r.name ?? null,
      email: r.email,
      role: r.role,
      status: r.status,
      actedAt: r.actedAt,
      declineReason: r.declineReason,
    })),
    events: trail.events,
    chain: trail.chain,
    generatedAt: clock(ctx),
    languages,
  });
  const caId = await store.agencyCountry(ctx.db, envelope.agencyId);
  return sealCompletionCertificate({ ...ctx, keyStore: options.keyStore }, caId, pdf);
}

/** The public register entry of a completed envelope (anyone holding the code printed on it). */
export async function registerEntry(options: { readonly db: Db; readonly code: string }) {
  const code = options.code.toUpperCase();
  const envelope = /^[A-Z2-7]{20,64}$/.test(code) ? await store.envelopeByRegisterCode(options.db, code) : undefined;
  if (envelope?.status !== "completed") {
    throw new EnvelopeError("not_found", "no completed document has this register code");
  }
  const signed = await store.signedEvents(options.db, envelope.id);
  return {
    id: envelope.id,
    title: envelope.title,
    status: envelope.status,
    completedAt: envelope.completed_at?.toISOString() ?? null,
    documentSha256: envelope.current_sha256,
    originalSha256: envelope.original_sha256,
    signers: signed.map((e) => ({
      name: String(e.details.name ?? ""),
      country: String(e.details.country ?? ""),
      signedAt: e.at.toISOString(),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scheduled work (called by the notifications scheduler)

/** Expires every sent envelope whose `expires_at` has passed; returns their ids. */
export async function expireDue(db: Db, now: Date = new Date(), options: { publicUrl?: string } = {}) {
  const expired: string[] = [];
  for (const id of await store.dueForExpiry(db, now)) {
    const done = await db.transaction().execute(async (tx) => {
      const envelope = await store.lockEnvelope(tx, id);
      if (envelope?.status !== "sent" || !envelope.expires_at || envelope.expires_at > now) return false;
      if (!(await store.updateEnvelopeVersioned(tx, id, envelope.version, { status: "expired" }))) return false;
      await appendEvent(tx, {
        envelopeId: id,
        type: "expired",
        actor: null,
        details: { expiresAt: envelope.expires_at.toISOString() },
        at: now,
      });
      const recipients = await store.recipientsOf(tx, id);
      await enqueueRows(tx, withdrawalRows(id, recipients, "expired", null));
      const mail = await mailer(tx, options.publicUrl, envelope, [
        await creatorEmail(tx, envelope),
        ...recipients.filter((r) => r.status !== "pending").map((r) => r.email),
      ]);
      for (const to of mail.addresses) {
        await enqueueEmail(tx, mail.render(to, { kind: "expired", envelopeId: id, title: envelope.title }));
      }
      await enqueueWebhook(tx, { agencyId: envelope.agency_id, event: "envelope.expired", data: { envelopeId: id } });
      return true;
    });
    if (done) expired.push(id);
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

/** A sender's reminder at most this often per envelope (the scheduled ones count too). */
export const REMIND_AGAIN_AFTER_MS = 10 * 60 * 1000;

/**
 * The owning agency reminds, now, the recipients whose turn it is (the sender's "resend"): the same e-mail as the
 * scheduled reminders, in each recipient's language, recorded in the audit trail with who asked.
 */
export async function remindNow(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
}): Promise<RemindedEnvelope> {
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

/** E-mails a reminder to whoever may act now and records it; returns their addresses. */
async function remind(
  tx: Tx,
  envelope: EnvelopeRow,
  options: { now: Date; publicUrl: string | undefined; actor: Caller | null },
): Promise<string[]> {
  const recipients = await store.recipientsOf(tx, envelope.id);
  const order = currentOrder(recipients);
  const due = recipients.filter(
    (r) => r.routing_order === order && ACTING.includes(r.role) && OPEN.includes(r.status) && !r.instance,
  );
  await tx.updateTable("envelopes").set({ last_reminded_at: options.now }).where("id", "=", envelope.id).execute();
  const mail = await mailer(
    tx,
    options.publicUrl,
    envelope,
    due.map((r) => r.email),
  );
  for (const r of due) {
    await enqueueEmail(
      tx,
      mail.render(r.email, {
        kind: "reminder",
        role: r.role,
        envelopeId: envelope.id,
        title: envelope.title,
        expiresAt: envelope.expires_at,
      }),
    );
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

/**
 * The owning agency corrects a recipient's address before they act (a typo, the wrong colleague): the new address
 * takes the old one's place in the routing order, bound to an account only through a proved address like any
 * recipient; if it was already their turn, the new address is invited at once and the old one's signing sessions
 * end. Recorded in the audit trail with both addresses.
 */
export async function correctRecipient(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
  readonly email: string;
  readonly newEmail: string;
}): Promise<EnvelopeView> {
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
  if (envelope.status !== "draft" && envelope.status !== "sent") {
    throw new EnvelopeError("envelope_not_sent", `the envelope is ${envelope.status}; nothing can be corrected`);
  }
  const now = clock(ctx);
  const users = await store.usersByEmail(ctx.db, [newEmail]);
  await transition(ctx, envelope, async (tx, recipients) => {
    const recipient = recipients.find((r) => r.email.toLowerCase() === options.email.toLowerCase());
    if (!recipient) throw new EnvelopeError("not_a_recipient", "no such recipient on this envelope");
    if (!OPEN.includes(recipient.status)) {
      throw new EnvelopeError("already_signed", "this recipient has acted already; their entry cannot change");
    }
    if (recipients.some((r) => r.id !== recipient.id && r.email.toLowerCase() === newEmail.toLowerCase())) {
      throw new EnvelopeError("invalid_request", `${newEmail} is a recipient already`);
    }
    await tx.deleteFrom("signing_sessions").where("recipient_id", "=", recipient.id).execute();
    const reached = recipient.status !== "pending";
    await store.updateRecipient(tx, recipient.id, {
      email: newEmail,
      user_id: users.get(newEmail.toLowerCase())?.id ?? null,
      status: reached ? "notified" : "pending",
    });
    await appendEvent(tx, {
      envelopeId: envelope.id,
      type: "recipient_changed",
      actor: caller,
      ip: caller.ip,
      details: { from: recipient.email, to: newEmail },
      at: now,
    });
    if (reached) {
      const corrected = { ...recipient, email: newEmail };
      for (const message of await invitations(tx, ctx.publicUrl, envelope, [corrected]))
        await enqueueEmail(tx, message);
    }
    return {};
  });
  return getEnvelope({ ctx, caller, envelopeId: envelope.id });
}

/**
 * The owning agency cancels a sent envelope, with a reason (DocuSign's "void"): nobody can act on it any more, and
 * everyone it had already reached is told why, in their language. The document stays as it was, with the
 * signatures made so far; the audit trail records who voided it and why.
 */
export async function voidEnvelope(options: {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
  readonly reason: string;
}): Promise<EnvelopeView> {
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
  if (envelope.status !== "sent") {
    throw new EnvelopeError("envelope_not_sent", `the envelope is ${envelope.status}; only a sent one can be voided`);
  }
  const now = clock(ctx);
  await transition(ctx, envelope, async (tx, recipients) => {
    await appendEvent(tx, {
      envelopeId: envelope.id,
      type: "voided",
      actor: caller,
      ip: caller.ip,
      details: { reason },
      at: now,
    });
    const reached = recipients.filter((r) => r.status !== "pending").map((r) => r.email);
    const mail = await mailer(tx, ctx.publicUrl, envelope, reached);
    const by = (await personOf(tx, caller.userId)) ?? caller.email ?? "";
    for (const to of mail.addresses) {
      await enqueueEmail(
        tx,
        mail.render(to, { kind: "voided", envelopeId: envelope.id, title: envelope.title, voidedBy: by, reason }),
      );
    }
    await enqueueWebhook(tx, {
      agencyId: envelope.agency_id,
      event: "envelope.voided",
      data: { envelopeId: envelope.id, reason },
    });
    await enqueueRows(tx, withdrawalRows(envelope.id, recipients, "voided", reason));
    return { status: "voided" };
  });
  return getEnvelope({ ctx, caller, envelopeId: envelope.id });
}

// ---------------------------------------------------------------------------------------------------------------
// Internals

/** Finishes a signature computed on `envelope`'s current revision: B-LT, B-LTA when last, and the commit. */
async function finishSignature(options: {
  ctx: EnvelopeContext;
  caller: Caller;
  envelope: EnvelopeRow;
  recipient: RecipientRow;
  certificate: SigningCertificateRow;
  signed: Uint8Array;
  /** performance.now() when the signature was started, for the time it took (in the audit event). */
  started: number;
}): Promise<void> {
  const { ctx, envelope, recipient, certificate } = options;
  const recipients = await store.recipientsOf(ctx.db, envelope.id);
  const last = isLastToAct(recipients, recipient);
  const field = lastSignatureField(options.signed);
  let document = await toLongTerm(ctx, options.signed);
  if (last && !envelope.origin) {
    document = await toLongTerm(ctx, document, await store.agencyCountry(ctx.db, envelope.agency_id));
  }
  await finishAction({
    ctx,
    caller: options.caller,
    envelope,
    recipient,
    type: "signed",
    document,
    field,
    details: {
      ...signatureDetails(certificate, field, last),
      signingMs: Math.round(performance.now() - options.started),
    },
  });
}

/** Whether `recipient` is the last signer or approver still to act. */
function isLastToAct(recipients: readonly RecipientRow[], recipient: RecipientRow): boolean {
  return recipients.every((r) => r.id === recipient.id || !ACTING.includes(r.role) || !OPEN.includes(r.status));
}

/** The `signed` audit event's details for a signature with `certificate` in `field`. */
function signatureDetails(certificate: SigningCertificateRow, field: string | null, last: boolean) {
  const info = Certificate.fromDer(new Uint8Array(certificate.der));
  const name = /(?:^|,)CN=([^,]+)/.exec(info.subject)?.[1] ?? certificate.subject;
  return {
    field,
    name,
    country: info.country ?? certificate.ca_id.toUpperCase(),
    ca: certificate.ca_id,
    certificateSerial: certificate.serial,
    subject: info.subject,
    level: last ? "B-LTA" : "B-LT",
  };
}

/**
 * Commits a platform-key signature computed on `snapshot`'s revision: the same changes, audit events and
 * notifications as {@link finishAction}, in one guarded statement (store.commitSignature); `concurrent_change` when
 * the envelope changed since the snapshot. Returns the envelope as it is after the commit.
 */
async function commitSignature(options: {
  ctx: EnvelopeContext;
  caller: Caller;
  snapshot: store.SigningSnapshot;
  recipient: RecipientRow;
  last: boolean;
  document: Uint8Array;
  field: string | null;
  details: Record<string, unknown>;
}): Promise<EnvelopeView> {
  const { ctx, caller, snapshot, recipient, last } = options;
  const { envelope, recipients, webhooks } = snapshot;
  const now = clock(ctx);
  const sha256 = createHash("sha256").update(options.document).digest("hex");
  const signed = { status: "signed" as const, acted_at: now, signature_field: options.field };
  const after = recipients.map((r) => (r.id === recipient.id ? { ...r, ...signed } : r));
  const events: AppendEventOptions[] = [
    {
      envelopeId: envelope.id,
      type: "signed",
      actor: caller,
      ip: caller.ip,
      documentSha256: sha256,
      details: { recipient: recipient.email, ...options.details },
      at: now,
    },
  ];
  const outbox: (OutboxRow & { recipient?: string })[] = webhookRows(webhooks, {
    agencyId: envelope.agency_id,
    event: "envelope.signed",
    data: { envelopeId: envelope.id, by: recipient.email, documentSha256: sha256 },
  });
  let notify: RecipientRow[] = [];
  const next = currentOrder(after);
  if (next === null && envelope.origin) {
    // A partner's copy: the signed revision goes back to the owner, who carries the workflow on.
    outbox.push(returnRow(envelope.origin, envelope.id, { signed: options.document }));
  } else if (next === null) {
    outbox.push(...completionRows(envelope.id, recipients, options.document));
    events.push({
      envelopeId: envelope.id,
      type: "completed",
      actor: null,
      documentSha256: sha256,
      details: { originalSha256: envelope.original_sha256 },
      at: now,
    });
    // People on partner instances hear from their own instance (the completion goes there).
    const mail = await mailer(ctx.db, ctx.publicUrl, envelope, [
      snapshot.creatorEmail,
      ...recipients.filter((r) => !r.instance).map((r) => r.email),
    ]);
    for (const address of mail.addresses) {
      outbox.push(
        emailRow(mail.render(address, { kind: "completed", envelopeId: envelope.id, title: envelope.title })),
      );
    }
    outbox.push(
      ...webhookRows(webhooks, {
        agencyId: envelope.agency_id,
        event: "envelope.completed",
        data: { envelopeId: envelope.id, documentSha256: sha256, registerCode: envelope.register_code },
      }),
    );
  } else if (next !== currentOrder(recipients)) {
    // Those still pending when the commit runs are notified (the statement checks; a first view may come between).
    notify = after.filter((r) => r.routing_order === next && ACTING.includes(r.role) && r.status === "pending");
    const local = notify.filter((r) => !r.instance);
    const mails = await invitations(ctx.db, ctx.publicUrl, envelope, local);
    for (const [i, r] of local.entries()) outbox.push({ ...emailRow(mails[i]!), recipient: r.id });
    for (const r of notify.filter((r) => r.instance)) {
      outbox.push(
        offerRow(offerOf(envelope), remoteRecipient(r), options.document, await originSender(ctx.db, envelope)),
      );
    }
  }
  const committed = await store.commitSignature(ctx.db, {
    envelopeId: envelope.id,
    expectedVersion: envelope.version,
    lastSeq: snapshot.lastEvent?.seq ?? 0,
    envelope: last ? { status: "completed", completed_at: now } : {},
    document: { sha256, bytes: options.document },
    recipientId: recipient.id,
    recipient: signed,
    notify: notify.map((r) => r.id),
    events: chainEvents(snapshot.lastEvent, events).map(store.eventRecord),
    outbox,
  });
  if (!committed) throw new EnvelopeError("concurrent_change", "the envelope changed meanwhile; try again");
  return view(
    committed.envelope,
    after.map((r) => (committed.notified.has(r.id) ? { ...r, status: "notified" as const } : r)),
  );
}

/**
 * Commits a recipient's action (signed or approved): the recipient's status, the audit event, the next routing
 * order's notifications, and — when nobody is left — completion. With `document`, the new revision becomes current.
 */
async function finishAction(options: {
  ctx: EnvelopeContext;
  caller: Caller;
  envelope: EnvelopeRow;
  recipient: RecipientRow;
  type: "signed" | "approved";
  document?: Uint8Array;
  field?: string | null;
  details?: Record<string, unknown>;
}): Promise<void> {
  const { ctx, caller, envelope, recipient } = options;
  const now = clock(ctx);
  await transition(ctx, envelope, async (tx, recipients) => {
    const sha256 = options.document ? await putDocument(tx, options.document) : envelope.current_sha256;
    await store.updateRecipient(tx, recipient.id, {
      status: options.type,
      acted_at: now,
      ...(options.field !== undefined && { signature_field: options.field }),
    });
    await store.deleteSessions(tx, recipient.id);
    await appendEvent(tx, {
      envelopeId: envelope.id,
      type: options.type,
      actor: caller,
      ip: caller.ip,
      documentSha256: sha256,
      details: { recipient: recipient.email, ...options.details },
      at: now,
    });
    await enqueueWebhook(tx, {
      agencyId: envelope.agency_id,
      event: `envelope.${options.type}`,
      data: { envelopeId: envelope.id, by: recipient.email, documentSha256: sha256 },
    });
    const after = recipients.map((r) => (r.id === recipient.id ? { ...r, status: options.type } : r));
    const before = currentOrder(recipients);
    const next = currentOrder(after);
    if (next === null && envelope.origin) {
      const signed = options.document ?? (await getDocument(tx, sha256));
      await enqueueRows(tx, [returnRow(envelope.origin, envelope.id, { signed: signed! })]);
      return { current_sha256: sha256, status: "completed", completed_at: now };
    }
    if (next === null) {
      const final = options.document ?? (await getDocument(tx, sha256))!;
      await enqueueRows(tx, completionRows(envelope.id, recipients, final));
      await appendEvent(tx, {
        envelopeId: envelope.id,
        type: "completed",
        actor: null,
        documentSha256: sha256,
        details: { originalSha256: envelope.original_sha256 },
        at: now,
      });
      const mail = await mailer(tx, ctx.publicUrl, envelope, [
        await creatorEmail(tx, envelope),
        ...recipients.filter((r) => !r.instance).map((r) => r.email),
      ]);
      for (const address of mail.addresses) {
        await enqueueEmail(
          tx,
          mail.render(address, { kind: "completed", envelopeId: envelope.id, title: envelope.title }),
        );
      }
      await enqueueWebhook(tx, {
        agencyId: envelope.agency_id,
        event: "envelope.completed",
        data: { envelopeId: envelope.id, documentSha256: sha256, registerCode: envelope.register_code },
      });
      return { current_sha256: sha256, status: "completed", completed_at: now };
    }
    if (next !== before) {
      const due = after.filter((r) => r.routing_order === next && ACTING.includes(r.role) && r.status === "pending");
      await notifyRecipients(tx, ctx, envelope, due, sha256);
    }
    return { current_sha256: sha256 };
  });
}

/**
 * One state change: lock the envelope, check that its version is the one the decision was based on, let `change`
 * write what it must (given the recipients as they are now) and return the envelope's new column values, bump the
 * version. `concurrent_change` when someone else changed the envelope in between.
 */
async function transition(
  ctx: Pick<EnvelopeContext, "db">,
  envelope: EnvelopeRow,
  change: (tx: Tx, recipients: RecipientRow[]) => Promise<Parameters<typeof store.updateEnvelopeVersioned>[3]>,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const locked = await store.lockEnvelope(tx, envelope.id);
    if (!locked || locked.version !== envelope.version) {
      throw new EnvelopeError("concurrent_change", "the envelope changed meanwhile; try again");
    }
    const columns = await change(tx, await store.recipientsOf(tx, envelope.id));
    if (!(await store.updateEnvelopeVersioned(tx, envelope.id, envelope.version, columns))) {
      throw new EnvelopeError("concurrent_change", "the envelope changed meanwhile; try again");
    }
  });
}

/** The envelope if the caller may see it; `not_found` otherwise (existence never leaks). */
async function visibleEnvelope(db: Db, caller: Caller, id: string): Promise<EnvelopeRow> {
  const envelope = await store.findEnvelope(db, id);
  if (envelope) {
    if (caller.agencyId && envelope.agency_id === caller.agencyId) return envelope;
    const recipients = await store.recipientsOf(db, envelope.id);
    if (recipients.some((r) => isCaller(r, caller))) return envelope;
  }
  throw new EnvelopeError("not_found", "no such envelope");
}

/** Whether the caller may see the envelope: a member of its agency or one of its recipients. */
function isVisible(envelope: EnvelopeRow, recipients: readonly RecipientRow[], caller: Caller): boolean {
  return (!!caller.agencyId && envelope.agency_id === caller.agencyId) || recipients.some((r) => isCaller(r, caller));
}

/** The caller's recipient row that may act now, or the coded reason why none may. */
async function actingRecipient(
  db: Db,
  caller: Caller,
  envelopeId: string,
): Promise<{ envelope: EnvelopeRow; recipient: RecipientRow }> {
  const envelope = await visibleEnvelope(db, caller, envelopeId);
  const recipients = await store.recipientsOf(db, envelope.id);
  return { envelope, recipient: actingRecipientOf(envelope, recipients, caller) };
}

function actingRecipientOf(envelope: EnvelopeRow, recipients: readonly RecipientRow[], caller: Caller): RecipientRow {
  const mine = recipients.filter((r) => isCaller(r, caller) && ACTING.includes(r.role));
  if (mine.length === 0) {
    throw new EnvelopeError("not_a_recipient", "you are not a signer or approver of this envelope");
  }
  const open = mine.filter((r) => OPEN.includes(r.status));
  if (open.length === 0) {
    const done = mine.find((r) => r.status === "declined");
    if (done) throw new EnvelopeError("already_declined", "you have declined this envelope");
    throw new EnvelopeError("already_signed", "you have already acted on this envelope");
  }
  if (envelope.status === "draft") throw new EnvelopeError("envelope_not_sent", "the envelope has not been sent yet");
  if (envelope.status !== "sent") {
    throw new EnvelopeError("envelope_not_sent", `the envelope is ${envelope.status}; nothing more can be done`);
  }
  const order = currentOrder(recipients);
  const recipient = open.find((r) => r.routing_order === order);
  if (!recipient) {
    throw new EnvelopeError("not_your_turn", `recipients of routing order ${order} act before you`);
  }
  return recipient;
}

async function signingCertificate(
  ctx: EnvelopeContext,
  caller: Caller,
  custody: "platform" | "device",
): Promise<SigningCertificateRow> {
  if (caller.role !== "official" || !caller.userId) {
    throw new EnvelopeError("forbidden", "only officials sign; your role does not allow signing");
  }
  const now = clock(ctx);
  const certificate = await store.officialCertificate(ctx.db, caller.userId, custody, now);
  if (!certificate) {
    const other = await store.officialCertificate(
      ctx.db,
      caller.userId,
      custody === "platform" ? "device" : "platform",
      now,
    );
    if (other) {
      throw new EnvelopeError(
        "wrong_signing_method",
        custody === "platform"
          ? "your key is on your device: use /sign/prepare and /sign/complete"
          : "your key is held by the platform: use /sign",
      );
    }
    throw new EnvelopeError("no_signing_certificate", "you have no valid signing certificate");
  }
  return checkNotRevoked(ctx, certificate);
}

function checkNotRevoked(ctx: EnvelopeContext, certificate: SigningCertificateRow): SigningCertificateRow {
  const status = ctx.trustStore.get(certificate.ca_id).status(certificate.serial);
  if (status.status === "revoked") {
    throw new EnvelopeError("no_signing_certificate", "your signing certificate has been revoked");
  }
  return certificate;
}

async function currentDocument(db: Db, envelope: EnvelopeRow): Promise<Uint8Array> {
  const bytes = await getDocument(db, envelope.current_sha256);
  if (!bytes) throw new Error(`document ${envelope.current_sha256} of envelope ${envelope.id} is missing`);
  return bytes;
}

/**
 * Asks `recipients` to act: an e-mail each, or, for one who lives on a partner instance, an offer of the document
 * revision `documentSha256` (default: the envelope's current one) to that instance.
 */
async function notifyRecipients(
  tx: Tx,
  ctx: Pick<EnvelopeContext, "publicUrl">,
  envelope: EnvelopeRow,
  recipients: readonly RecipientRow[],
  documentSha256 = envelope.current_sha256,
): Promise<void> {
  const local = recipients.filter((r) => !r.instance);
  const mails = await invitations(tx, ctx.publicUrl, envelope, local);
  for (const r of recipients) {
    if (r.status === "pending") await store.updateRecipient(tx, r.id, { status: "notified" });
  }
  for (const mail of mails) await enqueueEmail(tx, mail);
  const remote = recipients.filter((r) => r.instance);
  if (remote.length === 0) return;
  const document = await getDocument(tx, documentSha256);
  if (!document) throw new Error(`document ${documentSha256} of envelope ${envelope.id} is missing`);
  const sender = await originSender(tx, envelope);
  await enqueueRows(
    tx,
    remote.map((r) => offerRow(offerOf(envelope), remoteRecipient(r), document, sender)),
  );
}

/** What an offer says of the envelope. */
function offerOf(envelope: EnvelopeRow) {
  return {
    id: envelope.id,
    title: envelope.title,
    message: envelope.message,
    registerCode: envelope.register_code,
    expiresAt: envelope.expires_at,
  };
}

function remoteRecipient(r: RecipientRow): { id: string; email: string; instance: string; order: number } {
  return { id: r.id, email: r.email, instance: r.instance!, order: r.routing_order };
}

/** The sender as a partner shows them: name, address, agency names. */
async function originSender(db: Db | Tx, envelope: EnvelopeRow): Promise<EnvelopeOrigin["sender"]> {
  const { sender, agencyNames } = await store.peopleOf(db, envelope, []);
  return {
    name: sender?.name || sender?.email || "",
    email: sender?.email ?? "",
    agency: (agencyNames ?? { en: "" }) as Record<string, string>,
  };
}

/** Recipients on partner instances must be signers, on instances this one has peered with. */
async function checkPartners(db: Db, remote: readonly RecipientInput[]): Promise<void> {
  for (const r of remote) {
    if (r.role !== "signer") {
      throw new EnvelopeError("invalid_request", `${r.email}: a recipient on a partner instance signs (role signer)`);
    }
  }
  const wanted = [...new Set(remote.map((r) => r.instance!))];
  const peered = await db.selectFrom("peers").select("instance").where("instance", "in", wanted).execute();
  const missing = wanted.filter((w) => !peered.some((p) => p.instance === w));
  if (missing.length > 0) {
    throw new EnvelopeError("invalid_request", `not a partner instance: ${missing.join(", ")}`);
  }
}

/**
 * The e-mails of one state change, each in its reader's language (notify/templates.ts renders and escapes them;
 * the title is the sender's text and never reaches a header raw). `addresses` are deduplicated, blank ones dropped.
 */
async function mailer(db: Db | Tx, publicUrl: string | undefined, envelope: EnvelopeRow, addresses: readonly string[]) {
  const unique = [...new Map(addresses.filter(Boolean).map((a) => [a.toLowerCase(), a])).values()];
  const locales = await localesOf(db, unique);
  const base = publicUrl ?? "";
  const localeOf = (to: string) => locales.get(to.toLowerCase()) ?? "en";
  return {
    addresses: unique,
    localeOf,
    render: (to: string, notice: Notice): EmailMessage =>
      renderEmail(notice, { to, locale: localeOf(to), publicUrl: base }),
  };
}

/** The requests to act (or to look), one per recipient, naming the sender and their agency in each language. */
async function invitations(
  db: Db | Tx,
  publicUrl: string | undefined,
  envelope: EnvelopeRow,
  recipients: readonly RecipientRow[],
): Promise<EmailMessage[]> {
  if (recipients.length === 0) return [];
  const mail = await mailer(
    db,
    publicUrl,
    envelope,
    recipients.map((r) => r.email),
  );
  const sender = await senderOf(db, envelope);
  return recipients.map((r) => {
    const agency = sender.agency[mail.localeOf(r.email)] ?? sender.agency.en;
    return mail.render(r.email, {
      kind: "invitation",
      role: r.role,
      envelopeId: envelope.id,
      title: envelope.title,
      sender: agency ? `${sender.name} (${agency})` : sender.name,
      expiresAt: envelope.expires_at,
      message: envelope.message,
    });
  });
}

/** The creating official's name and agency names, as invitations present the sender. */
async function senderOf(db: Db | Tx, envelope: EnvelopeRow): Promise<{ name: string; agency: Multilingual }> {
  const { sender, agencyNames } = await store.peopleOf(db, envelope, []);
  return { name: sender?.name || sender?.email || "", agency: agencyNames ?? { en: "" } };
}

/** A person's display name, if they have an account. */
async function personOf(db: Db | Tx, userId: string | null): Promise<string | undefined> {
  if (!userId) return undefined;
  const row = await db.selectFrom("users").select("display_name").where("id", "=", userId).executeTakeFirst();
  return row?.display_name || undefined;
}

async function creatorEmail(tx: Tx, envelope: EnvelopeRow): Promise<string> {
  const row = await tx.selectFrom("users").select("email").where("id", "=", envelope.created_by).executeTakeFirst();
  return row?.email ?? "";
}

/** The lowest routing order with a signer or approver still to act; null when everyone has. */
function currentOrder(recipients: readonly Pick<RecipientRow, "role" | "status" | "routing_order">[]): number | null {
  const open = recipients.filter((r) => ACTING.includes(r.role) && OPEN.includes(r.status));
  return open.length ? Math.min(...open.map((r) => r.routing_order)) : null;
}

/** The recipient is the caller's: bound to their account (never by comparing addresses, security issue 9.3). */
function isCaller(r: RecipientRow, caller: Caller): boolean {
  return !!caller.userId && r.user_id === caller.userId;
}

function view(envelope: EnvelopeRow, recipients: readonly RecipientRow[]): EnvelopeView {
  return {
    id: envelope.id,
    title: envelope.title,
    status: envelope.status,
    agencyId: envelope.agency_id,
    registerCode: envelope.register_code,
    originalSha256: envelope.original_sha256,
    documentSha256: envelope.current_sha256,
    createdAt: envelope.created_at.toISOString(),
    sentAt: envelope.sent_at?.toISOString() ?? null,
    completedAt: envelope.completed_at?.toISOString() ?? null,
    expiresAt: envelope.expires_at?.toISOString() ?? null,
    currentOrder: envelope.status === "sent" ? currentOrder(recipients) : null,
    version: envelope.version,
    message: envelope.message ?? null,
    recipients: recipients.map((r) => ({
      email: r.email,
      role: r.role,
      order: r.routing_order,
      status: r.status,
      actedAt: r.acted_at?.toISOString() ?? null,
      declineReason: r.decline_reason,
      signatureField: r.signature_field,
      ...(r.instance && { instance: r.instance }),
    })),
    ...(envelope.origin && {
      origin: {
        instance: envelope.origin.instance,
        envelopeId: envelope.origin.envelopeId,
        sender: envelope.origin.sender,
      },
    }),
  };
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
export function newRegisterCode(): string {
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

function signingReason(envelope: EnvelopeRow): string {
  return `Signed on Khatam: ${envelope.title} (register ${envelope.register_code})`;
}

function clock(ctx: { now?: () => Date }): Date {
  return ctx.now ? ctx.now() : new Date();
}

export function registerUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/$/, "")}/register/${code}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Across instances (issue 12.3): envelope-cross-instance.ts checks the messages; these record what they carry.

/** The audit trail's actor for what a partner instance reports its recipient did. */
function partnerCaller(recipient: RecipientRow): Caller {
  return { userId: null, email: recipient.email, role: "official", agencyId: null, countryId: null, ip: null };
}

/** Owner side: a recipient on a partner signed; `document` is the checked revision the partner returned. */
export async function recordPartnerSignature(options: {
  readonly ctx: EnvelopeContext;
  readonly envelope: EnvelopeRow;
  readonly recipient: RecipientRow;
  readonly document: Uint8Array;
  readonly details: Record<string, unknown>;
}): Promise<void> {
  const { ctx, envelope, recipient } = options;
  const recipients = await store.recipientsOf(ctx.db, envelope.id);
  const last = isLastToAct(recipients, recipient);
  const field = lastSignatureField(options.document);
  // The partner embedded its own validation data (B-LT); the owner adds the archive time-stamp at the end.
  const document = last
    ? await toLongTerm(ctx, options.document, await store.agencyCountry(ctx.db, envelope.agency_id))
    : options.document;
  await finishAction({
    ctx,
    caller: partnerCaller(recipient),
    envelope,
    recipient,
    type: "signed",
    document,
    field,
    details: { ...options.details, field, level: last ? "B-LTA" : "B-LT" },
  });
}

/** Owner side: a recipient on a partner declined. */
export async function recordPartnerDecline(options: {
  readonly ctx: EnvelopeContext;
  readonly envelope: EnvelopeRow;
  readonly recipient: RecipientRow;
  readonly reason: string;
  readonly details: Record<string, unknown>;
}): Promise<void> {
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
  const now = clock(ctx);
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
      },
      [
        {
          id: randomUUID(),
          envelope_id: id,
          email: user.email,
          user_id: user.id,
          role: "signer",
          routing_order: 1,
          status: "notified",
        },
      ],
    );
    await tx.updateTable("envelopes").set({ sent_at: now }).where("id", "=", id).execute();
    const details = { origin: { instance: origin.instance, envelopeId: origin.envelopeId }, sender: origin.sender };
    await appendEvent(tx, { envelopeId: id, type: "created", actor: null, documentSha256: sha256, details, at: now });
    await appendEvent(tx, { envelopeId: id, type: "sent", actor: null, details, at: now });
    const mail = await mailer(tx, ctx.publicUrl, (await store.findEnvelope(tx, id))!, [user.email]);
    const agency = origin.sender.agency[mail.localeOf(user.email)] ?? origin.sender.agency.en;
    for (const to of mail.addresses) {
      await enqueueEmail(
        tx,
        mail.render(to, {
          kind: "invitation",
          role: "signer",
          envelopeId: id,
          title: options.title,
          sender: agency ? `${origin.sender.name} (${agency})` : origin.sender.name,
          expiresAt: options.expiresAt,
          message: options.message,
        }),
      );
    }
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
  const now = clock(ctx);
  await transition(ctx, copy, async (tx) => {
    const sha256 = await putDocument(tx, options.document);
    await appendEvent(tx, {
      envelopeId: copy.id,
      type: "completed",
      actor: null,
      documentSha256: sha256,
      details: { origin: copy.origin?.instance, final: true, partnerRecord: options.ownerRecord },
      at: now,
    });
    return { current_sha256: sha256, status: "completed", completed_at: copy.completed_at ?? now };
  });
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
  const now = clock(ctx);
  await transition(ctx, copy, async (tx) => {
    await appendEvent(tx, {
      envelopeId: copy.id,
      type: options.outcome,
      actor: null,
      details: { origin: copy.origin?.instance, ...(options.reason && { reason: options.reason }) },
      at: now,
    });
    return { status: options.outcome };
  });
}
