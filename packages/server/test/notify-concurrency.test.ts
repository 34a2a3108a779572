import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { openDatabase } from "../src/db/connect.js";
import { enqueueWebhook } from "../src/notify/outbox.js";
import { ENGINES, testDatabase } from "./support/db.js";
import { insertWebhook, seedAgency, startWebhookReceiver, testOutboxWorker } from "./support/notify.js";

// Two replicas (each its own connection pool) draining one outbox on PostgreSQL: `for update skip locked` and the
// lease keep them off each other's rows, so under normal operation every row is delivered exactly once.
describe("two outbox workers on PostgreSQL", { skip: !ENGINES.includes("postgres") }, () => {
  test("draining concurrently, they deliver each row exactly once", async () => {
    const t = await testDatabase("postgres");
    const replica = await openDatabase(t.location);
    const receiver = await startWebhookReceiver();
    const slow = async () => {
      await new Promise((r) => setTimeout(r, 5)); // keeps both workers' batches in flight together
      return 200;
    };
    const ROWS = 60;
    for (let i = 0; i < ROWS; i++) receiver.script.push(slow);
    const a = testOutboxWorker(t.db, { batchSize: 4 });
    const b = testOutboxWorker(replica.db, { batchSize: 4 });
    try {
      const { agencyId } = await seedAgency(t.db, "jp");
      await insertWebhook(t.db, { id: randomUUID(), agencyId, url: receiver.url, secret: "s", events: ["*"] });
      await t.db.transaction().execute(async (tx) => {
        for (let i = 0; i < ROWS; i++) await enqueueWebhook(tx, { agencyId, event: "envelope.sent", data: { i } });
      });
      const [ra, rb] = await Promise.all([a.drainOnce(), b.drainOnce()]);
      assert.equal(ra.failed + rb.failed, 0);
      assert.equal(ra.delivered + rb.delivered, ROWS, JSON.stringify({ ra, rb }));
      const ids = receiver.received.map((h) => h.headers["khatam-delivery"]);
      assert.equal(ids.length, ROWS);
      assert.equal(new Set(ids).size, ROWS, "no row delivered twice");
      const rows = await t.db.selectFrom("outbox").select(["attempts", "delivered_at"]).execute();
      assert.ok(rows.every((r) => r.attempts === 1 && r.delivered_at));
    } finally {
      await a.stop();
      await b.stop();
      await receiver.close();
      await replica.close();
      await t.drop();
    }
  });
});
