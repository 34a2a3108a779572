import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { Db } from "../src/db/connect.js";
import { openDatabase } from "../src/db/connect.js";
import { LEASE_MS } from "../src/notify/delivery.js";
import { enqueueWebhook } from "../src/notify/outbox.js";
import { signWebhook, verifyWebhookSignature } from "../src/notify/webhook-signature.js";
import { ENGINES, testDatabase } from "./support/db.js";
import {
  eventually,
  insertWebhook,
  recordingLog,
  seedAgency,
  startWebhookReceiver,
  TestClock,
  testOutboxWorker,
} from "./support/notify.js";

const SECRET = "whsec_test-secret";

async function addWebhook(db: Db, agencyId: string, url: string, events = ["*"]): Promise<string> {
  const id = randomUUID();
  await insertWebhook(db, { id, agencyId, url, secret: SECRET, events });
  return id;
}

describe("webhook signatures (Khatam-Signature: t=…,v1=…)", () => {
  const body = JSON.stringify({ id: "1", event: "envelope.completed", data: { envelopeId: "e" } });
  const t = 1_700_000_000;
  const now = t * 1000;
  const header = signWebhook(SECRET, body, t);

  test("a signature verifies with the secret, within the tolerance", () => {
    assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
    assert.equal(verifyWebhookSignature(SECRET, header, body, 300, now), true);
    assert.equal(verifyWebhookSignature(SECRET, header, Buffer.from(body), 300, now + 299_000), true);
  });

  const broken: [string, () => boolean][] = [
    ["tampered body", () => verifyWebhookSignature(SECRET, header, body.replace("completed", "declined"), 300, now)],
    ["one byte appended", () => verifyWebhookSignature(SECRET, header, `${body} `, 300, now)],
    ["wrong secret", () => verifyWebhookSignature("whsec_other", header, body, 300, now)],
    ["too old (replay)", () => verifyWebhookSignature(SECRET, header, body, 300, now + 301_000)],
    ["from the future", () => verifyWebhookSignature(SECRET, header, body, 300, now - 301_000)],
    ["timestamp changed", () => verifyWebhookSignature(SECRET, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, now)],
    ["no header", () => verifyWebhookSignature(SECRET, undefined, body, 300, now)],
    ["no v1", () => verifyWebhookSignature(SECRET, `t=${t}`, body, 300, now)],
    ["no t", () => verifyWebhookSignature(SECRET, header.replace(/^t=\d+,/, ""), body, 300, now)],
    ["two t", () => verifyWebhookSignature(SECRET, `t=${t},${header}`, body, 300, now)],
    ["garbage", () => verifyWebhookSignature(SECRET, "garbage", body, 300, now)],
    ["v1 not hex", () => verifyWebhookSignature(SECRET, `t=${t},v1=${"z".repeat(64)}`, body, 300, now)],
  ];
  for (const [name, check] of broken) test(`fails: ${name}`, () => assert.equal(check(), false));

  test("one matching v1 among several suffices (secret rotation)", () => {
    const other = signWebhook("whsec_old", body, t).split(",")[1]!;
    assert.equal(verifyWebhookSignature(SECRET, `${header},${other}`, body, 300, now), true);
    assert.equal(verifyWebhookSignature(SECRET, `t=${t},${other}`, body, 300, now), false);
  });
});

for (const engine of ENGINES) {
  describe(`webhook delivery on ${engine}`, () => {
    test("the receiver gets a signed POST: headers, body, HMAC verifies; a tampered body does not", async () => {
      const t = await testDatabase(engine);
      const receiver = await startWebhookReceiver();
      const worker = testOutboxWorker(t.db);
      try {
        const { agencyId } = await seedAgency(t.db, "jp");
        const other = await seedAgency(t.db, "sa");
        const hookId = await addWebhook(t.db, agencyId, receiver.url, ["envelope.completed"]);
        await addWebhook(t.db, other.agencyId, receiver.url); // another agency's: must not receive ours
        await t.db.transaction().execute(async (tx) => {
          await enqueueWebhook(tx, { agencyId, event: "envelope.completed", data: { envelopeId: "e-1" } });
          await enqueueWebhook(tx, { agencyId, event: "envelope.sent", data: { envelopeId: "e-1" } }); // not subscribed
        });
        assert.deepEqual(await worker.drainOnce(), { delivered: 1, failed: 0 });
        assert.equal(receiver.received.length, 1);
        const hook = receiver.received[0]!;
        const row = await t.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
        assert.equal(hook.method, "POST");
        assert.equal(hook.url, "/hooks/khatam");
        assert.equal(hook.headers["content-type"], "application/json");
        assert.equal(hook.headers["khatam-event"], "envelope.completed");
        assert.equal(hook.headers["khatam-delivery"], String(row.id));
        const ts = Number(hook.headers["khatam-timestamp"]);
        assert.ok(Math.abs(ts - Date.now() / 1000) < 60);
        const signature = hook.headers["khatam-signature"] as string;
        assert.equal(signature.split(",")[0], `t=${ts}`);
        assert.equal(verifyWebhookSignature(SECRET, signature, hook.body, 300), true);
        assert.equal(verifyWebhookSignature(SECRET, signature, hook.body.replace("e-1", "e-2"), 300), false);
        const body = JSON.parse(hook.body);
        assert.equal(body.id, String(row.id));
        assert.equal(body.event, "envelope.completed");
        assert.deepEqual(body.data, { envelopeId: "e-1" });
        assert.ok(!Number.isNaN(Date.parse(body.createdAt)));
        assert.equal((row.payload as { webhookId: string }).webhookId, hookId);
        assert.ok(row.delivered_at);
      } finally {
        await worker.stop();
        await receiver.close();
        await t.drop();
      }
    });

    test("receiver answers 500, then 200: delivered on the retry, attempts counted, same delivery id", async () => {
      const t = await testDatabase(engine);
      const receiver = await startWebhookReceiver();
      const clock = new TestClock(Date.now() + 1000);
      const worker = testOutboxWorker(t.db, {
        now: clock.now,
      });
      try {
        const { agencyId } = await seedAgency(t.db, "jp");
        await addWebhook(t.db, agencyId, receiver.url);
        await t.db
          .transaction()
          .execute((tx) => enqueueWebhook(tx, { agencyId, event: "envelope.signed", data: { n: 1 } }));
        receiver.script.push(500);
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 1 });
        let row = await t.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
        assert.equal(row.attempts, 1);
        assert.equal(row.last_error, "receiver answered HTTP 500");
        assert.equal(row.next_attempt_at.getTime(), clock.ms + 30_000);
        clock.advance(30_000);
        assert.deepEqual(await worker.drainOnce(), { delivered: 1, failed: 0 });
        row = await t.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
        assert.equal(row.attempts, 2);
        assert.ok(row.delivered_at);
        assert.equal(receiver.received.length, 2);
        assert.equal(
          receiver.received[0]!.headers["khatam-delivery"],
          receiver.received[1]!.headers["khatam-delivery"],
        );
      } finally {
        await worker.stop();
        await receiver.close();
        await t.drop();
      }
    });

    test("a redirect is not followed (SSRF): it is a failure, retried", async () => {
      const t = await testDatabase(engine);
      const receiver = await startWebhookReceiver();
      const target = await startWebhookReceiver();
      const worker = testOutboxWorker(t.db);
      try {
        const { agencyId } = await seedAgency(t.db, "sa");
        await addWebhook(t.db, agencyId, receiver.url);
        receiver.script.push(307);
        receiver.responseHeaders.location = target.url;
        await t.db.transaction().execute((tx) => enqueueWebhook(tx, { agencyId, event: "envelope.sent", data: {} }));
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 1 });
        assert.equal(target.received.length, 0);
        const row = await t.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
        assert.equal(row.last_error, "receiver answered HTTP 307");
      } finally {
        await worker.stop();
        await receiver.close();
        await target.close();
        await t.drop();
      }
    });

    test("a webhook deleted (or with a non-http URL) before delivery: dropped with the reason, nothing sent", async () => {
      const t = await testDatabase(engine);
      const receiver = await startWebhookReceiver();
      const worker = testOutboxWorker(t.db);
      try {
        const { agencyId } = await seedAgency(t.db, "jp");
        const hookId = await addWebhook(t.db, agencyId, receiver.url);
        const fileHook = await addWebhook(t.db, agencyId, "file:///etc/passwd");
        await t.db.transaction().execute((tx) => enqueueWebhook(tx, { agencyId, event: "envelope.sent", data: {} }));
        await t.db.deleteFrom("webhooks").where("id", "=", hookId).execute();
        assert.deepEqual(await worker.drainOnce(), { delivered: 2, failed: 0 });
        assert.equal(receiver.received.length, 0);
        const rows = await t.db.selectFrom("outbox").selectAll().orderBy("id").execute();
        const reasons = rows.map((r) => [(r.payload as { webhookId: string }).webhookId, r.last_error]);
        assert.deepEqual(
          new Map(reasons as [string, string][]),
          new Map([
            [hookId, "webhook deleted or deactivated before delivery; not sent"],
            [fileHook, "webhook URL must be http or https; not sent"],
          ]),
        );
        for (const r of rows) assert.ok(r.delivered_at);
      } finally {
        await worker.stop();
        await receiver.close();
        await t.drop();
      }
    });

    test("database lost after delivery, before marking: delivered again after the lease, same Khatam-Delivery", async () => {
      const t = await testDatabase(engine);
      const receiver = await startWebhookReceiver();
      const clock = new TestClock(Date.now() + 1000);
      const log = recordingLog();
      const first = testOutboxWorker(t.db, {
        log,
        now: clock.now,
      });
      let reopened: Awaited<ReturnType<typeof openDatabase>> | undefined;
      try {
        const { agencyId } = await seedAgency(t.db, "jp");
        await addWebhook(t.db, agencyId, receiver.url);
        await t.db.transaction().execute((tx) => enqueueWebhook(tx, { agencyId, event: "envelope.sent", data: {} }));
        // The receiver accepts the delivery, but the worker's database goes away before it can record that.
        receiver.script.push(async () => {
          await t.close();
          return 200;
        });
        // The outcome cannot be recorded, and the next claim fails: the drain reports the lost database.
        await assert.rejects(first.drainOnce());
        assert.ok(log.lines.some((l) => l.msg.includes("cannot record a delivery outcome")));
        await first.stop();

        reopened = await openDatabase(t.location);
        let row = await reopened.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
        assert.equal(row.delivered_at, null, "the delivery was not recorded");
        assert.equal(row.attempts, 1);
        const second = testOutboxWorker(reopened.db, {
          log,
          now: clock.now,
        });
        try {
          clock.advance(LEASE_MS - 1000);
          assert.deepEqual(await second.drainOnce(), { delivered: 0, failed: 0 }, "still leased");
          clock.advance(1000);
          assert.deepEqual(await second.drainOnce(), { delivered: 1, failed: 0 });
        } finally {
          await second.stop();
        }
        assert.equal(receiver.received.length, 2);
        assert.equal(
          receiver.received[0]!.headers["khatam-delivery"],
          receiver.received[1]!.headers["khatam-delivery"],
        );
        row = await reopened.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
        assert.ok(row.delivered_at);
        assert.equal(row.attempts, 2);
      } finally {
        await first.stop();
        await reopened?.close();
        await receiver.close();
        await t.drop();
      }
    });

    test("stop() lets the delivery in flight finish and be recorded (graceful shutdown)", async () => {
      const t = await testDatabase(engine);
      const receiver = await startWebhookReceiver();
      const worker = testOutboxWorker(t.db, { intervalMs: 10, autoStart: true });
      try {
        const { agencyId } = await seedAgency(t.db, "sa");
        await addWebhook(t.db, agencyId, receiver.url);
        let release!: () => void;
        const held = new Promise<void>((r) => {
          release = r;
        });
        receiver.script.push(async () => {
          await held;
          return 204;
        });
        await t.db.transaction().execute((tx) => enqueueWebhook(tx, { agencyId, event: "envelope.sent", data: {} }));
        await eventually(() => receiver.received.length === 1); // the loop picked it up
        let stopped = false;
        const stopping = worker.stop().then(() => {
          stopped = true;
        });
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(stopped, false, "stop waits for the delivery in flight");
        release();
        await stopping;
        const row = await t.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
        assert.ok(row.delivered_at, "recorded before stop() resolved");
      } finally {
        await worker.stop();
        await receiver.close();
        await t.drop();
      }
    });
  });
}
