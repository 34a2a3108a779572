/**
 * Who is calling: a bearer token (API tokens and the token `POST /api/auth/login` returns) or the session cookie,
 * looked up by its SHA-256 in `credentials`. Tokens are 32 random bytes; only their hash is stored, so a database
 * leak yields no usable token. `KHATAM_ADMIN_TOKEN`, when set, is a platform administrator for bootstrap.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Db, Tx } from "../db/connect.js";
import type { Role } from "../db/schema.js";
import { HttpError } from "../http/errors.js";
import { readCookie } from "./cookies.js";
import { SCOPES, type Scope } from "./schemas.js";
import { credentialHolder, insertCredential } from "./store.js";

export const SESSION_COOKIE = "khatam_session";

/** What happens when an account proves an address (a verified link, an OIDC provider's email_verified). */
export type AddressBinder = (db: Db | Tx, userId: string, email: string) => Promise<unknown>;

export interface Identity {
  readonly userId: string | null; // null for the bootstrap admin token
  readonly email: string;
  readonly role: Role;
  readonly agencyId: string | null;
  readonly countryId: string | null;
  /** Whether this credential was issued after a second factor (TOTP) was checked. */
  readonly secondFactor: boolean;
  /** How the caller authenticated: a session (sign-in, cookie), an API token, or the bootstrap admin token. */
  readonly credential: "session" | "api" | "admin-token";
  /** An API token's scopes; null when the credential is not limited by scopes. */
  readonly scopes: readonly Scope[] | null;
}

declare module "fastify" {
  interface FastifyRequest {
    identity: Identity | null;
  }
}

export const tokenHash = (token: string): string => createHash("sha256").update(token).digest("hex");

/** A new credential for a user; returns the token (shown once). */
export async function issueCredential(
  db: Db,
  userId: string,
  options: {
    kind: "session" | "api";
    label?: string;
    secondFactor?: boolean;
    ttlMs?: number;
    scopes?: readonly Scope[];
  },
): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await insertCredential(db, {
    token_hash: tokenHash(token),
    user_id: userId,
    kind: options.kind,
    label: options.label ?? null,
    second_factor: options.secondFactor ?? false,
    expires_at: options.ttlMs ? new Date(Date.now() + options.ttlMs) : null,
    last_used_at: null,
    scopes: options.kind === "api" ? [...(options.scopes ?? SCOPES)] : null,
  });
  return token;
}

export interface IdentityOptions {
  readonly db: Db;
  readonly adminToken?: string;
  /** The platform's public URL: a cookie-authenticated write must come from its origin (see refuseCrossSite). */
  readonly publicUrl?: string;
}

/** Methods that change nothing (RFC 9110 § 9.2.1); the others carry a cookie only from the platform's own pages. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery: SameSite=Lax alone lets a top-level cross-site POST (a form with text/plain) carry the
 * session cookie. A cookie-authenticated write is refused unless the browser says it is same-origin
 * (Fetch Metadata `Sec-Fetch-Site`) or, from browsers that do not send that, its `Origin` is the platform's own.
 * Requests with neither header come from programs, not from a page another site controls. Bearer tokens are never
 * sent by a browser on its own, so they need no such check.
 */
function refuseCrossSite(request: FastifyRequest, publicOrigin: string | undefined): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers["sec-fetch-site"];
  if (typeof site === "string") {
    if (site === "same-origin" || site === "none") return;
    throw new HttpError(403, "cross_site_request", "a cross-site request may not use the session cookie");
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const own = new Set([publicOrigin, `${request.protocol}://${request.host}`]);
  if (!own.has(origin)) {
    throw new HttpError(403, "cross_site_request", "a cross-site request may not use the session cookie");
  }
}

/** Resolves `request.identity` on every request (null when anonymous); routes decide what they require. */
export const identityPlugin = fp(async (app: FastifyInstance, options: IdentityOptions) => {
  app.decorateRequest("identity", null);
  const admin = options.adminToken ? tokenHash(options.adminToken) : undefined;
  const publicOrigin = options.publicUrl ? new URL(options.publicUrl).origin : undefined;
  app.addHook("onRequest", async (request) => {
    let token = bearer(request);
    if (!token) {
      token = readCookie(request, SESSION_COOKIE);
      if (!token) return;
      refuseCrossSite(request, publicOrigin);
    }
    const h = tokenHash(token);
    if (admin && timingSafeEqual(Buffer.from(h), Buffer.from(admin))) {
      request.identity = {
        userId: null,
        email: "admin-token",
        role: "platform_admin",
        agencyId: null,
        countryId: null,
        secondFactor: true,
        credential: "admin-token",
        scopes: null,
      };
      return;
    }
    const row = await credentialHolder(options.db, h);
    if (!row || row.disabled || (row.expires_at && row.expires_at.getTime() < Date.now())) return;
    request.identity = {
      userId: row.id,
      email: row.email,
      role: row.role,
      agencyId: row.agency_id,
      countryId: row.country_id,
      secondFactor: row.second_factor,
      credential: row.kind,
      scopes: row.kind === "api" ? ((row.scopes ?? []) as Scope[]) : null,
    };
    refuseOutOfScope(request, request.identity);
  });
});

/**
 * An API token acts only within its scopes: `read` for GET and HEAD, `admin` for the administration routes, `sign`
 * for every other write. The route is the one the router matched (its registered pattern), not the raw URL.
 */
function refuseOutOfScope(request: FastifyRequest, identity: Identity): void {
  if (!identity.scopes) return;
  const route = request.routeOptions.url ?? "";
  const needed: Scope =
    route.startsWith("/api/admin/") || route === "/api/webhooks" || route.startsWith("/api/webhooks/")
      ? "admin"
      : request.method === "GET" || request.method === "HEAD"
        ? "read"
        : "sign";
  if (!identity.scopes.includes(needed)) {
    throw new HttpError(403, "insufficient_scope", `this API token lacks the "${needed}" scope`);
  }
}

/** The caller's identity, or 401. */
export function requireIdentity(request: FastifyRequest, roles?: readonly Role[]): Identity {
  const id = request.identity;
  if (!id) throw new HttpError(401, "unauthenticated", "sign in or send a bearer token");
  if (roles && !roles.includes(id.role)) throw new HttpError(403, "forbidden", "your role does not allow this");
  return id;
}

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7).trim() || undefined : undefined;
}
