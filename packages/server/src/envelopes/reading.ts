/**
 * Reading envelopes: one envelope as its parties see it, the inbox (three lists, paged), the document (recording
 * views and downloads in the audit trail), the audit trail, the sealed certificate of completion and the public
 * register entry.
 *
 * Visibility: an envelope is visible to the members of its owning agency and to its recipients (by the bound account,
 * never by comparing addresses); to anyone else it does not exist (`not_found`).
 */
import { type AuditEvent, appendEvent, listEvents, verifyChain } from "../audit/audit.js";
import type { Db } from "../db/connect.js";
import { getDocument } from "../db/documents.js";
import { localesOf } from "../notify/templates.js";
import type { KeyStore } from "../trust/keys.js";
import { sealCompletionCertificate } from "./completion-seal.js";
import { type Caller, clock, type EnvelopeContext, type EnvelopeRequest, registerUrl } from "./context.js";
import { EnvelopeError } from "./errors.js";
import { fieldsOf } from "./fields.js";
import type { EnvelopeView, Inbox, RegisterEntry } from "./schemas.js";
import type { EnvelopeRow, RecipientRow } from "./store.js";
import * as store from "./store.js";
import { currentOrder } from "./transitions.js";

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
export async function completionCertificate(
  options: EnvelopeRequest & {
    readonly keyStore: KeyStore;
  },
): Promise<Uint8Array> {
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
export async function registerEntry(options: { readonly db: Db; readonly code: string }): Promise<RegisterEntry> {
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

/** The envelope if the caller may see it; `not_found` otherwise (existence never leaks). */
export async function visibleEnvelope(db: Db, caller: Caller, id: string): Promise<EnvelopeRow> {
  const envelope = await store.findEnvelope(db, id);
  if (envelope) {
    if (caller.agencyId && envelope.agency_id === caller.agencyId) return envelope;
    const recipients = await store.recipientsOf(db, envelope.id);
    if (recipients.some((r) => isCaller(r, caller))) return envelope;
  }
  throw new EnvelopeError("not_found", "no such envelope");
}

/** Whether the caller may see the envelope: a member of its agency or one of its recipients. */
export function isVisible(envelope: EnvelopeRow, recipients: readonly RecipientRow[], caller: Caller): boolean {
  return (!!caller.agencyId && envelope.agency_id === caller.agencyId) || recipients.some((r) => isCaller(r, caller));
}

/** The recipient is the caller's: bound to their account (never by comparing addresses, security issue 9.3). */
export function isCaller(r: RecipientRow, caller: Caller): boolean {
  return !!caller.userId && r.user_id === caller.userId;
}

export function view(envelope: EnvelopeRow, recipients: readonly RecipientRow[]): EnvelopeView {
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
