/** The envelope API as the pages use it (server: envelopes/routes.ts, CONTRACTS § 3). */
import { apiJson } from "./api.js";

export type EnvelopeStatus = "draft" | "sent" | "completed" | "declined" | "expired" | "voided";
export type RecipientRole = "signer" | "approver" | "viewer";
export type RecipientStatus = "pending" | "notified" | "viewed" | "signed" | "approved" | "declined";

export interface Recipient {
  readonly email: string;
  readonly role: RecipientRole;
  readonly order: number;
  readonly status: RecipientStatus;
  readonly actedAt: string | null;
  readonly declineReason: string | null;
  readonly signatureField: string | null;
  /** The bound account's display name, when an account has proved the address. */
  readonly name?: string | null;
  /** The partner instance the recipient signs on (federation). */
  readonly instance?: string;
}

/** Who sent an envelope (GET /api/envelopes/:id). */
export interface EnvelopeSender {
  readonly name: string | null;
  readonly email: string | null;
  readonly agency: { readonly id: string; readonly names: Record<string, string> | null };
}

/** GET /api/envelopes/:id */
export interface Envelope {
  readonly id: string;
  readonly title: string;
  readonly status: EnvelopeStatus;
  readonly agencyId: string;
  readonly registerCode: string;
  readonly originalSha256: string;
  readonly documentSha256: string;
  readonly createdAt: string;
  readonly sentAt: string | null;
  readonly completedAt: string | null;
  readonly expiresAt: string | null;
  /** The routing order whose recipients may act now (null unless sent). */
  readonly currentOrder: number | null;
  readonly version: number;
  readonly recipients: readonly Recipient[];
  readonly sender?: EnvelopeSender;
  /** The sender's message to the recipients. */
  readonly message?: string | null;
  /** On a partner's copy: the instance that sent it, and its sender there. */
  readonly origin?: {
    readonly instance: string;
    readonly envelopeId: string;
    readonly sender: { readonly name: string; readonly email: string; readonly agency: Record<string, string> };
  };
}

/** A row of GET /api/envelopes. */
export interface EnvelopeSummary {
  readonly id: string;
  readonly title: string;
  readonly status: EnvelopeStatus;
  readonly createdAt: string;
  readonly sentAt: string | null;
  readonly completedAt: string | null;
  readonly expiresAt: string | null;
  /** Whose turn it is: the open signers and approvers of the current routing order (empty unless sent). */
  readonly next: readonly { readonly email: string; readonly role: RecipientRole }[];
  /** Of its signers and approvers, how many have acted. */
  readonly progress?: { readonly done: number; readonly total: number };
}

export type InboxList = "waiting" | "sent" | "completed";

/** GET /api/envelopes: a page of each list, and per list the cursor of its next page (null at its end). */
export interface Inbox {
  readonly waiting: readonly EnvelopeSummary[];
  readonly sent: readonly EnvelopeSummary[];
  readonly completed: readonly EnvelopeSummary[];
  readonly nextCursor: Readonly<Record<InboxList, string | null>>;
}

/** An event of GET /api/envelopes/:id/audit. */
export interface AuditEvent {
  readonly seq: number;
  readonly type: string;
  readonly actorUserId: string | null;
  readonly actorEmail: string | null;
  readonly ip: string | null;
  readonly at: string;
  readonly documentSha256: string | null;
  readonly details: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditTrail {
  readonly envelopeId: string;
  readonly chain: {
    readonly valid: boolean;
    readonly length?: number;
    readonly seq?: number;
    readonly reason?: string;
  };
  readonly events: readonly AuditEvent[];
}

/** POST /api/envelopes/:id/sign/prepare */
export interface PreparedSignature {
  readonly sessionId: string;
  /** base64 DER of the signed attributes: what the device key signs. */
  readonly signedAttributes: string;
  readonly algorithm: unknown;
  readonly expiresAt: string;
}

/** GET /api/register/:code */
export interface RegisterEntry {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly completedAt: string | null;
  readonly documentSha256: string;
  readonly originalSha256: string;
  readonly signers: readonly { readonly name: string; readonly country: string; readonly signedAt: string }[];
}

export const envelopeUrl = (id: string, rest = "") => `/api/envelopes/${encodeURIComponent(id)}${rest}`;

export const getEnvelope = (id: string) => apiJson<Envelope>(envelopeUrl(id));
/** The inbox's first pages; with `cursor` (a `nextCursor`), the next page of that one list. */
export const getInbox = (options: { readonly cursor?: string; readonly limit?: number } = {}) => {
  const query = new URLSearchParams();
  if (options.limit !== undefined) query.set("limit", String(options.limit));
  if (options.cursor) query.set("cursor", options.cursor);
  const text = query.toString();
  return apiJson<Inbox>(`/api/envelopes${text ? `?${text}` : ""}`);
};
export const getAudit = (id: string) => apiJson<AuditTrail>(envelopeUrl(id, "/audit"));
export const sendEnvelope = (id: string) => apiJson<Envelope>(envelopeUrl(id, "/send"), { method: "POST" });
export const signEnvelope = (id: string) => apiJson<Envelope>(envelopeUrl(id, "/sign"), { method: "POST" });
export const declineEnvelope = (id: string, reason: string) =>
  apiJson<Envelope>(envelopeUrl(id, "/decline"), { method: "POST", json: { reason } });
export const prepareSignature = (id: string) =>
  apiJson<PreparedSignature>(envelopeUrl(id, "/sign/prepare"), { method: "POST" });
export const completeSignature = (id: string, sessionId: string, signatureValue: string) =>
  apiJson<Envelope>(envelopeUrl(id, "/sign/complete"), { method: "POST", json: { sessionId, signatureValue } });

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
  apiJson<Envelope>(envelopeUrl(id, "/void"), { method: "POST", json: { reason } });

/** The owning agency corrects a recipient's address before they act. */
export const correctRecipient = (id: string, email: string, newEmail: string) =>
  apiJson<Envelope>(envelopeUrl(id, `/recipients/${encodeURIComponent(email)}`), {
    method: "PATCH",
    json: { email: newEmail },
  });

/** The owning agency reminds whoever may act now (at most once in ten minutes). */
export const remindEnvelope = (id: string) =>
  apiJson<Envelope & { reminded: string[] }>(envelopeUrl(id, "/remind"), { method: "POST" });

/** Of the signers and approvers, how many have acted. */
export function progressOf(recipients: readonly Recipient[]): { done: number; total: number } {
  const acting = recipients.filter((r) => r.role !== "viewer");
  return { done: acting.filter((r) => r.status === "signed" || r.status === "approved").length, total: acting.length };
}
