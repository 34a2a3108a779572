/**
 * Sign-in and the caller's own account (CONTRACTS § 3 `POST /api/auth/login`):
 *
 * - `POST /api/auth/login {email,password,totp?}` → `{ token, expiresAt }` and the `khatam_session` cookie;
 *   401 `invalid_credentials` | `totp_required`, 429 `too_many_attempts` with Retry-After (login.ts).
 * - `POST /api/auth/logout` deletes the credential the request came with.
 * - `GET /api/me`: who the caller is, their agency, country and signing certificates.
 * - `POST /api/auth/totp/enroll` → `{ secret, otpauthUri }`; `POST /api/auth/totp/confirm {code}` activates it.
 * - `GET|POST /api/auth/tokens`, `DELETE /api/auth/tokens/:id`: personal API tokens (the token is shown once).
 * - `POST /api/auth/password {currentPassword,newPassword}`: change one's password (other sessions end).
 */
import { toPem } from "@khatam/core/pki";
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { HttpError } from "../http/errors.js";
import { clearCookie, readCookie, setCookie } from "./cookies.js";
import { type Identity, issueCredential, requireIdentity, SESSION_COOKIE, tokenHash } from "./identity.js";
import { authenticate, checkPassword, DEFAULT_LOGIN_LIMITS, type LoginLimits, ThrottledError } from "./login.js";
import { hashPassword } from "./passwords.js";
import {
  accountSchemas,
  accountView,
  type CertificateView,
  type ChangePasswordBody,
  type CreatedToken,
  type CreateTokenBody,
  type LoginBody,
  loginSchema,
  type Me,
  meSchema,
  SCOPES,
  type Scope,
  type TokenView,
  type TotpConfirmBody,
  type TotpEnrolment,
} from "./schemas.js";
import type { SecretBox } from "./secret-box.js";
import * as store from "./store.js";
import { newTotpSecret, totpStep } from "./totp.js";

export interface LoginRoutesOptions {
  readonly box: SecretBox;
  /** Base URL; https makes cookies Secure. */
  readonly publicUrl: string;
  readonly limits?: Partial<LoginLimits>;
  /** Session lifetime (default 12 hours). */
  readonly sessionTtlMs?: number;
  /** Clock of the throttling window (tests). */
  readonly now?: () => Date;
}

export const DEFAULT_SESSION_TTL_MS = 12 * 3600 * 1000;

export const loginRoutes: FastifyPluginAsync<LoginRoutesOptions> = async (app: FastifyInstance, options) => {
  const db = app.db;
  const secure = new URL(options.publicUrl).protocol === "https:";
  const ttl = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const context = {
    db,
    box: options.box,
    limits: { ...DEFAULT_LOGIN_LIMITS, ...options.limits },
    now: options.now ?? (() => new Date()),
  };

  app.post("/api/auth/login", { schema: loginSchema }, async (request, reply) => {
    const body = request.body as LoginBody;
    let signedIn: { userId: string; secondFactor: boolean };
    try {
      signedIn = await authenticate(context, { ...body, ip: request.ip });
    } catch (error) {
      if (error instanceof ThrottledError) reply.header("retry-after", String(error.retryAfterSeconds));
      if (error instanceof HttpError && error.statusCode === 401) {
        request.log.info({ code: error.code }, "sign-in refused");
      }
      throw error;
    }
    const token = await issueCredential(db, signedIn.userId, {
      kind: "session",
      secondFactor: signedIn.secondFactor,
      ttlMs: ttl,
    });
    setCookie(reply, SESSION_COOKIE, token, { secure, maxAge: Math.floor(ttl / 1000) });
    request.log.info({ userId: signedIn.userId }, "signed in");
    return { token, expiresAt: new Date(Date.now() + ttl).toISOString() };
  });

  app.post("/api/auth/logout", async (request, reply) => {
    requireIdentity(request);
    const token = presentedToken(request);
    if (token) await store.deleteCredential(db, tokenHash(token));
    clearCookie(reply, SESSION_COOKIE, { secure });
    return reply.status(204).send();
  });

  app.get("/api/me", { schema: meSchema }, async (request): Promise<Me> => {
    const identity = requireIdentity(request);
    if (!identity.userId) return { user: { email: identity.email, role: identity.role }, agency: null, country: null };
    return describeMe(app, identity);
  });

  app.post("/api/auth/totp/enroll", { schema: accountSchemas.totpEnroll }, async (request): Promise<TotpEnrolment> => {
    const identity = requireUser(request);
    const user = await store.totpState(db, identity.userId);
    // Replacing an active second factor needs a session that passed it.
    if (user.totp_secret && !identity.secondFactor) {
      throw new HttpError(403, "second_factor_required", "sign in with your current code to replace it");
    }
    const enrolment = newTotpSecret(user.email);
    const sealed = await options.box.seal("totp-secret", enrolment.secret);
    await store.setPendingTotp(db, identity.userId, sealed);
    return enrolment;
  });

  app.post("/api/auth/totp/confirm", { schema: accountSchemas.totpConfirm }, async (request) => {
    const identity = requireUser(request);
    const { code } = request.body as TotpConfirmBody;
    const user = await store.totpState(db, identity.userId);
    if (!user.totp_pending_secret) throw new HttpError(409, "not_enrolling", "start with POST /api/auth/totp/enroll");
    const secret = await options.box.open("totp-secret", user.totp_pending_secret);
    const step = secret === undefined ? undefined : await totpStep(secret, code);
    if (step === undefined) throw new HttpError(400, "invalid_code", "the code does not match; try the current one");
    // The session that proved the code now counts as two-factor; every other session must sign in again.
    const current = presentedToken(request);
    await store.confirmTotp(db, identity.userId, user.totp_pending_secret, step, current && tokenHash(current));
    return { enrolled: true };
  });

  app.get("/api/auth/tokens", { schema: accountSchemas.listTokens }, async (request) => {
    const identity = requireUser(request);
    return (await store.apiTokens(db, identity.userId)).map(tokenView);
  });

  app.post("/api/auth/tokens", { schema: accountSchemas.createToken }, async (request, reply) => {
    const identity = requireUser(request);
    // A token cannot make tokens: a leaked token must not be able to outlive its own revocation.
    if (identity.credential !== "session") {
      throw new HttpError(403, "session_required", "API tokens are created from a signed-in session");
    }
    const { label, expiresInDays, scopes } = request.body as CreateTokenBody;
    const administrator = identity.role === "agency_admin" || identity.role === "platform_admin";
    if (scopes?.includes("admin") && !administrator) {
      throw new HttpError(403, "forbidden", "only administrators may give a token the admin scope");
    }
    const token = await issueCredential(db, identity.userId, {
      kind: "api",
      label,
      scopes: scopes ?? (administrator ? SCOPES : ["read", "sign"]),
      secondFactor: identity.secondFactor,
      ttlMs: expiresInDays ? expiresInDays * 86_400_000 : undefined,
    });
    const row = await store.apiTokenByHash(db, tokenHash(token));
    return reply.status(201).send({ ...tokenView(row), token } satisfies CreatedToken);
  });

  app.delete("/api/auth/tokens/:id", async (request, reply) => {
    const identity = requireUser(request);
    const { id } = request.params as { id: string };
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new HttpError(404, "not_found", "no such token");
    if (!(await store.deleteApiToken(db, identity.userId, id))) throw new HttpError(404, "not_found", "no such token");
    return reply.status(204).send();
  });

  app.post("/api/auth/password", { schema: accountSchemas.changePassword }, async (request, reply) => {
    const identity = requireUser(request);
    if (identity.credential !== "session") {
      throw new HttpError(403, "session_required", "the password is changed from a signed-in session");
    }
    const { currentPassword, newPassword } = request.body as ChangePasswordBody;
    const user = await store.passwordOf(db, identity.userId);
    // Throttled like sign-in (security issue 9.4): a stolen session cannot guess the current password quickly.
    let ok: boolean;
    try {
      ok = await checkPassword(context, {
        email: user.email,
        password: currentPassword,
        ip: request.ip,
        hash: user.password_hash,
      });
    } catch (error) {
      if (error instanceof ThrottledError) reply.header("retry-after", String(error.retryAfterSeconds));
      throw error;
    }
    if (!ok) throw new HttpError(403, "invalid_credentials", "the current password is wrong");
    const hash = await hashPassword(newPassword);
    const current = presentedToken(request);
    // Every other session and every API token ends (security issue 9.7): whoever knew the old password may
    // have made them.
    await store.changePassword(db, identity.userId, hash, current && tokenHash(current));
    return reply.status(204).send();
  });
};

/** The bearer token or session cookie the request was authenticated with. */
export function presentedToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (h?.startsWith("Bearer ")) return h.slice(7).trim() || undefined;
  return readCookie(request, SESSION_COOKIE);
}

/** A signed-in user (not the bootstrap token, which has no account). */
function requireUser(request: FastifyRequest): Identity & { userId: string } {
  const identity = requireIdentity(request);
  if (!identity.userId) throw new HttpError(403, "forbidden", "the bootstrap admin token has no account");
  return identity as Identity & { userId: string };
}

function tokenView(row: {
  id: string;
  label: string | null;
  scopes: string[] | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}): TokenView {
  return {
    id: row.id,
    label: row.label,
    scopes: (row.scopes ?? []) as Scope[],
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

async function describeMe(app: FastifyInstance, identity: Identity): Promise<Me> {
  const { user, agency, country, certificates } = await store.me(app.db, identity.userId!);
  return {
    user: { ...accountView(user), secondFactor: identity.secondFactor },
    agency: agency ? { id: agency.id, names: agency.names } : null,
    country: country ? { id: country.id, isoCode: country.iso_code, names: country.names } : null,
    certificates: certificates.map((c) => certificateView(app, c)),
  };
}

/** A signing certificate as the API shows it, with its live status from the trust store. */
export function certificateView(
  app: FastifyInstance,
  c: {
    id: string;
    ca_id: string;
    serial: string;
    profile: string;
    subject: string;
    not_after: Date;
    der: Uint8Array;
    key_ref: unknown;
  },
): CertificateView {
  let status = "unknown";
  try {
    status = app.trustStore.get(c.ca_id).status(c.serial).status;
  } catch {
    // the CA is gone from this platform: unknown
  }
  return {
    id: c.id,
    ca: c.ca_id,
    serial: c.serial,
    profile: c.profile,
    subject: c.subject,
    notAfter: c.not_after.toISOString(),
    status,
    keyHolder: c.key_ref ? "platform" : "device",
    pem: toPem(c.der),
  };
}
