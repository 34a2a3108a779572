/**
 * Fields placed by the sender (issue 13.1) and filled and signed by each recipient (13.2), through the HTTP API on
 * both engines: creation with fields (AcroForm fields in the document, rows returned by the read API and in the
 * OpenAPI document), the refusals (page, rect, recipient, role, signature fields) with their codes, tenant
 * isolation, a JP official filling and signing with a typed mark and a generated seal on the platform key, an SA
 * official on a device key with a drawn mark, required fields, and the final document: pdfsig valid and trusted,
 * core's validator VALID with FORM_FILLING for the first signature, pdftotext with both names, red seal pixels in
 * poppler's rendering, qpdf --check.
 */
import assert from "node:assert/strict";
import { sign as cryptoSign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readFields } from "@khatam/core/forms";
import type * as Png from "../../core/dist/test/support/png.js";
import { ENGINES } from "./support/db.js";
import {
  api,
  envelopeForm,
  type Federation,
  type Json,
  json,
  type Platform,
  pdfsigSignatures,
  plainPdf,
  platformRoots,
  run,
  seededPlatform,
  verifyOnPlatform,
} from "./support/envelopes.js";
import { countPixels, isDark, isRed } from "./support/ppm.js";

// PNGs are written by core's test support (this file runs as packages/server/dist/test/…).
const { png } = (await import(new URL("../../../core/dist/test/support/png.js", import.meta.url).href)) as typeof Png;
/** A 2×2 black PNG (a drawn mark as the web app sends it). */
const tinyPng = () => Buffer.from(png({ width: 2, height: 2, depth: 8, colorType: 0 }, new Uint8Array(6)));

for (const engine of ENGINES) {
  describe(`envelope fields on ${engine}`, () => {
    let platform: Platform;
    let people: Federation;
    const roots = () => platformRoots(platform);

    before(async () => ({ platform, people } = await seededPlatform(engine)));
    after(() => platform?.close());

    const recipients = () => [
      { email: people.jpOfficial.email, role: "signer", order: 1 },
      { email: people.saDevice.email, role: "signer", order: 2 },
      { email: people.saClerk.email, role: "viewer", order: 1 },
    ];
    // plainPdf's page is A4 (595 × 842).
    const fields = () => [
      { recipient: 0, kind: "signature", page: 1, rect: [40, 600, 280, 720] },
      { recipient: 0, kind: "text", page: 1, rect: [40, 560, 280, 585], label: "Reference", required: true },
      { recipient: 0, kind: "checkbox", page: 1, rect: [40, 530, 56, 546], label: "Approved" },
      { recipient: people.saDevice.email, kind: "signature", page: 1, rect: [310, 600, 550, 720] },
      { recipient: 1, kind: "date", page: 1, rect: [310, 560, 550, 585] },
      { recipient: 0, kind: "title", page: 1, rect: [40, 500, 280, 522] },
    ];

    async function create(meta: Record<string, unknown>, by = people.jpOfficial): Promise<Response> {
      return api(platform, by, "POST", "/api/envelopes", envelopeForm(plainPdf(), meta));
    }

    test("refusals: each bad field gets its code, and nothing is created", async () => {
      const cases: [unknown, number, string][] = [
        [[{ ...fields()[0], page: 2 }, fields()[1]], 422, "field_page_missing"],
        [[{ ...fields()[0], rect: [500, 800, 700, 900] }], 422, "field_off_page"],
        [[{ ...fields()[0], recipient: 7 }], 422, "field_recipient_unknown"],
        [[{ ...fields()[0], recipient: "nobody@example.org" }], 422, "field_recipient_unknown"],
        [[{ ...fields()[0], recipient: 2 }], 422, "field_recipient_not_signer"],
        [[fields()[1]], 422, "field_signature_missing"],
        [[fields()[0], fields()[0]], 422, "field_signature_missing"],
        [[{ ...fields()[0], kind: "stamp" }], 400, "invalid_request"],
        [[{ ...fields()[0], rect: [1, 2, 3] }], 400, "invalid_request"],
        [[{ ...fields()[0], rect: [10, 10, 10, 50] }], 400, "invalid_request"],
        ["all of them", 400, "invalid_request"],
      ];
      const createdBefore = await platform.db
        .selectFrom("envelopes")
        .select((e) => e.fn.countAll().as("n"))
        .executeTakeFirst();
      for (const [f, status, code] of cases) {
        const r = await create({ title: "Refused", recipients: recipients(), fields: f });
        const body = await json(r, status);
        assert.equal(body.error.code, code, JSON.stringify({ f, body }));
      }
      const later = await platform.db
        .selectFrom("envelopes")
        .select((e) => e.fn.countAll().as("n"))
        .executeTakeFirst();
      assert.equal(Number(later?.n), Number(createdBefore?.n), "no envelope was created");
    });

    test("the OpenAPI document shows fields and the signer's choices", async () => {
      const doc = await json(await fetch(`${platform.url}/api/openapi.json`));
      const text = JSON.stringify(doc);
      assert.match(text, /field_overlaps_signature/);
      assert.match(text, /"familyName"/);
      assert.match(text, /r<n>\.signature/);
    });

    test("JP fills and signs with a seal, SA signs on its device with a drawn mark: fields, locks and both blocks", async () => {
      const created = await json(
        await create({ title: "Memorandum with fields", recipients: recipients(), fields: fields() }),
        201,
      );
      const id = created.id;
      let envelope = await json(await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}`));
      assert.deepEqual(
        envelope.fields.map((f: Json) => [f.name, f.recipient, f.kind, f.required]),
        [
          ["r1.signature", people.jpOfficial.email, "signature", false],
          ["r1.text.1", people.jpOfficial.email, "text", true],
          ["r1.checkbox.1", people.jpOfficial.email, "checkbox", false],
          ["r2.signature", people.saDevice.email, "signature", false],
          ["r2.date.1", people.saDevice.email, "date", false],
          ["r1.title.1", people.jpOfficial.email, "title", false],
        ],
      );
      assert.deepEqual(envelope.fields[1].rect, [40, 560, 280, 585]);
      assert.equal(envelope.fields[1].label, "Reference");
      // The document holds them as AcroForm fields, none signed yet.
      const draft = new Uint8Array(
        await (await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}/document`)).arrayBuffer(),
      );
      const inDocument = readFields(draft);
      assert.deepEqual(inDocument.map((f) => f.name).sort(), envelope.fields.map((f: Json) => f.name).sort());
      assert.ok(inDocument.every((f) => !f.signed));

      // Tenant isolation: another agency's member sees neither the envelope nor its fields.
      const foreign = await api(platform, people.stranger, "GET", `/api/envelopes/${id}`);
      assert.equal(foreign.status, 404);
      assert.doesNotMatch(await foreign.text(), /r1\.signature/);
      // The viewer (a recipient) sees them.
      envelope = await json(await api(platform, people.saClerk, "GET", `/api/envelopes/${id}`));
      assert.equal(envelope.fields.length, 6);

      await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/send`));
      // The account's job title (migration 15) goes into the block and fills the title field left out.
      await platform.db
        .updateTable("users")
        .set({ job_title: "デジタル推進課長" })
        .where("email", "=", people.jpOfficial.email)
        .execute();
      const sign = (body: unknown) => api(platform, people.jpOfficial, "POST", `/api/envelopes/${id}/sign`, body);
      // The required text left empty, another's field, a value of the wrong type, an image that is not one.
      assert.equal(
        (await json(await sign({ fill: { "r1.checkbox.1": true } }), 422)).error.code,
        "field_required_missing",
      );
      assert.equal(
        (await json(await sign({ fill: { "r1.text.1": "JP-2026-13", "r2.date.1": "x" } }), 422)).error.code,
        "field_value_invalid",
      );
      assert.equal(
        (await json(await sign({ fill: { "r1.text.1": "JP-2026-13", "r1.checkbox.1": "yes" } }), 422)).error.code,
        "field_value_invalid",
      );
      assert.equal(
        (
          await json(
            await sign({
              fill: { "r1.text.1": "JP-2026-13" },
              mark: { kind: "image", image: Buffer.from("not an image at all").toString("base64") },
            }),
            422,
          )
        ).error.code,
        "invalid_image",
      );
      envelope = await json(
        await sign({
          fill: { "r1.text.1": "JP-2026-13", "r1.checkbox.1": true },
          mark: { kind: "typed" },
          seal: { kind: "generated", familyName: "佐藤" },
        }),
      );
      const byEmail = (e: Json, email: string) => e.recipients.find((x: Json) => x.email === email);
      assert.equal(byEmail(envelope, people.jpOfficial.email).status, "signed");
      assert.equal(byEmail(envelope, people.jpOfficial.email).signatureField, "r1.signature");

      // The SA official on their device key, with a drawn mark; the prepared revision carries it.
      const prepared = await json(
        await api(platform, people.saDevice, "POST", `/api/envelopes/${id}/sign/prepare`, {
          fill: { "r2.date.1": "2026-12-04" },
          mark: { kind: "drawn", image: tinyPng().toString("base64") },
        }),
      );
      const value = cryptoSign("sha256", Buffer.from(prepared.signedAttributes, "base64"), {
        key: people.saDevice.privateKey,
        dsaEncoding: "ieee-p1363",
      });
      envelope = await json(
        await api(platform, people.saDevice, "POST", `/api/envelopes/${id}/sign/complete`, {
          sessionId: prepared.sessionId,
          signatureValue: value.toString("base64"),
        }),
      );
      assert.equal(envelope.status, "completed");
      assert.equal(byEmail(envelope, people.saDevice.email).signatureField, "r2.signature");

      const pdf = new Uint8Array(
        await (await api(platform, people.jpOfficial, "GET", `/api/envelopes/${id}/document`)).arrayBuffer(),
      );
      const final = readFields(pdf);
      const filled = (name: string) => final.find((f) => f.name === name)?.value;
      assert.equal(filled("r1.text.1"), "JP-2026-13");
      assert.equal(filled("r1.checkbox.1"), true);
      assert.equal(filled("r2.date.1"), "2026-12-04");
      assert.equal(filled("r1.title.1"), "デジタル推進課長");
      assert.ok(
        final.every((f) => f.signed),
        "every field is covered by its owner's signature",
      );

      const file = join(platform.dataDir, `fields-${engine}.pdf`);
      writeFileSync(file, pdf);
      const { listing, signatures } = await pdfsigSignatures(platform.dataDir, file, roots());
      assert.equal(signatures.length, 2, listing);
      assert.equal((await run("qpdf", ["--check", file])).code, 0);

      // Both names in logical order, and the seal's red in the JP block (poppler, 72 dpi: 1 px = 1 pt).
      const text = (await run("pdftotext", [file, "-"])).stdout;
      // Each block in its signer's language: the JP official's agency in Japanese, the SA official's in Arabic.
      assert.match(text, /Hanako Sato/, text);
      assert.match(text, /デジタル庁/, text);
      // The title twice: in the JP block under the name, and in the title field.
      assert.equal(text.match(/デジタル推進課長/g)?.length, 2, text);
      assert.match(text, /Fatimah Alharbi/, text);
      assert.match(text, /وزارة الاتصالات/, text);
      const png = join(platform.dataDir, `fields-${engine}`);
      assert.equal((await run("pdftoppm", ["-r", "72", "-f", "1", "-l", "1", file, png])).code, 0);
      const ppm = readFileSync(`${png}-1.ppm`);
      assert.ok(redPixels(ppm, [40, 600, 280, 720], 842) > 20, "red seal pixels in the JP signature block");
      assert.ok(darkPixels(ppm, [310, 600, 550, 720], 842) > 20, "the SA block is drawn");
      // The register QR code, placed clear of the fields, reads back as the register address (150 dpi).
      assert.equal((await run("pdftoppm", ["-r", "150", "-f", "1", "-l", "1", "-png", file, `${png}-qr`])).code, 0);
      const qr = await run("zbarimg", ["-q", "--raw", `${png}-qr-1.png`]);
      assert.equal(qr.stdout.trim(), `${platform.url}/register/${created.registerCode}`, qr.stderr);

      const report = await verifyOnPlatform(platform, pdf);
      assert.equal(report.verdict, "VALID", JSON.stringify(report, null, 1));
      const sigs = report.signatures.filter((s: Json) => s.type === "signature");
      assert.deepEqual(
        sigs.map((s: Json) => s.signer.country),
        ["JP", "SA"],
      );
      assert.equal(sigs[0].modifications, "FORM_FILLING", JSON.stringify(sigs[0]));
    });

    test("without fields the signature stays invisible and values are refused", async () => {
      const created = await json(
        await create({
          title: "No fields",
          recipients: [{ email: people.jpOfficial.email, role: "signer", order: 1 }],
        }),
        201,
      );
      const envelope = await json(await api(platform, people.jpOfficial, "GET", `/api/envelopes/${created.id}`));
      assert.equal(envelope.fields, undefined);
      await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${created.id}/send`));
      const r = await api(platform, people.jpOfficial, "POST", `/api/envelopes/${created.id}/sign`, {
        fill: { "r1.text.1": "x" },
      });
      assert.equal((await json(r, 422)).error.code, "field_value_invalid");
      const signed = await json(await api(platform, people.jpOfficial, "POST", `/api/envelopes/${created.id}/sign`));
      assert.equal(signed.status, "completed");
    });
  });
}

const redPixels = (ppm: Buffer, rect: readonly number[], h: number) => countPixels(ppm, rect, h, isRed);
const darkPixels = (ppm: Buffer, rect: readonly number[], h: number) => countPixels(ppm, rect, h, isDark);
