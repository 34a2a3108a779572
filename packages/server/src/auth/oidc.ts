/**
 * Sign-in with an OpenID Connect provider (OpenID Connect Core 1.0, authorization code flow with PKCE, RFC 7636),
 * through openid-client. Enabled by `KHATAM_OIDC_ISSUER`, `KHATAM_OIDC_CLIENT_ID`, `KHATAM_OIDC_CLIENT_SECRET`;
 * the redirect URI registered at the provider is `${KHATAM_PUBLIC_URL}/api/auth/oidc/callback`.
 *
 * - `GET /api/auth/oidc/start[?returnTo=/path]` → 302 to the provider. The PKCE verifier, state and nonce travel in
 *   the `khatam_oidc` cookie, sealed (AES-256-GCM, secret-box.ts) and valid 10 minutes, so no server state is kept
 *   and a replica other than the one that started the flow can finish it.
 * - `GET /api/auth/oidc/callback` exchanges the code (state, nonce, PKCE, ID token signature and claims checked by
 *   openid-client), maps the ID token to a user — by (issuer, `sub`); at first sign-in by an `email` the provider
 *   marks verified, linking the account — and issues the session cookie, then redirects to `returnTo` (or `/`).
 *   Nobody is created here: administrators create people, the provider only proves who they are.
 */
import type { FastifyPluginAsync } from "fastify";
import * as client from "openid-client";
import { HttpError } from "../http/errors.js";
import { clearCookie, readCookie, setCookie } from "./cookies.js";
import { type AddressBinder, issueCredential, SESSION_COOKIE } from "./identity.js";
import { DEFAULT_SESSION_TTL_MS } from "./login-routes.js";
import type { SecretBox } from "./secret-box.js";
import * as store from "./store.js";

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string;
}

export interface OidcRoutesOptions {
  readonly oidc: OidcSettings;
  readonly box: SecretBox;
  readonly publicUrl: string;
  readonly sessionTtlMs?: number;
  /**
   * Gives an account the envelopes addressed to an address it has just proved (envelopes' bindRecipients), passed
   * in by app.ts so that sign-in does not depend on the envelopes that depend on it.
   */
  readonly bindAddress: AddressBinder;
}

const STATE_COOKIE = "khatam_oidc";
const STATE_TTL_MS = 10 * 60 * 1000;
/** Authentication methods (RFC 8176) that count as a second factor. */
const MULTI_FACTOR_AMR = new Set(["mfa", "otp", "hwk", "swk", "sc", "fido", "pop"]);

interface FlowState {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly returnTo: string;
  readonly expires: number;
}

export const oidcRoutes: FastifyPluginAsync<OidcRoutesOptions> = async (app, options) => {
  const db = app.db;
  const secure = new URL(options.publicUrl).protocol === "https:";
  const redirectUri = `${options.publicUrl.replace(/\/$/, "")}/api/auth/oidc/callback`;
  const cookiePath = "/api/auth/oidc";
  const issuerUrl = new URL(options.oidc.issuer);
  // Plain http only to a provider on this machine (development, tests); anything else must be https.
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(issuerUrl.hostname);
  let configuration: Promise<client.Configuration> | undefined;
  const config = () => {
    configuration ??= client
      .discovery(issuerUrl, options.oidc.clientId, options.oidc.clientSecret, undefined, {
        execute: issuerUrl.protocol === "http:" && loopback ? [client.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        configuration = undefined; // try the discovery again next time
        app.log.error({ err: error }, "OIDC discovery failed");
        throw new HttpError(502, "oidc_unavailable", "the identity provider cannot be reached");
      });
    return configuration;
  };

  app.get("/api/auth/oidc/start", async (request, reply) => {
    const { returnTo } = request.query as { returnTo?: string };
    const flow: FlowState = {
      verifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
      // Only a path on this site, never `//host` or a URL: no open redirect.
      returnTo: localPath(returnTo),
      expires: Date.now() + STATE_TTL_MS,
    };
    const url = client.buildAuthorizationUrl(await config(), {
      redirect_uri: redirectUri,
      scope: "openid email profile",
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: "S256",
      state: flow.state,
      nonce: flow.nonce,
    });
    setCookie(reply, STATE_COOKIE, await options.box.seal("oidc-state", JSON.stringify(flow)), {
      secure,
      path: cookiePath,
      maxAge: STATE_TTL_MS / 1000,
    });
    return reply.redirect(url.href, 302);
  });

  app.get("/api/auth/oidc/callback", async (request, reply) => {
    const sealed = readCookie(request, STATE_COOKIE);
    const opened = sealed ? await options.box.open("oidc-state", sealed) : undefined;
    const flow = opened ? (JSON.parse(opened) as FlowState) : undefined;
    clearCookie(reply, STATE_COOKIE, { secure, path: cookiePath });
    if (!flow || flow.expires < Date.now()) {
      throw new HttpError(400, "oidc_state", "the sign-in expired or was not started here; start again");
    }
    const configuration = await config();
    const current = new URL(request.url, redirectUri);
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      request.log.warn({ err: error }, "OIDC callback refused");
      throw new HttpError(401, "oidc_failed", "the identity provider's answer could not be verified");
    }
    if (!claims) throw new HttpError(401, "oidc_failed", "the identity provider sent no ID token");
    const issuer = configuration.serverMetadata().issuer;
    const subject = claims.sub;
    let user = await store.accountByOidcSubject(db, issuer, subject);
    if (!user && typeof claims.email === "string" && claims.email_verified === true) {
      // First sign-in: link the account with this verified address, if it is not linked to another subject.
      // The provider vouches for the address (email_verified): it is proved, as by our own link (issue 9.3).
      const linked = await store.linkOidcSubject(db, claims.email, issuer, subject, new Date());
      if (linked) {
        await options.bindAddress(db, linked.id, claims.email);
        request.log.info({ userId: linked.id, issuer }, "OIDC identity linked");
        user = linked;
      }
    }
    if (!user || user.disabled) {
      throw new HttpError(403, "no_account", "this identity has no account here; ask your agency administrator");
    }
    const amr = Array.isArray(claims.amr) ? claims.amr : [];
    const ttl = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    const token = await issueCredential(db, user.id, {
      kind: "session",
      secondFactor: amr.some((method) => MULTI_FACTOR_AMR.has(String(method))),
      ttlMs: ttl,
    });
    setCookie(reply, SESSION_COOKIE, token, { secure, maxAge: Math.floor(ttl / 1000) });
    request.log.info({ userId: user.id }, "signed in with OIDC");
    return reply.redirect(flow.returnTo, 302);
  });
};

/**
 * `returnTo` only as a path on this platform (no open redirect). Browsers drop tabs and newlines from URLs and read
 * "\\" as "/", so "/\t/evil.example" would become "//evil.example": any control character or backslash refuses the
 * value, and what is left must resolve to this origin with the same path.
 */
export function localPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.length > 2048) return "/";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(value) || value.startsWith("//")) return "/";
  const base = "http://khatam.invalid";
  const resolved = new URL(value, base);
  // Dot segments can collapse to "//host" ("/a/../..//evil.example"), which a browser reads as another host.
  if (resolved.origin !== base || resolved.pathname.startsWith("//")) return "/";
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
