/**
 * The envelope workflow through the HTTP API, on both engines: the JP–SA co-signing flow with routing order,
 * per-signer PAdES signatures chaining to each signer's own country (checked by poppler's pdfsig and by core's
 * validator), B-LT per signature and B-LTA at completion, decline, device-held keys, visibility, the audit chain
 * and its tampering, public verification and the register.
 */
import assert from "node:assert/strict";
import { sign as cryptoSign } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { listEvents, verifyChain } from "../src/audit/audit.js";
import { ENGINES } from "./support/db.js";
import {
  api,
  envelopeForm,
  type Federation,
  json,
  type Platform,
  pdfsig,
  pdfsigSignatures,
  plainPdf,
  platformRoots,
  run,
  seededPlatform,
  verifyOnPlatform,
} from "./support/envelopes.js";
import { assertRefusal } from "./support/server.js";

for (const engine of ENGINES) {
  describe(`envelopes on ${engine}`, () => {
    let platform: Platform;
    let people: Federation;
    const roots = () => platformRoots(platform);

    before(async () => ({ platform, people } = await seededPlatform(engine)));
    after(() => platform?.close());

    async function create(
      meta: { title: string; recipients: { email: string; role: string; order: number }[]; [k: string]: unknown },
      by = people.jpOfficial,
    ): Promise<string> {
      const response = await api(platform, by, "POST", "/api/envelopes", envelopeForm(plainPdf(), meta));
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { id: string }).id;
    }

    /** {@link create}, then sent by the JP official; its id. */
    async function createAndSend(meta: Parameters<typeof create>[0]): Promise<string> {
      const id = await create(meta);
      await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/send`));
      return id;
    }

    test("JP and SA co-sign in routing order: two signatures, each chaining to its own country, B-LTA at the end", async () => {
      const id = await create({
        title: "Memorandum of cooperation",
        recipients: [
          { email: people.jpOfficial.email, role: "signer", order: 1 },
          { email: people.saOfficial.email, role: "signer", order: 2 },
          { email: people.saClerk.email, role: "viewer", order: 1 },
        ],
      });
      let envelope = await json(await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}`));
      assert.equal(envelope.status, "draft");
      assert.match(envelope.registerCode, /^[A-Z2-7]{26}$/);

      // Not sent yet: nobody signs.
      let r = await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/sign`);
      await assertRefusal(r, 409, "envelope_not_sent");

      envelope = await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/send`));
      assert.equal(envelope.status, "sent");
      assert.equal(envelope.currentOrder, 1);
      const byEmail = (e: any, email: string) => e.recipients.find((x: any) => x.email === email);
      assert.equal(byEmail(envelope, people.jpOfficial.email).status, "notified");
      assert.equal(byEmail(envelope, people.saOfficial.email).status, "pending");
      assert.equal(byEmail(envelope, people.saClerk.email).status, "notified"); // viewers are told at once

      // Notifications went to the outbox in the send's transaction.
      const mails = await platform.db.selectFrom("outbox").select("payload").where("kind", "=", "email").execute();
      const to = mails.map((m) => (m.payload as { to: string }).to);
      assert.ok(to.includes(people.jpOfficial.email));
      assert.ok(!to.includes(people.saOfficial.email), "order 2 is not notified before order 1 has signed");

      // Sending twice is refused; SA before JP is out of turn.
      r = await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/send`);
      assert.equal(r.status, 409);
      r = await api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/sign`);
      await assertRefusal(r, 409, "not_your_turn");

      // The clerk (a viewer, no signing rights) cannot sign.
      r = await api(platform, people.saClerk, "POST", `/api/envelopes/${id}/sign`);
      assert.ok(r.status === 403 || r.status === 409, `clerk: ${r.status}`);

      const jp = await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/sign`));
      assert.equal(byEmail(jp, people.jpOfficial.email).status, "signed");
      assert.equal(jp.currentOrder, 2);
      assert.equal(jp.status, "sent");
      r = await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/sign`);
      await assertRefusal(r, 409, "already_signed");

      // SA opens the document when it is their turn: `viewed`, once.
      const preview = await api(platform, people.saOfficial, "GET", `/api/envelopes/${id}/document`);
      assert.equal(preview.status, 200);
      await preview.arrayBuffer();
      const viewed = await json(await api(platform, people.saOfficial, "GET", `/api/envelopes/${id}`));
      assert.equal(byEmail(viewed, people.saOfficial.email).status, "viewed");

      const sa = await json(await api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/sign`));
      assert.equal(sa.status, "completed");
      assert.ok(sa.completedAt);
      console.log(
        `# ${engine}: server-side signing time JP ${jp.signingMs} ms, SA ${sa.signingMs} ms (incl. B-LT; SA incl. B-LTA)`,
      );

      const download = await api(platform, people.saOfficial, "GET", `/api/envelopes/${id}/document`);
      assert.equal(download.status, 200);
      assert.equal(download.headers.get("content-type"), "application/pdf");
      const pdf = Buffer.from(await download.arrayBuffer());
      const file = join(platform.dataDir, `cosigned-${engine}.pdf`);
      writeFileSync(file, pdf);

      // poppler, trusting both roots: two signatures, both valid and trusted, total document covered by the time-stamp.
      const { listing, signatures } = await pdfsigSignatures(platform.dataDir, file, roots());
      assert.equal(signatures.length, 2, listing);
      assert.match(signatures[0]!, /C=JP/, listing);
      assert.match(signatures[1]!, /C=SA/, listing);
      assert.equal((await run("qpdf", ["--check", file])).code, 0);

      // Core's validator through the public endpoint: VALID, each signature its own country's chain, ≥ B-LT.
      const report = await verifyOnPlatform(platform, pdf);
      assert.equal(report.verdict, "VALID", JSON.stringify(report, null, 1));
      const sigs = report.signatures.filter((s: any) => s.type === "signature");
      assert.deepEqual(
        sigs.map((s: any) => s.signer.country),
        ["JP", "SA"],
      );
      for (const s of sigs) {
        assert.equal(s.indication, "TOTAL_PASSED");
        assert.ok(["B-LT", "B-LTA"].includes(s.level), s.level);
        const anchor = s.chain.at(-1);
        assert.equal(anchor.trusted, true);
        assert.match(anchor.subject, new RegExp(`C=${s.signer.country}`));
        assert.equal(s.revocation.status, "good");
      }
      assert.equal(sigs[1].level, "B-LTA");
      assert.ok(report.signatures.some((s: any) => s.type === "document-timestamp"));

      // A tampered copy: one byte of page content changed inside the signed range.
      const tampered = Buffer.from(pdf);
      const at = tampered.indexOf("Memorandum");
      tampered[at] = "X".charCodeAt(0);
      const bad = await verifyOnPlatform(platform, tampered);
      assert.equal(bad.verdict, "INVALID");

      // The register code is printed on page 1 and looks the document up.
      const code = sa.registerCode as string;
      assert.ok(pdf.includes(`Khatam register: ${code}`), "register line on page 1");
      const entry = await json(await fetch(`${platform.url}/api/register/${code}`));
      assert.equal(entry.id, id);
      assert.equal(entry.status, "completed");
      assert.equal(entry.documentSha256, sa.documentSha256);
      assert.deepEqual(
        entry.signers.map((s: any) => [s.name, s.country]),
        [
          ["Hanako Sato", "JP"],
          ["Noura Al-Qahtani", "SA"],
        ],
      );
      for (const random of ["AAAAAAAAAAAAAAAAAAAAAAAAAA", "ZZZZZZZZZZZZZZZZZZZZZZZZ22", "not-a-code"]) {
        assert.equal((await fetch(`${platform.url}/api/register/${random}`)).status, 404);
      }

      // The audit trail: the workflow's events in order, one chain.
      const trail = await json(await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}/audit`));
      assert.equal(trail.chain.valid, true);
      const types = trail.events.map((e: any) => e.type);
      assert.deepEqual(types.slice(0, 2), ["created", "sent"]);
      assert.ok(types.indexOf("signed") < types.lastIndexOf("signed"));
      assert.equal(types.at(-2), "completed");
      assert.equal(types.at(-1), "downloaded"); // SA's download after completion
      assert.ok(types.indexOf("viewed") < types.lastIndexOf("signed"));
      for (let i = 1; i < trail.events.length; i++) assert.equal(trail.events[i].prevHash, trail.events[i - 1].hash);
      const signed = trail.events.filter((e: any) => e.type === "signed");
      assert.equal(signed[1].documentSha256, sa.documentSha256);
      assert.equal(signed[0].ip, "127.0.0.1");

      // Certificate of completion.
      const certificate = await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}/audit?format=pdf`);
      assert.equal(certificate.status, 200);
      assert.equal(certificate.headers.get("content-type"), "application/pdf");
      const certFile = join(platform.dataDir, `certificate-${engine}.pdf`);
      writeFileSync(certFile, Buffer.from(await certificate.arrayBuffer()));
      const text = await run("pdftotext", ["-layout", certFile, "-"]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /Memorandum of cooperation/);
      assert.ok(text.stdout.includes(sa.documentSha256));
      assert.match(text.stdout, /intact/);
      assert.ok(text.stdout.includes(trail.events[0].hash));

      // The register address as a QR code, on page 1 of the signed document and on the certificate (zbarimg reads
      // them as poppler renders them at 150 dpi).
      const registerUrl = `${platform.url}/register/${code}`;
      for (const [name, path] of [
        ["document", file],
        ["certificate", certFile],
      ] as const) {
        const png = join(platform.dataDir, `qr-${name}-${engine}`);
        assert.equal((await run("pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", path, png])).code, 0);
        const page = readdirSync(platform.dataDir).find(
          (f) => f.startsWith(`qr-${name}-${engine}`) && f.endsWith(".png"),
        )!;
        const read = await run("zbarimg", ["-q", "--raw", join(platform.dataDir, page)]);
        assert.equal(read.stdout.trim(), registerUrl, `${name}: ${read.stderr}`);
      }
    });

    test("the audit chain verifies, and a tampered row breaks it", async () => {
      const id = await createAndSend({
        title: "Chain check",
        recipients: [{ email: people.saOfficial.email, role: "approver", order: 1 }],
      });
      await json(await api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/sign`)); // approves
      const envelope = await json(await api(platform, people.saOfficial, "GET", `/api/envelopes/${id}`));
      assert.equal(envelope.status, "completed");
      assert.equal(envelope.recipients[0].status, "approved");
      const events = await listEvents(platform.db, id);
      assert.deepEqual(
        events.map((e) => e.type),
        ["created", "sent", "approved", "completed"],
      );
      assert.deepEqual(verifyChain(events), { valid: true, length: 4 });

      await sql`update audit_events set ip = '10.9.9.9' where envelope_id = ${id} and seq = 3`.execute(platform.db);
      const broken = verifyChain(await listEvents(platform.db, id));
      assert.equal(broken.valid, false);
      assert.equal(!broken.valid && broken.seq, 3);
      const trail = await json(await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}/audit`));
      assert.equal(trail.chain.valid, false);

      // Deleting an event breaks it too.
      await sql`update audit_events set ip = '127.0.0.1' where envelope_id = ${id} and seq = 3`.execute(platform.db);
      await sql`delete from audit_events where envelope_id = ${id} and seq = 2`.execute(platform.db);
      assert.equal(verifyChain(await listEvents(platform.db, id)).valid, false);
    });

    test("parallel signers of one routing order both sign; nothing is lost when they race", async () => {
      const id = await createAndSend({
        title: "Parallel",
        recipients: [
          { email: people.jpOfficial.email, role: "signer", order: 1 },
          { email: people.saOfficial.email, role: "signer", order: 1 },
        ],
      });
      const [a, b] = await Promise.all([
        api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/sign`),
        api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/sign`),
      ]);
      assert.equal(a.status, 200, await a.clone().text());
      assert.equal(b.status, 200, await b.clone().text());
      const envelope = await json(await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}`));
      assert.equal(envelope.status, "completed");
      const pdf = Buffer.from(
        await (await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}/document`)).arrayBuffer(),
      );
      const report = await verifyOnPlatform(platform, pdf);
      assert.equal(report.verdict, "VALID");
      assert.deepEqual(
        report.signatures
          .filter((s: any) => s.type === "signature")
          .map((s: any) => s.signer.country)
          .sort(),
        ["JP", "SA"],
      );
      assert.equal(verifyChain(await listEvents(platform.db, id)).valid, true);
    });

    test("a clerk named as signer cannot sign (403); concurrent events still form one chain", async () => {
      const id = await createAndSend({
        title: "Clerk as signer",
        recipients: [{ email: people.saClerk.email, role: "signer", order: 1 }],
      });
      const r = await api(platform, people.saClerk, "POST", `/api/envelopes/${id}/sign`);
      await assertRefusal(r, 403, "forbidden");
      assert.equal((await api(platform, people.saClerk, "POST", `/api/envelopes/${id}/sign/prepare`)).status, 403);
      // Twenty downloads at once: each appends an event under the envelope's row lock.
      const downloads = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api(platform, i % 2 ? people.saClerk : people.jpAdmin, "GET", `/api/envelopes/${id}/document`),
        ),
      );
      for (const d of downloads) {
        assert.equal(d.status, 200);
        await d.arrayBuffer();
      }
      const events = await listEvents(platform.db, id);
      assert.equal(events.length, 22);
      assert.deepEqual(verifyChain(events), { valid: true, length: 22 });
      assert.equal(events.filter((e) => e.type === "viewed").length, 1, "the clerk's first view only");
    });

    test("a declined envelope ends: status, reason, nobody signs after", async () => {
      const id = await createAndSend({
        title: "To be declined",
        recipients: [
          { email: people.saOfficial.email, role: "signer", order: 1 },
          { email: people.jpOfficial.email, role: "signer", order: 2 },
        ],
      });
      let r = await api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/decline`, {});
      assert.equal(r.status, 400);
      const declined = await json(
        await api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/decline`, {
          reason: "Article 3 needs work",
        }),
      );
      assert.equal(declined.status, "declined");
      assert.equal(declined.recipients[0].status, "declined");
      assert.equal(declined.recipients[0].declineReason, "Article 3 needs work");
      r = await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/sign`);
      assert.equal(r.status, 409);
      r = await api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/sign`);
      await assertRefusal(r, 409, "already_declined");
      const events = await listEvents(platform.db, id);
      assert.equal(events.at(-1)?.type, "declined");
      assert.equal(events.at(-1)?.details.reason, "Article 3 needs work");
    });

    test("a device-held key signs in two steps (prepare, complete), state kept in the database", async () => {
      const id = await createAndSend({
        title: "Device signature",
        recipients: [{ email: people.saDevice.email, role: "signer", order: 1 }],
      });
      // The platform holds no key for this official.
      let r = await api(platform, people.saDevice, "POST", `/api/envelopes/${id}/sign`);
      await assertRefusal(r, 409, "wrong_signing_method");
      const prepared = await json(await api(platform, people.saDevice, "POST", `/api/envelopes/${id}/sign/prepare`));
      assert.deepEqual(prepared.algorithm, { kind: "ecdsa", hash: "SHA-256" });
      const attributes = Buffer.from(prepared.signedAttributes, "base64");
      // A value from another key is refused.
      const wrong = cryptoSign("sha256", attributes, { key: people.saDevice.privateKey, dsaEncoding: "ieee-p1363" });
      wrong[5] = wrong[5]! ^ 0xff;
      r = await api(platform, people.saDevice, "POST", `/api/envelopes/${id}/sign/complete`, {
        sessionId: prepared.sessionId,
        signatureValue: wrong.toString("base64"),
      });
      await assertRefusal(r, 400, "invalid_signature_value");
      // WebCrypto's ECDSA value is r||s (IEEE P1363).
      const value = cryptoSign("sha256", attributes, { key: people.saDevice.privateKey, dsaEncoding: "ieee-p1363" });
      const done = await json(
        await api(platform, people.saDevice, "POST", `/api/envelopes/${id}/sign/complete`, {
          sessionId: prepared.sessionId,
          signatureValue: value.toString("base64"),
        }),
      );
      assert.equal(done.status, "completed");
      const sessions = await platform.db
        .selectFrom("signing_sessions")
        .selectAll()
        .where("envelope_id", "=", id)
        .execute();
      assert.equal(sessions.length, 0);
      const pdf = Buffer.from(
        await (await api(platform, people.saDevice, "GET", `/api/envelopes/${id}/document`)).arrayBuffer(),
      );
      const file = join(platform.dataDir, `device-${engine}.pdf`);
      writeFileSync(file, pdf);
      const listing = await pdfsig(platform.dataDir, file, roots());
      assert.match(listing, /Signature is Valid\./);
      assert.match(listing, /Certificate is Trusted\./);
      const report = await verifyOnPlatform(platform, pdf);
      assert.equal(report.verdict, "VALID", JSON.stringify(report, null, 1));
      assert.equal(report.signatures[0].signer.country, "SA");
    });

    test("visibility: a stranger gets 404 on the envelope, its document and its audit trail; the inbox", async () => {
      const id = await create({
        title: "Confidential",
        recipients: [{ email: people.saOfficial.email, role: "signer", order: 1 }],
      });
      for (const path of [`/api/envelopes/${id}`, `/api/envelopes/${id}/document`, `/api/envelopes/${id}/audit`]) {
        const r = await api(platform, people.stranger, "GET", path);
        assert.equal(r.status, 404, path);
        assert.equal((await r.json()).error.code, "not_found");
      }
      for (const path of [`/api/envelopes/${id}/sign`, `/api/envelopes/${id}/send`]) {
        assert.equal((await api(platform, people.stranger, "POST", path)).status, 404, path);
      }
      assert.equal((await api(platform, null, "GET", `/api/envelopes/${id}`)).status, 401);
      // Unknown ids look the same as invisible ones.
      assert.equal(
        (await api(platform, people.stranger, "GET", "/api/envelopes/00000000-0000-0000-0000-000000000000")).status,
        404,
      );
      assert.equal((await api(platform, people.stranger, "GET", "/api/envelopes/nonsense")).status, 404);
      // A colleague of the creator's agency sees it; a recipient does once it is sent (and even as a draft).
      assert.equal((await api(platform, people.jpAdmin, "GET", `/api/envelopes/${id}`)).status, 200);
      assert.equal((await api(platform, people.saOfficial, "GET", `/api/envelopes/${id}`)).status, 200);
      // Only the owning agency sends it.
      assert.equal((await api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/send`)).status, 403);
      await json(await api(platform, people.jpAdmin, "POST", `/api/envelopes/${id}/send`));

      const inbox = await json(await api(platform, people.saOfficial, "GET", "/api/envelopes"));
      assert.ok(inbox.waiting.some((e: any) => e.id === id));
      const mine = await json(await api(platform, people.jpOfficial, "GET", "/api/envelopes"));
      assert.ok(mine.sent.some((e: any) => e.id === id));
      assert.ok(!mine.waiting.some((e: any) => e.id === id));
      const theirs = await json(await api(platform, people.stranger, "GET", "/api/envelopes"));
      assert.ok(![...theirs.waiting, ...theirs.sent, ...theirs.completed].some((e: any) => e.id === id));
    });

    test("uploads: non-PDF 415, malformed meta 400, bad recipients 400, oversized 413, encrypted refused", async () => {
      const meta = { title: "Upload", recipients: [{ email: people.saOfficial.email, role: "signer", order: 1 }] };
      let r = await api(
        platform,
        people.jpOfficial,
        "POST",
        "/api/envelopes",
        envelopeForm(Buffer.from("hello, not a PDF"), meta),
      );
      assert.equal(r.status, 415);
      r = await api(
        platform,
        people.jpOfficial,
        "POST",
        "/api/envelopes",
        envelopeForm(Buffer.from("%PDF-1.7\ngarbage"), meta),
      );
      await assertRefusal(r, 400, "invalid_pdf");
      r = await api(platform, people.jpOfficial, "POST", "/api/envelopes", envelopeForm(plainPdf(), "{ not json"));
      await assertRefusal(r, 400, "invalid_request");
      r = await api(
        platform,
        people.jpOfficial,
        "POST",
        "/api/envelopes",
        envelopeForm(plainPdf(), { title: "x", recipients: [] }),
      );
      assert.equal(r.status, 400);
      r = await api(
        platform,
        people.jpOfficial,
        "POST",
        "/api/envelopes",
        envelopeForm(plainPdf(), { title: "x", recipients: [{ email: "a@b", role: "king", order: 1 }] }),
      );
      assert.equal(r.status, 400);
      r = await api(platform, people.jpOfficial, "POST", "/api/envelopes", { title: "json instead of multipart" });
      assert.equal(r.status, 415);
      const big = Buffer.concat([plainPdf(), Buffer.alloc(26 * 1024 * 1024, 0x20)]);
      r = await api(platform, people.jpOfficial, "POST", "/api/envelopes", envelopeForm(big, meta));
      await assertRefusal(r, 413, "payload_too_large");
      const encryptedFile = join(platform.dataDir, "encrypted.pdf");
      const plainFile = join(platform.dataDir, "plain.pdf");
      writeFileSync(plainFile, plainPdf());
      const q = await run("qpdf", ["--encrypt", "u", "o", "256", "--", plainFile, encryptedFile]);
      assert.equal(q.code, 0, q.stderr);
      const { readFileSync } = await import("node:fs");
      r = await api(
        platform,
        people.jpOfficial,
        "POST",
        "/api/envelopes",
        envelopeForm(readFileSync(encryptedFile), meta),
      );
      await assertRefusal(r, 415, "encrypted_pdf");
      // POST /api/verify: not a PDF → 400; wrong media type → 415.
      r = await fetch(`${platform.url}/api/verify`, {
        method: "POST",
        headers: { "content-type": "application/pdf" },
        body: "not a pdf",
      });
      assert.equal(r.status, 400);
      r = await fetch(`${platform.url}/api/verify`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "x",
      });
      assert.equal(r.status, 415);
      // Malformed JSON body on a JSON route.
      r = await fetch(`${platform.url}/api/envelopes/00000000-0000-0000-0000-000000000000/decline`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${people.saOfficial.token}` },
        body: "{ reason: ",
      });
      assert.equal(r.status, 400);
    });

    test("expiry and reminders, as the scheduler calls them", async () => {
      const { expireDue, remindDue } = await import("../src/envelopes/scheduled.js");
      const id = await createAndSend({
        title: "Expiring",
        recipients: [{ email: people.saOfficial.email, role: "signer", order: 1 }],
        expiresAt: new Date(Date.now() + 3 * 3600_000).toISOString(),
        reminderEveryHours: 1,
      });
      assert.deepEqual(await remindDue(platform.db, new Date(Date.now() + 10 * 60_000)), []);
      const reminded = await remindDue(platform.db, new Date(Date.now() + 61 * 60_000));
      assert.ok(reminded.includes(id));
      assert.ok(!(await remindDue(platform.db, new Date(Date.now() + 62 * 60_000))).includes(id));
      // Two schedulers (replicas) at once remind once.
      const later = new Date(Date.now() + 125 * 60_000);
      const both = await Promise.all([remindDue(platform.db, later), remindDue(platform.db, later)]);
      assert.equal(both.flat().filter((x) => x === id).length, 1);
      assert.ok(!(await expireDue(platform.db, new Date())).includes(id));
      assert.ok((await expireDue(platform.db, new Date(Date.now() + 4 * 3600_000))).includes(id));
      const envelope = await json(await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}`));
      assert.equal(envelope.status, "expired");
      const r = await api(platform, people.saOfficial, "POST", `/api/envelopes/${id}/sign`);
      assert.equal(r.status, 409);
      const events = await listEvents(platform.db, id);
      assert.deepEqual(
        events.map((e) => e.type),
        ["created", "sent", "reminded", "reminded", "expired"],
      );
      assert.equal(verifyChain(events).valid, true);
    });

    test("GET /api/openapi.json describes every route in OpenAPI 3.1", async () => {
      const doc = await json(await fetch(`${platform.url}/api/openapi.json`));
      assert.equal(doc.openapi, "3.1.0");
      for (const path of [
        "/api/envelopes",
        "/api/envelopes/{id}",
        "/api/envelopes/{id}/send",
        "/api/envelopes/{id}/sign",
        "/api/envelopes/{id}/sign/prepare",
        "/api/envelopes/{id}/sign/complete",
        "/api/envelopes/{id}/decline",
        "/api/envelopes/{id}/document",
        "/api/envelopes/{id}/audit",
        "/api/verify",
        "/api/register/{code}",
        "/pki/{ca}/ocsp",
        "/tsa",
      ]) {
        assert.ok(doc.paths[path], `${path} in ${Object.keys(doc.paths).join(" ")}`);
      }
      assert.ok(doc.paths["/api/envelopes/{id}/decline"].post.requestBody);
    });

    // Last: it uses up this client's allowance.
    test("POST /api/verify is rate-limited per client (429 with a coded error)", async () => {
      let limited: Response | undefined;
      for (let i = 0; i < 40 && !limited; i++) {
        const r = await fetch(`${platform.url}/api/verify`, {
          method: "POST",
          headers: { "content-type": "application/pdf" },
          body: "not a pdf",
        });
        if (r.status === 429) limited = r;
        else assert.equal(r.status, 400);
      }
      assert.ok(limited, "no 429 after 40 requests");
      assert.equal((await limited.json()).error.code, "rate_limited");
    });
  });
}
