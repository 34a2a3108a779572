/**
 * The envelope API as the pages use it (server: envelopes/routes.ts, CONTRACTS § 3). Its types are the server's,
 * inferred from the route schemas (`@khatam/server/api`, types only).
 */
import type {
  AuditTrailView,
  CompleteSignatureBody,
  CorrectRecipientBody,
  EnvelopeView,
  Inbox,
  InboxQuery,
  PreparedSignature,
  ReasonBody,
  RecipientView,
  RemindedEnvelope,
  SigningChoicesBody,
} from "@khatam/server/api";
import { apiJson } from "./api.js";

export type { CreatedEnvelope, EnvelopeSummary, Inbox, PreparedSignature, RegisterEntry } from "@khatam/server/api";

/** An envelope and its recipients: GET /api/envelopes/:id, and the answer of every action on it. */
export type Envelope = EnvelopeView;
export type Recipient = RecipientView;
export type EnvelopeStatus = Envelope["status"];
export type RecipientRole = Recipient["role"];
export type RecipientStatus = Recipient["status"];
export type InboxList = keyof Inbox["nextCursor"];
/** An event of GET /api/envelopes/:id/audit. */
export type AuditEvent = AuditTrail["events"][number];
export type AuditTrail = AuditTrailView;

export const envelopeUrl = (id: string, rest = "") => `/api/envelopes/${encodeURIComponent(id)}${rest}`;

export const getEnvelope = (id: string) => apiJson<Envelope>(envelopeUrl(id));
/** The inbox's first pages; with `cursor` (a `nextCursor`), the next page of that one list. */
export const getInbox = (options: Partial<Pick<InboxQuery, "cursor" | "limit">> = {}) => {
  const query = new URLSearchParams();
  if (options.limit !== undefined) query.set("limit", String(options.limit));
  if (options.cursor) query.set("cursor", options.cursor);
  const text = query.toString();
  return apiJson<Inbox>(`/api/envelopes${text ? `?${text}` : ""}`);
};
export const getAudit = (id: string) => apiJson<AuditTrail>(envelopeUrl(id, "/audit"));
export const sendEnvelope = (id: string) => apiJson<Envelope>(envelopeUrl(id, "/send"), { method: "POST" });
/** Signs (or approves) with the platform's key; `choices`: the signer's field values and the look of the signature. */
export const signEnvelope = (id: string, choices?: SigningChoicesBody) =>
  apiJson<Envelope>(envelopeUrl(id, "/sign"), { method: "POST", ...(choices && { json: choices }) });
export const declineEnvelope = (id: string, reason: string) =>
  apiJson<Envelope>(envelopeUrl(id, "/decline"), { method: "POST", json: { reason } satisfies ReasonBody });
export const prepareSignature = (id: string, choices?: SigningChoicesBody) =>
  apiJson<PreparedSignature>(envelopeUrl(id, "/sign/prepare"), { method: "POST", ...(choices && { json: choices }) });
export const completeSignature = (id: string, sessionId: string, signatureValue: string) =>
  apiJson<Envelope>(envelopeUrl(id, "/sign/complete"), {
    method: "POST",
    json: { sessionId, signatureValue } satisfies CompleteSignatureBody,
  });

/** The recipients who may act now (routing order `currentOrder`, not yet acted). */
export function nextRecipients(envelope: Pick<Envelope, "status" | "currentOrder" | "recipients">): Recipient[] {
  if (envelope.status !== "sent" || envelope.currentOrder === null) return [];
  return envelope.recipients.filter(
    (r) =>
      r.order === envelope.currentOrder &&
      r.role !== "viewer" &&
      (r.status === "pending" || r.status === "notified" || r.status === "viewed"),
  );
}

/** The owning agency cancels a sent envelope, with a reason. */
export const voidEnvelope = (id: string, reason: string) =>
  apiJson<Envelope>(envelopeUrl(id, "/void"), { method: "POST", json: { reason } satisfies ReasonBody });

/** The owning agency corrects a recipient's address before they act. */
export const correctRecipient = (id: string, email: string, newEmail: string) =>
  apiJson<Envelope>(envelopeUrl(id, `/recipients/${encodeURIComponent(email)}`), {
    method: "PATCH",
    json: { email: newEmail } satisfies CorrectRecipientBody,
  });

/** The owning agency reminds whoever may act now (at most once in ten minutes). */
export const remindEnvelope = (id: string) => apiJson<RemindedEnvelope>(envelopeUrl(id, "/remind"), { method: "POST" });

/** Of the signers and approvers, how many have acted. */
export function progressOf(recipients: readonly Recipient[]): { done: number; total: number } {
  const acting = recipients.filter((r) => r.role !== "viewer");
  return { done: acting.filter((r) => r.status === "signed" || r.status === "approved").length, total: acting.length };
}
