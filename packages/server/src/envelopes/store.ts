/**
 * The envelope workflow's storage layer: every query of the envelope modules (routing, acting, reading, scheduled,
 * partners, cross-instance) lives here, so they read as the workflow and the SQL is in one place, the same for
 * PGlite and PostgreSQL.
 *
 * Concurrency contract: a state change reads the envelope with {@link envelopeState} and is applied by
 * {@link applyChange}, one statement that changes anything only if the envelope's `version` and newest audit event
 * are still those it was computed from, and bumps the version; an undefined answer means someone else changed the
 * envelope first (commit.ts then recomputes on a fresh read or reports `concurrent_change`). Rows read with
 * {@link lockEnvelope} are locked until the transaction ends (a first view, a reminder).
 */

import type { FieldSpec } from "@khatam/core/forms";
import { type Selectable, sql, type Updateable } from "kysely";
import { type AuditEvent, eventRow } from "../audit/audit.js";
import type { Db, Tx } from "../db/connect.js";
import { asBase64, documentValues, fromBase64 } from "../db/documents.js";
import type { Database, EnvelopeOrigin, Multilingual, RecipientRole } from "../db/schema.js";
import type { Locale } from "../notify/templates.js";

export type EnvelopeRow = Selectable<Database["envelopes"]>;
export type RecipientRow = Selectable<Database["recipients"]>;
export type SigningCertificateRow = Selectable<Database["signing_certificates"]>;
export type SigningSessionRow = Selectable<Database["signing_sessions"]>;

const NO_ID = "00000000-0000-0000-0000-000000000000";

export interface UserRow {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly agencyId: string | null;
  readonly role: string;
}

/**
 * The accounts that have proved these addresses, by lower-cased address (security issue 9.3): through a link sent to
 * the address (`email_verified_at`), or because the address is in a domain the platform verified as the account's
 * agency's. An account that merely has the same address as text is not one of them: anyone's administrator can type
 * any address.
 */
export async function usersByEmail(db: Db | Tx, emails: readonly string[]): Promise<Map<string, UserRow>> {
  if (emails.length === 0) return new Map();
  const rows = await db
    .selectFrom("users as u")
    .leftJoin("agencies as a", "a.id", "u.agency_id")
    .select(["u.id", "u.email", "u.display_name", "u.agency_id", "u.role"])
    .where(
      sql<string>`lower(u.email)`,
      "in",
      emails.map((e) => e.toLowerCase()),
    )
    .where(verifiedAddress)
    .execute();
  return new Map(
    rows.map((r) => [
      r.email.toLowerCase(),
      { id: r.id, email: r.email, displayName: r.display_name, agencyId: r.agency_id, role: r.role },
    ]),
  );
}

/** The address of `u` (joined with its agency `a`) is proved: by a link, or by the agency's verified domain. */
export const verifiedAddress = sql<boolean>`(u.email_verified_at is not null
  or lower(split_part(u.email, '@', 2)) = any(coalesce(a.email_domains, '{}')))`;

/**
 * Binds the recipients named by `email` that no account holds yet to `userId`, once the account has proved the
 * address (created in a verified domain, or a verification link followed).
 */
export async function bindRecipients(db: Db | Tx, userId: string, email: string): Promise<number> {
  const result = await db
    .updateTable("recipients")
    .set({ user_id: userId })
    .where("user_id", "is", null)
    .where("instance", "is", null) // a partner's recipient is theirs, never an account here
    .where(sql<string>`lower(email)`, "=", email.toLowerCase())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function agencyCountry(db: Db | Tx, agencyId: string): Promise<string> {
  const row = await db.selectFrom("agencies").select("country_id").where("id", "=", agencyId).executeTakeFirstOrThrow();
  return row.country_id;
}

export async function insertEnvelope(
  tx: Tx,
  envelope: Omit<EnvelopeRow, "version" | "created_at" | "last_reminded_at" | "sent_at" | "completed_at" | "origin"> & {
    origin?: EnvelopeOrigin;
    /** A partner's copy is sent as it is made. */
    sent_at?: Date;
  },
  recipients: readonly (Omit<
    RecipientRow,
    "decline_reason" | "signature_field" | "acted_at" | "envelope_created_at" | "instance"
  > & { instance?: string | null })[],
): Promise<void> {
  const { origin, ...rest } = envelope;
  await tx
    .insertInto("envelopes")
    .values({ ...rest, ...(origin && { origin: JSON.stringify(origin) }) })
    .execute();
  if (recipients.length > 0)
    await tx
      .insertInto("recipients")
      .values([...recipients])
      .execute();
}

export async function findEnvelope(db: Db | Tx, id: string): Promise<EnvelopeRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom("envelopes").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The envelope row, locked for the rest of the transaction. */
export async function lockEnvelope(tx: Tx, id: string): Promise<EnvelopeRow | undefined> {
  return tx.selectFrom("envelopes").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/** Who sent an envelope (name, address, agency names) and the display names of its bound recipients, by user id. */
export async function peopleOf(
  db: Db | Tx,
  envelope: Pick<EnvelopeRow, "created_by" | "agency_id">,
  recipients: readonly Pick<RecipientRow, "user_id">[],
): Promise<{
  sender: { name: string; email: string } | null;
  agencyNames: Multilingual | null;
  names: Map<string, string>;
}> {
  const ids = [envelope.created_by, ...recipients.flatMap((r) => (r.user_id ? [r.user_id] : []))];
  const [users, agency] = await Promise.all([
    db.selectFrom("users").select(["id", "display_name", "email"]).where("id", "in", ids).execute(),
    db.selectFrom("agencies").select("names").where("id", "=", envelope.agency_id).executeTakeFirst(),
  ]);
  const byId = new Map(users.map((u) => [u.id, u]));
  const sender = byId.get(envelope.created_by);
  return {
    sender: sender ? { name: sender.display_name, email: sender.email } : null,
    agencyNames: agency?.names ?? null,
    names: new Map(users.map((u) => [u.id, u.display_name])),
  };
}

export async function recipientsOf(db: Db | Tx, envelopeId: string): Promise<RecipientRow[]> {
  return db
    .selectFrom("recipients")
    .selectAll()
    .where("envelope_id", "=", envelopeId)
    .orderBy("routing_order")
    .orderBy("email")
    .execute();
}

export async function updateRecipient(tx: Tx, id: string, changes: Updateable<Database["recipients"]>): Promise<void> {
  await tx.updateTable("recipients").set(changes).where("id", "=", id).execute();
}

/**
 * The caller's newest official certificate that is still within its validity: platform-held (`key_ref` set) or
 * device-held, as asked.
 */
export async function officialCertificate(
  db: Db | Tx,
  userId: string,
  custody: "platform" | "device",
  now: Date,
): Promise<SigningCertificateRow | undefined> {
  return db
    .selectFrom("signing_certificates")
    .selectAll()
    .where("user_id", "=", userId)
    .where("profile", "=", "official")
    .where("not_after", ">", now)
    .where("key_ref", custody === "platform" ? "is not" : "is", null)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
}

/**
 * Everything a state change reads, in one query: the envelope, its recipients, the bytes of its current revision,
 * who sent it (name, address, agency names), its agency's country (the archive TSA), the agency's active webhooks,
 * the languages of everyone its notices may go to (its recipients, its creator and `addresses`), its newest audit
 * event (to chain the change's events after), and, for `userId`, their display name and newest valid platform-held
 * official certificate (a platform-key signature reads it here, before signing). Undefined when there is no such
 * envelope.
 */
export async function envelopeState(
  db: Db | Tx,
  envelopeId: string,
  options: { readonly userId?: string | null; readonly now: Date; readonly addresses?: readonly string[] },
): Promise<StoredState | undefined> {
  if (!isUuid(envelopeId)) return undefined;
  const userId = options.userId ?? null;
  const addresses = (options.addresses ?? []).map((a) => a.toLowerCase());
  // Written out, like applyChange, so that the one read of a change is visible as one query.
  const result = await sql<
    EnvelopeRow & {
      document: string;
      recipients: Jsonified<RecipientRow>[];
      agency_country: string | null;
      agency_names: Multilingual | null;
      creator: { email: string; display_name: string } | null;
      actor_name: string | null;
      locales: Record<string, Locale>;
      certificate: Jsonified<SigningCertificateRow> | null;
      last_event: { seq: number; hash: string } | null;
      webhooks: { id: string; events: string[] }[];
    }
  >`
    select e.*, ${asBase64(sql.ref("d.bytes"))} as document,
      (select coalesce(json_agg(r), '[]') from (
        select * from recipients where envelope_id = e.id order by routing_order, email) r) as recipients,
      (select country_id from agencies where id = e.agency_id) as agency_country,
      (select names from agencies where id = e.agency_id) as agency_names,
      (select json_build_object('email', email, 'display_name', display_name) from users where id = e.created_by)
        as creator,
      (select display_name from users where id = ${userId}::uuid) as actor_name,
      (select coalesce(json_object_agg(lower(u.email), u.locale), '{}') from users u
        where u.locale is not null and lower(u.email) in (
          select lower(email) from recipients where envelope_id = e.id
          union select lower(email) from users where id = e.created_by
          union select unnest(${addresses}::text[]))) as locales,
      (select to_json(c) from (
        select * from signing_certificates
        where user_id = ${userId}::uuid and profile = 'official' and not_after > ${options.now.toISOString()}::timestamptz
          and key_ref is not null
        order by created_at desc limit 1) c) as certificate,
      (select to_json(a) from (
        select seq, hash from audit_events where envelope_id = e.id order by seq desc limit 1) a) as last_event,
      (select coalesce(json_agg(w), '[]') from (
        select id, events from webhooks where agency_id = e.agency_id and active) w) as webhooks
    from envelopes e join documents d on d.sha256 = e.current_sha256
    where e.id = ${envelopeId}::uuid`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const {
    document,
    recipients,
    agency_country,
    agency_names,
    creator,
    actor_name,
    locales,
    certificate,
    last_event,
    webhooks,
    ...envelope
  } = row;
  return {
    envelope,
    recipients: recipients.map(recipientFromJson),
    document: fromBase64(document),
    agencyCountry: agency_country ?? "",
    creatorEmail: creator?.email ?? "",
    sender: {
      name: creator?.display_name || creator?.email || "",
      email: creator?.email ?? "",
      agency: agency_names ?? { en: "" },
    },
    locales: new Map(Object.entries(locales)),
    actorName: actor_name ?? null,
    certificate: certificate ? certificateFromJson(certificate) : undefined,
    lastEvent: last_event ?? undefined,
    webhooks,
  };
}

/** What {@link envelopeState} reads (envelopes/commit.ts makes a transition's state of it). */
export interface StoredState {
  readonly envelope: EnvelopeRow;
  readonly recipients: RecipientRow[];
  readonly document: Uint8Array;
  readonly agencyCountry: string;
  readonly creatorEmail: string;
  readonly sender: { readonly name: string; readonly email: string; readonly agency: Multilingual };
  /** Lower-cased address → locale, for those who have one. */
  readonly locales: ReadonlyMap<string, Locale>;
  /** The display name of the `userId` asked about. */
  readonly actorName: string | null;
  /** The `userId`'s newest valid platform-held official certificate. */
  readonly certificate: SigningCertificateRow | undefined;
  /** The newest audit event, to chain the change's events after. */
  readonly lastEvent: { readonly seq: number; readonly hash: string } | undefined;
  /** The agency's active webhooks. */
  readonly webhooks: readonly { readonly id: string; readonly events: readonly string[] }[];
}

// Rows through json_agg / row_to_json: timestamps come as text, bytea as "\\x…" hex.
type Jsonified<T> = {
  [K in keyof T]: T[K] extends Date
    ? string
    : T[K] extends Date | null
      ? string | null
      : T[K] extends Uint8Array
        ? string
        : T[K];
};

function recipientFromJson(r: Jsonified<RecipientRow>): RecipientRow {
  return {
    ...r,
    acted_at: r.acted_at === null ? null : new Date(r.acted_at),
    envelope_created_at: new Date(r.envelope_created_at),
  };
}

function certificateFromJson(c: Jsonified<SigningCertificateRow>): SigningCertificateRow {
  return {
    ...c,
    der: Buffer.from(String(c.der).replace(/^\\x/, ""), "hex"),
    not_after: new Date(c.not_after),
    created_at: new Date(c.created_at),
  } as SigningCertificateRow;
}

/**
 * Applies a change (envelopes/transitions.ts) in one statement (so one short transaction and one round trip),
 * guarded by the state it was computed from: the envelope takes the change's columns and its version is bumped only
 * if the version is still `expectedVersion` and its newest audit event still `lastSeq`; everything else — the new
 * revision, the acting recipient's row, their device-signing sessions, the next recipients `notified` (only those
 * still pending, and only their requests are queued), the audit events and the outbox rows — is written only if that
 * update was. The update takes the envelope's row lock first, which every other change (and every audit append)
 * takes too.
 *
 * Returns the envelope after the change and the ids actually notified; undefined when the guard failed (someone
 * changed the envelope or appended an event meanwhile). An event appended while this statement waited for the lock
 * is not seen by its guard, but then the `unique (envelope_id, seq)` constraint refuses the events, which is
 * reported the same way.
 */
export async function applyChange(
  db: Db | Tx,
  c: {
    readonly envelopeId: string;
    readonly expectedVersion: number;
    readonly lastSeq: number;
    /** The columns to set (a transition's EnvelopePatch). */
    readonly envelope: object;
    readonly document?: { readonly sha256: string; readonly bytes: Uint8Array };
    /** The columns of one recipient to set (a transition's RecipientPatch). */
    readonly recipient?: { readonly id: string; readonly patch: object };
    readonly notify: readonly string[];
    readonly events: readonly ReturnType<typeof eventRecord>[];
    /** `recipient`: queue the row only if that recipient was notified by this statement. */
    readonly outbox: readonly {
      readonly recipient?: string;
      readonly kind: "email" | "webhook" | "federation";
      readonly payload: string;
    }[];
  },
): Promise<{ envelope: EnvelopeRow; notified: Set<string> } | undefined> {
  const doc = c.document ? documentValues(c.document.bytes, c.document.sha256) : undefined;
  const outbox = c.outbox.map((o) => ({
    recipient: o.recipient ?? null,
    kind: o.kind,
    payload: JSON.parse(o.payload),
  }));
  const notify = c.notify.length > 0 ? c.notify : [NO_ID];
  // The patches name only the columns they set; jsonb_populate_record keeps the row's value for the others.
  const envelopePatch = JSON.stringify({ ...c.envelope, version: c.expectedVersion + 1 });
  const recipientPatch = JSON.stringify(c.recipient?.patch ?? {});
  try {
    const result = await sql<EnvelopeRow & { notified: string[] | null }>`
      with upd as (
        update envelopes e set (current_sha256, status, completed_at, sent_at, version) = (
          select p.current_sha256, p.status, p.completed_at, p.sent_at, p.version
          from jsonb_populate_record(e, ${envelopePatch}::jsonb) p)
        where e.id = ${c.envelopeId}::uuid and e.version = ${c.expectedVersion}::integer
          and coalesce((select max(seq) from audit_events where envelope_id = ${c.envelopeId}::uuid), 0) = ${c.lastSeq}::integer
        returning e.*
      ),
      doc as (${
        doc
          ? sql`insert into documents (sha256, bytes, size)
              select ${doc.sha256}, ${doc.bytes}, ${doc.size}::integer where exists (select 1 from upd)
              on conflict (sha256) do nothing`
          : sql`select 1`
      }),
      rec as (
        update recipients r set (email, user_id, status, acted_at, signature_field, decline_reason) = (
          select p.email, p.user_id, p.status, p.acted_at, p.signature_field, p.decline_reason
          from jsonb_populate_record(r, ${recipientPatch}::jsonb) p)
        where r.id = ${c.recipient?.id ?? NO_ID}::uuid and exists (select 1 from upd)
      ),
      ses as (
        delete from signing_sessions where recipient_id = ${c.recipient?.id ?? NO_ID}::uuid and exists (select 1 from upd)
      ),
      ntf as (
        update recipients set status = 'notified'
        where id = any(${notify}::uuid[]) and status = 'pending' and exists (select 1 from upd)
        returning id
      ),
      obx as (
        insert into outbox (kind, payload)
        select o.kind, o.payload from jsonb_to_recordset(${JSON.stringify(outbox)}::jsonb)
          as o(recipient uuid, kind text, payload jsonb)
        where exists (select 1 from upd) and (o.recipient is null or o.recipient in (select id from ntf))
      ),
      ev as (
        insert into audit_events (envelope_id, seq, type, actor_user_id, actor_email, ip, at, document_sha256, details,
          prev_hash, hash)
        select e.envelope_id, e.seq, e.type, e.actor_user_id, e.actor_email, e.ip, e.at, e.document_sha256, e.details,
          e.prev_hash, e.hash
        from jsonb_to_recordset(${JSON.stringify(c.events)}::jsonb) as e(envelope_id uuid, seq integer, type text,
          actor_user_id uuid, actor_email text, ip text, at timestamptz, document_sha256 text, details jsonb,
          prev_hash text, hash text)
        where exists (select 1 from upd)
      )
      select upd.*, (select array_agg(id) from ntf) as notified from upd`.execute(db);
    const row = result.rows[0];
    if (!row) return undefined;
    const { notified, ...envelope } = row;
    return { envelope, notified: new Set(notified ?? []) };
  } catch (error) {
    // 23505: the events' (envelope_id, seq) is taken — an event was appended while the update waited (see above).
    if ((error as { code?: string }).code === "23505") return undefined;
    throw error;
  }
}

/**
 * An audit event as {@link applyChange} inserts it (chained by audit.ts's chainEvents): audit.ts's row of it, but
 * with the time as ISO text and the details as an object, since the row travels inside a JSON array
 * (jsonb_to_recordset) rather than as bound parameters.
 */
export function eventRecord(e: AuditEvent) {
  return { ...eventRow(e), at: e.at, details: e.details };
}

export async function signingCertificateById(db: Db | Tx, id: string): Promise<SigningCertificateRow> {
  return db.selectFrom("signing_certificates").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** Of `instances`, those this instance has peered with. */
export async function peeredInstances(db: Db | Tx, instances: readonly string[]): Promise<string[]> {
  if (instances.length === 0) return [];
  const rows = await db.selectFrom("peers").select("instance").where("instance", "in", instances).execute();
  return rows.map((r) => r.instance);
}

export async function markReminded(tx: Tx, envelopeId: string, at: Date): Promise<void> {
  await tx.updateTable("envelopes").set({ last_reminded_at: at }).where("id", "=", envelopeId).execute();
}

/** A partner's copies of its envelope `envelopeId` (one per offer made here). */
export async function copiesOf(db: Db | Tx, instance: string, envelopeId: string): Promise<EnvelopeRow[]> {
  return db
    .selectFrom("envelopes")
    .selectAll()
    .where(({ eb, ref }) =>
      eb.and([
        eb(ref("origin", "->>").key("instance"), "=", instance),
        eb(ref("origin", "->>").key("envelopeId"), "=", envelopeId),
      ]),
    )
    .execute();
}

export async function findRecipient(db: Db | Tx, id: string): Promise<RecipientRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom("recipients").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Whether the account is disabled (undefined: no such account). */
export async function userDisabled(db: Db | Tx, userId: string): Promise<boolean | undefined> {
  const row = await db.selectFrom("users").select("disabled").where("id", "=", userId).executeTakeFirst();
  return row?.disabled;
}

/** The platform's seal for certificates of completion under CA `caId` (completion-seal.ts), if made. */
export async function platformSeal(db: Db, caId: string) {
  return db.selectFrom("platform_seals").selectAll().where("ca_id", "=", caId).executeTakeFirst();
}

/** Records a seal made for `caId`; if another replica recorded one first, theirs stays (and this one is unused). */
export async function insertPlatformSeal(db: Db, caId: string, der: Uint8Array, keyRef: unknown): Promise<void> {
  await db
    .insertInto("platform_seals")
    .values({ ca_id: caId, der, key_ref: JSON.stringify(keyRef) })
    .onConflict((c) => c.column("ca_id").doNothing())
    .execute();
}

/** Summaries for the inbox. */
export interface EnvelopeSummaryRow {
  readonly id: string;
  readonly title: string;
  readonly status: EnvelopeRow["status"];
  readonly created_at: Date;
  readonly sent_at: Date | null;
  readonly completed_at: Date | null;
  readonly expires_at: Date | null;
  /** Whose turn it is: the open signers/approvers of the lowest open routing order (empty unless sent). */
  readonly next: { readonly email: string; readonly role: Exclude<RecipientRole, "viewer"> }[];
  /** Signers and approvers who have acted, of all of them. */
  readonly done: number;
  readonly total: number;
  /** `created_at` in UTC with its microseconds, for the cursor (a JS Date keeps milliseconds only). */
  readonly position: string;
}

/** The three lists of the inbox. */
export type InboxList = "waiting" | "sent" | "completed";

/** Where a page starts: after the row with this `created_at` (UTC, microseconds) and id, newest first. */
export interface InboxPosition {
  readonly createdAt: string;
  readonly id: string;
}

/**
 * One page of an inbox list, newest first (`created_at desc, id desc`), at most `limit` rows after `after`, each
 * with the recipients whose turn it is — all in one query:
 *
 * - `waiting`: sent envelopes where one of the caller's signer/approver rows is open and in the current routing
 *   order (the lowest order that still has open signers/approvers), that is, where it is the caller's turn;
 * - `sent`: the agency's drafts and envelopes in progress;
 * - `completed`: finished envelopes (completed, declined, expired, voided) of the caller's agency or where they are a
 *   recipient.
 */
export async function inboxPage(
  db: Db,
  list: InboxList,
  caller: { readonly userId: string | null; readonly email: string; readonly agencyId: string | null },
  page: { readonly limit: number; readonly after?: InboxPosition },
): Promise<EnvelopeSummaryRow[]> {
  const userId = caller.userId ?? NO_ID;
  const agencyId = caller.agencyId ?? NO_ID;
  const open = (alias: string) =>
    sql`${sql.ref(`${alias}.role`)} in ('signer', 'approver') and ${sql.ref(`${alias}.status`)} in ('pending', 'notified', 'viewed')`;
  const currentOrder = sql`(select min(o.routing_order) from recipients o where o.envelope_id = e.id and ${open("o")})`;
  const limit = sql`${page.limit}::integer`;
  // Each list walks an index in its own order (migration 7) and stops after one page: its cost follows the page,
  // not the number of envelopes. A caller's recipient rows are theirs by the bound account only (issue 9.3).
  const before = (created: string, id: string) =>
    page.after
      ? sql`and (${sql.ref(created)}, ${sql.ref(id)}) < (${page.after.createdAt}::timestamptz, ${page.after.id}::uuid)`
      : sql``;
  const ids =
    list === "waiting"
      ? // The caller's open signer/approver rows (recipients_inbox_open), where no open row of a lower routing order
        // is left: the caller's turn.
        sql`select m.envelope_id as id, m.envelope_created_at as created_at from recipients m
            join envelopes e on e.id = m.envelope_id and e.status = 'sent'
            where m.user_id = ${userId}::uuid and ${open("m")} ${before("m.envelope_created_at", "m.envelope_id")}
              and not exists (select 1 from recipients o where o.envelope_id = m.envelope_id and ${open("o")}
                and o.routing_order < m.routing_order)
            order by m.envelope_created_at desc, m.envelope_id desc limit ${limit}`
      : list === "sent"
        ? sql`select e.id, e.created_at from envelopes e
            where e.agency_id = ${agencyId}::uuid and e.status in ('draft', 'sent') and e.origin is null
              ${before("e.created_at", "e.id")}
            order by e.created_at desc, e.id desc limit ${limit}`
        : // The agency's finished envelopes and those the caller received, each walked in order, merged.
          sql`select id, created_at from (
              (select e.id, e.created_at from envelopes e
                where e.agency_id = ${agencyId}::uuid and e.status in ('completed', 'declined', 'expired', 'voided')
                  and e.origin is null ${before("e.created_at", "e.id")}
                order by e.created_at desc, e.id desc limit ${limit})
              union
              (select m.envelope_id, m.envelope_created_at from recipients m
                join envelopes e on e.id = m.envelope_id and e.status in ('completed', 'declined', 'expired', 'voided')
                where m.user_id = ${userId}::uuid ${before("m.envelope_created_at", "m.envelope_id")}
                order by m.envelope_created_at desc, m.envelope_id desc limit ${limit})
            ) finished order by created_at desc, id desc limit ${limit}`;
  const result = await sql<Omit<EnvelopeSummaryRow, "next"> & { next: EnvelopeSummaryRow["next"] | null }>`
    with page as (${ids})
    select e.id, e.title, e.status, e.created_at, e.sent_at, e.completed_at, e.expires_at,
      to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position,
      case when e.status = 'sent' then (
        select json_agg(json_build_object('email', n.email, 'role', n.role) order by n.email)
        from recipients n where n.envelope_id = e.id and ${open("n")} and n.routing_order = ${currentOrder}
      ) end as next,
      progress.done, progress.total
    from page join envelopes e on e.id = page.id
    -- How far it got: of the signers and approvers, how many have acted (the inbox's progress line).
    cross join lateral (
      select (count(*) filter (where p.status in ('signed', 'approved')))::int as done, count(*)::int as total
      from recipients p where p.envelope_id = e.id and p.role in ('signer', 'approver')
    ) progress
    order by e.created_at desc, e.id desc`.execute(db);
  return result.rows.map((r) => ({ ...r, next: r.next ?? [] }));
}

/** Deletes the device-signing sessions that expired before `now`; returns how many. */
export async function deleteExpiredSessions(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom("signing_sessions").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertSession(tx: Tx, row: Omit<SigningSessionRow, "created_at">): Promise<void> {
  await tx
    .insertInto("signing_sessions")
    .values({ ...row, state: JSON.stringify(row.state) })
    .execute();
}

export async function findSession(db: Db | Tx, id: string): Promise<SigningSessionRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom("signing_sessions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Envelope ids whose expiry has passed while they wait for signatures. */
export async function dueForExpiry(db: Db, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom("envelopes")
    .select("id")
    .where("status", "=", "sent")
    .where("expires_at", "<=", now)
    .limit(500)
    .execute();
  return rows.map((r) => r.id);
}

/** Envelope ids whose reminder interval has passed since sending or the last reminder. */
export async function dueForReminder(db: Db, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom("envelopes")
    .select("id")
    .where("status", "=", "sent")
    .where("reminder_every", "is not", null)
    .where(sql<boolean>`coalesce(last_reminded_at, sent_at) + reminder_every <= ${now}`)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .limit(500)
    .execute();
  return rows.map((r) => r.id);
}

/** Under the envelope's lock: whether its reminder is still due (another replica may have just sent it). */
export async function stillDueForReminder(tx: Tx, id: string, now: Date): Promise<boolean> {
  const row = await tx
    .selectFrom("envelopes")
    .select("id")
    .where("id", "=", id)
    .where("status", "=", "sent")
    .where(sql<boolean>`coalesce(last_reminded_at, sent_at) + reminder_every <= ${now}`)
    .executeTakeFirst();
  return row !== undefined;
}

export async function envelopeByRegisterCode(db: Db, code: string): Promise<EnvelopeRow | undefined> {
  return db.selectFrom("envelopes").selectAll().where("register_code", "=", code).executeTakeFirst();
}

export async function signedEvents(
  db: Db,
  envelopeId: string,
): Promise<{ at: Date; details: Record<string, unknown> }[]> {
  return db
    .selectFrom("audit_events")
    .select(["at", "details"])
    .where("envelope_id", "=", envelopeId)
    .where("type", "=", "signed")
    .orderBy("seq")
    .execute();
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

// --- Fields placed by the sender (issue 13.1) ---

/** Stores the fields placed on a new envelope, in the order given. */
export async function insertFields(tx: Tx, envelopeId: string, specs: readonly FieldSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await tx
    .insertInto("envelope_fields")
    .values(
      specs.map((f, position) => ({
        envelope_id: envelopeId,
        name: f.name,
        recipient_id: f.recipient,
        kind: f.kind,
        page: f.page,
        x1: f.rect[0],
        y1: f.rect[1],
        x2: f.rect[2],
        y2: f.rect[3],
        label: f.label ?? null,
        required: f.required ?? false,
        position,
      })),
    )
    .execute();
}

/** The envelope's field rows with their recipient's e-mail, in placement order. */
export async function fieldRows(db: Db | Tx, envelopeId: string) {
  return db
    .selectFrom("envelope_fields as f")
    .innerJoin("recipients as r", "r.id", "f.recipient_id")
    .select(["f.name", "f.kind", "f.page", "f.x1", "f.y1", "f.x2", "f.y2", "f.label", "f.required", "r.email"])
    .where("f.envelope_id", "=", envelopeId)
    .orderBy("f.position")
    .execute();
}

/** The fields the sender placed for one recipient (name and kind), in the order placed. */
export async function recipientFields(
  db: Db | Tx,
  envelopeId: string,
  recipientId: string,
): Promise<{ name: string; kind: string }[]> {
  return db
    .selectFrom("envelope_fields")
    .select(["name", "kind"])
    .where("envelope_id", "=", envelopeId)
    .where("recipient_id", "=", recipientId)
    .orderBy("position")
    .execute();
}

/** What a signature block says of its signer: display name, job title, language and agency names. */
export async function signerProfileRow(db: Db | Tx, userId: string) {
  return db
    .selectFrom("users as u")
    .leftJoin("agencies as a", "a.id", "u.agency_id")
    .select(["u.display_name", "u.job_title", "u.locale", "a.names"])
    .where("u.id", "=", userId)
    .executeTakeFirst();
}
