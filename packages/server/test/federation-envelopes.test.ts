/**
 * Envelopes across instances (issues 12.3 and 12.4), between two real instances on loopback — jp and sa, each its
 * own data directory, embedded database, CAs, people and keys — peered both ways:
 *
 * - the memorandum flow: a JP official sends an envelope to themself (order 1) and to an SA official who lives on sa
 *   (order 2); the JP official signs on jp; the offer reaches sa, where the SA official finds it in their inbox and
 *   signs with Saudi keys; the signed revision travels back; jp checks it, completes the envelope (B-LTA) and sends
 *   the final document to sa. pdfsig, trusting both roots, says both signatures are valid and trusted (C=JP, then
 *   C=SA) in the final document on both instances; the validator says VALID on both;
 * - neither instance holds a key of the other's country (every key each store holds is listed);
 * - the protocol refuses an unpeered sender, a changed body, a replayed request, a stale signature, each with
 *   nothing changed; an offer delivered twice makes one copy;
 * - a returned revision that is not the recipient's signature, or that changes the page as well, is refused; so are
 *   a returned revision and an offered document whose form cannot be read (422, not a 500);
 * - a partner that is down: the offer waits in the outbox and is delivered when it is back.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { IncrementalUpdate, PdfDict, PdfName, PdfRaw, PdfReader, type PdfRef, PdfString } from "@khatam/core/pdf";
import { validatePdf } from "@khatam/core/verify";
import { httpbis } from "http-message-signatures";
import { buildApp } from "../src/app.js";
import { attestTrail, verifyAttestation } from "../src/federation/attestation.js";
import { contentDigest, signRequest } from "../src/federation/message-signatures.js";
import type { InstanceKey } from "../src/trust/store.js";
import { ENGINES, freshPostgres } from "./support/db.js";
import {
  api,
  deviceOfficial,
  envelopeForm,
  type Json,
  json,
  pdfsig,
  pdfsigSignatures,
  plainPdf,
  run,
} from "./support/envelopes.js";
import { ADMIN_TOKEN, apiTokenOf, freePort, type RunningApp, temporaryDirectory } from "./support/server.js";

/** The command line as `npx khatam` runs it. */
const KHATAM = fileURLToPath(new URL("../../../cli/bin/khatam.cjs", import.meta.url));

interface Instance {
  running: RunningApp;
  url: string;
  dir: { path: string; remove(): void };
  port: number;
  /** PostgreSQL: this instance's own database. */
  databaseUrl?: string;
}

/** A database of its own for one instance on PostgreSQL (dropped by `dropDatabases`). */
const created: (() => Promise<void>)[] = [];
async function ownDatabase(): Promise<string> {
  const postgres = await freshPostgres();
  created.push(postgres.drop);
  return postgres.url;
}
async function dropDatabases(): Promise<void> {
  for (const drop of created.splice(0)) await drop();
}

/** Starts instance `id`, or restarts `previous` on its data, database and address. */
async function startInstance(id: string, engine: "pglite" | "postgres", previous?: Instance): Promise<Instance> {
  const dir = previous?.dir ?? temporaryDirectory(`khatam-fed-${id}-`);
  const databaseUrl = previous ? previous.databaseUrl : engine === "postgres" ? await ownDatabase() : undefined;
  const listen = previous?.port ?? (await freePort());
  const url = `http://127.0.0.1:${listen}`;
  const app = await buildApp({
    databaseUrl,
    dataDir: dir.path,
    publicUrl: url,
    adminToken: ADMIN_TOKEN,
    demoKeyTypes: { jp: "P-256", sa: "P-256" },
    instance: id,
    backgroundJobs: false,
  });
  await app.listen({ port: listen, host: "127.0.0.1" });
  return { running: { app, url, close: () => app.close() }, url, dir, port: listen, databaseUrl };
}

function token(instance: Instance, email: string): Promise<string> {
  return apiTokenOf(instance.running.app.db, email);
}

function call(instance: Instance, bearer: string, method: string, path: string, body?: unknown) {
  return api(instance, { token: bearer }, method, path, body);
}

async function peer(from: Instance, to: Instance, id: string): Promise<void> {
  const identity = (await (await fetch(`${to.url}/federation/v1/identity`)).json()) as { keyFingerprint: string };
  await json(
    await call(from, ADMIN_TOKEN, "POST", "/api/admin/peers", {
      instance: id,
      url: to.url,
      keyFingerprint: identity.keyFingerprint,
    }),
    201,
  );
}

/** Delivers what `instance`'s outbox holds now (the background worker is off in tests). */
const drain = (instance: Instance) => instance.running.app.outbox.drainOnce();

/** A signed federation request from `key`, as a partner would send it. */
async function signedPost(
  key: InstanceKey,
  to: Instance,
  toId: string,
  path: string,
  body: unknown,
  idempotencyKey = randomUUID(),
) {
  const bytes = Buffer.from(JSON.stringify(body));
  const headers = await signRequest(
    key,
    "POST",
    `${to.url}${path}`,
    { "content-type": "application/json", "idempotency-key": idempotencyKey, "khatam-to": toId },
    bytes,
  );
  return { bytes, headers, send: () => fetch(`${to.url}${path}`, { method: "POST", headers, body: bytes }) };
}

/** `pdf` signed with the platform key of `email`'s certificate on `instance` (CA `caId`), as that instance would. */
async function signedOn(
  instance: Instance,
  caId: string,
  email: string,
  pdf: Uint8Array,
  field?: { fieldName: string; fill: Record<string, string> },
): Promise<Uint8Array> {
  const { signWithPlatformKey } = await import("../src/envelopes/signing.js");
  const { signerForCertificate } = await import("../src/tenancy/signing-keys.js");
  const certificate = await instance.running.app.db
    .selectFrom("signing_certificates as c")
    .innerJoin("users as u", "u.id", "c.user_id")
    .selectAll("c")
    .where("u.email", "=", email)
    .where("c.key_ref", "is not", null)
    .executeTakeFirstOrThrow();
  return signWithPlatformKey({
    trust: { trustStore: instance.running.app.trustStore, publicUrl: instance.url },
    pdf: new Uint8Array(pdf),
    signer: await signerForCertificate(instance.running.app, certificate),
    certificate: new Uint8Array(certificate.der),
    caId,
    reason: "test",
    ...(field && { field }),
  });
}

/** A new envelope on `instance` for a one-page PDF (`pdf`), created by `bearer` with `meta`. */
async function newEnvelope(instance: Instance, bearer: string, meta: Json, pdf = plainPdf()): Promise<Json> {
  return json(await call(instance, bearer, "POST", "/api/envelopes", envelopeForm(pdf, meta)), 201);
}

/** The body of the federation message `instance` has yet to deliver. */
async function pendingMessage(instance: Instance): Promise<Json> {
  const row = await instance.running.app.db
    .selectFrom("outbox")
    .select("payload")
    .where("kind", "=", "federation")
    .where("delivered_at", "is", null)
    .executeTakeFirstOrThrow();
  return (row.payload as Json).body;
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

for (const engine of ENGINES)
  describe(`envelopes across instances, each on its own ${engine} database`, { timeout: 300_000 }, () => {
    let jp: Instance;
    let sa: Instance;
    let jpOfficial: string;
    let saOfficial: string;
    let saKey: InstanceKey;
    let envelopeId: string;
    let copyId: string;

    before(async () => {
      [jp, sa] = await Promise.all([startInstance("jp", engine), startInstance("sa", engine)]);
      await peer(jp, sa, "sa");
      await peer(sa, jp, "jp");
      jpOfficial = await token(jp, "official@jp.demo");
      saOfficial = await token(sa, "official@sa.demo");
      saKey = await sa.running.app.trustStore.instanceKey("sa");
    });

    /** A new envelope on jp titled `title` (a one-page PDF saying it), for `email` on sa to sign. */
    const envelopeForPartner = (title: string, email = "official@sa.demo") =>
      newEnvelope(
        jp,
        jpOfficial,
        { title, recipients: [{ email, role: "signer", order: 1, instance: "sa" }] },
        plainPdf(title),
      );

    after(async () => {
      await jp?.running.close();
      await sa?.running.close();
      jp?.dir.remove();
      sa?.dir.remove();
      await dropDatabases();
    });

    it("refuses a recipient on an instance that is not a partner", async () => {
      const r = await call(
        jp,
        jpOfficial,
        "POST",
        "/api/envelopes",
        envelopeForm(plainPdf(), {
          title: "Nowhere",
          recipients: [{ email: "someone@kr.demo", role: "signer", order: 1, instance: "kr" }],
        }),
      );
      assert.equal(r.status, 400);
    });

    it("co-signs a memorandum: JP signs on jp, SA signs on sa, both hold the final document", async () => {
      const created = await newEnvelope(jp, jpOfficial, {
        title: "Memorandum of cooperation on digital government",
        message: "For your signature",
        recipients: [
          { email: "official@jp.demo", role: "signer", order: 1 },
          { email: "official@sa.demo", role: "signer", order: 2, instance: "sa" },
        ],
      });
      envelopeId = created.id;
      await json(await call(jp, jpOfficial, "POST", `/api/envelopes/${envelopeId}/send`));
      const signedByJp = await json(await call(jp, jpOfficial, "POST", `/api/envelopes/${envelopeId}/sign`));
      assert.equal(signedByJp.status, "sent");
      const remote = signedByJp.recipients.find((r: Json) => r.email === "official@sa.demo");
      assert.equal(remote.instance, "sa");
      assert.equal(remote.status, "notified");

      // The offer travels; delivered twice (a lost answer), it makes one copy.
      assert.equal((await drain(jp)).failed, 0);
      await jp.running.app.db
        .updateTable("outbox")
        .set({ delivered_at: null, next_attempt_at: new Date(0) })
        .where("kind", "=", "federation")
        .execute();
      assert.equal((await drain(jp)).failed, 0);
      const inbox = await json(await call(sa, saOfficial, "GET", "/api/envelopes"));
      const waiting = inbox.waiting.filter((e: Json) => e.title === "Memorandum of cooperation on digital government");
      assert.equal(waiting.length, 1, JSON.stringify(inbox.waiting));
      copyId = waiting[0].id;
      const copy = await json(await call(sa, saOfficial, "GET", `/api/envelopes/${copyId}`));
      assert.equal(copy.origin.instance, "jp");
      assert.equal(copy.origin.envelopeId, envelopeId);
      assert.match(copy.origin.sender.name, /\S/);
      // Saudi agency colleagues do not see the copy among what their agency sent.
      const saAdmin = await token(sa, "admin@sa.demo");
      const adminInbox = await json(await call(sa, saAdmin, "GET", "/api/envelopes"));
      assert.ok(!adminInbox.sent.some((e: Json) => e.id === copyId));

      // The SA official signs on sa with Saudi keys; the revision goes back to jp, which completes the envelope.
      const signedBySa = await json(await call(sa, saOfficial, "POST", `/api/envelopes/${copyId}/sign`));
      assert.equal(signedBySa.status, "completed");
      assert.equal((await drain(sa)).failed, 0);
      const completed = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${envelopeId}`));
      assert.equal(completed.status, "completed", JSON.stringify(completed.recipients));
      assert.equal(completed.recipients.find((r: Json) => r.email === "official@sa.demo").status, "signed");
      assert.equal((await drain(jp)).failed, 0); // the final document to sa

      const finalJp = Buffer.from(
        await (await call(jp, jpOfficial, "GET", `/api/envelopes/${envelopeId}/document`)).arrayBuffer(),
      );
      const finalSa = Buffer.from(
        await (await call(sa, saOfficial, "GET", `/api/envelopes/${copyId}/document`)).arrayBuffer(),
      );
      assert.ok(finalJp.equals(finalSa), "both instances hold the same final document");
      const roots = [
        jp.running.app.trustStore.get("jp").root.certificate,
        sa.running.app.trustStore.get("sa").root.certificate,
      ];
      const file = join(jp.dir.path, `memorandum-${engine}.pdf`);
      writeFileSync(file, finalJp);
      const { listing, signatures: blocks } = await pdfsigSignatures(jp.dir.path, file, roots);
      assert.equal(blocks.length, 2, listing);
      assert.match(blocks[0]!, /C=JP/);
      assert.match(blocks[1]!, /C=SA/);
      assert.equal((await run("qpdf", ["--check", file])).code, 0);
      const report = await validatePdf(new Uint8Array(finalJp), {
        trustAnchors: roots.map((certificate) => ({ certificate })),
      });
      assert.equal(report.verdict, "VALID", JSON.stringify(report.signatures.map((s) => [s.indication, s.errors])));
      assert.equal(report.signatures.filter((s) => s.type === "signature").at(-1)!.level, "B-LTA");
      // The command line, trusting each country's own trusted list (each signed by its own scheme operator).
      const lists = [];
      for (const instance of [jp, sa]) {
        const list = join(jp.dir.path, `list-${instance === jp ? "jp" : "sa"}-${engine}.xml`);
        writeFileSync(list, Buffer.from(await (await fetch(`${instance.url}/trust/list.xml`)).arrayBuffer()));
        lists.push("--trust", list);
      }
      const cli = await run(process.execPath, [KHATAM, "verify", file, ...lists, "--offline"]);
      assert.equal(cli.code, 0, cli.stdout + cli.stderr);
      assert.match(cli.stdout, /VALID/);
      assert.doesNotMatch(cli.stdout, /INVALID|INDETERMINATE/);

      // Each side's trail says what the other did.
      const trail = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${envelopeId}/audit`));
      const saSigned = trail.events.find((e: Json) => e.type === "signed" && e.details.instance === "sa");
      assert.equal(saSigned.details.country, "SA");
      // Both keep both trails, each signed by the instance that recorded it, checkable with its key alone.
      const spkiOf = async (on: Instance, id: string) =>
        (
          await on.running.app.db
            .selectFrom("peers")
            .select("public_key")
            .where("instance", "=", id)
            .executeTakeFirstOrThrow()
        ).public_key;
      const saSpki = await spkiOf(jp, "sa");
      assert.ok(verifyAttestation(saSigned.details.partnerRecord, "sa", saSpki), "sa's trail, attested by sa");
      assert.ok(saSigned.details.partnerRecord.statement.events.some((e: Json) => e.type === "signed"));
      const copyTrail = await json(await call(sa, saOfficial, "GET", `/api/envelopes/${copyId}/audit`));
      const final = copyTrail.events.find((e: Json) => e.type === "completed" && e.details.final);
      const jpSpki = await spkiOf(sa, "jp");
      assert.ok(verifyAttestation(final.details.partnerRecord, "jp", jpSpki), "jp's trail, attested by jp");
      assert.ok(!verifyAttestation(final.details.partnerRecord, "jp", saSpki), "and by no other key");
      assert.equal(final.details.partnerRecord.statement.events.at(-1).type, "completed");
    });

    it("fields for an official on the partner: placed on jp, filled and signed visibly on sa, taken back by jp", async () => {
      const created = await newEnvelope(jp, jpOfficial, {
        title: "Joint statement with fields",
        recipients: [
          { email: "official@sa.demo", role: "signer", order: 1, instance: "sa" },
          { email: "official@jp.demo", role: "signer", order: 2 },
        ],
        fields: [
          { recipient: 0, kind: "signature", page: 1, rect: [50, 60, 290, 160] },
          { recipient: 0, kind: "text", page: 1, rect: [50, 170, 290, 190], label: "Reference", required: true },
          { recipient: 1, kind: "signature", page: 1, rect: [305, 60, 545, 160] },
          { recipient: 1, kind: "text", page: 1, rect: [305, 170, 545, 190], label: "Reference" },
        ],
      });
      const placed = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${created.id}`));
      assert.deepEqual(
        placed.fields.map((f: Json) => [f.name, f.recipient]),
        [
          ["r1.signature", "official@sa.demo"],
          ["r1.text.1", "official@sa.demo"],
          ["r2.signature", "official@jp.demo"],
          ["r2.text.1", "official@jp.demo"],
        ],
      );
      await json(await call(jp, jpOfficial, "POST", `/api/envelopes/${created.id}/send`));
      const offer = await pendingMessage(jp);
      assert.equal((await drain(jp)).failed, 0);

      // The copy on sa shows the SA official their own fields only.
      const inbox = await json(await call(sa, saOfficial, "GET", "/api/envelopes"));
      const copyId = inbox.waiting.find((e: Json) => e.title === "Joint statement with fields").id;
      const copy = await json(await call(sa, saOfficial, "GET", `/api/envelopes/${copyId}`));
      assert.deepEqual(
        copy.fields.map((f: Json) => [f.name, f.recipient, f.kind, f.required]),
        [
          ["r1.signature", "official@sa.demo", "signature", false],
          ["r1.text.1", "official@sa.demo", "text", true],
        ],
      );

      // A revision signed in the JP official's field, filling theirs, is refused by jp whoever signed it.
      const inTheirField = await signedOn(sa, "sa", "official@sa.demo", Buffer.from(offer.document, "base64"), {
        fieldName: "r2.signature",
        fill: { "r2.text.1": "forged" },
      });
      const r = await (
        await signedPost(saKey, jp, "jp", "/federation/v1/returns", {
          offerId: offer.offerId,
          envelopeId: created.id,
          outcome: "signed",
          documentSha256: require_sha256(inTheirField),
          document: Buffer.from(inTheirField).toString("base64"),
          attestation: await attestTrail(sa.running.app.db, saKey, copyId),
        })
      ).send();
      assert.equal(r.status, 422);
      assert.match(((await r.json()) as Json).error.message, /not in the field placed for its signer/);

      // The SA official fills their reference and signs visibly on sa; jp takes the revision, the JP official signs.
      const missing = await call(sa, saOfficial, "POST", `/api/envelopes/${copyId}/sign`, { fill: {} });
      assert.equal(await errorCode(missing), "field_required_missing");
      await json(
        await call(sa, saOfficial, "POST", `/api/envelopes/${copyId}/sign`, {
          fill: { "r1.text.1": "SA-2026-17" },
          mark: { kind: "typed" },
        }),
      );
      assert.equal((await drain(sa)).failed, 0);
      let envelope = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${created.id}`));
      assert.equal(envelope.recipients.find((x: Json) => x.email === "official@sa.demo").status, "signed");
      envelope = await json(
        await call(jp, jpOfficial, "POST", `/api/envelopes/${created.id}/sign`, {
          fill: { "r2.text.1": "JP-2026-04" },
          seal: { kind: "generated", familyName: "山田" },
        }),
      );
      assert.equal(envelope.status, "completed");

      const final = Buffer.from(
        await (await call(jp, jpOfficial, "GET", `/api/envelopes/${created.id}/document`)).arrayBuffer(),
      );
      const file = join(jp.dir.path, `fields-${engine}.pdf`);
      writeFileSync(file, final);
      const roots = [
        jp.running.app.trustStore.get("jp").root.certificate,
        sa.running.app.trustStore.get("sa").root.certificate,
      ];
      const text = await run("pdftotext", [file, "-"]);
      assert.match(text.stdout, /SA-2026-17/);
      assert.match(text.stdout, /JP-2026-04/);
      const listing = await pdfsig(jp.dir.path, file, roots);
      assert.equal((listing.match(/Signature is Valid\./g) ?? []).length, 2, listing);
      assert.equal((listing.match(/Certificate is Trusted\./g) ?? []).length, 2, listing);
      assert.equal((await run("qpdf", ["--check", file])).code, 0);
      const report = await validatePdf(new Uint8Array(final), {
        trustAnchors: roots.map((c) => ({ certificate: c })),
      });
      assert.equal(report.verdict, "VALID", JSON.stringify(report.signatures.map((s) => [s.indication, s.errors])));
      const signatures = report.signatures.filter((s) => s.type === "signature");
      assert.deepEqual(
        signatures.map((s) => s.field),
        ["r1.signature", "r2.signature"],
      );
      assert.equal(signatures[0]!.modifications, "FORM_FILLING");
      assert.equal((await drain(jp)).failed, 0); // the final document to sa
    });

    it("no instance holds a key of the other country", async () => {
      for (const [instance, own, other] of [
        [jp, "jp", "sa"],
        [sa, "sa", "jp"],
      ] as const) {
        const keys = await instance.running.app.db.selectFrom("trust_keys").select("name").execute();
        const names = keys.map((k) => k.name);
        assert.ok(
          names.some((n) => n.startsWith(`${own}-root-`)),
          names.join(" "),
        );
        assert.ok(!names.some((n) => n.startsWith(`${other}-`) || n.startsWith(`instance-${other}`)), names.join(" "));
        const cas = instance.running.app.trustStore.ids();
        assert.deepEqual(cas, [own]);
      }
    });

    it("refuses an unpeered sender, a changed body, a replay and a stale signature, changing nothing", async () => {
      const body = { offerId: randomUUID(), envelopeId, outcome: "declined", reason: "no" };
      // Unpeered: a key jp has never pinned.
      const { generateKeyPairSync } = await import("node:crypto");
      const { softwareSigner } = await import("@khatam/core/keys");
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const stranger: InstanceKey = {
        id: "sa",
        key: { signer: softwareSigner(privateKey) },
        publicKey: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
      };
      let r = await (await signedPost(stranger, jp, "jp", "/federation/v1/returns", body)).send();
      assert.equal(r.status, 401);
      assert.equal(await errorCode(r), "peer_unknown");
      assert.ok(r.headers.get("signature"), "even a refusal is signed");
      // A changed body under a valid signature.
      const good = await signedPost(saKey, jp, "jp", "/federation/v1/returns", body);
      const changed = Buffer.from(JSON.stringify({ ...body, reason: "changed" }));
      r = await fetch(`${jp.url}/federation/v1/returns`, { method: "POST", headers: good.headers, body: changed });
      assert.equal(r.status, 401);
      r = await fetch(`${jp.url}/federation/v1/returns`, {
        method: "POST",
        headers: { ...good.headers, "content-digest": contentDigest(changed) },
        body: changed,
      });
      assert.equal(r.status, 401);
      assert.equal(await errorCode(r), "peer_signature_invalid");
      // Addressed to another instance.
      r = await (await signedPost(saKey, jp, "kr", "/federation/v1/returns", body)).send();
      assert.equal(r.status, 421);
      // Sent once (an unknown offer: 404), then replayed byte for byte: refused as a replay.
      r = await good.send();
      assert.equal(r.status, 404);
      r = await good.send();
      assert.equal(r.status, 409);
      assert.equal(await errorCode(r), "request_replayed");
      // A signature made ten minutes ago.
      const bytes = Buffer.from(JSON.stringify(body));
      const stale = await httpbis.signMessage(
        {
          key: {
            id: (await import("../src/federation/message-signatures.js")).keyFingerprint(saKey.publicKey),
            alg: "ecdsa-p256-sha256",
            sign: async (data) => {
              const { derToP1363 } = await import("@khatam/core/keys");
              return Buffer.from(derToP1363(await saKey.key.signer.sign(data), 32));
            },
          },
          fields: ["@method", "@path", "content-type", "content-digest", "idempotency-key", "khatam-to"],
          params: ["created", "expires", "nonce", "keyid", "alg", "tag"],
          paramValues: {
            tag: "khatam-federation",
            nonce: randomUUID(),
            created: new Date(Date.now() - 600_000),
            expires: new Date(Date.now() + 600_000),
          },
        },
        {
          method: "POST",
          url: `${jp.url}/federation/v1/returns`,
          headers: {
            "content-type": "application/json",
            "content-digest": contentDigest(bytes),
            "idempotency-key": randomUUID(),
            "khatam-to": "jp",
          },
        },
      );
      r = await fetch(`${jp.url}/federation/v1/returns`, {
        method: "POST",
        headers: stale.headers as Record<string, string>,
        body: bytes,
      });
      assert.equal(r.status, 401);
      const envelope = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${envelopeId}`));
      assert.equal(envelope.status, "completed", "nothing changed");
    });

    it("refuses a returned revision signed by someone else, or that changes the page too", async () => {
      const created = await envelopeForPartner("Exchange of notes");
      await json(await call(jp, jpOfficial, "POST", `/api/envelopes/${created.id}/send`));
      const offer = await pendingMessage(jp);
      const offered = Buffer.from(offer.document, "base64");
      assert.equal((await drain(jp)).failed, 0);

      // Signed by the JP official (on jp, with Japanese keys) and returned as if from sa.
      const bySomeoneElse = await signedOn(jp, "jp", "official@jp.demo", offered);
      const inbox = await json(await call(sa, saOfficial, "GET", "/api/envelopes"));
      const copy = inbox.waiting.find((e: Json) => e.title === "Exchange of notes");
      // As sa would send it: with sa's attested trail of the copy.
      const returned = async (pdf: Uint8Array) => ({
        offerId: offer.offerId,
        envelopeId: created.id,
        outcome: "signed",
        documentSha256: require_sha256(pdf),
        document: Buffer.from(pdf).toString("base64"),
        attestation: await attestTrail(sa.running.app.db, saKey, copy.id),
      });
      // Without the attested trail: refused.
      const { attestation: _, ...bare } = await returned(bySomeoneElse);
      let r = await (await signedPost(saKey, jp, "jp", "/federation/v1/returns", bare)).send();
      assert.equal(r.status, 422);
      assert.match(((await r.json()) as Json).error.message, /attested/);
      r = await (await signedPost(saKey, jp, "jp", "/federation/v1/returns", await returned(bySomeoneElse))).send();
      assert.equal(r.status, 422);
      const refusal = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(refusal.error.code, "return_refused");
      assert.match(refusal.error.message, /not signed by official@sa\.demo|chain|INDETERMINATE/);

      // Signed properly on sa, then the page changed in an update after the signature.
      await json(await call(sa, saOfficial, "POST", `/api/envelopes/${copy.id}/sign`));
      const returnRow = await sa.running.app.db
        .selectFrom("outbox")
        .select(["id", "payload"])
        .where("kind", "=", "federation")
        .where("delivered_at", "is", null)
        .executeTakeFirstOrThrow();
      const signed = Buffer.from((returnRow.payload as Json).body.document, "base64");
      const tampered = appendContentChange(signed);
      r = await (await signedPost(saKey, jp, "jp", "/federation/v1/returns", await returned(tampered))).send();
      assert.equal(r.status, 422);
      assert.match(((await r.json()) as Json).error.message, /changes more than a signature|signature/);

      // A signature field whose flags are an object that cannot be parsed: the form reader throws on it.
      r = await (
        await signedPost(saKey, jp, "jp", "/federation/v1/returns", await returned(unreadableFormRevision(offered)))
      ).send();
      assert.equal(r.status, 422);
      const unreadable = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(unreadable.error.code, "return_refused");
      assert.match(unreadable.error.message, /its form cannot be read \(.+\)$/);
      // The same document offered to jp: refused before a copy is made.
      const malformed = unreadableFormRevision(plainPdf("Malformed offer"));
      r = await (
        await signedPost(saKey, jp, "jp", "/federation/v1/offers", {
          offerId: randomUUID(),
          envelopeId: randomUUID(),
          title: "Malformed offer",
          registerCode: "SA-TEST-1",
          recipient: { email: "official@jp.demo" },
          sender: { name: "Fatimah Alharbi", email: "official@sa.demo", agency: { en: "Test" } },
          documentSha256: require_sha256(malformed),
          document: malformed.toString("base64"),
        })
      ).send();
      assert.equal(r.status, 422);
      assert.equal(await errorCode(r), "invalid_pdf");
      let envelope = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${created.id}`));
      assert.equal(envelope.status, "sent", "nothing changed");

      // The genuine return, then, is taken.
      assert.equal((await drain(sa)).failed, 0);
      envelope = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${created.id}`));
      assert.equal(envelope.status, "completed");
      assert.equal((await drain(jp)).failed, 0); // the final document to sa
    });

    it("an official on the partner signs with a key on their device", async () => {
      // A Saudi official on sa whose key is on their device: the certificate from sa's CA for a key made here.
      const { sign: cryptoSign } = await import("node:crypto");
      const agency = await sa.running.app.db
        .selectFrom("users")
        .select("agency_id")
        .where("email", "=", "official@sa.demo")
        .executeTakeFirstOrThrow();
      const official = await deviceOfficial(sa.running.app.db, sa.running.app.trustStore.get("sa"), agency.agency_id!);
      const { email, privateKey, token: device } = official;

      const created = await envelopeForPartner("Device memorandum", email);
      await json(await call(jp, jpOfficial, "POST", `/api/envelopes/${created.id}/send`));
      assert.equal((await drain(jp)).failed, 0);
      const inbox = await json(await call(sa, device, "GET", "/api/envelopes"));
      const copy = inbox.waiting.find((e: Json) => e.title === "Device memorandum");
      const prepared = await json(await call(sa, device, "POST", `/api/envelopes/${copy.id}/sign/prepare`));
      const value = cryptoSign("sha256", Buffer.from(prepared.signedAttributes, "base64"), {
        key: privateKey,
        dsaEncoding: "ieee-p1363",
      });
      const done = await json(
        await call(sa, device, "POST", `/api/envelopes/${copy.id}/sign/complete`, {
          sessionId: prepared.sessionId,
          signatureValue: value.toString("base64"),
        }),
      );
      assert.equal(done.status, "completed");
      assert.equal((await drain(sa)).failed, 0);
      const envelope = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${created.id}`));
      assert.equal(envelope.status, "completed");
      const trail = await json(await call(jp, jpOfficial, "GET", `/api/envelopes/${created.id}/audit`));
      const signed = trail.events.find((e: Json) => e.type === "signed");
      assert.equal(signed.details.name, "Fatimah Alharbi");
      assert.equal((await drain(jp)).failed, 0);
    });

    it("voiding an envelope withdraws the partner's copy", async () => {
      const created = await envelopeForPartner("Letter of intent");
      await json(await call(jp, jpOfficial, "POST", `/api/envelopes/${created.id}/send`));
      assert.equal((await drain(jp)).failed, 0);
      let inbox = await json(await call(sa, saOfficial, "GET", "/api/envelopes"));
      const copy = inbox.waiting.find((e: Json) => e.title === "Letter of intent");
      assert.ok(copy);
      // The partner's agency cannot void the copy; the owner can void the envelope.
      assert.equal(
        (await call(sa, saOfficial, "POST", `/api/envelopes/${copy.id}/void`, { reason: "no" })).status,
        403,
      );
      await json(await call(jp, jpOfficial, "POST", `/api/envelopes/${created.id}/void`, { reason: "Superseded" }));
      assert.equal((await drain(jp)).failed, 0);
      const stopped = await json(await call(sa, saOfficial, "GET", `/api/envelopes/${copy.id}`));
      assert.equal(stopped.status, "voided");
      inbox = await json(await call(sa, saOfficial, "GET", "/api/envelopes"));
      assert.ok(!inbox.waiting.some((e: Json) => e.id === copy.id));
      // Signing it now is refused on the partner.
      assert.notEqual((await call(sa, saOfficial, "POST", `/api/envelopes/${copy.id}/sign`)).status, 200);
    });

    it("a partner that is down: the offer waits and arrives when it is back", async () => {
      await sa.running.close();
      const created = await envelopeForPartner("Joint statement");
      await json(await call(jp, jpOfficial, "POST", `/api/envelopes/${created.id}/send`));
      const first = await drain(jp);
      assert.equal(first.failed, 1);
      const waiting = await jp.running.app.db
        .selectFrom("outbox")
        .select(["attempts", "last_error"])
        .where("kind", "=", "federation")
        .where("delivered_at", "is", null)
        .executeTakeFirstOrThrow();
      assert.match(waiting.last_error ?? "", /unreachable/);
      sa = await startInstance("sa", engine, sa);
      await jp.running.app.db
        .updateTable("outbox")
        .set({ next_attempt_at: new Date(0) })
        .where("kind", "=", "federation")
        .where("delivered_at", "is", null)
        .execute();
      assert.equal((await drain(jp)).failed, 0);
      saOfficial = await token(sa, "official@sa.demo");
      const inbox = await json(await call(sa, saOfficial, "GET", "/api/envelopes"));
      assert.ok(inbox.waiting.some((e: Json) => e.title === "Joint statement"));
    });
  });

function require_sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** An incremental update after the last revision that rewrites page 1's content stream (object 5 of plainPdf). */
function appendContentChange(pdf: Buffer): Buffer {
  const text = pdf.toString("latin1");
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
  const size = Math.max(...[...text.matchAll(/\/Size (\d+)/g)].map((m) => Number(m[1])));
  const content = "BT /F1 14 Tf 72 700 Td (Amended by nobody) Tj ET";
  const object = `5 0 obj\n<< /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`;
  const offset = pdf.length + 1;
  const xrefAt = offset + object.length;
  const update =
    `\n${object}xref\n0 1\n0000000000 65535 f \n5 1\n${String(offset).padStart(10, "0")} 00000 n \n` +
    `trailer\n<< /Size ${size} /Root 1 0 R /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(update, "latin1")]);
}

/**
 * `pdf` with an incremental update that adds a signature field (and an empty signature) whose /Ff is an object that
 * cannot be parsed: the modification analysis sees only a signature field added, the form reader throws.
 */
function unreadableFormRevision(pdf: Buffer): Buffer {
  const reader = PdfReader.open(pdf);
  const update = new IncrementalUpdate(reader);
  const pageRef = reader.pages()[0]!;
  const page = reader.dict(pageRef, "page 1").clone();
  const flags = update.add(new PdfRaw(Buffer.from("<< /Unterminated", "latin1")));
  const signature = update.add(
    new PdfDict([
      ["Type", PdfName.of("Sig")],
      ["Filter", PdfName.of("Adobe.PPKLite")],
      ["SubFilter", PdfName.of("ETSI.CAdES.detached")],
      ["ByteRange", [0, 0, 0, 0]],
      ["Contents", new PdfString(new Uint8Array(16), true)],
    ]),
  );
  const field = update.add(
    new PdfDict([
      ["Type", PdfName.of("Annot")],
      ["Subtype", PdfName.of("Widget")],
      ["FT", PdfName.of("Sig")],
      ["T", PdfString.text("Signature1")],
      ["V", signature],
      ["Rect", [0, 0, 0, 0]],
      ["P", pageRef],
      ["KhatamRecipient", PdfString.text("someone")],
      ["Ff", flags],
    ]),
  );
  const annots = reader.resolve(page.get("Annots"));
  update.set(pageRef, page.set("Annots", [...(Array.isArray(annots) ? annots : []), field]));
  const form = new PdfDict([
    ["Fields", [field]],
    ["SigFlags", 3],
  ]);
  update.set(reader.trailer.get("Root") as PdfRef, reader.catalog.clone().set("AcroForm", form));
  return Buffer.concat([pdf, update.toBytes()]);
}
