/**
 * The trust services' state in the database (issue 12.5):
 *
 * - two server processes of one instance — separate data directories, one PostgreSQL database, one master key —
 *   issue and revoke certificates concurrently through the CA administration API: every serial is unique, each
 *   process's OCSP responder and CRL agree on every certificate's status, and the CRL numbers never repeat; a
 *   platform-held key one process made opens in the other (keys are rows, not files);
 * - a data directory of an earlier version (trust-services.json and key files) is imported once, keeping its CAs.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { freshPostgres } from "./support/db.js";
import {
  ADMIN_TOKEN,
  adminPost,
  crlOf,
  exited,
  makeCsr,
  openssl,
  spawnServer,
  startApp,
  storedTrustState,
  temporaryDirectory,
} from "./support/server.js";

async function withDatabase(run: (url: string) => Promise<void>): Promise<void> {
  const postgres = await freshPostgres();
  try {
    await run(postgres.url);
  } finally {
    await postgres.drop();
  }
}

/** openssl's view of a DER OCSP answer for `serial` of CA `ca` at `url`. */
async function ocspStatus(url: string, work: string, ca: string, serial: string): Promise<string> {
  const chain = await (await fetch(`${url}/pki/${ca}/ca.pem`)).text();
  const issuer = join(work, `issuer-${ca}.pem`);
  writeFileSync(issuer, chain.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
  const result = await openssl([
    "ocsp",
    "-issuer",
    issuer,
    "-serial",
    `0x${serial}`,
    "-url",
    `${url}/pki/${ca}/ocsp`,
    "-noverify",
  ]);
  const line = result.stdout.split("\n").find((l) => l.startsWith(`0x${serial}:`)) ?? result.stdout + result.stderr;
  return line.replace(/^0x[0-9a-fA-F]+:\s*/, "").trim();
}

describe("the trust services' state in the database", () => {
  it("two processes on one PostgreSQL database issue and revoke concurrently and agree", {
    timeout: 240_000,
  }, async () => {
    await withDatabase(async (databaseUrl) => {
      const dirs = [temporaryDirectory("khatam-proc-a-"), temporaryDirectory("khatam-proc-b-")];
      const work = temporaryDirectory("khatam-work-");
      const masterKey = randomBytes(32).toString("base64");
      const env = (dir: string) => ({
        KHATAM_DATA: dir,
        DATABASE_URL: databaseUrl,
        KHATAM_MASTER_KEY: masterKey,
        KHATAM_ADMIN_TOKEN: ADMIN_TOKEN,
        KHATAM_DEMO_KEY_TYPE: "P-256",
        LOG_LEVEL: "warn",
      });
      const a = await spawnServer(env(dirs[0]!.path));
      const b = await spawnServer(env(dirs[1]!.path));
      try {
        const processes = [a.url, b.url];
        // The second process found the first one's CAs: the same roots.
        assert.equal(
          await (await fetch(`${a.url}/pki/jp/root.pem`)).text(),
          await (await fetch(`${b.url}/pki/jp/root.pem`)).text(),
        );
        const { csr } = await makeCsr(work.path, "k", "/C=JP/O=Digital Agency/CN=Concurrent");
        const csrPem = readFileSync(csr, "utf8");
        // 24 issuances, alternating processes, all at once.
        const issued = await Promise.all(
          Array.from({ length: 24 }, async (_, i) => {
            const r = await adminPost(`${processes[i % 2]}/api/admin/cas/jp/certificates`, {
              profile: "official",
              csrPem,
            });
            assert.equal(r.status, 201, await r.clone().text());
            return ((await r.json()) as { serial: string }).serial.toLowerCase();
          }),
        );
        assert.equal(new Set(issued).size, issued.length, "every serial unique");
        // Revoke every third, each through the process that did not issue it, all at once, with CRLs asked meanwhile.
        const revoked = issued.filter((_, i) => i % 3 === 0);
        await Promise.all([
          ...revoked.map(async (serial) => {
            const i = issued.indexOf(serial);
            const r = await adminPost(`${processes[(i + 1) % 2]}/api/admin/cas/jp/certificates/${serial}/revoke`, {
              reason: "keyCompromise",
            });
            assert.equal(r.status, 200, await r.clone().text());
          }),
          ...processes.map((url) => fetch(`${url}/pki/jp/crl`)),
        ]);
        // Both processes list every certificate, and agree on each one's status.
        for (const url of processes) {
          const listed = (await (await fetch(`${url}/pki/jp/certs`)).json()) as { serial: string; status: string }[];
          const status = new Map(listed.map((c) => [c.serial.toLowerCase(), c.status]));
          for (const serial of issued) {
            assert.equal(status.get(serial), revoked.includes(serial) ? "revoked" : "good", `${url} ${serial}`);
          }
        }
        for (const serial of [...revoked.slice(0, 3), ...issued.filter((s) => !revoked.includes(s)).slice(0, 2)]) {
          const expected = revoked.includes(serial) ? "revoked" : "good";
          for (const url of processes) assert.equal(await ocspStatus(url, work.path, "jp", serial), expected);
        }
        const crlA = await crlOf(a.url, work.path, "jp");
        const crlB = await crlOf(b.url, work.path, "jp");
        for (const list of [crlA, crlB]) {
          for (const serial of revoked) assert.ok(list.serials.has(serial.replace(/^0+/, "")), `CRL lists ${serial}`);
          assert.equal(list.serials.size, revoked.length);
        }
        if (crlA.number === crlB.number) {
          assert.deepEqual(crlA.serials, crlB.serials, "one CRL number, one content");
        }
        // No key file in either data directory: every key is a row both processes open.
        for (const dir of dirs) assert.ok(!existsSync(join(dir.path, "keys")));
      } finally {
        for (const p of [a, b]) p.child.kill("SIGTERM");
        await Promise.all([exited(a.child), exited(b.child)]);
        for (const d of dirs) d.remove();
        work.remove();
      }
    });
  });

  it("imports the trust-services.json of an earlier version once, with its key files", async () => {
    const first = temporaryDirectory();
    const old = temporaryDirectory();
    try {
      const running = await startApp(first.path, { demo: true });
      const root = await (await fetch(`${running.url}/pki/jp/root.pem`)).text();
      await running.close();
      // The same CAs laid out as an earlier version kept them: the state file, key files, the master key.
      const { state, keys } = await storedTrustState(first.path);
      mkdirSync(join(old.path, "keys"), { recursive: true });
      for (const [name, pem] of keys) writeFileSync(join(old.path, "keys", name), pem, { mode: 0o600 });
      writeFileSync(join(old.path, "trust-services.json"), JSON.stringify(state));
      copyFileSync(join(first.path, "master.key"), join(old.path, "master.key"));

      const reopened = await startApp(old.path, { demo: false });
      try {
        assert.equal(await (await fetch(`${reopened.url}/pki/jp/root.pem`)).text(), root);
        assert.ok(!existsSync(join(old.path, "trust-services.json")));
        assert.ok(existsSync(join(old.path, "trust-services.json.imported")));
        // It issues on: the imported keys (files) sign.
        const work = temporaryDirectory("khatam-work-");
        try {
          const { csr } = await makeCsr(work.path, "k", "/C=JP/O=Digital Agency/CN=After import");
          const r = await adminPost(`${reopened.url}/api/admin/cas/jp/certificates`, {
            profile: "official",
            csrPem: readFileSync(csr, "utf8"),
          });
          assert.equal(r.status, 201);
        } finally {
          work.remove();
        }
      } finally {
        await reopened.close();
      }
    } finally {
      first.remove();
      old.remove();
    }
  });
});
