/**
 * Every query of auth: sessions and API tokens (`credentials`, stored by the SHA-256 of the token only), the sign-in
 * throttle's failures, the second factor's secrets, the password, OpenID Connect links, proved addresses, and what
 * `GET /api/me` shows. One place for them, the same for PGlite and PostgreSQL.
 */
import type { Insertable } from "kysely";
import { sql } from "kysely";
import type { Db, Tx } from "../db/connect.js";
import type { Database } from "../db/schema.js";

/** An API token as listed (never the token itself). */
export interface TokenRow {
  readonly id: string;
  readonly label: string | null;
  readonly scopes: string[] | null;
  readonly created_at: Date;
  readonly expires_at: Date | null;
  readonly last_used_at: Date | null;
}

const TOKEN_COLUMNS = ["id", "label", "scopes", "created_at", "expires_at", "last_used_at"] as const;

/** Ends the credential (session or token) whose token hashes to `hash`. */
export async function deleteCredential(db: Db, hash: string): Promise<void> {
  await db.deleteFrom("credentials").where("token_hash", "=", hash).execute();
}

export async function apiTokens(db: Db, userId: string): Promise<TokenRow[]> {
  return db
    .selectFrom("credentials")
    .select(TOKEN_COLUMNS)
    .where("user_id", "=", userId)
    .where("kind", "=", "api")
    .orderBy("created_at")
    .execute();
}

export async function apiTokenByHash(db: Db, hash: string): Promise<TokenRow> {
  return db.selectFrom("credentials").select(TOKEN_COLUMNS).where("token_hash", "=", hash).executeTakeFirstOrThrow();
}

/** Deletes the user's API token `id`; false when they have none of that id. */
export async function deleteApiToken(db: Db, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom("credentials")
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .where("kind", "=", "api")
    .executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

/** What second-factor enrolment reads of the account. */
export async function totpState(
  db: Db,
  userId: string,
): Promise<{ email: string; totp_secret: string | null; totp_pending_secret: string | null }> {
  return db
    .selectFrom("users")
    .select(["email", "totp_secret", "totp_pending_secret"])
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
}

/** A new (sealed) TOTP secret waiting for its first code. */
export async function setPendingTotp(db: Db, userId: string, sealed: string): Promise<void> {
  await db.updateTable("users").set({ totp_pending_secret: sealed }).where("id", "=", userId).execute();
}

/**
 * The pending secret becomes the second factor (its first code's step used up); the session that proved it
 * (`currentHash`) counts as two-factor from now, and every other session of the account ends.
 */
export async function confirmTotp(
  db: Db,
  userId: string,
  secret: string,
  step: number,
  currentHash: string | undefined,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable("users")
      .set({ totp_secret: secret, totp_pending_secret: null, totp_last_step: String(step) })
      .where("id", "=", userId)
      .execute();
    await tx
      .deleteFrom("credentials")
      .where("user_id", "=", userId)
      .where("kind", "=", "session")
      .where("token_hash", "!=", currentHash ?? "")
      .execute();
    if (currentHash) {
      await tx.updateTable("credentials").set({ second_factor: true }).where("token_hash", "=", currentHash).execute();
    }
  });
}

export async function passwordOf(db: Db, userId: string): Promise<{ email: string; password_hash: string | null }> {
  return db.selectFrom("users").select(["email", "password_hash"]).where("id", "=", userId).executeTakeFirstOrThrow();
}

/** The new password; every credential of the account but `keepHash`'s ends (security issue 9.7). */
export async function changePassword(
  db: Db,
  userId: string,
  hash: string,
  keepHash: string | undefined,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.updateTable("users").set({ password_hash: hash }).where("id", "=", userId).execute();
    await tx
      .deleteFrom("credentials")
      .where("user_id", "=", userId)
      .where("token_hash", "!=", keepHash ?? "")
      .execute();
  });
}

/** The account, its agency, its country and its signing certificates, as `GET /api/me` shows them. */
export async function me(db: Db, userId: string) {
  const user = await db
    .selectFrom("users")
    .select(["id", "email", "display_name", "job_title", "role", "locale", "agency_id", "totp_secret", "oidc_subject"])
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
  const agency = user.agency_id
    ? await db
        .selectFrom("agencies")
        .select(["id", "names", "country_id"])
        .where("id", "=", user.agency_id)
        .executeTakeFirst()
    : undefined;
  const country = agency
    ? await db.selectFrom("countries").selectAll().where("id", "=", agency.country_id).executeTakeFirst()
    : undefined;
  const certificates = await db
    .selectFrom("signing_certificates")
    .select(["id", "ca_id", "serial", "profile", "subject", "not_after", "der", "key_ref"])
    .where("user_id", "=", user.id)
    .orderBy(sql`created_at`)
    .execute();
  return { user, agency, country, certificates };
}

/** What a password sign-in needs of the account with this address (lower-case), if any. */
export async function accountForSignIn(
  db: Db,
  email: string,
): Promise<{ id: string; password_hash: string | null; disabled: boolean; totp_secret: string | null } | undefined> {
  return db
    .selectFrom("users")
    .select(["id", "password_hash", "disabled", "totp_secret"])
    .where(sql`lower(email)`, "=", email)
    .executeTakeFirst();
}

/**
 * Holds, until the transaction ends, the locks of the sign-in throttle on the address and then the client address
 * (always in that order, so two attempts never wait on each other in a cycle). PostgreSQL advisory locks, so that
 * they hold across replicas.
 */
export async function lockSignInKeys(tx: Tx, email: string, ip: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`login:${email}`}))`.execute(tx);
  await sql`select pg_advisory_xact_lock(hashtext(${`login-ip:${ip}`}))`.execute(tx);
}

/** The times of the newest `limit` failures since `since`, of the address (lower-case) or of the client address. */
export async function recentFailures(
  db: Db,
  key: { readonly email: string } | { readonly ip: string },
  since: Date,
  limit: number,
): Promise<{ at: Date }[]> {
  let query = db.selectFrom("login_failures").select("at").where("at", ">", since);
  query = "email" in key ? query.where(sql`lower(email)`, "=", key.email) : query.where("ip", "=", key.ip);
  return query.orderBy("at", "desc").limit(limit).execute();
}

/** Records a failed (or reserved) attempt; its id. Rows of the address or the client address older than `expired` go. */
export async function insertFailure(tx: Tx, email: string, ip: string, at: Date, expired: Date): Promise<string> {
  const row = await tx.insertInto("login_failures").values({ email, ip, at }).returning("id").executeTakeFirstOrThrow();
  // Rows that can no longer count are dropped as we go, so the table stays small.
  await tx.deleteFrom("login_failures").where(sql`lower(email)`, "=", email).where("at", "<=", expired).execute();
  await tx.deleteFrom("login_failures").where("ip", "=", ip).where("at", "<=", expired).execute();
  return String(row.id);
}

export async function deleteFailure(db: Db, id: string): Promise<void> {
  await db.deleteFrom("login_failures").where("id", "=", id).execute();
}

/** Forgets the failures of the address (lower-case). */
export async function forgetFailures(db: Db, email: string): Promise<void> {
  await db.deleteFrom("login_failures").where(sql`lower(email)`, "=", email).execute();
}

/** The account's active (sealed) TOTP seed, if any. */
export async function totpSecret(db: Db, userId: string): Promise<string | null | undefined> {
  return (await db.selectFrom("users").select("totp_secret").where("id", "=", userId).executeTakeFirst())?.totp_secret;
}

/**
 * Uses up TOTP time step `step` (one conditional UPDATE, so that two concurrent sign-ins with the same code cannot
 * both succeed); false when it or a later one was used already.
 */
export async function consumeTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const updated = await db
    .updateTable("users")
    .set({ totp_last_step: String(step) })
    .where("id", "=", userId)
    .where((eb) =>
      eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", sql<string>`${String(step)}::bigint`)]),
    )
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

export async function insertCredential(
  db: Db,
  credential: Omit<Insertable<Database["credentials"]>, "id" | "created_at">,
): Promise<void> {
  await db.insertInto("credentials").values(credential).execute();
}

/** The account behind a credential (by its token's hash), with what a request's identity needs. */
export async function credentialHolder(db: Db, hash: string) {
  return db
    .selectFrom("credentials as c")
    .innerJoin("users as u", "u.id", "c.user_id")
    .leftJoin("agencies as a", "a.id", "u.agency_id")
    .select([
      "u.id",
      "u.email",
      "u.role",
      "u.agency_id",
      "a.country_id",
      "c.second_factor",
      "c.expires_at",
      "c.kind",
      "c.scopes",
      "u.disabled",
    ])
    .where("c.token_hash", "=", hash)
    .executeTakeFirst();
}

/** The account linked to this OpenID provider's subject. */
export async function accountByOidcSubject(
  db: Db,
  issuer: string,
  subject: string,
): Promise<{ id: string; disabled: boolean } | undefined> {
  return db
    .selectFrom("users")
    .select(["id", "disabled"])
    .where("oidc_issuer", "=", issuer)
    .where("oidc_subject", "=", subject)
    .executeTakeFirst();
}

/**
 * Links the account of `email` (any case) to the provider's subject, if no subject is linked to it yet; the provider
 * vouched for the address, so it is proved too. The account, or undefined when none was linked.
 */
export async function linkOidcSubject(
  db: Db,
  email: string,
  issuer: string,
  subject: string,
  now: Date,
): Promise<{ id: string; disabled: boolean } | undefined> {
  return db
    .updateTable("users")
    .set({ oidc_issuer: issuer, oidc_subject: subject, email_verified_at: now })
    .where(sql`lower(email)`, "=", email.toLowerCase())
    .where("oidc_subject", "is", null)
    .returning(["id", "disabled"])
    .executeTakeFirst();
}

/** The account's address and when it was proved (null: not yet). */
export async function addressOf(db: Db, userId: string): Promise<{ email: string; email_verified_at: Date | null }> {
  return db
    .selectFrom("users")
    .select(["email", "email_verified_at"])
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
}

/** Marks the account's address proved, if it is still `email` (lower-case); the account, or undefined. */
export async function markAddressVerified(
  db: Db,
  userId: string,
  email: string,
  now: Date,
): Promise<{ id: string; email: string } | undefined> {
  return db
    .updateTable("users")
    .set({ email_verified_at: now })
    .where("id", "=", userId)
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", email))
    .returning(["id", "email"])
    .executeTakeFirst();
}
