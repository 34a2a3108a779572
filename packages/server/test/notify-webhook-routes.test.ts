import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import type { AppOptions } from "../src/app.js";
import { issueCredential } from "../src/auth/identity.js";
import { enqueueWebhook } from "../src/notify/outbox.js";
import { verifyWebhookSignature } from "../src/notify/webhook-signature.js";
import { ENGINES } from "./support/db.js";
import {
  eventually,
  fakeResolver,
  RECEIVER_ALLOW,
  type SeededAgency,
  seedAgency,
  startWebhookReceiver,
} from "./support/notify.js";
import { ADMIN_TOKEN, appOn } from "./support/server.js";

/** Public addresses for the example receivers' names (no test depends on real DNS). */
const EXAMPLE_DNS = {
  "hooks.example.go.jp": "93.184.215.14",
  "hooks.example.sa": "93.184.215.15",
  "x.example": "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
};

/**
 * The app on `engine` (no demo PKI: these tests need none), with its own database; `close` removes everything. The
 * test receivers listen on 127.0.0.1, so the allow-list admits it (as `KHATAM_WEBHOOK_ALLOW` would on premises).
 */
function notifyApp(
  engine: "pglite" | "postgres",
  backgroundJobs: boolean,
  schedulerIntervalMs?: number,
  extra: Partial<AppOptions> = {},
) {
  return appOn(engine, {
    publicUrl: "http://127.0.0.1:1",
    backgroundJobs,
    outboxIntervalMs: 20,
    schedulerIntervalMs,
    webhookAllow: RECEIVER_ALLOW,
    webhookResolver: fakeResolver(EXAMPLE_DNS),
    ...extra,
  });
}

async function tokens(app: FastifyInstance, agency: SeededAgency) {
  const bearer = async (userId: string) => `Bearer ${await issueCredential(app.db, userId, { kind: "api" })}`;
  return {
    admin: await bearer(agency.users.agency_admin.id),
    official: await bearer(agency.users.official.id),
  };
}

for (const engine of ENGINES) {
  describe(`webhook routes on ${engine}`, () => {
    test("an agency admin creates, lists and deletes webhooks; the secret is shown once", async () => {
      const { app, close } = await notifyApp(engine, false);
      try {
        const jp = await seedAgency(app.db, "jp");
        const { admin } = await tokens(app, jp);
        const created = await app.inject({
          method: "POST",
          url: "/api/webhooks",
          headers: { authorization: admin },
          payload: { url: "https://hooks.example.go.jp/khatam", events: ["envelope.completed", "envelope.completed"] },
        });
        assert.equal(created.statusCode, 201, created.body);
        const body = created.json();
        assert.match(body.id, /^[0-9a-f-]{36}$/);
        assert.match(body.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
        assert.deepEqual(body.events, ["envelope.completed"]);
        const list = await app.inject({ method: "GET", url: "/api/webhooks", headers: { authorization: admin } });
        assert.equal(list.statusCode, 200);
        assert.deepEqual(
          list.json().map((w: { id: string; url: string; active: boolean }) => [w.id, w.url, w.active]),
          [[body.id, "https://hooks.example.go.jp/khatam", true]],
        );
        assert.ok(!list.body.includes(body.secret), "the secret is not listed");
        const del = await app.inject({
          method: "DELETE",
          url: `/api/webhooks/${body.id}`,
          headers: { authorization: admin },
        });
        assert.equal(del.statusCode, 204);
        const again = await app.inject({
          method: "DELETE",
          url: `/api/webhooks/${body.id}`,
          headers: { authorization: admin },
        });
        assert.equal(again.statusCode, 404);
      } finally {
        await close();
      }
    });

    test("agencies are isolated: another agency's webhook is invisible and 404 to delete", async () => {
      const { app, close } = await notifyApp(engine, false);
      try {
        const jp = await seedAgency(app.db, "jp");
        const sa = await seedAgency(app.db, "sa");
        const tj = await tokens(app, jp);
        const ts = await tokens(app, sa);
        const created = await app.inject({
          method: "POST",
          url: "/api/webhooks",
          headers: { authorization: tj.admin },
          payload: { url: "https://hooks.example.go.jp/", events: ["*"] },
        });
        const { id } = created.json();
        const saList = await app.inject({ method: "GET", url: "/api/webhooks", headers: { authorization: ts.admin } });
        assert.deepEqual(saList.json(), []);
        const saDelete = await app.inject({
          method: "DELETE",
          url: `/api/webhooks/${id}`,
          headers: { authorization: ts.admin },
        });
        assert.equal(saDelete.statusCode, 404);
        assert.equal(saDelete.json().error.code, "not_found");
        // A platform administrator names the agency.
        const platform = { authorization: `Bearer ${ADMIN_TOKEN}` };
        const noAgency = await app.inject({ method: "GET", url: "/api/webhooks", headers: platform });
        assert.equal(noAgency.statusCode, 400);
        const jpList = await app.inject({
          method: "GET",
          url: `/api/webhooks?agencyId=${jp.agencyId}`,
          headers: platform,
        });
        assert.deepEqual(
          jpList.json().map((w: { id: string }) => w.id),
          [id],
        );
        const forSa = await app.inject({
          method: "POST",
          url: "/api/webhooks",
          headers: platform,
          payload: { url: "https://hooks.example.sa/", events: ["envelope.sent"], agencyId: sa.agencyId },
        });
        assert.equal(forSa.statusCode, 201);
        const saList2 = await app.inject({ method: "GET", url: "/api/webhooks", headers: { authorization: ts.admin } });
        assert.equal(saList2.json().length, 1);
        // Still there after the foreign delete attempt; its own admin deletes it.
        const jpDelete = await app.inject({
          method: "DELETE",
          url: `/api/webhooks/${id}`,
          headers: { authorization: tj.admin },
        });
        assert.equal(jpDelete.statusCode, 204);
      } finally {
        await close();
      }
    });

    test("refused: anonymous 401, an official 403, non-http URLs and bad events 400, malformed ids 404", async () => {
      const { app, close } = await notifyApp(engine, false);
      try {
        const jp = await seedAgency(app.db, "jp");
        const t = await tokens(app, jp);
        const post = (authorization: string | undefined, payload: unknown) =>
          app.inject({
            method: "POST",
            url: "/api/webhooks",
            headers: authorization ? { authorization } : {},
            payload: payload as object,
          });
        assert.equal((await post(undefined, { url: "https://x.example/", events: ["*"] })).statusCode, 401);
        assert.equal((await post(t.official, { url: "https://x.example/", events: ["*"] })).statusCode, 403);
        for (const url of [
          "file:///etc/passwd",
          "ftp://x.example/",
          "javascript:alert(1)",
          "not a url",
          "https://u:p@x.example/",
        ]) {
          const r = await post(t.admin, { url, events: ["*"] });
          assert.equal(r.statusCode, 400, url);
          assert.equal(r.json().error.code, "invalid_request");
        }
        for (const events of [[], "envelope.sent", ["Envelope.Sent"], ["envelope"], [1]]) {
          assert.equal(
            (await post(t.admin, { url: "https://x.example/", events })).statusCode,
            400,
            JSON.stringify(events),
          );
        }
        const bad = await app.inject({
          method: "DELETE",
          url: "/api/webhooks/1;drop",
          headers: { authorization: t.admin },
        });
        assert.equal(bad.statusCode, 404);
        assert.equal((await app.db.selectFrom("webhooks").selectAll().execute()).length, 0);
      } finally {
        await close();
      }
    });

    test("with background jobs on, the app delivers a webhook registered over the API; close() stops the worker", async () => {
      const { app, close } = await notifyApp(engine, true);
      const receiver = await startWebhookReceiver();
      try {
        const sa = await seedAgency(app.db, "sa");
        const t = await tokens(app, sa);
        const created = await app.inject({
          method: "POST",
          url: "/api/webhooks",
          headers: { authorization: t.admin },
          payload: { url: receiver.url, events: ["envelope.completed"] },
        });
        const { secret } = created.json();
        await app.db
          .transaction()
          .execute((tx) =>
            enqueueWebhook(tx, { agencyId: sa.agencyId, event: "envelope.completed", data: { ok: true } }),
          );
        await eventually(() => receiver.received.length === 1);
        const hook = receiver.received[0]!;
        assert.equal(verifyWebhookSignature(secret, hook.headers["khatam-signature"] as string, hook.body), true);
        await eventually(async () => {
          const row = await app.db.selectFrom("outbox").select("delivered_at").executeTakeFirstOrThrow();
          return row.delivered_at !== null;
        });
      } finally {
        await close();
        await receiver.close();
      }
    });

    test("the app's scheduler expires a due envelope and the worker announces it to the agency's webhook", async () => {
      const { app, close } = await notifyApp(engine, true, 20);
      const receiver = await startWebhookReceiver();
      try {
        const jp = await seedAgency(app.db, "jp");
        const t = await tokens(app, jp);
        const created = await app.inject({
          method: "POST",
          url: "/api/webhooks",
          headers: { authorization: t.admin },
          payload: { url: receiver.url, events: ["envelope.expired"] },
        });
        assert.equal(created.statusCode, 201);
        const bytes = new TextEncoder().encode("%PDF-1.7 placeholder");
        const sha = createHash("sha256").update(bytes).digest("hex");
        await app.db.insertInto("documents").values({ sha256: sha, bytes, size: bytes.length }).execute();
        const envelopeId = randomUUID();
        await app.db
          .insertInto("envelopes")
          .values({
            id: envelopeId,
            agency_id: jp.agencyId,
            created_by: jp.users.official.id,
            title: "Expiring MoU",
            status: "sent",
            original_sha256: sha,
            current_sha256: sha,
            register_code: randomUUID(),
            expires_at: new Date(Date.now() - 60_000),
            reminder_every: null,
            last_reminded_at: null,
            sent_at: new Date(Date.now() - 120_000),
            completed_at: null,
          })
          .execute();
        await eventually(() => receiver.received.length === 1, 10_000);
        const hook = receiver.received[0]!;
        assert.equal(hook.headers["khatam-event"], "envelope.expired");
        assert.equal(JSON.parse(hook.body).data.envelopeId, envelopeId);
        const envelope = await app.db
          .selectFrom("envelopes")
          .select("status")
          .where("id", "=", envelopeId)
          .executeTakeFirstOrThrow();
        assert.equal(envelope.status, "expired");
      } finally {
        await close();
        await receiver.close();
      }
    });
  });
}
