/**
 * Security issue 9, items 3 and 6, as the outside test proved them, and the e-mails that now reach each person in
 * their own language:
 * - a recipient is bound to an account only through a proved address (an agency's verified domain, or a link sent to
 *   it), never because an administrator typed the same address into a new account;
 * - agency administrators create accounts only in their own verified domains (no probing of other tenants);
 * - an administrator cannot certify their own key in an official's name, and every certificate, password and second
 *   factor change is written to an audit trail and e-mailed to the person concerned.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  api,
  DEMO_PASSWORD,
  envelopeForm,
  type Federation,
  type Platform,
  plainPdf,
  seededPlatform,
  type TestUser,
} from "./support/envelopes.js";
import { ADMIN_TOKEN, assertRefusal } from "./support/server.js";

const platformAdmin = { token: ADMIN_TOKEN } as TestUser;
/** The password of every account these tests create. */
const PASSWORD = "a-long-enough-password";

interface Mail {
  to: string;
  subject: string;
  text: string;
}

describe("recipients bound by proved addresses only; administrators' actions audited and told", () => {
  let platform: Platform;
  let users: Federation;
  let saAgency: string;

  const mails = async (to: string): Promise<Mail[]> =>
    (await platform.db.selectFrom("outbox").select("payload").where("kind", "=", "email").execute())
      .map((row) => (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as Mail)
      .filter((m) => m.to.toLowerCase() === to.toLowerCase());

  before(async () => {
    ({ platform, people: users } = await seededPlatform("pglite"));
    saAgency = users.saOfficial.agencyId;
  });
  after(() => platform.close());

  /** `by` creates an account (POST /api/admin/users) with the password {@link PASSWORD}. */
  const createAccount = (by: TestUser, account: Record<string, unknown>) =>
    api(platform, by, "POST", "/api/admin/users", { ...account, password: PASSWORD });

  /** An envelope the JP official created for `recipients` and sent; its id. */
  async function sentByJpOfficial(title: string, recipients: object[]): Promise<string> {
    const created = await api(
      platform,
      users.jpOfficial,
      "POST",
      "/api/envelopes",
      envelopeForm(plainPdf(), { title, recipients }),
    );
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = (await created.json()) as { id: string };
    assert.equal((await api(platform, users.jpOfficial, "POST", `/api/envelopes/${id}/send`)).status, 200);
    return id;
  }

  it("the proved attack: an account made for the same address by another tenant sees nothing", async () => {
    const id = await sentByJpOfficial("Opinion on the memorandum", [
      { email: "counsel@lawfirm.example", role: "signer" },
    ]);

    // The SA agency administrator may not create an account outside the agency's verified domains.
    const refused = await createAccount(users.stranger, {
      email: "Counsel@LawFirm.example",
      displayName: "Counsel",
      role: "official",
    });
    await assertRefusal(refused, 403, "email_domain_not_verified");
    // Nor learn whether another tenant's address exists.
    const probe = await api(platform, users.stranger, "POST", "/api/admin/users", {
      email: "official@jp.demo",
      displayName: "Probe",
      role: "official",
    });
    assert.equal(probe.status, 403);

    // Even an account a platform administrator makes for that address (in SA) has proved nothing yet.
    const made = await createAccount(platformAdmin, {
      email: "Counsel@LawFirm.example",
      displayName: "Counsel",
      role: "official",
      agencyId: saAgency,
    });
    assert.equal(made.status, 201, await made.clone().text());
    const counsel = await signIn("Counsel@LawFirm.example", PASSWORD);
    assert.equal((await api(platform, counsel, "GET", `/api/envelopes/${id}`)).status, 404);
    assert.equal((await api(platform, counsel, "GET", `/api/envelopes/${id}/audit`)).status, 404);
    assert.equal((await api(platform, counsel, "GET", `/api/envelopes/${id}/document`)).status, 404);
    const decline = await api(platform, counsel, "POST", `/api/envelopes/${id}/decline`, { reason: "no" });
    assert.equal(decline.status, 404);
    for (const tab of ["waiting", "completed"]) {
      const inbox = (await (await api(platform, counsel, "GET", `/api/envelopes?tab=${tab}`)).json()) as Record<
        string,
        { id: string }[]
      >;
      assert.ok(!inbox[tab]!.some((e) => e.id === id), tab);
    }

    // Proving the address through the link sent to it binds the recipient to the account.
    const request = await api(platform, counsel, "POST", "/api/me/email-verification");
    assert.equal(request.status, 202, await request.clone().text());
    const verification = (await mails("Counsel@LawFirm.example")).find((m) => m.text.includes("verify-email"));
    assert.ok(verification, "the link was e-mailed");
    const link = /(https?:\/\/\S+verify-email\?token=\S+)/.exec(verification.text)![1]!;
    const forged = await fetch(`${platform.url}/api/auth/verify-email?token=v1.AAAA`, { redirect: "manual" });
    assert.equal(forged.headers.get("location"), "/account?addressVerified=0");
    const followed = await fetch(link.replace(/^https?:\/\/[^/]+/, platform.url), { redirect: "manual" });
    assert.equal(followed.status, 302);
    assert.equal(followed.headers.get("location"), "/account?addressVerified=1");
    assert.equal((await api(platform, counsel, "GET", `/api/envelopes/${id}`)).status, 200);
  });

  it("an account made in the agency's verified domain receives what was already sent to its address", async () => {
    const id = await sentByJpOfficial("For a colleague", [
      { email: users.jpOfficial.email, role: "signer" },
      { email: "newcomer@sa.demo", role: "viewer" },
    ]);
    const made = await createAccount(users.stranger, {
      email: "newcomer@sa.demo",
      displayName: "Newcomer",
      role: "clerk",
    });
    assert.equal(made.status, 201, await made.clone().text());
    const newcomer = await signIn("newcomer@sa.demo", PASSWORD);
    assert.equal((await api(platform, newcomer, "GET", `/api/envelopes/${id}`)).status, 200);
  });

  it("an administrator cannot certify a device key in an official's name", async () => {
    const response = await api(
      platform,
      users.jpAdmin,
      "POST",
      `/api/admin/users/${users.jpOfficial.id}/certificates`,
      {
        mode: "device",
        csrPem: "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
      },
    );
    assert.equal(response.status, 403);
    assert.equal(
      ((await response.json()) as { error: { code: string } }).error.code,
      "device_certificate_self_service",
    );
  });

  it("certificate issuance, password and second-factor resets are audited and e-mailed to the official in Japanese", async () => {
    // A new official of the JP agency (a password reset ends their sessions; the shared demo users keep theirs).
    const made = await createAccount(users.jpAdmin, {
      email: "target@jp.demo",
      displayName: "Target Official",
      role: "official",
      locale: "ja",
    });
    assert.equal(made.status, 201, await made.clone().text());
    const target = {
      ...(await signIn("target@jp.demo", PASSWORD)),
      id: ((await made.json()) as { id: string }).id,
    };
    const before = (await mails(target.email)).length;
    const issued = await api(platform, users.jpAdmin, "POST", `/api/admin/users/${target.id}/certificates`, {
      mode: "platform",
      keyType: "P-256",
    });
    assert.equal(issued.status, 201, await issued.clone().text());
    assert.equal(
      (
        await api(platform, users.jpAdmin, "POST", `/api/admin/users/${target.id}/password`, {
          password: DEMO_PASSWORD,
        })
      ).status,
      204,
    );
    assert.equal((await api(platform, users.jpAdmin, "DELETE", `/api/admin/users/${target.id}/totp`)).status, 204);

    const told = (await mails(target.email)).slice(before);
    assert.equal(told.length, 3, JSON.stringify(told));
    for (const m of told) assert.equal(m.subject, "アカウントが変更されました");
    assert.ok(
      told.some((m) => m.text.includes("admin@jp.demoがあなたの名義の署名用証明書を発行しました")),
      told[0]?.text,
    );
    assert.ok(told.some((m) => m.text.includes("パスワードを再設定しました")));
    assert.ok(told.some((m) => m.text.includes("二要素認証")));

    const events = (await (
      await api(platform, users.jpAdmin, "GET", `/api/admin/events?user=${target.id}`)
    ).json()) as { action: string; actor: string }[];
    const actions = events.map((e) => e.action);
    for (const action of ["certificate_issued", "password_reset", "totp_reset"]) assert.ok(actions.includes(action));
    assert.ok(events.every((e) => e.actor === "admin@jp.demo"));
    // Another agency's administrator does not see them.
    const foreign = (await (await api(platform, users.stranger, "GET", "/api/admin/events")).json()) as {
      targetUserId: string;
    }[];
    assert.ok(!foreign.some((e) => e.targetUserId === target.id));
    // Nor is the audit trail open to officials.
    assert.equal((await api(platform, users.jpOfficial, "GET", "/api/admin/events")).status, 403);
  });

  it("workflow e-mails reach each recipient in their own language, the title escaped in HTML", async () => {
    const id = await sentByJpOfficial("<b>Memorandum</b> & annex", [
      { email: users.jpOfficial.email, role: "signer", order: 1 },
      { email: users.saClerk.email, role: "viewer", order: 1 },
    ]);
    const rows = (await platform.db.selectFrom("outbox").select("payload").where("kind", "=", "email").execute()).map(
      (row) => (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as Mail & { html: string },
    );
    const ja = rows.find((m) => m.to === users.jpOfficial.email && m.text.includes(id))!;
    assert.equal(ja.subject, "署名のお願い: <b>Memorandum</b> & annex");
    assert.ok(ja.html.includes("&#60;b&#62;Memorandum"), ja.html);
    const ar = rows.find((m) => m.to === users.saClerk.email && m.text.includes(id))!;
    assert.equal(ar.subject, "مستند للاطلاع: <b>Memorandum</b> & annex");
    assert.ok(ar.html.includes('dir="rtl"'));
  });

  async function signIn(email: string, password: string): Promise<TestUser> {
    const response = await fetch(`${platform.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const { token } = (await response.json()) as { token: string };
    return { id: "", email, token, agencyId: "" };
  }
});
