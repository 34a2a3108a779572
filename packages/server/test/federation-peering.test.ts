/**
 * Peering (issue 12.2), between two real instances on loopback — `jp` and `sa`, each with its own data directory and
 * embedded database — with `sa` reached through a proxy that can tamper with what it serves:
 *
 * - the identity is a signed response (RFC 9421): a changed body, a changed signed header, a stale or foreign
 *   signature are refused;
 * - a platform administrator of `jp` peers with `sa` by id, address and fingerprint; `sa`'s roots then anchor the
 *   verification of a document an SA official signed on `sa` (before: no chain; after: TOTAL_PASSED), and the
 *   public verification page's anchors include them; removing the partner takes them away;
 * - refused, and nothing pinned: a wrong fingerprint, a wrong id, an unreachable address, itself, a second time,
 *   anyone but a platform administrator, a server that is not an instance, a trusted list whose signature fails;
 * - refresh: a list older than the pinned one, or another list under the same number, is refused and the pinned list
 *   stays; the scheduler refreshes a list whose NextUpdate has come, and records a failure without losing the pin.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { softwareSigner } from "@khatam/core/keys";
import { httpbis } from "http-message-signatures";
import { sql } from "kysely";
import {
  contentDigest,
  keyFingerprint,
  MessageSignatureError,
  signResponse,
  verifyMessage,
} from "../src/federation/message-signatures.js";
import type { InstanceIdentity } from "../src/federation/schemas.js";
import type { InstanceKey } from "../src/trust/store.js";
import { envelopeForm, plainPdf } from "./support/envelopes.js";
import { ADMIN_TOKEN, apiTokenOf, freePort, type RunningApp, startApp, temporaryDirectory } from "./support/server.js";

/** A proxy in front of an instance that can replace the trusted list it serves. */
interface Proxy {
  readonly url: string;
  tamperList?: (xml: string) => string;
  close(): Promise<void>;
}

async function startProxy(port: number, target: () => string): Promise<Proxy> {
  const proxy: Proxy & { server?: Server } = {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => proxy.server!.close(() => resolve())),
  };
  proxy.server = createServer(async (request, response) => {
    const upstream = await fetch(`${target()}${request.url}`, { method: request.method });
    let body = Buffer.from(await upstream.arrayBuffer());
    if (request.url === "/trust/list.xml" && proxy.tamperList) body = Buffer.from(proxy.tamperList(body.toString()));
    const headers: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (name !== "content-length" && name !== "transfer-encoding" && name !== "connection") headers[name] = value;
    });
    response.writeHead(upstream.status, headers);
    response.end(body);
  });
  await new Promise<void>((resolve) => proxy.server!.listen(port, "127.0.0.1", resolve));
  return proxy;
}

function admin(app: RunningApp, method: string, path: string, body?: unknown, token = ADMIN_TOKEN) {
  return fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/** Asks `app` to peer as `body` says; asserts the refusal (`status`, `code`). */
async function peeringRefused(app: RunningApp, body: object, status: number, code: string): Promise<void> {
  const r = await admin(app, "POST", "/api/admin/peers", body);
  assert.equal(r.status, status, await r.clone().text());
  assert.equal(await errorCode(r), code);
}

describe("peering between two instances", () => {
  const jpDir = temporaryDirectory("khatam-peer-jp-");
  const saDir = temporaryDirectory("khatam-peer-sa-");
  let jp: RunningApp;
  let sa: RunningApp;
  let proxy: Proxy;
  let saIdentity: InstanceIdentity;
  let saSigned: Buffer;

  before(async () => {
    // sa's public address is the proxy's: the identity names the list there, so the proxy can tamper with it.
    const proxyPort = await freePort();
    sa = await startApp(saDir.path, {
      instance: "sa",
      backgroundJobs: false,
      publicUrl: `http://127.0.0.1:${proxyPort}`,
    });
    jp = await startApp(jpDir.path, { instance: "jp", backgroundJobs: false });
    proxy = await startProxy(proxyPort, () => sa.url);
    saIdentity = (await (await fetch(`${proxy.url}/federation/v1/identity`)).json()) as InstanceIdentity;

    // A document an SA official signs on sa (platform-held key, B-LT with sa's own OCSP embedded).
    const token = await apiTokenOf(sa.app.db, "official@sa.demo");
    const call = (method: string, path: string, body?: FormData) =>
      fetch(`${sa.url}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body });
    const created = await call(
      "POST",
      "/api/envelopes",
      envelopeForm(plainPdf(), {
        title: "Note verbale",
        recipients: [{ email: "official@sa.demo", role: "signer", order: 1 }],
      }),
    );
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = (await created.json()) as { id: string };
    assert.equal((await call("POST", `/api/envelopes/${id}/send`)).status, 200);
    const signed = await call("POST", `/api/envelopes/${id}/sign`);
    assert.equal(signed.status, 200, await signed.clone().text());
    saSigned = Buffer.from(await (await call("GET", `/api/envelopes/${id}/document`)).arrayBuffer());
  });

  after(async () => {
    await proxy?.close();
    await jp?.close();
    await sa?.close();
    jpDir.remove();
    saDir.remove();
  });

  const verifyOnJp = async () => {
    const answer = await fetch(`${jp.url}/api/verify`, {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body: new Uint8Array(saSigned),
    });
    assert.equal(answer.status, 200);
    return (await answer.json()) as { signatures: { indication: string; subIndication?: string }[] };
  };

  it("the identity is a signed response: a changed body, header or key, or a stale signature, is refused", async () => {
    const answer = await fetch(`${sa.url}/federation/v1/identity`);
    const body = new Uint8Array(await answer.arrayBuffer());
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      headers[name] = value;
    });
    assert.match(headers["signature-input"]!, /tag="khatam-federation"/);
    assert.match(headers["signature-input"]!, /alg="ecdsa-p256-sha256"/);
    const spki = Buffer.from(saIdentity.publicKey, "base64");
    const trusted = (fp: string) => (fp === saIdentity.keyFingerprint ? spki : undefined);
    const ok = await verifyMessage({ status: 200 }, headers, body, trusted);
    assert.equal(ok.keyFingerprint, saIdentity.keyFingerprint);

    const changed = Buffer.from(Buffer.from(body).toString().replace('"sa"', '"jp"'));
    await assert.rejects(verifyMessage({ status: 200 }, headers, changed, trusted), /Content-Digest/);
    await assert.rejects(
      verifyMessage({ status: 200 }, { ...headers, "content-digest": contentDigest(changed) }, changed, trusted),
      MessageSignatureError,
    );
    await assert.rejects(
      verifyMessage({ status: 200 }, { ...headers, "content-type": "text/html" }, body, trusted),
      MessageSignatureError,
    );
    await assert.rejects(verifyMessage({ status: 201 }, headers, body, trusted), MessageSignatureError);
    await assert.rejects(
      verifyMessage({ status: 200 }, headers, body, () => undefined),
      MessageSignatureError,
    );

    // Signed by another key that claims sa's fingerprint as keyid: refused.
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const otherSpki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
    const other: InstanceKey = { id: "sa", key: { signer: softwareSigner(privateKey) }, publicKey: otherSpki };
    const forged = await signResponse(other, 200, { "content-type": "application/json" }, body);
    const forgedWithKeyid = Object.fromEntries(
      Object.entries(forged).map(([k, v]) => [k, v.replace(keyFingerprint(otherSpki), saIdentity.keyFingerprint)]),
    );
    await assert.rejects(verifyMessage({ status: 200 }, forgedWithKeyid, body, trusted), MessageSignatureError);

    // A signature made ten minutes ago (a recording played back) is stale.
    const stale = await httpbis.signMessage(
      {
        key: {
          id: keyFingerprint(otherSpki),
          alg: "ecdsa-p256-sha256",
          sign: async (data) => {
            const { sign } = await import("node:crypto");
            return sign("sha256", data, { key: privateKey, dsaEncoding: "ieee-p1363" });
          },
        },
        fields: ["@status", "content-type", "content-digest"],
        params: ["created", "expires", "keyid", "alg", "tag"],
        paramValues: {
          tag: "khatam-federation",
          created: new Date(Date.now() - 600_000),
          expires: new Date(Date.now() + 60_000),
        },
      },
      { status: 200, headers: { "content-type": "application/json", "content-digest": contentDigest(body) } },
    );
    await assert.rejects(
      verifyMessage({ status: 200 }, stale.headers as Record<string, string>, body, (fp) =>
        fp === keyFingerprint(otherSpki) ? otherSpki : undefined,
      ),
      /too old/,
    );
  });

  it("refuses what does not hold, and pins nothing", async () => {
    const good = { instance: "sa", url: proxy.url, keyFingerprint: saIdentity.keyFingerprint };
    // Only a platform administrator: an agency administrator of jp is forbidden.
    const agencyToken = await apiTokenOf(jp.app.db, "admin@jp.demo");
    let r = await admin(jp, "POST", "/api/admin/peers", good, agencyToken);
    assert.equal(r.status, 403);
    r = await fetch(`${jp.url}/api/admin/peers`);
    assert.equal(r.status, 401);

    const wrongKey = "ab".repeat(32);
    await peeringRefused(jp, { ...good, keyFingerprint: wrongKey }, 422, "peer_fingerprint_mismatch");

    await peeringRefused(jp, { ...good, instance: "sa-2" }, 422, "peer_instance_mismatch");

    await peeringRefused(jp, { ...good, url: `http://127.0.0.1:${await freePort()}` }, 502, "peer_unreachable");

    const own = (await (await fetch(`${jp.url}/federation/v1/identity`)).json()) as InstanceIdentity;
    await peeringRefused(jp, { instance: "jp", url: jp.url, keyFingerprint: own.keyFingerprint }, 422, "peer_is_self");

    for (const bad of [
      { ...good, instance: "SA!" },
      { ...good, url: "ftp://example.org" },
      { ...good, url: "http://user:pw@example.org" },
      { ...good, keyFingerprint: "xyz".repeat(22) },
    ]) {
      r = await admin(jp, "POST", "/api/admin/peers", bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
    }

    // A trusted list whose signature no longer holds (one character of the operator's name changed).
    proxy.tamperList = (xml) => xml.replace(/<Name xml:lang="en">/, '<Name xml:lang="en">X');
    try {
      await peeringRefused(jp, good, 422, "peer_trusted_list_invalid");
    } finally {
      proxy.tamperList = undefined;
    }
    assert.deepEqual(await (await admin(jp, "GET", "/api/admin/peers")).json(), []);
  });

  it("peers, and the partner's roots then anchor its officials' signatures; refresh never goes backwards", async () => {
    let report = await verifyOnJp();
    assert.notEqual(report.signatures[0]!.indication, "TOTAL_PASSED", "not trusted before peering");

    let r = await admin(jp, "POST", "/api/admin/peers", {
      instance: "sa",
      url: `${proxy.url}/`,
      keyFingerprint: saIdentity.keyFingerprint.toUpperCase().match(/../g)!.join(":"), // as printed on paper
    });
    assert.equal(r.status, 201, await r.clone().text());
    const peer = (await r.json()) as {
      instance: string;
      url: string;
      territory: string;
      sequenceNumber: number;
      nextUpdate: string;
      anchors: { subject: string; country: string }[];
    };
    assert.equal(peer.instance, "sa");
    assert.equal(peer.url, proxy.url);
    assert.equal(peer.territory, "SA");
    assert.ok(peer.sequenceNumber >= 1);
    assert.ok(new Date(peer.nextUpdate).getTime() > Date.now());
    assert.ok(
      peer.anchors.some((a) => a.country === "SA" && /Root/i.test(a.subject)),
      JSON.stringify(peer.anchors),
    );
    await peeringRefused(
      jp,
      { instance: "sa", url: proxy.url, keyFingerprint: saIdentity.keyFingerprint },
      409,
      "peer_exists",
    );
    const logged = await jp.app.db
      .selectFrom("admin_events")
      .select("action")
      .where("action", "=", "peer_added")
      .execute();
    assert.equal(logged.length, 1);

    report = await verifyOnJp();
    assert.equal(report.signatures[0]!.indication, "TOTAL_PASSED", JSON.stringify(report.signatures[0]));
    const anchors = (await (await fetch(`${jp.url}/api/trust/anchors`)).json()) as {
      ca: string;
      partner?: string;
      country: string;
    }[];
    assert.ok(anchors.some((a) => a.partner === "sa" && a.country === "SA"));
    assert.ok(anchors.some((a) => a.ca === "jp" && !a.partner));

    // Rollback: the pinned list is (pretend) a newer one; what sa serves now is older, then another list under the
    // same number. Both refused; the pin and its anchors stay.
    const pinned = await jp.app.db
      .selectFrom("peers")
      .selectAll()
      .where("instance", "=", "sa")
      .executeTakeFirstOrThrow();
    await jp.app.db
      .updateTable("peers")
      .set({ sequence_number: pinned.sequence_number + 5 })
      .execute();
    r = await admin(jp, "POST", "/api/admin/peers/sa/refresh");
    assert.equal(r.status, 409);
    assert.equal(await errorCode(r), "peer_trusted_list_rollback");
    await jp.app.db
      .updateTable("peers")
      .set({ sequence_number: pinned.sequence_number, trusted_list_digest: "0".repeat(64) })
      .execute();
    r = await admin(jp, "POST", "/api/admin/peers/sa/refresh");
    assert.equal(r.status, 409);
    let listed = (await (await admin(jp, "GET", "/api/admin/peers")).json()) as {
      lastError: string | null;
      anchors: unknown[];
    }[];
    assert.match(listed[0]!.lastError ?? "", /sequence number/);
    assert.ok(listed[0]!.anchors.length > 0, "the pinned anchors stay");
    await jp.app.db.updateTable("peers").set({ trusted_list_digest: pinned.trusted_list_digest }).execute();
    r = await admin(jp, "POST", "/api/admin/peers/sa/refresh");
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(((await r.json()) as { lastError: string | null }).lastError, null);

    // The scheduler: a list past its NextUpdate is fetched again; a failing partner is recorded, the pin stays.
    const due = async () =>
      jp.app.db
        .updateTable("peers")
        .set({ next_update: new Date(Date.now() - 1000), checked_at: sql<Date>`now() - interval '1 hour'` })
        .execute();
    await due();
    await jp.app.scheduler.runOnce();
    let row = await jp.app.db.selectFrom("peers").selectAll().executeTakeFirstOrThrow();
    assert.ok(row.next_update! > new Date(), "refreshed: the partner's NextUpdate again");
    assert.equal(row.last_error, null);
    await due();
    proxy.tamperList = (xml) => xml.replace("<TSLSequenceNumber>", "<TSLSequenceNumber>9");
    try {
      await jp.app.scheduler.runOnce();
    } finally {
      proxy.tamperList = undefined;
    }
    row = await jp.app.db.selectFrom("peers").selectAll().executeTakeFirstOrThrow();
    assert.match(row.last_error ?? "", /signature/);
    assert.equal(row.sequence_number, pinned.sequence_number);
    assert.equal((await verifyOnJp()).signatures[0]!.indication, "TOTAL_PASSED");

    // Removal: sa's officials are trusted no more (after the anchor cache's few seconds, at once in this process).
    r = await admin(jp, "DELETE", "/api/admin/peers/sa");
    assert.equal(r.status, 204);
    assert.equal((await admin(jp, "DELETE", "/api/admin/peers/sa")).status, 404);
    assert.notEqual((await verifyOnJp()).signatures[0]!.indication, "TOTAL_PASSED");
    listed = (await (await admin(jp, "GET", "/api/admin/peers")).json()) as never[];
    assert.deepEqual(listed, []);
  });

  it("a server that is not an instance cannot peer", async () => {
    const dir = temporaryDirectory("khatam-peer-none-");
    const single = await startApp(dir.path, { backgroundJobs: false });
    try {
      const r = await admin(single, "POST", "/api/admin/peers", {
        instance: "sa",
        url: proxy.url,
        keyFingerprint: saIdentity.keyFingerprint,
      });
      assert.equal(r.status, 409);
      assert.equal(await errorCode(r), "not_an_instance");
    } finally {
      await single.close();
      dir.remove();
    }
  });
});
