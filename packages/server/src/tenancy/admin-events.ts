/**
 * The audit trail of administrators' actions on people's accounts (security issue 9.6), and the notice each person
 * gets by e-mail in their own language when something is done to their account: an administrator who issues a
 * certificate in an official's name, resets their password or second factor, or revokes a certificate, cannot do
 * it unseen. Both are written in the transaction of the change (the outbox delivers the e-mail afterwards).
 */
import type { Identity } from "../auth/identity.js";
import type { Db, Tx } from "../db/connect.js";
import { enqueueEmail } from "../notify/outbox.js";
import { type AccountEvent, recipientLocale, renderEmail } from "../notify/templates.js";
import type { AdminEventView } from "./schemas.js";
import { adminEvents, insertAdminEvent } from "./store.js";

export interface AdminAction {
  readonly actor: Identity;
  readonly ip: string | null;
  /** The account acted on. */
  readonly target: { readonly id: string; readonly email: string; readonly agencyId: string | null };
  readonly action: AccountEvent | "user_created" | "user_changed";
  readonly details?: Record<string, unknown>;
  /** `KHATAM_PUBLIC_URL`, for the link in the notice. */
  readonly publicUrl: string;
}

/** Records `action` and, for the events a person must hear of, e-mails them. */
export async function recordAdminAction(tx: Tx, action: AdminAction): Promise<void> {
  await insertAdminEvent(tx, {
    actor_user_id: action.actor.userId,
    actor_email: action.actor.email,
    agency_id: action.target.agencyId,
    target_user_id: action.target.id,
    action: action.action,
    details: action.details ?? {},
    ip: action.ip,
  });
  if (action.action !== "user_created" && action.action !== "user_changed") {
    await noticeToHolder(tx, action.target.email, action.action, action.actor.email, action.publicUrl);
  }
}

/** The e-mail telling a person what was done to their account and by whom. */
export async function noticeToHolder(
  tx: Tx,
  to: string,
  event: AccountEvent,
  by: string,
  publicUrl: string,
): Promise<void> {
  const locale = await recipientLocale(tx, to);
  await enqueueEmail(tx, renderEmail({ kind: "account", event, by }, { to, locale, publicUrl }));
}

/** The newest events first: an agency administrator's own agency only; a platform administrator's any. */
export async function listAdminEvents(
  db: Db,
  identity: Identity,
  filter: { readonly user?: string; readonly limit: number },
): Promise<AdminEventView[]> {
  const rows = await adminEvents(db, {
    // Someone of no agency sees nothing (a UUID no agency has).
    ...(identity.role !== "platform_admin" && {
      agencyId: identity.agencyId ?? "00000000-0000-0000-0000-000000000000",
    }),
    targetUserId: filter.user,
    limit: filter.limit,
  });
  return rows.map((row) => ({
    id: String(row.id),
    at: row.at.toISOString(),
    actor: row.actor_email,
    targetUserId: row.target_user_id,
    action: row.action,
    details: row.details as Record<string, unknown>,
    ip: row.ip,
  }));
}
