/**
 * The inbox (GET /api/envelopes) on both engines: cursor pagination of each list (limit, no duplicates and nothing
 * missing across pages, ties of `created_at`), whose turn it is (`next`) for sequential and parallel routing,
 * "waiting for me" only on the caller's turn, isolation; and the scheduler task that deletes expired device-signing
 * sessions.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { ENGINES } from "./support/db.js";
import {
  api,
  envelopeForm,
  type Federation,
  json,
  type Platform,
  plainPdf,
  seededPlatform,
  type TestUser,
} from "./support/envelopes.js";
import { assertRefusal } from "./support/server.js";

for (const engine of ENGINES) {
  describe(`inbox on ${engine}`, () => {
    let platform: Platform;
    let people: Federation;

    before(async () => ({ platform, people } = await seededPlatform(engine)));
    after(() => platform?.close());

    async function create(
      title: string,
      recipients: { email: string; role: string; order: number }[],
      by: TestUser = people.jpOfficial,
    ): Promise<string> {
      const response = await api(
        platform,
        by,
        "POST",
        "/api/envelopes",
        envelopeForm(plainPdf(), { title, recipients }),
      );
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { id: string }).id;
    }

    /** Every row of `list`, page by page; asserts the page sizes. */
    async function allPages(user: TestUser, list: "waiting" | "sent" | "completed", limit: number) {
      const rows: any[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?tab=${list}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const page = await json(await api(platform, user, "GET", `/api/envelopes${query}`));
        assert.ok(page[list].length <= limit);
        for (const other of ["waiting", "sent", "completed"].filter((l) => l !== list)) {
          assert.deepEqual(page[other], []);
          assert.equal(page.nextCursor[other], null);
        }
        if (page.nextCursor[list]) assert.equal(page[list].length, limit);
        rows.push(...page[list]);
        cursor = page.nextCursor[list];
        pages++;
        assert.ok(pages < 100);
      } while (cursor);
      return { rows, pages };
    }

    test("pagination: limit, cursors, no duplicates or gaps across pages, ties of created_at", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push(await create(`Page test ${i}`, [{ email: people.saOfficial.email, role: "signer", order: 1 }]));
      }
      // Three of them created in the same microsecond: the id breaks the tie.
      await sql`update envelopes set created_at = '2030-01-01T00:00:00.123456Z' where id in (${sql.join(ids.slice(2, 5))})`.execute(
        platform.db,
      );
      const everything = await json(await api(platform, people.jpOfficial, "GET", "/api/envelopes?tab=sent&limit=200"));
      assert.equal(everything.nextCursor.sent, null);
      const expected = everything.sent.map((e: any) => e.id);
      for (const id of ids) assert.ok(expected.includes(id));

      for (const limit of [1, 2, 3, 200]) {
        const { rows, pages } = await allPages(people.jpOfficial, "sent", limit);
        assert.deepEqual(
          rows.map((e) => e.id),
          expected,
          `limit ${limit}`,
        );
        assert.equal(pages, Math.max(1, Math.ceil(expected.length / limit)));
      }
      // Newest first.
      const times = everything.sent.map((e: any) => Date.parse(e.createdAt));
      assert.deepEqual(
        times,
        [...times].sort((a: number, b: number) => b - a),
      );

      // Without `tab`: every list, with its own cursor; the default page is 50.
      const first = await json(await api(platform, people.jpOfficial, "GET", "/api/envelopes?limit=2"));
      assert.equal(first.sent.length, 2);
      assert.ok(first.nextCursor.sent);
      assert.ok(Array.isArray(first.waiting) && Array.isArray(first.completed));
      const byCursor = await json(
        await api(platform, people.jpOfficial, "GET", `/api/envelopes?limit=2&cursor=${first.nextCursor.sent}`),
      );
      assert.deepEqual(
        byCursor.sent.map((e: any) => e.id),
        expected.slice(2, 4),
      );
      assert.deepEqual(byCursor.waiting, []);
      const defaults = await json(await api(platform, people.jpOfficial, "GET", "/api/envelopes"));
      assert.equal(defaults.sent.length, Math.min(50, expected.length));

      // Bad input.
      for (const query of [
        "?limit=0",
        "?limit=201",
        "?tab=mine",
        "?cursor=nonsense",
        `?tab=waiting&cursor=${first.nextCursor.sent}`,
      ]) {
        const r = await api(platform, people.jpOfficial, "GET", `/api/envelopes${query}`);
        assert.equal(r.status, 400, query);
      }

      // Isolation: another agency's official never pages into the JP envelopes, with or without a cursor.
      const theirs = await allPages(people.stranger, "sent", 2);
      assert.ok(!theirs.rows.some((e) => ids.includes(e.id)));
      const stolen = await json(
        await api(platform, people.stranger, "GET", `/api/envelopes?cursor=${first.nextCursor.sent}`),
      );
      assert.ok(!stolen.sent.some((e: any) => ids.includes(e.id)));
      for (const list of ["waiting", "completed"] as const) {
        const { rows } = await allPages(people.stranger, list, 3);
        assert.ok(!rows.some((e) => ids.includes(e.id)), list);
      }
    });

    test("next: sequential and parallel routing; waiting only on the caller's turn", async () => {
      const find = async (user: TestUser, list: string, id: string) => {
        const inbox = await json(await api(platform, user, "GET", "/api/envelopes?limit=200"));
        return inbox[list].find((e: any) => e.id === id);
      };
      const sequential = await create("Sequential", [
        { email: people.jpOfficial.email, role: "signer", order: 1 },
        { email: people.saOfficial.email, role: "signer", order: 2 },
        { email: people.saClerk.email, role: "viewer", order: 1 },
      ]);
      const parallel = await create("Parallel", [
        { email: people.jpOfficial.email, role: "signer", order: 1 },
        { email: people.saOfficial.email, role: "approver", order: 1 },
        { email: people.saClerk.email, role: "viewer", order: 2 },
      ]);
      // Drafts: nobody's turn yet.
      const draft = await find(people.jpOfficial, "sent", sequential);
      assert.equal(draft.status, "draft");
      assert.deepEqual(draft.next, []);
      assert.equal(draft.sentAt, null);
      for (const id of [sequential, parallel])
        await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/send`));

      let row = await find(people.jpOfficial, "sent", sequential);
      assert.deepEqual(row.next, [{ email: people.jpOfficial.email, role: "signer" }]);
      assert.ok(row.sentAt);
      assert.ok(await find(people.jpOfficial, "waiting", sequential));
      assert.equal(await find(people.saOfficial, "waiting", sequential), undefined); // order 2: not yet

      row = await find(people.jpOfficial, "sent", parallel);
      assert.deepEqual(
        row.next,
        [
          { email: people.jpOfficial.email, role: "signer" },
          { email: people.saOfficial.email, role: "approver" },
        ].sort((a, b) => a.email.localeCompare(b.email)),
      );
      assert.ok(await find(people.saOfficial, "waiting", parallel));
      assert.ok(await find(people.jpOfficial, "waiting", parallel));

      // Sequential: JP signs, then it is SA's turn.
      await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${sequential}/sign`));
      row = await find(people.jpOfficial, "sent", sequential);
      assert.deepEqual(row.next, [{ email: people.saOfficial.email, role: "signer" }]);
      assert.equal(await find(people.jpOfficial, "waiting", sequential), undefined);
      const waiting = await find(people.saOfficial, "waiting", sequential);
      assert.deepEqual(waiting.next, [{ email: people.saOfficial.email, role: "signer" }]);

      // Parallel: SA approves; JP is left.
      await json(await api(platform, people.saOfficial, "POST", `/api/envelopes/${parallel}/sign`));
      row = await find(people.jpOfficial, "sent", parallel);
      assert.deepEqual(row.next, [{ email: people.jpOfficial.email, role: "signer" }]);
      assert.equal(await find(people.saOfficial, "waiting", parallel), undefined);

      // Declined: finished, nobody's turn; in the completed list of both sides, not of the stranger.
      await json(
        await api(platform, people.jpOfficial, "POST", `/api/envelopes/${parallel}/decline`, { reason: "not now" }),
      );
      row = await find(people.saOfficial, "completed", parallel);
      assert.equal(row.status, "declined");
      assert.deepEqual(row.next, []);
      assert.ok(await find(people.jpAdmin, "completed", parallel));
      const stranger = await json(await api(platform, people.stranger, "GET", "/api/envelopes?limit=200"));
      assert.ok(
        ![...stranger.waiting, ...stranger.sent, ...stranger.completed].some(
          (e: any) => e.id === parallel || e.id === sequential,
        ),
      );
    });

    test("the scheduler deletes expired signing sessions and keeps the others", async () => {
      const id = await create("Device session", [{ email: people.saDevice.email, role: "signer", order: 1 }]);
      await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/send`));
      const prepared = await json(await api(platform, people.saDevice, "POST", `/api/envelopes/${id}/sign/prepare`));
      const live = await platform.db
        .selectFrom("signing_sessions")
        .selectAll()
        .where("id", "=", prepared.sessionId)
        .executeTakeFirstOrThrow();
      assert.ok(live.expires_at.getTime() > Date.now());
      const expiredId = randomUUID();
      await platform.db
        .insertInto("signing_sessions")
        .values({
          ...live,
          id: expiredId,
          state: JSON.stringify(live.state),
          expires_at: new Date(Date.now() - 1000),
        } as never)
        .execute();

      await platform.running.app.scheduler.runOnce();

      const left = await platform.db
        .selectFrom("signing_sessions")
        .select("id")
        .where("envelope_id", "=", id)
        .execute();
      assert.deepEqual(
        left.map((s) => s.id),
        [prepared.sessionId],
      );
      // An expired session is refused the same way before and after the purge.
      const r = await api(platform, people.saDevice, "POST", `/api/envelopes/${id}/sign/complete`, {
        sessionId: expiredId,
        signatureValue: "AAAA",
      });
      await assertRefusal(r, 404, "session_not_found");
    });
  });
}
