import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { backoffMs, MAX_ATTEMPTS } from "../src/notify/delivery.js";
import { enqueueEmail } from "../src/notify/outbox.js";
import { recipientLocale, renderEmail } from "../src/notify/templates.js";
import { ENGINES, testDatabase } from "./support/db.js";
import { recordingLog, seedAgency, startSmtpSink, TestClock, testOutboxWorker } from "./support/notify.js";

const PUBLIC_URL = "https://khatam.example.gov";

/** A test database, an SMTP sink and an outbox worker sending to it, for `body`; all closed after it, whatever it does. */
async function withSmtpSink(
  engine: (typeof ENGINES)[number],
  body: (bench: {
    t: Awaited<ReturnType<typeof testDatabase>>;
    smtp: Awaited<ReturnType<typeof startSmtpSink>>;
    worker: ReturnType<typeof testOutboxWorker>;
  }) => Promise<void>,
): Promise<void> {
  const t = await testDatabase(engine);
  const smtp = await startSmtpSink();
  const worker = testOutboxWorker(t.db, { smtpUrl: smtp.url, publicUrl: PUBLIC_URL });
  try {
    await body({ t, smtp, worker });
  } finally {
    await worker.stop();
    await smtp.close();
    await t.drop();
  }
}

async function outboxRow(db: Awaited<ReturnType<typeof testDatabase>>["db"]) {
  return db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
}

for (const engine of ENGINES) {
  describe(`notification e-mail on ${engine}`, () => {
    test("a committed invitation reaches the SMTP server: from, to, subject, ceremony link", () =>
      withSmtpSink(engine, async ({ t, smtp, worker }) => {
        const envelopeId = randomUUID();
        await t.db.transaction().execute(async (tx) => {
          const mail = renderEmail(
            { kind: "invitation", role: "signer", envelopeId, title: "MoU on digital trust", sender: "Aiko Tanaka" },
            {
              to: "minister@sa.example",
              locale: await recipientLocale(tx, "minister@sa.example"),
              publicUrl: PUBLIC_URL,
            },
          );
          await enqueueEmail(tx, mail);
        });
        assert.deepEqual(await worker.drainOnce(), { delivered: 1, failed: 0 });
        assert.equal(smtp.messages.length, 1);
        const m = smtp.messages[0]!;
        assert.equal(m.mailFrom, "notifications@khatam.example.gov");
        assert.match(m.from, /Khatam <notifications@khatam\.example\.gov>/);
        assert.deepEqual(m.rcptTo, ["minister@sa.example"]);
        assert.equal(m.to, "minister@sa.example");
        assert.equal(m.subject, "Please sign: MoU on digital trust");
        assert.ok(m.text.includes(`${PUBLIC_URL}/envelopes/${envelopeId}`), m.text);
        assert.ok(m.html.includes(`href="${PUBLIC_URL}/envelopes/${envelopeId}"`), m.html);
        const row = await outboxRow(t.db);
        assert.ok(row.delivered_at);
        assert.equal(row.attempts, 1);
        assert.equal(row.last_error, null);
        assert.equal(m.headers.get("khatam-delivery"), String(row.id));
        // Delivered rows are not sent again.
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 0 });
        assert.equal(smtp.messages.length, 1);
      }));

    test("a rolled-back transaction sends nothing", () =>
      withSmtpSink(engine, async ({ t, smtp, worker }) => {
        await assert.rejects(
          t.db.transaction().execute(async (tx) => {
            await enqueueEmail(tx, { to: "a@example.org", subject: "never", text: "never" });
            throw new Error("state change failed");
          }),
          /state change failed/,
        );
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 0 });
        assert.equal(smtp.messages.length, 0);
        assert.equal((await t.db.selectFrom("outbox").selectAll().execute()).length, 0);
      }));

    test("SMTP down: retried after 30 s, then 1 min, and delivered once the server is up", async () => {
      const t = await testDatabase(engine);
      const probe = await startSmtpSink();
      const port = probe.port;
      await probe.close(); // nothing listens on this port now
      const clock = new TestClock();
      const log = recordingLog();
      const worker = testOutboxWorker(t.db, {
        smtpUrl: `smtp://127.0.0.1:${port}`,
        publicUrl: PUBLIC_URL,
        log,
        now: clock.now,
      });
      let smtp: Awaited<ReturnType<typeof startSmtpSink>> | undefined;
      try {
        await t.db.transaction().execute((tx) => enqueueEmail(tx, { to: "b@example.org", subject: "Hi", text: "x" }));
        clock.advance(1000); // the row's default due time is the database's now()
        const start = clock.ms;
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 1 });
        let row = await outboxRow(t.db);
        assert.equal(row.attempts, 1);
        assert.equal(row.delivered_at, null);
        assert.match(row.last_error ?? "", /ECONNREFUSED|connect/i);
        assert.equal(row.next_attempt_at.getTime(), start + 30_000);
        assert.ok(log.lines.some((l) => l.level === "warn" && l.msg.includes("will retry")));

        // Not due yet: nothing is attempted.
        clock.advance(29_000);
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 0 });
        clock.advance(1000);
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 1 });
        row = await outboxRow(t.db);
        assert.equal(row.attempts, 2);
        assert.equal(row.next_attempt_at.getTime(), clock.ms + 60_000);

        smtp = await startSmtpSink(port);
        clock.advance(60_000);
        assert.deepEqual(await worker.drainOnce(), { delivered: 1, failed: 0 });
        row = await outboxRow(t.db);
        assert.equal(row.attempts, 3);
        assert.ok(row.delivered_at);
        assert.equal(row.last_error, null);
        assert.equal(smtp.messages.length, 1);
        assert.equal(smtp.messages[0]!.subject, "Hi");
      } finally {
        await worker.stop();
        await smtp?.close();
        await t.drop();
      }
    });

    test(`gives up after ${MAX_ATTEMPTS} attempts with backoff capped at 1 h, keeping the last error`, async () => {
      const t = await testDatabase(engine);
      const probe = await startSmtpSink();
      await probe.close();
      const clock = new TestClock(Date.now() + 1000);
      const log = recordingLog();
      const worker = testOutboxWorker(t.db, {
        smtpUrl: `smtp://127.0.0.1:${probe.port}`,
        publicUrl: PUBLIC_URL,
        log,
        now: clock.now,
      });
      try {
        await t.db.transaction().execute((tx) => enqueueEmail(tx, { to: "c@example.org", subject: "S", text: "x" }));
        const delays: number[] = [];
        for (let i = 1; i <= MAX_ATTEMPTS; i++) {
          assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 1 }, `attempt ${i}`);
          const row = await outboxRow(t.db);
          assert.equal(row.attempts, i);
          delays.push(row.next_attempt_at.getTime() - clock.ms);
          clock.advance(2 * 3_600_000);
        }
        assert.deepEqual(
          delays,
          Array.from({ length: MAX_ATTEMPTS }, (_, i) => backoffMs(i + 1)),
        );
        assert.deepEqual(delays.slice(0, 3), [30_000, 60_000, 120_000]);
        assert.equal(delays.at(-1), 3_600_000);
        const row = await outboxRow(t.db);
        assert.equal(row.delivered_at, null);
        assert.match(row.last_error ?? "", new RegExp(`^gave up after ${MAX_ATTEMPTS} attempts: `));
        assert.ok(log.lines.some((l) => l.level === "error" && l.msg === "notification given up"));
        clock.advance(24 * 3_600_000);
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 0 });
      } finally {
        await worker.stop();
        await t.drop();
      }
    });

    test("without KHATAM_SMTP_URL: logged with recipient and subject only, and marked delivered", async () => {
      const t = await testDatabase(engine);
      const log = recordingLog();
      const worker = testOutboxWorker(t.db, {
        publicUrl: PUBLIC_URL,
        log,
      });
      try {
        const secretLink = `${PUBLIC_URL}/envelopes/secret-ish-${randomUUID()}`;
        await t.db.transaction().execute((tx) =>
          enqueueEmail(tx, {
            to: "d@example.org",
            subject: "Please sign",
            text: secretLink,
            html: `<a>${secretLink}</a>`,
          }),
        );
        assert.deepEqual(await worker.drainOnce(), { delivered: 1, failed: 0 });
        const line = log.lines.find((l) => l.msg.includes("not sent"));
        assert.ok(line);
        assert.equal((line.obj as { to: string }).to, "d@example.org");
        assert.equal((line.obj as { subject: string }).subject, "Please sign");
        assert.ok(!log.text().includes(secretLink), "the body is never logged");
        assert.ok((await outboxRow(t.db)).delivered_at);
      } finally {
        await worker.stop();
        await t.drop();
      }
    });

    test("the recipient's users.locale chooses Arabic or Japanese", () =>
      withSmtpSink(engine, async ({ t, smtp, worker }) => {
        const sa = await seedAgency(t.db, "sa", "ar");
        const jp = await seedAgency(t.db, "jp", "ja");
        const envelopeId = randomUUID();
        await t.db.transaction().execute(async (tx) => {
          for (const to of [sa.users.official.email.toUpperCase(), jp.users.official.email, "guest@example.org"]) {
            const locale = await recipientLocale(tx, to);
            await enqueueEmail(
              tx,
              renderEmail(
                { kind: "declined", envelopeId, title: "覚書", declinedBy: "Ahmed", reason: "wrong date" },
                { to, locale, publicUrl: PUBLIC_URL },
              ),
            );
          }
        });
        assert.deepEqual(await worker.drainOnce(), { delivered: 3, failed: 0 });
        const by = (to: string) => smtp.messages.find((m) => m.rcptTo[0]!.toLowerCase() === to.toLowerCase())!;
        const ar = by(sa.users.official.email);
        assert.equal(ar.subject, "رُفض: 覚書");
        assert.ok(ar.text.includes("السبب: wrong date"));
        assert.ok(ar.html.includes('dir="rtl"'));
        const ja = by(jp.users.official.email);
        assert.equal(ja.subject, "辞退: 覚書");
        assert.ok(ja.text.includes("理由: wrong date"));
        assert.equal(by("guest@example.org").subject, "Declined: 覚書");
        for (const m of smtp.messages) assert.ok(m.text.includes(`${PUBLIC_URL}/envelopes/${envelopeId}`));
      }));
  });
}
