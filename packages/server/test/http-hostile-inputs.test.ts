/**
 * The low-severity findings of the outside security test (issue 9), each as it was proved: requests that gave a 500,
 * a cross-site write carried by the session cookie, an open redirect, world-readable data, officials' addresses in
 * the public directory, and unthrottled protocol responders.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { localPath } from "../src/auth/oidc.js";
import {
  api,
  DEMO_PASSWORD,
  envelopeForm,
  type Federation,
  type Platform,
  plainPdf,
  seededPlatform,
} from "./support/envelopes.js";
import { startApp, temporaryDirectory } from "./support/server.js";

describe("hostile requests get a 4xx, never a 500", () => {
  let platform: Platform;
  let users: Federation;
  let cookie: string;

  before(async () => {
    ({ platform, people: users } = await seededPlatform("pglite"));
    const login = await fetch(`${platform.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "official@jp.demo", password: DEMO_PASSWORD }),
    });
    cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith("khatam_session="))!
      .split(";")[0]!;
  });
  after(() => platform.close());

  it("a malformed session cookie is no session, on every kind of route", async () => {
    for (const path of ["/api/me", "/api/envelopes", "/healthz", "/api/verify", "/pki/jp/certs"]) {
      const response = await fetch(`${platform.url}${path}`, { headers: { cookie: "khatam_session=%E0%A4%A" } });
      assert.ok(response.status < 500, `${path} → ${response.status}`);
    }
    const me = await fetch(`${platform.url}/api/me`, { headers: { cookie: "khatam_session=%E0%A4%A" } });
    assert.equal(me.status, 401);
  });

  it("refuses a cookie-authenticated write from another site (text/plain form POST), allows its own pages", async () => {
    const envelope = await api(
      platform,
      users.jpOfficial,
      "POST",
      "/api/envelopes",
      envelopeForm(plainPdf(), { title: "CSRF target", recipients: [{ email: "official@jp.demo", role: "signer" }] }),
    );
    assert.equal(envelope.status, 201, await envelope.clone().text());
    const { id } = (await envelope.json()) as { id: string };
    const forged = (headers: Record<string, string>) =>
      fetch(`${platform.url}/api/envelopes/${id}/send`, {
        method: "POST",
        headers: { cookie, "content-type": "text/plain", ...headers },
        body: "x",
      });
    const hostile: Record<string, string>[] = [
      { origin: "http://evil.example" },
      { "sec-fetch-site": "cross-site", origin: "http://evil.example" },
      { "sec-fetch-site": "same-site" },
      { origin: "null" },
    ];
    for (const headers of hostile) {
      const response = await forged(headers);
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, "cross_site_request");
    }
    const state = (await (await api(platform, users.jpOfficial, "GET", `/api/envelopes/${id}`)).json()) as {
      status: string;
    };
    assert.equal(state.status, "draft", "nothing was sent by the forged requests");
    // The platform's own page: same-origin fetch metadata, or its own Origin.
    const own = await fetch(`${platform.url}/api/envelopes/${id}/send`, {
      method: "POST",
      headers: { cookie, "sec-fetch-site": "same-origin", origin: platform.url },
    });
    assert.equal(own.status, 200, await own.text());
    // Reading is not a write: a cross-site GET with the cookie is answered (SameSite decides what the browser sends).
    const read = await fetch(`${platform.url}/api/envelopes/${id}`, {
      headers: { cookie, "sec-fetch-site": "cross-site" },
    });
    assert.equal(read.status, 200);
  });

  it("a truncated multipart body is a 400", async () => {
    const boundary = "----khatam";
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\n\r\n{"title":"x","recipients":[]}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 trunc`;
    const response = await fetch(`${platform.url}/api/envelopes`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${users.jpOfficial.token}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
      },
      body,
    });
    assert.equal(response.status, 400, await response.text());
  });

  it("a routing order of 1e308, 0, 1.5 or a string is a 400", async () => {
    for (const order of [1e308, 0, 1.5, -1, "1"]) {
      const response = await api(
        platform,
        users.jpOfficial,
        "POST",
        "/api/envelopes",
        envelopeForm(plainPdf(), {
          title: "Order",
          recipients: [{ email: "official@sa.demo", role: "signer", order }],
        }),
      );
      assert.equal(response.status, 400, `order ${order}: ${await response.text()}`);
    }
  });

  it("a NUL or other control character in the login e-mail is a 400", async () => {
    for (const email of ["official@jp.demo\u0000", "a\u0000b@x.example", "a\nb@x.example"]) {
      const response = await fetch(`${platform.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "x" }),
      });
      assert.equal(response.status, 400, `${JSON.stringify(email)}: ${await response.text()}`);
    }
  });

  it("a PATCH of a user with only unknown fields is a 400", async () => {
    const response = await api(platform, users.jpAdmin, "PATCH", `/api/admin/users/${users.jpOfficial.id}`, {
      nickname: "x",
    });
    assert.equal(response.status, 400, await response.text());
  });

  it("the public certificate directory lists no official's e-mail address or certificate", async () => {
    const listing = (await (await fetch(`${platform.url}/pki/sa/certs`)).json()) as {
      subject: string;
      profile: string;
      pem?: string;
    }[];
    const officials = listing.filter((c) => c.profile === "official");
    assert.ok(officials.length > 0);
    const text = JSON.stringify(listing);
    assert.doesNotMatch(text, /@sa\.demo/);
    for (const c of officials) assert.equal(c.pem, undefined);
  });
});

describe("OIDC returnTo stays on the platform", () => {
  it("keeps local paths and refuses every form that a browser would read as another host", () => {
    assert.equal(localPath("/inbox?tab=waiting"), "/inbox?tab=waiting");
    assert.equal(localPath("/envelopes/1#audit"), "/envelopes/1#audit");
    for (const hostile of [
      "/\t/evil.example",
      "/\n/evil.example",
      "//evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "https://evil.example",
      "/%09/evil.example/../..//evil.example",
      "javascript:alert(1)",
      " /x",
      undefined,
      ["/x"],
    ]) {
      const path = localPath(hostile);
      assert.ok(path.startsWith("/") && !path.startsWith("//"), `${JSON.stringify(hostile)} → ${path}`);
      assert.equal(new URL(path, "https://khatam.example").host, "khatam.example", JSON.stringify(hostile));
    }
    assert.equal(localPath("/\t/evil.example"), "/");
  });
});

describe("the data directory and the protocol responders", () => {
  it("makes the data directory private (0700) even when it existed with looser rights", async () => {
    const data = temporaryDirectory();
    try {
      const { chmodSync } = await import("node:fs");
      chmodSync(data.path, 0o755);
      const app = await startApp(data.path);
      await app.close();
      assert.equal(statSync(data.path).mode & 0o777, 0o700);
    } finally {
      data.remove();
    }
  });

  it("rate-limits the time-stamp authority and OCSP per client (429)", async () => {
    const data = temporaryDirectory();
    const app = await startApp(data.path, { protocolPerMinute: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await fetch(`${app.url}/tsa`, {
          method: "POST",
          headers: { "content-type": "application/timestamp-query" },
          body: new Uint8Array([0x30, 0x00]),
        });
        statuses.push(response.status);
      }
      assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
      assert.ok(
        statuses.slice(5).every((s) => s === 429),
        statuses.join(","),
      );
      const ocsp = await fetch(`${app.url}/pki/jp/ocsp`, {
        method: "POST",
        headers: { "content-type": "application/ocsp-request" },
        body: new Uint8Array([0x30, 0x00]),
      });
      assert.equal(ocsp.status, 429);
    } finally {
      await app.close();
      data.remove();
    }
  });
});
