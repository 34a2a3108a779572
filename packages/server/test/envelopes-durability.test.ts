/**
 * Durability of the workflow across `kill -9`: main.js (the real server process) on each engine creates and sends
 * an envelope; the process is killed with SIGKILL right after the answers; a new process on the same data finds the
 * envelope, its document and its audit trail intact, and the workflow continues (the JP official signs).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { ENGINES, freshPostgres } from "./support/db.js";
import { DEMO_PASSWORD, envelopeForm, plainPdf } from "./support/envelopes.js";
import { exited, spawnServer, temporaryDirectory } from "./support/server.js";

async function login(url: string, email: string): Promise<string> {
  const r = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return ((await r.json()) as { token: string }).token;
}

for (const engine of ENGINES) {
  describe(`envelope durability on ${engine}`, () => {
    test("kill -9 after create and send: the envelope, document and audit trail survive; signing continues", async () => {
      const dir = temporaryDirectory("khatam-kill-");
      let postgres: Awaited<ReturnType<typeof freshPostgres>> | undefined;
      const env: Record<string, string> = { KHATAM_DATA: dir.path, KHATAM_DEMO_KEY_TYPE: "P-256", LOG_LEVEL: "warn" };
      if (engine === "postgres") {
        postgres = await freshPostgres();
        env.DATABASE_URL = postgres.url;
      }
      try {
        const first = await spawnServer(env);
        const token = await login(first.url, "official@jp.demo");
        const auth = { authorization: `Bearer ${token}` };
        const created = await fetch(`${first.url}/api/envelopes`, {
          method: "POST",
          headers: auth,
          body: envelopeForm(plainPdf(), {
            title: "Survives kill -9",
            recipients: [
              { email: "official@jp.demo", role: "signer", order: 1 },
              { email: "official@sa.demo", role: "signer", order: 2 },
            ],
          }),
        });
        assert.equal(created.status, 201, await created.clone().text());
        const { id } = (await created.json()) as { id: string };
        const sent = await fetch(`${first.url}/api/envelopes/${id}/send`, { method: "POST", headers: auth });
        assert.equal(sent.status, 200);
        const before = (await sent.json()) as { documentSha256: string; registerCode: string };
        first.child.kill("SIGKILL");
        assert.equal((await exited(first.child)).signal, "SIGKILL");

        const second = await spawnServer(env);
        try {
          const token2 = await login(second.url, "official@jp.demo");
          const auth2 = { authorization: `Bearer ${token2}` };
          const envelope = (await (await fetch(`${second.url}/api/envelopes/${id}`, { headers: auth2 })).json()) as {
            status: string;
            documentSha256: string;
            registerCode: string;
            recipients: { email: string; status: string }[];
          };
          assert.equal(envelope.status, "sent");
          assert.equal(envelope.documentSha256, before.documentSha256);
          assert.equal(envelope.registerCode, before.registerCode);
          assert.deepEqual(
            envelope.recipients.map((r) => [r.email, r.status]),
            [
              ["official@jp.demo", "notified"],
              ["official@sa.demo", "pending"],
            ],
          );
          const audit = (await (await fetch(`${second.url}/api/envelopes/${id}/audit`, { headers: auth2 })).json()) as {
            chain: { valid: boolean };
            events: { type: string }[];
          };
          assert.equal(audit.chain.valid, true);
          assert.deepEqual(
            audit.events.map((e) => e.type),
            ["created", "sent"],
          );
          const document = await fetch(`${second.url}/api/envelopes/${id}/document`, { headers: auth2 });
          const bytes = Buffer.from(await document.arrayBuffer());
          assert.equal(createHash("sha256").update(bytes).digest("hex"), before.documentSha256);
          const signed = await fetch(`${second.url}/api/envelopes/${id}/sign`, { method: "POST", headers: auth2 });
          assert.equal(signed.status, 200, await signed.clone().text());
          assert.equal(((await signed.json()) as { currentOrder: number }).currentOrder, 2);
        } finally {
          second.child.kill("SIGTERM");
          await exited(second.child);
        }
      } finally {
        await postgres?.drop();
        dir.remove();
      }
    });
  });
}
