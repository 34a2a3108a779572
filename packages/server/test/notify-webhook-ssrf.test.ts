import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { issueCredential } from "../src/auth/identity.js";
import { secretBox } from "../src/auth/secret-box.js";
import { enqueueWebhook } from "../src/notify/outbox.js";
import { verifyWebhookSignature } from "../src/notify/webhook-signature.js";
import {
  classifyAddress,
  parseWebhookAllowList,
  type ResolvedAddress,
  systemResolver,
  type WebhookResolver,
  webhookTargets,
} from "../src/notify/webhook-target.js";
import { ENGINES, testDatabase } from "./support/db.js";
import { fakeResolver, insertWebhook, seedAgency, startWebhookReceiver, testOutboxWorker } from "./support/notify.js";
import { type AppHandle, appOn } from "./support/server.js";

const PUBLIC = "93.184.215.14"; // a public address (never connected to: the tests that use it deliver nothing)

/** Fake answers for the names in `table`; the system resolver (/etc/hosts: localhost) for the rest. */
function resolverWith(table: Record<string, string | readonly string[] | ((call: number) => string)>): WebhookResolver {
  const fake = fakeResolver(table);
  return (hostname: string): Promise<readonly ResolvedAddress[]> =>
    hostname.toLowerCase() in table ? fake(hostname) : systemResolver(hostname);
}

async function adminOf(app: FastifyInstance) {
  const agency = await seedAgency(app.db, "jp");
  const bearer = `Bearer ${await issueCredential(app.db, agency.users.agency_admin.id, { kind: "api" })}`;
  const register = (url: string, events: string[] = ["*"]) =>
    app.inject({ method: "POST", url: "/api/webhooks", headers: { authorization: bearer }, payload: { url, events } });
  return { agency, register };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("webhook destinations: the address classes refused (IANA special-purpose registries)", () => {
  const cases: [string, string | undefined][] = [
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.1.2.3", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["100.64.0.1", "shared (CGNAT)"],
    ["169.254.169.254", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.251", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["192.0.2.1", "documentation"],
    ["198.18.0.1", "reserved"],
    ["240.0.0.1", "reserved"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["::7f00:1", "reserved"],
    ["64:ff9b::a00:1", "private"],
    ["2002:c0a8:0101::1", "private"],
    ["fc00::1", "unique-local"],
    ["fd12:3456::1", "unique-local"],
    ["fe80::1", "link-local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["2001::1", "reserved"],
    ["4000::1", "reserved"],
    // Publicly routable: accepted.
    ["93.184.215.14", undefined],
    ["172.32.0.1", undefined],
    ["100.128.0.1", undefined],
    ["::ffff:93.184.215.14", undefined],
    ["64:ff9b::5db8:d70e", undefined],
    ["2606:4700::1111", undefined],
  ];
  for (const [address, why] of cases) {
    test(`${address}: ${why ?? "public"}`, () => assert.equal(classifyAddress(address), why));
  }

  test("KHATAM_WEBHOOK_ALLOW: blocks, addresses and names; a malformed entry stops the start", () => {
    const allow = parseWebhookAllowList(" 10.20.0.0/16, fd00::/8 ,192.168.1.5, Hooks.Agency.Internal. ");
    assert.equal(allow.blocks.check("10.20.3.4", "ipv4"), true);
    assert.equal(allow.blocks.check("10.21.0.1", "ipv4"), false);
    assert.equal(allow.blocks.check("192.168.1.5", "ipv4"), true);
    assert.equal(allow.blocks.check("192.168.1.6", "ipv4"), false);
    assert.equal(allow.blocks.check("fd00::1", "ipv6"), true);
    assert.deepEqual([...allow.hosts], ["hooks.agency.internal"]);
    for (const bad of ["10.0.0.0/33", "10.0.0.0/x", "::/129", "10.0.0.0/8/8", "http://x/", "a b", "*.internal"]) {
      assert.throws(() => parseWebhookAllowList(bad), /KHATAM_WEBHOOK_ALLOW/, bad);
    }
    assert.equal(parseWebhookAllowList("").entries.length, 0);
  });
});

describe("webhook registration refuses non-public destinations (SSRF)", () => {
  test("each refused address form is 400 webhook_address_refused and stores nothing", async () => {
    const { app, close } = await appOn(ENGINES[0]!, {
      webhookResolver: resolverWith({
        "hooks.example.go.jp": PUBLIC,
        "internal.example": "10.1.2.3",
        "metadata.example": "169.254.169.254",
        "mixed.example": [PUBLIC, "192.168.0.5"],
        "mapped.example": "::ffff:127.0.0.1",
        "khatam.example.gov": "93.184.215.20",
        "alias-of-khatam.example": "93.184.215.20",
      }),
    });
    try {
      const { register } = await adminOf(app);
      const refused = [
        "http://127.0.0.1:8080/api/webhooks",
        "http://localhost:8080/",
        "http://LOCALHOST./",
        "http://127.1/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://127.0.0.2/",
        "http://[::1]/",
        "http://[0:0:0:0:0:0:0:1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:c0a8:101::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://0/",
        "http://[::]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://255.255.255.255/",
        "http://192.0.2.10/",
        "http://198.51.100.1/",
        "http://203.0.113.5/",
        "http://[2001:db8::1]/",
        "http://240.0.0.1/",
        "https://internal.example/hook",
        "https://metadata.example/",
        "https://mixed.example/", // any one refused address refuses the name
        "https://mapped.example/",
        "https://unresolvable.invalid/",
        "https://khatam.example.gov/api/webhooks", // the platform's own public URL
        "https://alias-of-khatam.example/api/webhooks", // another name for it
      ];
      for (const url of refused) {
        const r = await register(url);
        assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
        assert.equal(r.json().error.code, "webhook_address_refused", url);
      }
      assert.equal((await app.db.selectFrom("webhooks").selectAll().execute()).length, 0);
      // A public receiver is accepted (the check refuses what it should, not everything).
      assert.equal((await register("https://hooks.example.go.jp/khatam")).statusCode, 201);
      assert.equal((await register("https://khatam.example.gov:8443/elsewhere")).statusCode, 201); // another port
    } finally {
      await close();
    }
  });
});

describe("webhook delivery connects only to the address it checked (DNS rebinding)", () => {
  test("a name public at registration and 127.0.0.1 at delivery: no connection, the delivery fails", async () => {
    const receiver = await startWebhookReceiver();
    const port = new URL(receiver.url).port;
    // localhost really is 127.0.0.1 (/etc/hosts): without the check at delivery the receiver would get the POST.
    const { app, close } = await appOn(ENGINES[0]!, {
      webhookResolver: resolverWith({ localhost: (call) => (call === 1 ? PUBLIC : "127.0.0.1") }),
    });
    try {
      const { agency, register } = await adminOf(app);
      const created = await register(`http://localhost:${port}/hooks/khatam`);
      assert.equal(created.statusCode, 201, created.body);
      await app.db
        .transaction()
        .execute((tx) => enqueueWebhook(tx, { agencyId: agency.agencyId, event: "envelope.sent", data: {} }));
      assert.deepEqual(await app.outbox.drainOnce(), { delivered: 0, failed: 1 });
      assert.equal(receiver.received.length, 0, "no request reached the loopback receiver");
      const row = await app.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
      assert.equal(row.delivered_at, null);
      assert.match(row.last_error ?? "", /webhook host localhost resolves to a loopback address \(127\.0\.0\.1\)/);
    } finally {
      await close();
      await receiver.close();
    }
  });

  test("the connection goes to the checked address, whatever the system resolver says; Host names the URL's host", async () => {
    const receiver = await startWebhookReceiver();
    const port = new URL(receiver.url).port;
    const t = await testDatabase(ENGINES[0]!);
    // receiver.test exists only in the checker's resolver: the socket must be given the address it checked.
    const worker = testOutboxWorker(t.db, {
      webhookTargets: webhookTargets({
        allow: parseWebhookAllowList("127.0.0.1/32"),
        resolve: fakeResolver({ "receiver.test": "127.0.0.1" }),
      }),
    });
    try {
      const { agencyId } = await seedAgency(t.db, "sa");
      await insertWebhook(t.db, {
        id: randomUUID(),
        agencyId,
        url: `http://receiver.test:${port}/hooks/khatam`,
        secret: "whsec_pinned",
        events: ["*"],
      });
      await t.db.transaction().execute((tx) => enqueueWebhook(tx, { agencyId, event: "envelope.sent", data: {} }));
      assert.deepEqual(await worker.drainOnce(), { delivered: 1, failed: 0 });
      assert.equal(receiver.received.length, 1);
      const hook = receiver.received[0]!;
      assert.equal(hook.headers.host, `receiver.test:${port}`);
      assert.equal(verifyWebhookSignature("whsec_pinned", hook.headers["khatam-signature"] as string, hook.body), true);
    } finally {
      await worker.stop();
      await receiver.close();
      await t.drop();
    }
  });
});

describe("KHATAM_WEBHOOK_ALLOW admits on-premises receivers, and only those", () => {
  test("a 127.0.0.1 receiver allow-listed works end to end; 127.0.0.2, other names and the server itself do not", async () => {
    const receiver = await startWebhookReceiver();
    const { app, close } = await appOn(ENGINES[0]!, {
      webhookAllow: "127.0.0.1/32, hooks.agency.internal",
      webhookResolver: resolverWith({ "hooks.agency.internal": "10.9.8.7", "other.agency.internal": "10.9.8.7" }),
    });
    try {
      await app.listen({ host: "127.0.0.1", port: 0 });
      const ownPort = (app.server.address() as AddressInfo).port;
      const { agency, register } = await adminOf(app);
      const created = await register(receiver.url, ["envelope.completed"]);
      assert.equal(created.statusCode, 201, created.body);
      const { secret } = created.json();
      // An allow-listed name is trusted whatever it resolves to; its neighbour is not.
      assert.equal((await register("http://hooks.agency.internal/khatam", ["envelope.declined"])).statusCode, 201);
      for (const url of [
        receiver.url.replace("127.0.0.1", "127.0.0.2"),
        "http://other.agency.internal/khatam",
        `http://127.0.0.1:${ownPort}/api/webhooks`, // the platform itself: refused even though 127.0.0.1 is allowed
      ]) {
        const r = await register(url);
        assert.equal(r.statusCode, 400, url);
        assert.equal(r.json().error.code, "webhook_address_refused", url);
      }
      await app.db
        .transaction()
        .execute((tx) =>
          enqueueWebhook(tx, { agencyId: agency.agencyId, event: "envelope.completed", data: { ok: true } }),
        );
      assert.deepEqual(await app.outbox.drainOnce(), { delivered: 1, failed: 0 });
      assert.equal(receiver.received.length, 1);
      const hook = receiver.received[0]!;
      assert.equal(verifyWebhookSignature(secret, hook.headers["khatam-signature"] as string, hook.body), true);
    } finally {
      await close();
      await receiver.close();
    }
  });
});

for (const engine of ENGINES) {
  describe(`webhook secrets at rest on ${engine}`, () => {
    test("the secret is sealed with the master key: not in the rows, nor (PGlite) in any database file", async () => {
      const receiver = await startWebhookReceiver();
      const handle = await appOn(engine, { webhookAllow: "127.0.0.1/32" });
      try {
        const { agency, register } = await adminOf(handle.app);
        const created = await register(receiver.url);
        assert.equal(created.statusCode, 201);
        const { secret } = created.json() as { secret: string };
        const rows = await handle.app.db.selectFrom("webhooks").selectAll().execute();
        assert.equal(rows.length, 1);
        assert.ok(!JSON.stringify(rows).includes(secret), "the secret is not stored in clear");
        assert.ok(!JSON.stringify(rows).includes(secret.slice("whsec_".length)), "nor its random part");
        assert.equal(rows[0]!.secret, null);
        assert.match(rows[0]!.sealed_secret ?? "", /^v1\./);
        // Deliveries unseal it: the receiver verifies with the secret shown at creation.
        await handle.app.db
          .transaction()
          .execute((tx) => enqueueWebhook(tx, { agencyId: agency.agencyId, event: "envelope.sent", data: {} }));
        assert.deepEqual(await handle.app.outbox.drainOnce(), { delivered: 1, failed: 0 });
        const hook = receiver.received[0]!;
        assert.equal(verifyWebhookSignature(secret, hook.headers["khatam-signature"] as string, hook.body), true);
        if (engine === "pglite") {
          await handle.app.close();
          const needle = Buffer.from(secret.slice("whsec_".length));
          const files = filesUnder(join(handle.dir.path, "db"));
          assert.ok(files.length > 0);
          for (const file of files) assert.equal(readFileSync(file).indexOf(needle), -1, file);
        }
      } finally {
        await handle.close().catch(() => handle.dir.remove());
        await receiver.close();
      }
    });

    test("a secret stored in clear before migration 4 is sealed at the next start and still signs", async () => {
      const receiver = await startWebhookReceiver();
      const first = await appOn(engine, { webhookAllow: "127.0.0.1/32" });
      let second: AppHandle | undefined;
      try {
        const { agency } = await adminOf(first.app);
        const id = randomUUID();
        // As an earlier version (or a replica not yet upgraded) wrote it.
        await first.app.db
          .insertInto("webhooks")
          .values({ id, agency_id: agency.agencyId, url: receiver.url, secret: "whsec_legacy", events: ["*"] })
          .execute();
        await first.app.close();
        second = await appOn(engine, { webhookAllow: "127.0.0.1/32" }, first);
        const row = await second.app.db
          .selectFrom("webhooks")
          .selectAll()
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        assert.equal(row.secret, null);
        assert.equal(await second.app.secretBox.open("webhook-secret", row.sealed_secret ?? ""), "whsec_legacy");
        await second.app.db
          .transaction()
          .execute((tx) => enqueueWebhook(tx, { agencyId: agency.agencyId, event: "envelope.sent", data: {} }));
        assert.deepEqual(await second.app.outbox.drainOnce(), { delivered: 1, failed: 0 });
        const hook = receiver.received[0]!;
        assert.equal(
          verifyWebhookSignature("whsec_legacy", hook.headers["khatam-signature"] as string, hook.body),
          true,
        );
      } finally {
        if (second) await second.close();
        else await first.close();
        await receiver.close();
      }
    });

    test("a sealed secret that does not open (another master key) fails the delivery; nothing is sent", async () => {
      const t = await testDatabase(engine);
      const receiver = await startWebhookReceiver();
      const worker = testOutboxWorker(t.db, {
        box: secretBox(async () => Buffer.alloc(32, 9)), // not TEST_BOX's key
      });
      try {
        const { agencyId } = await seedAgency(t.db, "jp");
        await insertWebhook(t.db, { id: randomUUID(), agencyId, url: receiver.url, secret: "whsec_x", events: ["*"] });
        await t.db.transaction().execute((tx) => enqueueWebhook(tx, { agencyId, event: "envelope.sent", data: {} }));
        assert.deepEqual(await worker.drainOnce(), { delivered: 0, failed: 1 });
        assert.equal(receiver.received.length, 0);
        const row = await t.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
        assert.match(row.last_error ?? "", /cannot be unsealed/);
      } finally {
        await worker.stop();
        await receiver.close();
        await t.drop();
      }
    });
  });
}
