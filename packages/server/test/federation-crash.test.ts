/**
 * A partner killed mid-flow (issue 12.4): sa runs as its own process (`node main.js`, KHATAM_INSTANCE=sa); its
 * official signs the offered copy, and sa is killed with SIGKILL at once — the signed revision is only in sa's outbox.
 * Restarted on the same data directory and address, sa delivers it; jp takes it once, completes the envelope and
 * sends the final document back. No signature twice, nothing lost.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PdfReader } from "@khatam/core/pdf";
import { findSignatures } from "@khatam/core/verify";
import { buildApp } from "../src/app.js";
import { envelopeForm, plainPdf } from "./support/envelopes.js";
import { ADMIN_TOKEN, exited, freePort, spawnServer, temporaryDirectory } from "./support/server.js";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, checked field by field
type Json = any;

async function json(response: Response, status = 200): Promise<Json> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return JSON.parse(text);
}

describe("a partner killed mid-flow", { timeout: 240_000 }, () => {
  it("completes after the partner restarts, with one signature from it", async () => {
    const jpDir = temporaryDirectory("khatam-crash-jp-");
    const saDir = temporaryDirectory("khatam-crash-sa-");
    const saPort = String(await freePort());
    const saEnv = {
      KHATAM_INSTANCE: "sa",
      KHATAM_DATA: saDir.path,
      PORT: saPort,
      KHATAM_ADMIN_TOKEN: ADMIN_TOKEN,
      KHATAM_DEMO_KEY_TYPE: "P-256",
      LOG_LEVEL: "warn",
    };
    let sa = await spawnServer(saEnv);
    const jpPort = await freePort();
    const jpUrl = `http://127.0.0.1:${jpPort}`;
    const jp = await buildApp({
      dataDir: jpDir.path,
      publicUrl: jpUrl,
      adminToken: ADMIN_TOKEN,
      demoKeyTypes: { jp: "P-256", sa: "P-256" },
      instance: "jp",
      backgroundJobs: false,
    });
    await jp.listen({ port: jpPort, host: "127.0.0.1" });
    try {
      const admin = (url: string, path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      for (const [from, to, id] of [
        [jpUrl, sa.url, "sa"],
        [sa.url, jpUrl, "jp"],
      ] as const) {
        const identity = (await (await fetch(`${to}/federation/v1/identity`)).json()) as { keyFingerprint: string };
        await json(
          await admin(from, "/api/admin/peers", { instance: id, url: to, keyFingerprint: identity.keyFingerprint }),
          201,
        );
      }
      const login = async (url: string, email: string) =>
        `Bearer ${(await json(await fetch(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: "khatam-demo" }) }))).token}`;
      const jpOfficial = await login(jpUrl, "official@jp.demo");
      const created = await json(
        await fetch(`${jpUrl}/api/envelopes`, {
          method: "POST",
          headers: { authorization: jpOfficial },
          body: envelopeForm(plainPdf("Crash test"), {
            title: "Crash test",
            recipients: [{ email: "official@sa.demo", role: "signer", order: 1, instance: "sa" }],
          }),
        }),
        201,
      );
      await json(
        await fetch(`${jpUrl}/api/envelopes/${created.id}/send`, {
          method: "POST",
          headers: { authorization: jpOfficial },
        }),
      );
      assert.equal((await jp.outbox.drainOnce()).failed, 0);

      const saOfficial = await login(sa.url, "official@sa.demo");
      const inbox = await json(await fetch(`${sa.url}/api/envelopes`, { headers: { authorization: saOfficial } }));
      const copy = inbox.waiting.find((e: Json) => e.title === "Crash test");
      await json(
        await fetch(`${sa.url}/api/envelopes/${copy.id}/sign`, {
          method: "POST",
          headers: { authorization: saOfficial },
        }),
      );
      sa.child.kill("SIGKILL");
      assert.equal((await exited(sa.child)).signal, "SIGKILL");

      sa = await spawnServer(saEnv);
      const deadline = Date.now() + 60_000;
      let envelope: Json;
      for (;;) {
        envelope = await json(
          await fetch(`${jpUrl}/api/envelopes/${created.id}`, { headers: { authorization: jpOfficial } }),
        );
        if (envelope.status === "completed" || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(envelope.status, "completed", "sa's outbox delivered the signed revision after the restart");
      const trail = await json(
        await fetch(`${jpUrl}/api/envelopes/${created.id}/audit`, { headers: { authorization: jpOfficial } }),
      );
      assert.equal(trail.events.filter((e: Json) => e.type === "signed").length, 1, "one signature, taken once");
      const pdf = new Uint8Array(
        await (
          await fetch(`${jpUrl}/api/envelopes/${created.id}/document`, { headers: { authorization: jpOfficial } })
        ).arrayBuffer(),
      );
      assert.equal(findSignatures(PdfReader.open(pdf)).filter((s) => s.type === "signature").length, 1);
      // And the final document reaches sa.
      assert.equal((await jp.outbox.drainOnce()).failed, 0);
      const final = await json(
        await fetch(`${sa.url}/api/envelopes/${copy.id}`, { headers: { authorization: saOfficial } }),
      );
      assert.equal(final.documentSha256, envelope.documentSha256);
    } finally {
      sa.child.kill("SIGTERM");
      await exited(sa.child);
      await jp.close();
      jpDir.remove();
      saDir.remove();
    }
  });
});
