/**
 * Instance identity (issue 12.1): with KHATAM_INSTANCE a server is one country's own instance — the demo creates
 * only that country's CAs, agency and people — and publishes GET /federation/v1/identity with its instance key's
 * fingerprint, which survives a restart; a data directory made for one instance refuses to serve as another; without
 * KHATAM_INSTANCE the whole demo federation runs in one server as before, with no identity route.
 */
import assert from "node:assert/strict";
import { createHash, createPublicKey } from "node:crypto";
import { describe, it } from "node:test";
import { buildApp } from "../src/app.js";
import type { InstanceIdentity } from "../src/federation/schemas.js";
import { ADMIN_TOKEN, exited, spawnServer, startApp, temporaryDirectory } from "./support/server.js";

describe("instance identity (KHATAM_INSTANCE)", () => {
  it("jp: only Japan's CAs, agency and people; an identity whose fingerprint is its key's and survives a restart", async () => {
    const dir = temporaryDirectory("khatam-instance-");
    try {
      let running = await startApp(dir.path, { instance: "jp", backgroundJobs: false });
      let first: InstanceIdentity;
      try {
        const health = (await (await fetch(`${running.url}/healthz`)).json()) as { cas: string[] };
        assert.deepEqual(health.cas, ["jp"], "only the instance's own country's CAs");
        const people = await running.app.db.selectFrom("users").select("email").orderBy("email").execute();
        assert.deepEqual(
          people.map((p) => p.email),
          ["admin@jp.demo", "official@jp.demo"],
        );
        const countries = await running.app.db.selectFrom("countries").select("id").execute();
        assert.deepEqual(
          countries.map((c) => c.id),
          ["jp"],
        );
        const answer = await fetch(`${running.url}/federation/v1/identity`);
        assert.equal(answer.status, 200);
        first = (await answer.json()) as InstanceIdentity;
        assert.equal(first.instance, "jp");
        assert.equal(first.url, running.url);
        assert.equal(first.trustedList, `${running.url}/trust/list.xml`);
        const spki = Buffer.from(first.publicKey, "base64");
        assert.equal(first.keyFingerprint, createHash("sha256").update(spki).digest("hex"));
        const key = createPublicKey({ key: spki, format: "der", type: "spki" });
        assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
        // The trusted list it names is served and names this country's services.
        const list = await fetch(first.trustedList);
        assert.equal(list.status, 200);
        assert.match(await list.text(), /Digital Agency/);
      } finally {
        await running.close();
      }
      running = await startApp(dir.path, { instance: "jp", backgroundJobs: false });
      try {
        const again = (await (await fetch(`${running.url}/federation/v1/identity`)).json()) as InstanceIdentity;
        assert.equal(again.keyFingerprint, first.keyFingerprint, "the instance key is kept across restarts");
      } finally {
        await running.close();
      }
      await assert.rejects(
        buildApp({ dataDir: dir.path, publicUrl: "http://127.0.0.1:1", instance: "sa", backgroundJobs: false }),
        /belongs to instance "jp"/,
      );
    } finally {
      dir.remove();
    }
  });

  it("without KHATAM_INSTANCE: both countries in one server and no identity route", async () => {
    const dir = temporaryDirectory("khatam-instance-");
    const running = await startApp(dir.path, { backgroundJobs: false });
    try {
      const health = (await (await fetch(`${running.url}/healthz`)).json()) as { cas: string[] };
      assert.deepEqual(health.cas, ["jp", "sa"]);
      assert.equal((await fetch(`${running.url}/federation/v1/identity`)).status, 404);
    } finally {
      await running.close();
      dir.remove();
    }
  });

  it("npm start with KHATAM_INSTANCE=sa names only Saudi people; a malformed or unknown instance stops the start", async () => {
    const dir = temporaryDirectory("khatam-instance-");
    try {
      const server = await spawnServer({
        KHATAM_DATA: dir.path,
        KHATAM_INSTANCE: "sa",
        KHATAM_DEMO_KEY_TYPE: "P-256",
        KHATAM_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: "warn",
      });
      try {
        const identity = (await (await fetch(`${server.url}/federation/v1/identity`)).json()) as InstanceIdentity;
        assert.equal(identity.instance, "sa");
        assert.match(server.log(), /Demo users: official@sa\.demo, clerk@sa\.demo, admin@sa\.demo /);
        assert.doesNotMatch(server.log(), /jp\.demo/);
      } finally {
        server.child.kill("SIGTERM");
        await exited(server.child);
      }
      for (const [value, message] of [
        ["Japan!", /KHATAM_INSTANCE must be lower-case/],
        ["fr", /the demo knows the instances jp and sa/],
      ] as const) {
        const other = temporaryDirectory("khatam-instance-");
        try {
          await assert.rejects(
            spawnServer({ KHATAM_DATA: other.path, KHATAM_INSTANCE: value, KHATAM_DEMO_KEY_TYPE: "P-256" }),
            message,
          );
        } finally {
          other.remove();
        }
      }
    } finally {
      dir.remove();
    }
  });
});
