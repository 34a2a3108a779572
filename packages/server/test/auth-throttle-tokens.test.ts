/**
 * Security issue 9, items 4 and 7, on both engines: the sign-in throttle holds under 60 parallel guesses (attempts
 * are reserved before Argon2 runs, and at most two run per account), the password change is throttled like sign-in,
 * X-Forwarded-For is believed only from a configured proxy, and API tokens have scopes, end with the password that
 * made them, and cannot make tokens.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { DEFAULT_DEMO_PASSWORD as DEMO_PASSWORD } from "../src/tenancy/demo.js";
import { ENGINES } from "./support/db.js";
import { call, login, startPlatform, type TestPlatform } from "./support/platform.js";

const PER_EMAIL = 5;

for (const engine of ENGINES) {
  describe(`sign-in throttle and API tokens on ${engine}`, () => {
    let platform: TestPlatform;
    let clock = Date.now();

    before(async () => {
      platform = await startPlatform(engine, {
        loginLimits: { perEmail: PER_EMAIL, perIp: 1000, windowMs: 15 * 60 * 1000 },
        authClock: () => new Date(clock),
      });
    });
    after(() => platform.close());

    const signIn = (email: string, password: string, ip = "203.0.113.7") =>
      call(platform.app, "POST", "/api/auth/login", { body: { email, password }, ip });

    it("60 parallel guesses: at most the limit reach Argon2, and the right password among them is refused", async () => {
      const attempts = Array.from({ length: 60 }, (_, i) => (i === 59 ? DEMO_PASSWORD : `wrong-guess-${i}`));
      const answers = await Promise.all(attempts.map((password) => signIn("clerk@sa.demo", password)));
      const statuses = answers.map((a) => a.statusCode);
      const verified = statuses.filter((s) => s === 401 || s === 200).length;
      assert.ok(verified <= PER_EMAIL, `${verified} attempts were verified: ${statuses.join(",")}`);
      assert.equal(statuses[59], 429, "the right password, sent after the limit, is refused without being checked");
      assert.ok(
        statuses.every((s) => s === 401 || s === 429),
        statuses.join(","),
      );
      for (const a of answers.filter((x) => x.statusCode === 429)) assert.ok(Number(a.headers["retry-after"]) >= 1);
      // Guesses one after another stop at the limit too; then even the right password waits for the window.
      let last = 0;
      for (let i = 0; i < PER_EMAIL + 1 && last !== 429; i++)
        last = (await signIn("clerk@sa.demo", `again-${i}`)).statusCode;
      assert.equal(last, 429);
      assert.equal((await signIn("clerk@sa.demo", DEMO_PASSWORD)).statusCode, 429);
      clock += 16 * 60 * 1000;
      assert.equal((await signIn("clerk@sa.demo", DEMO_PASSWORD)).statusCode, 200);
    });

    it("the password change is throttled like sign-in", async () => {
      const token = await login(platform.app, "admin@sa.demo");
      const statuses: number[] = [];
      for (let i = 0; i < PER_EMAIL + 3; i++) {
        const r = await call(platform.app, "POST", "/api/auth/password", {
          token,
          body: { currentPassword: `wrong-${i}`, newPassword: "a-new-long-password" },
        });
        statuses.push(r.statusCode);
      }
      assert.deepEqual(statuses.slice(0, PER_EMAIL), Array(PER_EMAIL).fill(403));
      assert.ok(
        statuses.slice(PER_EMAIL).every((s) => s === 429),
        statuses.join(","),
      );
      clock += 16 * 60 * 1000;
    });

    it("API tokens: scopes enforced, no minting with a token, revoked by a password change and a reset", async () => {
      const session = await login(platform.app, "official@jp.demo");
      const make = (body: unknown, token = session) => call(platform.app, "POST", "/api/auth/tokens", { token, body });
      const readOnly = (await make({ label: "reader", scopes: ["read"] })).json<{ token: string; scopes: string[] }>();
      assert.deepEqual(readOnly.scopes, ["read"]);
      assert.equal((await call(platform.app, "GET", "/api/envelopes", { token: readOnly.token })).statusCode, 200);
      const write: LightMyRequestResponse = await call(platform.app, "POST", "/api/auth/totp/enroll", {
        token: readOnly.token,
      });
      assert.equal(write.statusCode, 403);
      assert.equal(write.json<{ error: { code: string } }>().error.code, "insufficient_scope");
      // An official's default token reads and signs, and cannot be given the admin scope.
      const full = (await make({ label: "ci" })).json<{ token: string; scopes: string[] }>();
      assert.deepEqual(full.scopes, ["read", "sign"]);
      assert.equal((await make({ label: "x", scopes: ["admin"] })).statusCode, 403);
      // A token cannot make tokens, nor change the password.
      const minted = await make({ label: "child" }, full.token);
      assert.equal(minted.statusCode, 403);
      assert.equal(minted.json<{ error: { code: string } }>().error.code, "session_required");

      // Changing the password ends every API token (and other sessions), not the session that changed it.
      const other = await login(platform.app, "official@jp.demo");
      const changed = await call(platform.app, "POST", "/api/auth/password", {
        token: session,
        body: { currentPassword: DEMO_PASSWORD, newPassword: "another-long-password" },
      });
      assert.equal(changed.statusCode, 204, changed.body);
      for (const token of [readOnly.token, full.token, other]) {
        assert.equal((await call(platform.app, "GET", "/api/me", { token })).statusCode, 401);
      }
      assert.equal((await call(platform.app, "GET", "/api/me", { token: session })).statusCode, 200);

      // An administrator's reset ends them too.
      const again = (await make({ label: "again" })).json<{ token: string }>();
      const admin = await login(platform.app, "admin@jp.demo");
      const users = (await call(platform.app, "GET", "/api/admin/users", { token: admin })).json<
        { id: string; email: string }[]
      >();
      const official = users.find((u) => u.email === "official@jp.demo")!;
      const reset = await call(platform.app, "POST", `/api/admin/users/${official.id}/password`, {
        token: admin,
        body: { password: DEMO_PASSWORD },
      });
      assert.equal(reset.statusCode, 204);
      assert.equal((await call(platform.app, "GET", "/api/me", { token: again.token })).statusCode, 401);
      // An administrator's token may carry the admin scope, and without it cannot administer.
      const adminSession = await login(platform.app, "admin@jp.demo");
      const noAdmin = (
        await call(platform.app, "POST", "/api/auth/tokens", {
          token: adminSession,
          body: { label: "sign only", scopes: ["read", "sign"] },
        })
      ).json<{ token: string }>();
      assert.equal((await call(platform.app, "GET", "/api/admin/users", { token: noAdmin.token })).statusCode, 403);
    });
  });
}

describe("X-Forwarded-For is believed only from a configured proxy", () => {
  for (const trustProxy of [false, true]) {
    it(
      trustProxy ? "behind a trusted proxy, each client has its own bucket" : "otherwise, the proxy is one client",
      async () => {
        const platform = await startPlatform("pglite", {
          loginLimits: { perEmail: 100, perIp: 3, windowMs: 60_000 },
          trustProxy,
        });
        try {
          const attempt = (client: string, n: number) =>
            platform.app.inject({
              method: "POST",
              url: "/api/auth/login",
              headers: { "content-type": "application/json", "x-forwarded-for": client },
              remoteAddress: "127.0.0.1",
              payload: JSON.stringify({ email: `nobody${n}@example.org`, password: "x" }),
            });
          for (let i = 0; i < 3; i++) assert.equal((await attempt("198.51.100.1", i)).statusCode, 401);
          const otherClient = await attempt("198.51.100.2", 9);
          assert.equal(otherClient.statusCode, trustProxy ? 401 : 429);
        } finally {
          await platform.close();
        }
      },
    );
  }
});
