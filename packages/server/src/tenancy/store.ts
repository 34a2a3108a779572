/**
 * Every query of tenancy: countries, agencies and their verified mail domains, people, their signing certificates,
 * the administrators' audit trail, the demo seed and the public directory. One place for them, the same for PGlite
 * and PostgreSQL; the routes and certificates.ts decide who may do what (least privilege), these only read and write.
 */
import type { Insertable, Selectable } from "kysely";
import { sql } from "kysely";
import type { Db, Tx } from "../db/connect.js";
import type { Database, KeyRef, Multilingual, Role } from "../db/schema.js";

/** A person as the administration shows them. */
export interface UserRow {
  readonly id: string;
  readonly email: string;
  readonly display_name: string;
  readonly job_title: string | null;
  readonly agency_id: string | null;
  readonly role: Role;
  readonly locale: "ar" | "ja" | "en" | null;
  readonly disabled: boolean;
  readonly totp_secret: string | null;
  readonly oidc_subject: string | null;
  readonly created_at: Date;
}

export type SigningCertificateRow = Selectable<Database["signing_certificates"]>;

const USER_COLUMNS = [
  "id",
  "email",
  "display_name",
  "job_title",
  "agency_id",
  "role",
  "locale",
  "disabled",
  "totp_secret",
  "oidc_subject",
  "created_at",
] as const;

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").select(USER_COLUMNS).where("id", "=", id).executeTakeFirst();
}

/** People, oldest first; of one agency when `agencyId` is given. */
export async function listUsers(db: Db, filter: { readonly agencyId?: string }): Promise<UserRow[]> {
  let query = db.selectFrom("users").select(USER_COLUMNS).orderBy("created_at").orderBy("email");
  if (filter.agencyId !== undefined) query = query.where("agency_id", "=", filter.agencyId);
  return query.execute();
}

/** A new account; false when the address (case-insensitively) has one already. */
export async function insertUser(
  db: Db,
  user: {
    readonly id: string;
    readonly email: string;
    readonly displayName: string;
    readonly jobTitle: string | null;
    readonly agencyId: string | null;
    readonly role: Role;
    readonly passwordHash: string | null;
    readonly locale: "ar" | "ja" | "en" | null;
  },
): Promise<boolean> {
  const inserted = await db
    .insertInto("users")
    .values({
      id: user.id,
      email: user.email,
      display_name: user.displayName,
      job_title: user.jobTitle,
      agency_id: user.agencyId,
      role: user.role,
      password_hash: user.passwordHash,
      totp_secret: null,
      oidc_issuer: null,
      oidc_subject: null,
      locale: user.locale,
    })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Changes an account; `endCredentials`: its sessions and API tokens end too (disabled, or its rights changed: it
 * signs in again).
 */
export async function updateUser(
  tx: Tx,
  id: string,
  changes: {
    readonly role?: Role;
    readonly disabled?: boolean;
    readonly display_name?: string;
    readonly job_title?: string | null;
    readonly locale?: "ar" | "ja" | "en" | null;
  },
  endCredentials: boolean,
): Promise<void> {
  await tx.updateTable("users").set(changes).where("id", "=", id).execute();
  if (endCredentials) await tx.deleteFrom("credentials").where("user_id", "=", id).execute();
}

/** A password set by an administrator: every session and token ends, and the failed sign-ins are forgotten. */
export async function resetPassword(tx: Tx, user: Pick<UserRow, "id" | "email">, hash: string): Promise<void> {
  await tx.updateTable("users").set({ password_hash: hash }).where("id", "=", user.id).execute();
  await tx.deleteFrom("credentials").where("user_id", "=", user.id).execute();
  await tx.deleteFrom("login_failures").where(sql`lower(email)`, "=", user.email.toLowerCase()).execute();
}

/** The second factor removed (the person enrols again). */
export async function resetTotp(tx: Tx, userId: string): Promise<void> {
  await tx
    .updateTable("users")
    .set({ totp_secret: null, totp_pending_secret: null, totp_last_step: null })
    .where("id", "=", userId)
    .execute();
}

/** Countries by id; only `onlyId` when given. */
export async function listCountries(db: Db, onlyId?: string) {
  let query = db.selectFrom("countries").selectAll().orderBy("id");
  if (onlyId !== undefined) query = query.where("id", "=", onlyId);
  return query.execute();
}

export async function countryExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom("countries").select("id").where("id", "=", id).executeTakeFirst()) !== undefined;
}

/** A new country; false when the id is taken. */
export async function insertCountry(
  db: Db,
  country: { readonly id: string; readonly isoCode: string; readonly names: Multilingual },
): Promise<boolean> {
  const inserted = await db
    .insertInto("countries")
    .values({ id: country.id, iso_code: country.isoCode, names: JSON.stringify(country.names) })
    .onConflict((oc) => oc.column("id").doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Agencies, oldest first; only `agencyId`, or only those of `countryId`, when given. */
export async function listAgencies(db: Db, filter: { readonly agencyId?: string; readonly countryId?: string }) {
  let query = db.selectFrom("agencies").selectAll().orderBy("created_at");
  if (filter.agencyId !== undefined) query = query.where("id", "=", filter.agencyId);
  if (filter.countryId) query = query.where("country_id", "=", filter.countryId);
  return query.execute();
}

/** The agency's verified mail domains; undefined when there is no such agency. */
export async function agencyDomains(db: Db, agencyId: string): Promise<string[] | undefined> {
  const row = await db.selectFrom("agencies").select("email_domains").where("id", "=", agencyId).executeTakeFirst();
  return row?.email_domains;
}

export async function insertAgency(
  db: Db,
  agency: { readonly id: string; readonly countryId: string; readonly names: Multilingual; readonly domains: string[] },
): Promise<void> {
  await db
    .insertInto("agencies")
    .values({
      id: agency.id,
      country_id: agency.countryId,
      names: JSON.stringify(agency.names),
      email_domains: agency.domains,
    })
    .execute();
}

/** Sets the agency's verified mail domains; its country, or undefined when there is no such agency. */
export async function setAgencyDomains(
  db: Db,
  id: string,
  domains: string[],
): Promise<{ country_id: string } | undefined> {
  return db
    .updateTable("agencies")
    .set({ email_domains: domains })
    .where("id", "=", id)
    .returning("country_id")
    .executeTakeFirst();
}

/** The accounts of an agency (id and address). */
export async function agencyMembers(db: Db, agencyId: string): Promise<{ id: string; email: string }[]> {
  return db.selectFrom("users").select(["id", "email"]).where("agency_id", "=", agencyId).execute();
}

/** A person's signing certificates, oldest first. */
export async function certificatesOf(db: Db, userId: string): Promise<SigningCertificateRow[]> {
  return db
    .selectFrom("signing_certificates")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .execute();
}

export async function certificateById(db: Db, id: string): Promise<SigningCertificateRow> {
  return db.selectFrom("signing_certificates").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** The person's certificate with this serial (lower-case hex), if any. */
export async function certificateBySerial(
  db: Db,
  userId: string,
  serial: string,
): Promise<SigningCertificateRow | undefined> {
  return db
    .selectFrom("signing_certificates")
    .selectAll()
    .where("user_id", "=", userId)
    .where("serial", "=", serial)
    .executeTakeFirst();
}

/**
 * The official a certificate is issued to, with their agency and country, locked (FOR UPDATE) for the rest of the
 * transaction so that issuances for one person are serialised; undefined when there is no such person.
 */
export async function lockCertificateHolder(tx: Tx, userId: string) {
  return tx
    .selectFrom("users as u")
    .innerJoin("agencies as a", "a.id", "u.agency_id")
    .innerJoin("countries as c", "c.id", "a.country_id")
    .select([
      "u.id",
      "u.email",
      "u.display_name",
      "u.role",
      "u.disabled",
      "a.id as agency_id",
      "a.names",
      "c.id as ca_id",
      "c.iso_code",
    ])
    .where("u.id", "=", userId)
    .forUpdate("u")
    .executeTakeFirst();
}

/** How many signing certificates the person has had (revoked and expired ones included). */
export async function certificateCount(tx: Tx, userId: string): Promise<number> {
  const { count } = await tx
    .selectFrom("signing_certificates")
    .select(sql<string>`count(*)`.as("count"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

export async function insertSigningCertificate(
  tx: Tx,
  row: Omit<Insertable<Database["signing_certificates"]>, "key_ref" | "created_at"> & {
    readonly keyRef: KeyRef | null;
  },
): Promise<void> {
  const { keyRef, ...columns } = row;
  await tx
    .insertInto("signing_certificates")
    .values({ ...columns, key_ref: keyRef === null ? null : JSON.stringify(keyRef) })
    .execute();
}

/** Whether any country exists (the demo seed runs only on a database without one). */
export async function anyCountry(db: Db): Promise<boolean> {
  return (await db.selectFrom("countries").select("id").limit(1).executeTakeFirst()) !== undefined;
}

/** Holds the demo seed's lock until the transaction ends: replicas starting together seed once. */
export async function lockDemoSeed(tx: Tx): Promise<void> {
  await sql`select pg_advisory_xact_lock(7283002)`.execute(tx);
}

/** Every agency's names with its country's ISO code, oldest first (the public directory). */
export async function agencyNames(db: Db) {
  return db
    .selectFrom("agencies as a")
    .innerJoin("countries as c", "c.id", "a.country_id")
    .select(["c.iso_code", "a.names"])
    .orderBy("a.created_at")
    .limit(10_000)
    .execute();
}

export type AdminEventRow = Selectable<Database["admin_events"]>;

export async function insertAdminEvent(
  tx: Tx,
  event: Omit<Insertable<Database["admin_events"]>, "id" | "at" | "details"> & {
    readonly details: Record<string, unknown>;
  },
): Promise<void> {
  await tx
    .insertInto("admin_events")
    .values({ ...event, details: JSON.stringify(event.details) })
    .execute();
}

/** The newest administrators' actions first; of one agency, or on one person, when given. */
export async function adminEvents(
  db: Db,
  filter: { readonly agencyId?: string; readonly targetUserId?: string; readonly limit: number },
): Promise<AdminEventRow[]> {
  let query = db.selectFrom("admin_events").selectAll().orderBy("at", "desc").orderBy("id", "desc").limit(filter.limit);
  if (filter.agencyId !== undefined) query = query.where("agency_id", "=", filter.agencyId);
  if (filter.targetUserId) query = query.where("target_user_id", "=", filter.targetUserId);
  return query.execute();
}
