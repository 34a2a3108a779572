/**
 * The queries of the sign-in routes (login-routes.ts): sessions and API tokens (`credentials`, stored by the SHA-256
 * of the token only), the second factor's secrets, the password, and what `GET /api/me` shows. One place for them, the
 * same for PGlite and PostgreSQL.
 */
import { sql } from "kysely";
import type { Db } from "../db/connect.js";

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
