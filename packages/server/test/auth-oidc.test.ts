/**
 * OIDC sign-in on both engines against a tiny OpenID provider written here (discovery, JWKS with an ES256 key, a
 * token endpoint that checks the client secret and the PKCE verifier and returns a signed ID token): the start
 * redirect carries PKCE S256, state and nonce; the callback links a verified e-mail at first sign-in, finds the user
 * by (issuer, sub) afterwards, refuses unknown or unverified identities, forged state and a wrong nonce.
 */
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ENGINES } from "./support/db.js";
import { call, startPlatform, type TestPlatform } from "./support/platform.js";

const CLIENT_ID = "khatam-test";
const CLIENT_SECRET = "s3cret-of-the-client";

interface Grant {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  nonce: string;
  challenge: string;
  redirectUri: string;
}

/** A minimal OpenID provider; `nextIdentity` is who "signs in" at the authorize endpoint. */
function startProvider(): Promise<{
  server: Server;
  issuer: string;
  setIdentity(i: Omit<Grant, "nonce" | "challenge" | "redirectUri">): void;
  tamperNonce: boolean;
}> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256", use: "sig" };
  const grants = new Map<string, Grant>();
  let identity: Omit<Grant, "nonce" | "challenge" | "redirectUri"> = { sub: "nobody" };
  const state = {
    server: undefined as unknown as Server,
    issuer: "",
    tamperNonce: false,
    setIdentity(i: typeof identity) {
      identity = i;
    },
  };
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  state.server = createServer(async (req, res) => {
    const url = new URL(req.url!, state.issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(200, {
        issuer: state.issuer,
        authorization_endpoint: `${state.issuer}/authorize`,
        token_endpoint: `${state.issuer}/token`,
        jwks_uri: `${state.issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["ES256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      });
    }
    if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
    if (url.pathname === "/authorize") {
      const p = url.searchParams;
      if (p.get("code_challenge_method") !== "S256" || p.get("client_id") !== CLIENT_ID)
        return json(400, { error: "invalid_request" });
      const code = randomBytes(16).toString("hex");
      grants.set(code, {
        ...identity,
        nonce: p.get("nonce")!,
        challenge: p.get("code_challenge")!,
        redirectUri: p.get("redirect_uri")!,
      });
      const back = new URL(p.get("redirect_uri")!);
      back.searchParams.set("code", code);
      back.searchParams.set("state", p.get("state")!);
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      let clientId = form.get("client_id");
      let secret = form.get("client_secret");
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
      if (basic)
        [clientId, secret] = Buffer.from(basic[1]!, "base64").toString().split(":").map(decodeURIComponent) as [
          string,
          string,
        ];
      if (clientId !== CLIENT_ID || secret !== CLIENT_SECRET) return json(401, { error: "invalid_client" });
      const grant = grants.get(form.get("code") ?? "");
      grants.delete(form.get("code") ?? "");
      if (!grant || form.get("redirect_uri") !== grant.redirectUri) return json(400, { error: "invalid_grant" });
      const challenge = createHash("sha256")
        .update(form.get("code_verifier") ?? "")
        .digest("base64url");
      if (challenge !== grant.challenge) return json(400, { error: "invalid_grant", error_description: "PKCE" });
      const now = Math.floor(Date.now() / 1000);
      const header = b64({ alg: "ES256", typ: "JWT", kid: "k1" });
      const payload = b64({
        iss: state.issuer,
        aud: CLIENT_ID,
        sub: grant.sub,
        iat: now,
        exp: now + 300,
        nonce: state.tamperNonce ? "another-nonce" : grant.nonce,
        ...(grant.email && { email: grant.email, email_verified: grant.emailVerified ?? false }),
        amr: ["pwd", "otp"],
      });
      const signature = sign("sha256", Buffer.from(`${header}.${payload}`), {
        key: privateKey,
        dsaEncoding: "ieee-p1363",
      });
      return json(200, {
        access_token: randomBytes(16).toString("hex"),
        token_type: "Bearer",
        expires_in: 300,
        id_token: `${header}.${payload}.${signature.toString("base64url")}`,
      });
    }
    json(404, { error: "not_found" });
  });
  return new Promise((resolve) => {
    state.server.listen(0, "127.0.0.1", () => {
      state.issuer = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
      resolve(state);
    });
  });
}

for (const engine of ENGINES) {
  describe(`OIDC sign-in on ${engine}`, () => {
    let platform: TestPlatform;
    let provider: Awaited<ReturnType<typeof startProvider>>;
    before(async () => {
      provider = await startProvider();
      platform = await startPlatform(engine, {
        oidc: { issuer: provider.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      });
    });
    after(async () => {
      await platform.close();
      provider.server.close();
    });

    /** Runs the browser's part: start → provider → callback; returns the callback's response. */
    async function signIn(options: { tamperState?: boolean; returnTo?: string } = {}) {
      const start = await call(
        platform.app,
        "GET",
        `/api/auth/oidc/start${options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : ""}`,
      );
      assert.equal(start.statusCode, 302);
      const authorize = new URL(String(start.headers.location));
      assert.equal(authorize.origin + authorize.pathname, `${provider.issuer}/authorize`);
      assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
      assert.ok(authorize.searchParams.get("state") && authorize.searchParams.get("nonce"));
      assert.equal(authorize.searchParams.get("redirect_uri"), `${platform.url}/api/auth/oidc/callback`);
      const stateCookie = String(start.headers["set-cookie"]);
      assert.match(
        stateCookie,
        /^khatam_oidc=v1\.[\w-]+; Path=\/api\/auth\/oidc; HttpOnly; SameSite=Lax; Max-Age=600$/,
      );
      const atProvider = await fetch(authorize, { redirect: "manual" });
      const callback = new URL(atProvider.headers.get("location")!);
      if (options.tamperState) callback.searchParams.set("state", "forged");
      return call(platform.app, "GET", callback.pathname + callback.search, {
        cookie: stateCookie.split(";")[0],
      });
    }

    it("links a verified e-mail at first sign-in and issues a session", async () => {
      provider.setIdentity({ sub: "jp-12345", email: "official@jp.demo", emailVerified: true });
      const done = await signIn({ returnTo: "/inbox" });
      assert.equal(done.statusCode, 302, done.body);
      assert.equal(done.headers.location, "/inbox");
      const cookies = ([] as string[]).concat(done.headers["set-cookie"] as string[]);
      const session = cookies.find((c) => c.startsWith("khatam_session="))!;
      assert.ok(session, String(cookies));
      assert.ok(
        cookies.some((c) => /^khatam_oidc=; .*Max-Age=0/.test(c)),
        "the state cookie is cleared",
      );
      const me = await call(platform.app, "GET", "/api/me", { cookie: session.split(";")[0] });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().user.email, "official@jp.demo");
      assert.equal(me.json().user.oidcLinked, true);
      assert.equal(me.json().user.secondFactor, true, "amr otp counts as a second factor");
      const row = await platform.app.db
        .selectFrom("users")
        .select(["oidc_issuer", "oidc_subject"])
        .where("email", "=", "official@jp.demo")
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { oidc_issuer: provider.issuer, oidc_subject: "jp-12345" });
    });

    it("finds the user by issuer and subject afterwards, whatever the e-mail claim says", async () => {
      provider.setIdentity({ sub: "jp-12345", email: "changed@example.org", emailVerified: true });
      const done = await signIn();
      assert.equal(done.statusCode, 302);
      assert.equal(done.headers.location, "/");
      const session = ([] as string[])
        .concat(done.headers["set-cookie"] as string[])
        .find((c) => c.startsWith("khatam_session="))!;
      const me = await call(platform.app, "GET", "/api/me", { cookie: session.split(";")[0] });
      assert.equal(me.json().user.email, "official@jp.demo");
    });

    it("refuses an unverified e-mail, an unknown identity, a forged state, a wrong nonce and an open redirect", async () => {
      provider.setIdentity({ sub: "sa-1", email: "official@sa.demo", emailVerified: false });
      const unverified = await signIn();
      assert.equal(unverified.statusCode, 403);
      assert.equal(unverified.json().error.code, "no_account");
      provider.setIdentity({ sub: "stranger", email: "stranger@example.org", emailVerified: true });
      assert.equal((await signIn()).statusCode, 403);
      provider.setIdentity({ sub: "jp-12345" });
      const forged = await signIn({ tamperState: true });
      assert.equal(forged.statusCode, 401);
      assert.equal(forged.json().error.code, "oidc_failed");
      provider.tamperNonce = true;
      const nonce = await signIn();
      provider.tamperNonce = false;
      assert.equal(nonce.statusCode, 401);
      const noCookie = await call(platform.app, "GET", "/api/auth/oidc/callback?code=x&state=y");
      assert.equal(noCookie.statusCode, 400);
      assert.equal(noCookie.json().error.code, "oidc_state");
      const offsite = await signIn({ returnTo: "//evil.example/phish" });
      assert.equal(offsite.headers.location, "/");
      // The Saudi official's account stayed unlinked.
      const row = await platform.app.db
        .selectFrom("users")
        .select("oidc_subject")
        .where("email", "=", "official@sa.demo")
        .executeTakeFirstOrThrow();
      assert.equal(row.oidc_subject, null);
    });
  });
}
