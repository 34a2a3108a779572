/**
 * The messages envelopes send to partner instances (issue 12.3), as outbox rows written in the transaction of the
 * change they carry (delivered and retried by federation/protocol.ts):
 *
 * - offer (owner → partner): a recipient who lives on the partner has their turn — title, the sender's message,
 *   register code, deadline, the sender, and the document revision to sign;
 * - return (partner → owner): that recipient signed (the signed revision) or declined (the reason);
 * - completion (owner → every partner that took part): the final document, B-LTA;
 * - withdrawal (owner → every partner holding an open offer): the envelope was voided or expired; the copy stops.
 *
 * Each names what it is about for good (Idempotency-Key), so a repeat is recognised and not acted on twice.
 */
import { createHash } from "node:crypto";
import type { EnvelopeOrigin } from "../db/schema.js";
import { federationRow, type OutboxRow } from "../notify/outbox.js";

export const OFFERS_PATH = "/federation/v1/offers";
export const RETURNS_PATH = "/federation/v1/returns";
export const COMPLETIONS_PATH = "/federation/v1/completions";
export const WITHDRAWALS_PATH = "/federation/v1/withdrawals";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** What an offer says of the envelope and its sender. */
export interface OfferEnvelope {
  readonly id: string;
  readonly title: string;
  readonly message: string | null;
  readonly registerCode: string;
  readonly expiresAt: Date | null;
}

export function offerRow(
  envelope: OfferEnvelope,
  recipient: { readonly id: string; readonly email: string; readonly instance: string; readonly order: number },
  document: Uint8Array,
  sender: EnvelopeOrigin["sender"],
): OutboxRow & { recipient: string } {
  const documentSha256 = sha256(document);
  return {
    ...federationRow({
      peer: recipient.instance,
      path: OFFERS_PATH,
      idempotencyKey: `offer:${recipient.id}:${documentSha256}`,
      body: {
        offerId: recipient.id,
        envelopeId: envelope.id,
        title: envelope.title,
        message: envelope.message,
        registerCode: envelope.registerCode,
        expiresAt: envelope.expiresAt?.toISOString() ?? null,
        recipient: { email: recipient.email, role: "signer", order: recipient.order },
        sender,
        documentSha256,
        document: base64(document),
      },
    }),
    recipient: recipient.id,
  };
}

/** The copy's (`copyId`) outcome back to the owner, with the copy's attested trail. */
export function returnRow(
  origin: EnvelopeOrigin,
  copyId: string,
  outcome: { readonly signed: Uint8Array } | { readonly declined: string },
): OutboxRow {
  const body =
    "signed" in outcome
      ? { outcome: "signed", documentSha256: sha256(outcome.signed), document: base64(outcome.signed) }
      : { outcome: "declined", reason: outcome.declined };
  return federationRow({
    peer: origin.instance,
    path: RETURNS_PATH,
    idempotencyKey: `return:${origin.offerId}`,
    body: { offerId: origin.offerId, envelopeId: origin.envelopeId, ...body },
    attestEnvelope: copyId,
  });
}

/** One completion per partner instance that has a recipient of the envelope. */
export function completionRows(
  envelopeId: string,
  recipients: readonly { readonly id: string; readonly instance: string | null }[],
  document: Uint8Array,
): OutboxRow[] {
  const partners = [...new Set(recipients.flatMap((r) => (r.instance ? [r.instance] : [])))];
  const documentSha256 = sha256(document);
  return partners.map((peer) =>
    federationRow({
      peer,
      path: COMPLETIONS_PATH,
      idempotencyKey: `completion:${envelopeId}`,
      attestEnvelope: envelopeId,
      body: {
        envelopeId,
        offerIds: recipients.filter((r) => r.instance === peer).map((r) => r.id),
        documentSha256,
        document: base64(document),
      },
    }),
  );
}

/** One withdrawal per partner instance holding an offer not yet acted on (recipient `notified` or `viewed`). */
export function withdrawalRows(
  envelopeId: string,
  recipients: readonly { readonly id: string; readonly instance: string | null; readonly status: string }[],
  outcome: "voided" | "expired",
  reason: string | null,
): OutboxRow[] {
  const open = recipients.filter((r) => r.instance && (r.status === "notified" || r.status === "viewed"));
  const partners = [...new Set(open.map((r) => r.instance!))];
  return partners.map((peer) =>
    federationRow({
      peer,
      path: WITHDRAWALS_PATH,
      idempotencyKey: `withdrawal:${envelopeId}`,
      body: { envelopeId, offerIds: open.filter((r) => r.instance === peer).map((r) => r.id), outcome, reason },
    }),
  );
}
