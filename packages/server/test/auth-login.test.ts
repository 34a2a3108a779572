/**
 * Password sign-in on both engines: the demo users, session cookie and bearer token, one error for wrong password
 * and unknown address, logout, throttling (429 + Retry-After, recovery after the window), TOTP enrolment and
 * sign-in with a code (no replay), personal API tokens, and no password in the logs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generate } from "otplib";
import { DEMO_USERS } from "../src/tenancy/demo.js";
import { ENGINES } from "./support/db.js";
import { call, login, startPlatform, type TestPlatform } from "./support/platform.js";

const WRONG = "not-the-password-7731";

for (const engine of ENGINES) {
  describe(`sign-in on ${engine}`, () => {
    let platform: TestPlatform;
    let clock = Date.now();
    const logs: string[] = [];
    before(async () => {
      platform = await startPlatform(engine, {
        loginLimits: { perEmail: 3, perIp: 8, windowMs: 15 * 60 * 1000 },
        authClock: () => new Date(clock),
        logger: { level: "trace", stream: { write: (line: string) => logs.push(line) } },
      });
    });
    after(() => platform.close());

    it("lets every demo user sign in with the demo password", async () => {
      for (const user of DEMO_USERS) {
        const token = await login(platform.app, user.email);
        const me = await call(platform.app, "GET", "/api/me", { token });
        assert.equal(me.statusCode, 200);
        const body = me.json();
        assert.equal(body.user.email, user.email);
        assert.equal(body.user.role, user.role);
        assert.equal(body.country.id, user.country);
        assert.equal(body.certificates.length, user.certificate ? 1 : 0);
        if (user.certificate) {
          assert.equal(body.certificates[0].ca, user.country);
          assert.equal(body.certificates[0].status, "good");
          assert.equal(body.certificates[0].keyHolder, "platform");
        }
      }
    });

    it("sets an HttpOnly SameSite=Lax session cookie that works like the bearer token", async () => {
      const response = await call(platform.app, "POST", "/api/auth/login", {
        body: { email: "Official@JP.demo", password: "khatam-demo" },
      });
      assert.equal(response.statusCode, 200);
      const { token } = response.json<{ token: string }>();
      const setCookie = String(response.headers["set-cookie"]);
      assert.match(setCookie, new RegExp(`^khatam_session=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=\\d+$`));
      assert.doesNotMatch(setCookie, /Secure/, "http public URL: no Secure flag");
      const byCookie = await call(platform.app, "GET", "/api/me", { cookie: `khatam_session=${token}` });
      assert.equal(byCookie.statusCode, 200);
      assert.equal(byCookie.json().user.email, "official@jp.demo");
      const byBearer = await call(platform.app, "GET", "/api/me", { token });
      assert.equal(byBearer.json().user.email, "official@jp.demo");
      assert.equal((await call(platform.app, "GET", "/api/me")).statusCode, 401);
    });

    it("answers a wrong password and an unknown address with the same error", async () => {
      const wrong = await call(platform.app, "POST", "/api/auth/login", {
        body: { email: "admin@sa.demo", password: WRONG },
        ip: "10.1.0.1",
      });
      const unknown = await call(platform.app, "POST", "/api/auth/login", {
        body: { email: "nobody@sa.demo", password: WRONG },
        ip: "10.1.0.1",
      });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      assert.deepEqual(wrong.json(), unknown.json());
      assert.equal(wrong.json().error.code, "invalid_credentials");
      assert.equal(wrong.headers["set-cookie"], undefined);
      // A malformed body is a 400, not a 500.
      assert.equal((await call(platform.app, "POST", "/api/auth/login", { body: { email: "x" } })).statusCode, 400);
    });

    it("ends the session on logout, for the cookie and for the bearer token", async () => {
      const token = await login(platform.app, "clerk@sa.demo");
      const out = await call(platform.app, "POST", "/api/auth/logout", { cookie: `khatam_session=${token}` });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers["set-cookie"]), /^khatam_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/);
      assert.equal((await call(platform.app, "GET", "/api/me", { token })).statusCode, 401);
      assert.equal((await call(platform.app, "GET", "/api/me", { cookie: `khatam_session=${token}` })).statusCode, 401);
      const other = await login(platform.app, "clerk@sa.demo");
      assert.equal((await call(platform.app, "POST", "/api/auth/logout", { token: other })).statusCode, 204);
      assert.equal((await call(platform.app, "GET", "/api/me", { token: other })).statusCode, 401);
    });

    it("throttles an address after 3 failures with 429 and Retry-After, and recovers after the window", async () => {
      const email = "admin@jp.demo";
      for (let i = 0; i < 3; i++) {
        const r = await call(platform.app, "POST", "/api/auth/login", {
          body: { email, password: WRONG },
          ip: "10.2.0.1",
        });
        assert.equal(r.statusCode, 401);
      }
      // Even the right password is refused while throttled, from any client address.
      const throttled = await call(platform.app, "POST", "/api/auth/login", {
        body: { email, password: "khatam-demo" },
        ip: "10.2.0.2",
      });
      assert.equal(throttled.statusCode, 429);
      assert.equal(throttled.json().error.code, "too_many_attempts");
      const retryAfter = Number(throttled.headers["retry-after"]);
      assert.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `Retry-After ${retryAfter}`);
      // Other addresses are unaffected.
      await login(platform.app, "official@sa.demo");
      clock += 15 * 60 * 1000 + 1000;
      await login(platform.app, email);
    });

    it("throttles a client address after 8 failures across addresses", async () => {
      for (let i = 0; i < 8; i++) {
        const r = await call(platform.app, "POST", "/api/auth/login", {
          body: { email: `guess${i}@jp.demo`, password: WRONG },
          ip: "10.3.0.1",
        });
        assert.equal(r.statusCode, 401);
      }
      const blocked = await call(platform.app, "POST", "/api/auth/login", {
        body: { email: "official@jp.demo", password: "khatam-demo" },
        ip: "10.3.0.1",
      });
      assert.equal(blocked.statusCode, 429);
      assert.ok(Number(blocked.headers["retry-after"]) > 0);
      const elsewhere = await call(platform.app, "POST", "/api/auth/login", {
        body: { email: "official@jp.demo", password: "khatam-demo" },
        ip: "10.3.0.2",
      });
      assert.equal(elsewhere.statusCode, 200);
      clock += 15 * 60 * 1000 + 1000;
    });

    it("enrols TOTP, then requires a code at sign-in and accepts each code once", async () => {
      const token = await login(platform.app, "official@sa.demo");
      const enroll = await call(platform.app, "POST", "/api/auth/totp/enroll", { token });
      assert.equal(enroll.statusCode, 200);
      const { secret, otpauthUri } = enroll.json<{ secret: string; otpauthUri: string }>();
      assert.match(otpauthUri, /^otpauth:\/\/totp\/Khatam:official%40sa\.demo\?secret=[A-Z2-7]+&issuer=Khatam$/);
      // Not active before confirmation.
      await login(platform.app, "official@sa.demo");
      const bad = await call(platform.app, "POST", "/api/auth/totp/confirm", { token, body: { code: "000000" } });
      assert.equal(bad.statusCode, 400);
      const confirmCode = await generate({ secret });
      const ok = await call(platform.app, "POST", "/api/auth/totp/confirm", { token, body: { code: confirmCode } });
      assert.equal(ok.statusCode, 200, ok.body);
      // Stored sealed, never in clear.
      const row = await platform.app.db
        .selectFrom("users")
        .select(["totp_secret", "totp_pending_secret"])
        .where("email", "=", "official@sa.demo")
        .executeTakeFirstOrThrow();
      assert.match(row.totp_secret!, /^v1\./);
      assert.ok(!row.totp_secret!.includes(secret));
      assert.equal(row.totp_pending_secret, null);

      const missing = await call(platform.app, "POST", "/api/auth/login", {
        body: { email: "official@sa.demo", password: "khatam-demo" },
      });
      assert.equal(missing.statusCode, 401);
      assert.equal(missing.json().error.code, "totp_required");
      const wrongCode = await call(platform.app, "POST", "/api/auth/login", {
        body: {
          email: "official@sa.demo",
          password: "khatam-demo",
          totp: "123456" === confirmCode ? "654321" : "123456",
        },
      });
      assert.equal(wrongCode.json().error.code, "totp_required");
      // The code that confirmed the enrolment is spent; a code of the next step signs in, once.
      const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
      const signed = await login(platform.app, "official@sa.demo", "khatam-demo", next);
      const me = (await call(platform.app, "GET", "/api/me", { token: signed })).json();
      assert.equal(me.user.totpEnrolled, true);
      assert.equal(me.user.secondFactor, true);
      const replay = await call(platform.app, "POST", "/api/auth/login", {
        body: { email: "official@sa.demo", password: "khatam-demo", totp: next },
      });
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json().error.code, "totp_required");
      // Other sessions ended when TOTP was enrolled; the enrolling one continues.
      assert.equal((await call(platform.app, "GET", "/api/me", { token })).statusCode, 200);
      // An administrator resets the second factor of their agency's user (the admin of the other country cannot).
      const target = me.user.id as string;
      const jpAdmin = await login(platform.app, "admin@jp.demo");
      assert.equal(
        (await call(platform.app, "DELETE", `/api/admin/users/${target}/totp`, { token: jpAdmin })).statusCode,
        404,
      );
      const saAdmin = await login(platform.app, "admin@sa.demo");
      assert.equal(
        (await call(platform.app, "DELETE", `/api/admin/users/${target}/totp`, { token: saAdmin })).statusCode,
        204,
      );
      await login(platform.app, "official@sa.demo");
      clock += 15 * 60 * 1000 + 1000;
    });

    it("issues personal API tokens shown once, lists them without the token, and revokes them by id", async () => {
      const session = await login(platform.app, "official@jp.demo");
      const created = await call(platform.app, "POST", "/api/auth/tokens", { token: session, body: { label: "ci" } });
      assert.equal(created.statusCode, 201);
      const { id, token, label } = created.json<{ id: string; token: string; label: string }>();
      assert.equal(label, "ci");
      assert.ok(token.length >= 40);
      assert.equal((await call(platform.app, "GET", "/api/me", { token })).json().user.email, "official@jp.demo");
      const list = await call(platform.app, "GET", "/api/auth/tokens", { token: session });
      assert.deepEqual(
        list.json().map((t: { id: string }) => t.id),
        [id],
      );
      assert.ok(!list.body.includes(token));
      // Another user cannot delete it.
      const other = await login(platform.app, "admin@jp.demo");
      assert.equal((await call(platform.app, "DELETE", `/api/auth/tokens/${id}`, { token: other })).statusCode, 404);
      assert.equal((await call(platform.app, "DELETE", `/api/auth/tokens/${id}`, { token: session })).statusCode, 204);
      assert.equal((await call(platform.app, "GET", "/api/me", { token })).statusCode, 401);
      assert.equal((await call(platform.app, "DELETE", `/api/auth/tokens/${id}`, { token: session })).statusCode, 404);
    });

    it("changes one's own password, ending the other sessions", async () => {
      const a = await login(platform.app, "admin@sa.demo");
      const b = await login(platform.app, "admin@sa.demo");
      const refused = await call(platform.app, "POST", "/api/auth/password", {
        token: a,
        body: { currentPassword: WRONG, newPassword: "a-new-password-1" },
      });
      assert.equal(refused.statusCode, 403);
      const changed = await call(platform.app, "POST", "/api/auth/password", {
        token: a,
        body: { currentPassword: "khatam-demo", newPassword: "a-new-password-1" },
      });
      assert.equal(changed.statusCode, 204);
      assert.equal((await call(platform.app, "GET", "/api/me", { token: a })).statusCode, 200);
      assert.equal((await call(platform.app, "GET", "/api/me", { token: b })).statusCode, 401);
      await login(platform.app, "admin@sa.demo", "a-new-password-1");
      await call(platform.app, "POST", "/api/auth/password", {
        token: a,
        body: { currentPassword: "a-new-password-1", newPassword: "khatam-demo" },
      });
    });

    it("never writes a password or a token to the log", async () => {
      const all = logs.join("");
      assert.ok(all.includes("signed in"), "the log was captured");
      assert.ok(all.includes("sign-in refused"));
      for (const secret of ["khatam-demo", WRONG, "a-new-password-1"]) {
        assert.ok(!all.includes(secret), `log contains ${secret}`);
      }
      assert.doesNotMatch(all, /khatam_session=/);
    });
  });
}
