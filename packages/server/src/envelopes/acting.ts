/**
 * Acting on an envelope: a signer signs (with a platform-held key, or a key on their device in two requests), an
 * approver approves, either may decline. Each signer adds their own PAdES signature (B-T by their country's TSA, then
 * B-LT); the last one's revision gets the archive time-stamp (B-LTA) and the envelope completes.
 *
 * The slow part of signing (CMS, time-stamp, OCSP) runs outside any transaction on the revision that was current;
 * the change is then committed in one statement guarded by the version it was computed from (commit.ts). If another
 * signer got in first, the guard fails and the signature is made again on the new revision (up to three times), so
 * parallel signers never overwrite each other and no signature is lost. Crash: before the commit nothing is visible
 * (a computed signature is simply dropped); after it, the revision, states, audit events and notices are all there.
 */
import { randomUUID } from "node:crypto";
import { Certificate } from "@khatam/core/x509";
import type { Db } from "../db/connect.js";
import { getDocument } from "../db/documents.js";
import { change } from "./commit.js";
import { type Caller, clock, type EnvelopeContext, type EnvelopeRequest } from "./context.js";
import { EnvelopeError } from "./errors.js";
import { type SigningChoices, signingFieldOptions } from "./fields.js";
import { getEnvelope, isCaller, isVisible, view, visibleEnvelope } from "./reading.js";
import type { EnvelopeView, PreparedSignature } from "./schemas.js";
import {
  completeDeviceSignature,
  lastSignatureField,
  prepareDeviceSignature,
  preparedFromState,
  preparedToState,
  signWithPlatformKey,
  toLongTerm,
} from "./signing.js";
import type { EnvelopeRow, RecipientRow, SigningCertificateRow } from "./store.js";
import * as store from "./store.js";
import { ACTING, currentOrder, isLastToAct, OPEN, turnRefusal } from "./transitions.js";

const MAX_RETRIES = 3;

const SESSION_TTL_MS = 15 * 60 * 1000;

/**
 * The caller acts on the envelope: a signer signs with their platform-held certificate, an approver approves.
 * Returns the envelope after the action.
 */
export async function signEnvelope(
  options: EnvelopeRequest & {
    /** The signer's values and the look of their signature (envelopes/fields.ts). */
    readonly choices?: SigningChoices;
  },
): Promise<EnvelopeView & { signingMs?: number }> {
  const { ctx, caller } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      const snapshot = await store.envelopeState(ctx.db, options.envelopeId, {
        userId: caller.userId,
        now: clock(ctx),
      });
      if (!snapshot) throw new EnvelopeError("not_found", "no such envelope");
      const { envelope, recipients } = snapshot;
      if (!isVisible(envelope, recipients, caller)) throw new EnvelopeError("not_found", "no such envelope");
      const recipient = actingRecipientOf(envelope, recipients, caller);
      if (recipient.role === "approver") {
        await change(ctx, caller, envelope, { type: "approve", recipientId: recipient.id }, snapshot);
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
      const look = await fieldOptionsOf(ctx, caller, recipient, der, options.choices);
      const signed = await signWithPlatformKey({
        trust: ctx,
        pdf: snapshot.document,
        signer,
        certificate: der,
        caId: certificate.ca_id,
        reason: signingReason(envelope),
        field: look,
      });
      const last = isLastToAct(recipients, recipient);
      const field = lastSignatureField(signed);
      let document = await toLongTerm(ctx, signed);
      // On a partner's copy the owner adds the archive time-stamp, once every signature is in.
      if (last && !envelope.origin) document = await toLongTerm(ctx, document, snapshot.agencyCountry);
      // The commit: one short statement that re-checks the version the decision was based on.
      const details = {
        ...signatureDetails(certificate, field, last),
        signingMs: Math.round(performance.now() - started),
      };
      const action = { type: "sign", recipientId: recipient.id, document, field, details } as const;
      const committed = await change(ctx, caller, envelope, action, snapshot);
      return { ...view(committed.envelope, committed.recipients), signingMs: Math.round(performance.now() - started) };
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
export async function prepareSignature(
  options: EnvelopeRequest & {
    /** The signer's values and the look of their signature (envelopes/fields.ts), fixed in the prepared revision. */
    readonly choices?: SigningChoices;
  },
): Promise<PreparedSignature> {
  const { ctx, caller } = options;
  const { envelope, recipient } = await actingRecipient(ctx.db, caller, options.envelopeId);
  if (recipient.role !== "signer") throw new EnvelopeError("wrong_signing_method", "approvers approve with /sign");
  const certificate = await signingCertificate(ctx, caller, "device");
  const base = await currentDocument(ctx.db, envelope);
  const der = new Uint8Array(certificate.der);
  const field = await fieldOptionsOf(ctx, caller, recipient, der, options.choices);
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
export async function completeSignature(
  options: EnvelopeRequest & {
    readonly sessionId: string;
    readonly signatureValue: Uint8Array;
  },
): Promise<EnvelopeView & { signingMs: number }> {
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
  const certificate = await store.signingCertificateById(ctx.db, certificateId);
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

export async function declineEnvelope(
  options: EnvelopeRequest & {
    readonly reason: string;
  },
): Promise<EnvelopeView> {
  const { ctx, caller } = options;
  const reason = options.reason.trim();
  if (!reason) throw new EnvelopeError("invalid_request", "give a reason for declining");
  const { envelope, recipient } = await actingRecipient(ctx.db, caller, options.envelopeId);
  await decline(ctx, envelope, recipient, caller, reason);
  return getEnvelope({ ctx, caller, envelopeId: envelope.id });
}

/** `recipient` declines: the envelope stops, the others who were told and the sender hear of it. */
export async function decline(
  ctx: EnvelopeContext,
  envelope: EnvelopeRow,
  recipient: RecipientRow,
  caller: Caller,
  reason: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await change(ctx, caller, envelope, { type: "decline", recipientId: recipient.id, reason, details });
}

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
  const details = {
    ...signatureDetails(certificate, field, last),
    signingMs: Math.round(performance.now() - options.started),
  };
  await change(ctx, options.caller, envelope, { type: "sign", recipientId: recipient.id, document, field, details });
}

/** What `recipient` signs into and fills (fields.ts), and how their signature looks, signing with `certificate`. */
function fieldOptionsOf(
  ctx: EnvelopeContext,
  caller: Caller,
  recipient: RecipientRow,
  certificate: Uint8Array,
  choices: SigningChoices | undefined,
) {
  return signingFieldOptions({
    db: ctx.db,
    envelopeId: recipient.envelope_id,
    recipientId: recipient.id,
    userId: caller.userId,
    certificate,
    choices: choices ?? {},
    now: clock(ctx),
  });
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
  // The row whose turn it is, else one still open (not yet their turn), else the one that declined.
  const order = currentOrder(recipients);
  const recipient =
    mine.find((r) => OPEN.includes(r.status) && r.routing_order === order) ??
    mine.find((r) => OPEN.includes(r.status)) ??
    mine.find((r) => r.status === "declined") ??
    mine[0]!;
  const refusal = turnRefusal({ envelope, recipients }, recipient);
  if (refusal) throw new EnvelopeError(refusal.refused, refusal.message);
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

function signingReason(envelope: EnvelopeRow): string {
  return `Signed on Khatam: ${envelope.title} (register ${envelope.register_code})`;
}
