import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { openDatabase } from "../src/db/connect.js";
import { getDocument, putDocument } from "../src/db/documents.js";
import { MIGRATIONS } from "../src/db/migrations.js";
import { ENGINES, testDatabase } from "./support/db.js";

for (const engine of ENGINES) {
  describe(`database on ${engine}`, () => {
    test("migrates an empty database and again is a no-op", async () => {
      const t = await testDatabase(engine);
      try {
        const rows = await t.db.selectFrom("khatam_migrations").selectAll().execute();
        assert.equal(rows.length, MIGRATIONS.length);
        await t.close();
        const again = await openDatabase(t.location);
        assert.equal((await again.db.selectFrom("khatam_migrations").selectAll().execute()).length, MIGRATIONS.length);
        await again.close();
      } finally {
        await t.drop();
      }
    });

    test("stores documents by content: same bytes, one row, exact bytes back", async () => {
      const t = await testDatabase(engine);
      try {
        const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0, 255, 128]);
        const a = await putDocument(t.db, bytes);
        const b = await putDocument(t.db, bytes);
        assert.equal(a, b);
        assert.match(a, /^[0-9a-f]{64}$/);
        assert.deepEqual(await getDocument(t.db, a), bytes);
        const count = await t.db
          .selectFrom("documents")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow();
        assert.equal(Number(count.n), 1);
      } finally {
        await t.drop();
      }
    });

    test("a failed transaction leaves nothing behind; constraints hold", async () => {
      const t = await testDatabase(engine);
      try {
        await t.db
          .insertInto("countries")
          .values({ id: "jp", iso_code: "JP", names: JSON.stringify({ en: "Japan" }) })
          .execute();
        await assert.rejects(
          t.db.transaction().execute(async (tx) => {
            await tx
              .insertInto("agencies")
              .values({ id: randomUUID(), country_id: "jp", names: JSON.stringify({ en: "A" }) })
              .execute();
            await tx
              .insertInto("agencies")
              .values({ id: randomUUID(), country_id: "zz", names: JSON.stringify({ en: "B" }) })
              .execute();
          }),
        );
        const agencies = await t.db.selectFrom("agencies").selectAll().execute();
        assert.equal(agencies.length, 0);
        await assert.rejects(
          t.db
            .insertInto("countries")
            .values({ id: "X", iso_code: "xx", names: JSON.stringify({ en: "bad" }) })
            .execute(),
        );
      } finally {
        await t.drop();
      }
    });
  });
}
