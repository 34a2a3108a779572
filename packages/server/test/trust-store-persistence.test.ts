/**
 * The trust store survives restarts: a graceful one (same app options, same data directory) and `kill -9` of
 * `node main.js` right after the HTTP answer; key files are encrypted PKCS#8 that OpenSSL opens with the master key
 * and with nothing else.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  ADMIN_TOKEN,
  adminPost,
  crlOf,
  exited,
  makeCsr,
  openssl,
  spawnServer,
  startApp,
  temporaryDirectory,
} from "./support/server.js";

interface Listed {
  serial: string;
  status: string;
  notAfter: string;
  pem: string;
}

describe("trust store persistence", () => {
  it("a restarted app on the same data directory has the same CAs, records and revocations", async () => {
    const data = temporaryDirectory();
    const work = temporaryDirectory("khatam-work-");
    try {
      const first = await startApp(data.path);
      const { csr } = await makeCsr(work.path, "a", "/C=SA/O=MCIT/CN=Official A");
      const issued = (await (
        await adminPost(`${first.url}/api/admin/cas/sa/certificates`, {
          profile: "seal",
          csrPem: readFileSync(csr, "utf8"),
        })
      ).json()) as { serial: string };
      await adminPost(`${first.url}/api/admin/cas/sa/certificates/${issued.serial}/revoke`, { reason: "superseded" });
      const before = {
        jp: await (await fetch(`${first.url}/pki/jp/ca.pem`)).text(),
        sa: await (await fetch(`${first.url}/pki/sa/ca.pem`)).text(),
        certs: (await (await fetch(`${first.url}/pki/sa/certs`)).json()) as Listed[],
        cross: await (await fetch(`${first.url}/pki/jp/cross.pem`)).text(),
      };
      const crlBefore = (await crlOf(first.url, work.path, "sa")).number;
      await first.close();

      const second = await startApp(data.path);
      try {
        assert.equal(await (await fetch(`${second.url}/pki/jp/ca.pem`)).text(), before.jp);
        assert.equal(await (await fetch(`${second.url}/pki/sa/ca.pem`)).text(), before.sa);
        assert.equal(await (await fetch(`${second.url}/pki/jp/cross.pem`)).text(), before.cross);
        const after = (await (await fetch(`${second.url}/pki/sa/certs`)).json()) as Listed[];
        assert.deepEqual(after, before.certs);
        assert.equal(after.find((c) => c.serial === issued.serial)?.status, "revoked");
        // RFC 5280 § 5.2.3: CRL numbers keep increasing across the restart.
        assert.ok((await crlOf(second.url, work.path, "sa")).number > crlBefore);
        // The restored keys still sign: an OCSP answer for the revoked certificate verifies.
        const cert = join(work.path, "a.pem");
        writeFileSync(cert, after.find((c) => c.serial === issued.serial)!.pem);
        const chain = join(work.path, "sa-chain.pem");
        writeFileSync(chain, before.sa);
        const issuing = join(work.path, "sa-issuing.pem");
        writeFileSync(issuing, before.sa.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
        const ocsp = await openssl([
          "ocsp",
          "-url",
          `${second.url}/pki/sa/ocsp`,
          "-issuer",
          issuing,
          "-cert",
          cert,
          "-CAfile",
          chain,
        ]);
        assert.match(ocsp.stderr + ocsp.stdout, /Response verify OK/);
        assert.match(ocsp.stdout, /: revoked/);
        assert.match(ocsp.stdout, /Reason: superseded/);
      } finally {
        await second.close();
      }
    } finally {
      data.remove();
      work.remove();
    }
  });

  it("stores software keys as encrypted PKCS#8 only (in the database), under a 0600 master key", async () => {
    const data = temporaryDirectory();
    try {
      const app = await startApp(data.path);
      const rows = await app.app.db.selectFrom("trust_keys").select(["name", "pem"]).orderBy("name").execute();
      const state = JSON.stringify(
        (await app.app.db.selectFrom("trust_state").select("state").executeTakeFirstOrThrow()).state,
      );
      await app.close();
      assert.ok(!existsSync(join(data.path, "keys")), "no key file beside the database");
      // The demo officials' platform-held signing keys (tenancy/signing-keys.ts) live beside the CA keys.
      const names = rows.map((r) => r.name);
      const officials = names.filter((f) => /^user-[0-9a-f-]{36}-1-[0-9a-f]{12}\.key\.pem$/.test(f));
      assert.equal(officials.length, 2);
      assert.deepEqual(
        names.filter((f) => !officials.includes(f)).map((f) => f.replace(/-[0-9a-f]{12}\.key\.pem$/, "")),
        ["jp-issuing", "jp-ocsp", "jp-root", "jp-tsa", "sa-issuing", "sa-ocsp", "sa-root", "sa-tsa"],
      );
      const masterKey = join(data.path, "master.key");
      assert.equal(statSync(masterKey).mode & 0o777, 0o600);
      const passphrase = Buffer.from(readFileSync(masterKey, "utf8").trim(), "base64").toString("base64");
      const work = temporaryDirectory("khatam-keys-");
      try {
        for (const row of rows) {
          assert.match(row.pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
          assert.doesNotMatch(row.pem, /BEGIN (EC |RSA )?PRIVATE KEY/);
          const path = join(work.path, row.name);
          writeFileSync(path, row.pem);
          const parsed = await openssl(["asn1parse", "-in", path]);
          assert.match(parsed.stdout, /aes-256-cbc/);
          const wrong = await openssl(["pkey", "-in", path, "-passin", "pass:wrong", "-noout"]);
          assert.notEqual(wrong.code, 0);
          const right = await openssl(["pkey", "-in", path, "-passin", `pass:${passphrase}`, "-noout"]);
          assert.equal(right.code, 0, right.stderr);
        }
      } finally {
        work.remove();
      }
      // The trust services' state names keys, never holds one.
      assert.doesNotMatch(state, /PRIVATE KEY/);
      assert.match(state, /jp-root-[0-9a-f]{12}\.key\.pem/);
    } finally {
      data.remove();
    }
  });

  it("refuses to start with another master key (KHATAM_MASTER_KEY) rather than serve with wrong keys", async () => {
    const data = temporaryDirectory();
    try {
      const app = await startApp(data.path);
      await app.close();
      await assert.rejects(
        startApp(data.path, { masterKey: Buffer.alloc(32, 7).toString("base64") }),
        /cannot decrypt jp-root-[0-9a-f]{12}\.key\.pem: wrong master key/,
      );
    } finally {
      data.remove();
    }
  });

  it("keeps a revocation answered just before kill -9 of node main.js", async () => {
    const data = temporaryDirectory();
    const work = temporaryDirectory("khatam-work-");
    const env = {
      KHATAM_DATA: data.path,
      KHATAM_ADMIN_TOKEN: ADMIN_TOKEN,
      KHATAM_DEMO_KEY_TYPE: "P-256",
      LOG_LEVEL: "warn",
    };
    try {
      const first = await spawnServer(env);
      let serial: string;
      try {
        const { csr } = await makeCsr(work.path, "k", "/C=JP/O=Digital Agency/CN=Killed");
        const issued = await adminPost(`${first.url}/api/admin/cas/jp/certificates`, {
          profile: "official",
          csrPem: readFileSync(csr, "utf8"),
        });
        assert.equal(issued.status, 201);
        serial = ((await issued.json()) as { serial: string }).serial;
        const revoked = await adminPost(`${first.url}/api/admin/cas/jp/certificates/${serial}/revoke`, {
          reason: "affiliationChanged",
        });
        assert.equal(revoked.status, 200);
      } finally {
        first.child.kill("SIGKILL");
      }
      assert.equal((await exited(first.child)).signal, "SIGKILL");

      const second = await spawnServer(env);
      try {
        const certs = (await (await fetch(`${second.url}/pki/jp/certs`)).json()) as (Listed & {
          reason?: string;
        })[];
        const entry = certs.find((c) => c.serial === serial);
        assert.equal(entry?.status, "revoked");
        assert.equal(entry?.reason, "affiliationChanged");
        const logged = second.log();
        assert.doesNotMatch(logged, new RegExp(ADMIN_TOKEN));
      } finally {
        second.child.kill("SIGTERM");
        const { code } = await exited(second.child);
        assert.equal(code, 0); // graceful shutdown on SIGTERM
      }
    } finally {
      data.remove();
      work.remove();
    }
  });
});
