/**
 * The demo federation seed on both engines: on a restart it is not seeded again (same users, same certificates); a
 * seed that fails midway leaves no row and succeeds on the next try; with KHATAM_PKCS11_MODULE the officials' keys
 * are generated in the token (SoftHSM2) as `khatam-user-<id>-1`, non-extractable, with no key file on disk.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createVerify, X509Certificate } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { seedDemo } from "../src/tenancy/demo.js";
import { signerForCertificate } from "../src/tenancy/signing-keys.js";
import type { KeyStore } from "../src/trust/keys.js";
import { ENGINES, testDatabase } from "./support/db.js";
import { login, startPlatform } from "./support/platform.js";
import { createSoftHsmToken, softHsmAvailable } from "./support/softhsm.js";

for (const engine of ENGINES) {
  describe(`demo federation on ${engine}`, () => {
    it("is seeded once: a restart keeps the same users and certificates; a failed seed leaves nothing and is retried", async () => {
      const first = await startPlatform(engine, { demoPassword: "another-demo-pw" });
      try {
        const snapshot = async () =>
          first.app.db
            .selectFrom("users as u")
            .leftJoin("signing_certificates as c", "c.user_id", "u.id")
            .select(["u.email", "u.role", "c.serial", "c.ca_id"])
            .orderBy("u.email")
            .execute();
        const before = await snapshot();
        assert.deepEqual(
          before.map((r) => [r.email, r.role, r.ca_id]),
          [
            ["admin@jp.demo", "agency_admin", null],
            ["admin@sa.demo", "agency_admin", null],
            ["clerk@sa.demo", "clerk", null],
            ["official@jp.demo", "official", "jp"],
            ["official@sa.demo", "official", "sa"],
          ],
        );
        await login(first.app, "clerk@sa.demo", "another-demo-pw");
        const countries = await first.app.db.selectFrom("countries").select(["id", "names"]).orderBy("id").execute();
        assert.deepEqual(countries[0]!.names, { en: "Japan", ar: "اليابان", ja: "日本" });
        const agencies = await first.app.db.selectFrom("agencies").select("names").execute();
        assert.ok(agencies.some((a) => a.names.en.includes("(MCIT)") && a.names.ja));

        // A seed into another empty database whose second key fails: rolled back whole, then retried.
        const other = await testDatabase(engine);
        try {
          let calls = 0;
          const failing: KeyStore = {
            ...first.app.keyStore,
            createNamed: async (name, keyType) => {
              if (++calls === 2) throw new Error("simulated crash while making a key");
              return first.app.keyStore.createNamed(name, keyType);
            },
          };
          await assert.rejects(
            seedDemo({ db: other.db, store: first.app.trustStore, keyStore: failing }),
            /simulated crash/,
          );
          for (const table of ["countries", "agencies", "users", "signing_certificates"] as const) {
            assert.equal((await other.db.selectFrom(table).selectAll().execute()).length, 0, table);
          }
          assert.equal(
            await seedDemo({ db: other.db, store: first.app.trustStore, keyStore: first.app.keyStore }),
            true,
          );
          assert.equal((await other.db.selectFrom("users").selectAll().execute()).length, 5);
          assert.equal(
            await seedDemo({ db: other.db, store: first.app.trustStore, keyStore: first.app.keyStore }),
            false,
          );
          assert.equal((await other.db.selectFrom("signing_certificates").selectAll().execute()).length, 2);
        } finally {
          await other.drop();
        }

        await first.stop();
        const second = await startPlatform(engine, { dataDir: first.dataDir, databaseUrl: first.databaseUrl });
        try {
          const after = await second.app.db
            .selectFrom("users as u")
            .leftJoin("signing_certificates as c", "c.user_id", "u.id")
            .select(["u.email", "u.role", "c.serial", "c.ca_id"])
            .orderBy("u.email")
            .execute();
          assert.deepEqual(after, before);
          await login(second.app, "official@jp.demo", "another-demo-pw");
        } finally {
          await second.stop();
        }
      } finally {
        await first.close();
      }
    });

    it("keeps officials' keys in the PKCS#11 token when one is configured", {
      skip: !softHsmAvailable() && "SoftHSM2 not installed",
    }, async () => {
      const token = createSoftHsmToken();
      const platform = await startPlatform(engine, {
        pkcs11: { module: token.module, token: token.label, pin: token.pin },
      });
      try {
        const rows = await platform.app.db
          .selectFrom("signing_certificates as c")
          .innerJoin("users as u", "u.id", "c.user_id")
          .select(["u.id as userId", "u.email", "c.der", "c.key_ref"])
          .execute();
        assert.equal(rows.length, 2);
        const objects = execFileSync(
          "pkcs11-tool",
          ["--module", token.module, "--token-label", token.label, "--login", "--pin", token.pin, "--list-objects"],
          { env: token.env, encoding: "utf8" },
        );
        for (const row of rows) {
          const label = `khatam-user-${row.userId}-1`;
          assert.equal((row.key_ref as { kind: string; label: string }).kind, "pkcs11");
          assert.equal((row.key_ref as { label: string }).label, label);
          const block = objects
            .split(/\n(?=\S)/)
            .find((b) => b.startsWith("Private Key Object") && b.includes(`label:      ${label}\n`));
          assert.ok(block, `private key ${label} in the token:\n${objects}`);
          assert.match(block!, /never extractable/);
          const signer = await signerForCertificate(platform.app, row);
          const data = new TextEncoder().encode(`signed by ${row.email} in the HSM`);
          const signature = await signer.sign(data);
          const publicKey = new X509Certificate(Buffer.from(row.der)).publicKey;
          assert.ok(createVerify("SHA256").update(data).verify(publicKey, Buffer.from(signature)));
        }
        assert.ok(
          !existsSync(join(platform.dataDir, "keys")) || readdirSync(join(platform.dataDir, "keys")).length === 0,
        );
        assert.ok(!existsSync(join(platform.dataDir, "master.key")), "no master key is needed without TOTP");
      } finally {
        await platform.close();
        token.cleanup();
      }
    });
  });
}
