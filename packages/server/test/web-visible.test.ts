// Visible signatures through the web application (issue 13.2), driven in Debian's Chromium against the real
// platform: in Arabic, Japanese and English (one browser, one envelope each), official@jp.demo sends an envelope with
// fields for a JP official and an SA official, placed with the mouse in the field editor; each fills their text field on the page and signs through the sign
// page — the JP official with a typed mark and a seal generated from the family name, the SA official with a mark
// drawn on the pad (at phone width, in Arabic). Then the downloaded final PDF: poppler's rendering shows both blocks
// (ink in each signature field, the seal's red in the JP one), pdftotext gives both names, their job titles and the
// dates in both signers' calendars, zbarimg reads the register address, pdfsig trusts both signatures, core's
// validator says VALID with FORM_FILLING for the first signature, qpdf --check is clean. Screenshots in
// test-artifacts/web/ (gitignored); axe-core (WCAG 2.2 AA) on each sign page.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { toPem } from "@khatam/core/pki";
import { validatePdf } from "@khatam/core/verify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { inProcessTrustFetch, platformTrustAnchors } from "../src/trust/in-process.js";
import {
  assertWebAppBuilt,
  axe,
  type Language,
  launchChromium,
  newPage,
  screenshot,
  skipWithoutChromium,
} from "./support/browser.js";
import { bearerToken, json, pdfsig, plainPdf, run } from "./support/envelopes.js";
import { FIELD_EDITOR, placeField } from "./support/field-editor.js";
import { countPixels, isDark, isRed, type Pixel } from "./support/ppm.js";
import { ADMIN_TOKEN, type RunningApp, startApp, temporaryDirectory } from "./support/server.js";

const KHATAM = fileURLToPath(new URL("../../../cli/bin/khatam.cjs", import.meta.url));
const PASSWORD = "khatam-demo";
const ENVELOPE_URL = /\/envelopes\/[0-9a-f-]{36}$/;
const JP = { email: "official@jp.demo", name: "佐藤 花子", title: "デジタル推進課長" };
const SA = { email: "official@sa.demo", name: "نورة القحطاني", title: "مديرة إدارة الوثائق" };
// Where the sender drops the fields (user space of plainPdf's A4 page, 595 × 842 points).
const WANTED = [
  { recipientIndex: 0, kind: "signature", pdfRect: [40, 600, 280, 720] },
  { recipientIndex: 0, kind: "text", pdfRect: [40, 560, 280, 585], label: "Reference" },
  { recipientIndex: 1, kind: "signature", pdfRect: [310, 600, 550, 720] },
  { recipientIndex: 1, kind: "text", pdfRect: [310, 560, 550, 585], label: "المرجع" },
] as const;

describe("visible signatures through the web application in Chromium", {
  skip: skipWithoutChromium,
  timeout: 300_000,
}, () => {
  const dir = temporaryDirectory("khatam-visible-");
  let running: RunningApp;
  let origin: string;
  let browser: Browser;
  const problems: string[] = [];
  const tokens: Record<string, string> = {};
  /** Each official's browser, signed in once for the three languages (a sign-in costs seconds). */
  const sessions: Record<string, { context: BrowserContext; page: Page }> = {};

  const apiToken = (email: string) => bearerToken(origin, email);

  before(async () => {
    assertWebAppBuilt();
    running = await startApp(dir.path, { backgroundJobs: false });
    origin = running.url;
    browser = await launchChromium();
    // The officials' names in their own scripts and their job titles (migration 15), set by the administrator.
    const users = await json(
      await fetch(`${origin}/api/admin/users`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    );
    for (const person of [JP, SA]) {
      const id = users.find((u: { email: string }) => u.email === person.email).id;
      const changed = await json(
        await fetch(`${origin}/api/admin/users/${id}`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ displayName: person.name, jobTitle: person.title }),
        }),
      );
      assert.equal(changed.jobTitle, person.title);
      tokens[person.email] = await apiToken(person.email);
    }
  });

  after(async () => {
    for (const s of Object.values(sessions)) await s.context.close();
    await browser?.close();
    await running?.close();
    dir.remove();
  });

  /**
   * The official's page, in `language`: signed in on first use; the language is the switcher's stored choice, set
   * by an init script before each page loads (scripts run in the order added, so the newest language wins).
   */
  async function official(email: string, language: Language): Promise<Page> {
    let session = sessions[email];
    if (!session) {
      session = await newPage(browser, origin, language, problems);
      sessions[email] = session;
      await session.page.goto(`${origin}/login`);
      await session.page.locator("input[name=email]").fill(email);
      await session.page.locator("input[name=password]").fill(PASSWORD);
      await session.page.locator("form button[type=submit]").click();
      await session.page.waitForURL(`${origin}/`);
    }
    await session.context.addInitScript((l) => localStorage.setItem("khatam.lang", l), language);
    return session.page;
  }

  /**
   * Creates and sends the envelope on /envelopes/new: the document, the two officials (in turn), and the fields
   * dropped with the mouse, the text fields labelled and required. Returns the envelope's id.
   */
  async function sendWithFields(page: Page, language: Language): Promise<string> {
    await page.goto(`${origin}/envelopes/new`);
    await page.setInputFiles("#document", { name: "visible.pdf", mimeType: "application/pdf", buffer: plainPdf() });
    await page.locator("#title").fill(`Visible signatures (${language})`);
    await page.locator("#recipient-0-email").fill(JP.email);
    await page.locator("#add-recipient").click();
    await page.waitForFunction(() => document.activeElement?.id === "recipient-1-email");
    await page.keyboard.type(SA.email);
    await page.locator(FIELD_EDITOR.root).waitFor();
    for (const f of WANTED) {
      await placeField(page, { recipientIndex: f.recipientIndex, kind: f.kind, pageNumber: 1, pdfRect: f.pdfRect });
      if ("label" in f) {
        await page.locator(FIELD_EDITOR.required).check();
        await page.locator(FIELD_EDITOR.label).fill(f.label);
      }
    }
    await screenshot(page, `visible-${language}-editor`);
    await page.locator("button[value=send]").click();
    await page.waitForURL(ENVELOPE_URL);
    return page.url().split("/").pop()!;
  }

  /** Opens the sign page of `id` and waits until the signer's fields are drawn over the page. */
  async function openSignPage(page: Page, id: string, firstField: string): Promise<void> {
    await page.goto(`${origin}/envelopes/${id}/sign`);
    // The page drawn with the fields over it (the field is an input in place, or in the list on a small screen).
    await page.locator("[data-signer-layer='1']").waitFor({ timeout: 30_000 });
    await page.locator(`[data-field="${firstField}"]`).waitFor();
    await page.locator("[data-certificate]").waitFor();
  }

  /**
   * The envelope page outlines the fields over its viewer's page (read-only, components/field-editor.tsx
   * FieldOutlines): where they were placed (within a pixel), the recipient's number and colour, and whether signed.
   */
  async function checkOutlines(page: Page, language: Language, done: boolean): Promise<void> {
    for (const f of WANTED) {
      const name = `r${f.recipientIndex + 1}.${f.kind === "signature" ? "signature" : "text.1"}`;
      const outline = page.locator(`.field-layer--readonly[data-page="1"] [data-field="${name}"]`);
      await outline.waitFor({ state: "attached", timeout: 30_000 });
      assert.equal(await outline.getAttribute("data-done"), String(done), name);
      assert.equal(await outline.getAttribute("data-recipient-index"), String(f.recipientIndex), name);
      const number = (await outline.locator(".field-box__number").textContent())!;
      const n = f.recipientIndex + 1;
      assert.equal(number, language === "ar" ? String.fromCharCode(0x660 + n) : String(n), name);
      const off = await outline.evaluate((box, r) => {
        const layer = box.parentElement!;
        const t = JSON.parse(layer.dataset.transform!) as number[];
        const point = (x: number, y: number) => [t[0]! * x + t[2]! * y + t[4]!, t[1]! * x + t[3]! * y + t[5]!];
        const [ax, ay] = point(r[0], r[1]) as [number, number];
        const [bx, by] = point(r[2], r[3]) as [number, number];
        const at = layer.getBoundingClientRect();
        const got = box.getBoundingClientRect();
        return [
          got.left - at.left - Math.min(ax, bx),
          got.top - at.top - Math.min(ay, by),
          got.width - Math.abs(bx - ax),
          got.height - Math.abs(by - ay),
        ].map(Math.abs);
      }, f.pdfRect);
      assert.ok(Math.max(...off) < 1, `${name} outlined where it was placed (off by ${off.join(", ")} px)`);
    }
  }

  async function confirmAndSign(page: Page): Promise<void> {
    await page.locator("#confirm").check();
    await page.locator("[data-action=confirm-sign]").click();
    await page.waitForURL(ENVELOPE_URL, { timeout: 60_000 });
    await page.locator(".banner").waitFor({ timeout: 60_000 });
  }

  for (const language of ["ar", "ja", "en"] as const satisfies readonly Language[]) {
    test(`${language}: both officials fill and sign through the sign page; the final PDF shows both blocks`, async () => {
      // The JP official sends it, placing the fields with the mouse in the field editor (issue 13.1).
      const jp = { page: await official(JP.email, language) };
      const id = await sendWithFields(jp.page, language);
      await checkOutlines(jp.page, language, false);
      const created = await json(
        await fetch(`${origin}/api/envelopes/${id}`, { headers: { authorization: tokens[JP.email]! } }),
      );
      const placed = new Map(
        (created.fields as { name: string; rect: number[] }[]).map((f) => [f.name, f.rect] as const),
      );
      assert.deepEqual([...placed.keys()].sort(), ["r1.signature", "r1.text.1", "r2.signature", "r2.text.1"]);
      const jpSignature = placed.get("r1.signature")!;
      const saSignature = placed.get("r2.signature")!;

      // The JP official: the required field refused empty, then filled in place; typed mark and a generated seal.
      await openSignPage(jp.page, id, "r1.text.1");
      assert.equal(await jp.page.getAttribute("html", "lang"), language);
      // Only their own fields are inputs; the SA official's show as outlines.
      assert.equal(await jp.page.locator(".signer-layer input[data-field]").count(), 1);
      assert.equal(await jp.page.locator("[data-field-list]").count(), 0, "filled in place on a wide screen");
      assert.equal(await jp.page.locator(".signer-field--other").count(), 2);
      await jp.page.locator("#seal-generated").check();
      assert.equal(await jp.page.locator("#seal-name").inputValue(), "佐藤", "the family name comes first in Japanese");
      await jp.page.locator("[data-block-preview] [data-seal]").waitFor();
      await jp.page.locator("#confirm").check();
      await jp.page.locator("[data-action=confirm-sign]").click();
      const summary = jp.page.getByRole("alert");
      await summary.waitFor();
      assert.match(
        (await summary.textContent()) ?? "",
        {
          ar: /املأ «.*Reference.*» في الصفحة ١/,
          ja: /1 ページの「.*Reference.*」を記入/,
          en: /Fill in “.*Reference.*” on page 1/,
        }[language],
      );
      assert.equal(await jp.page.locator('[data-field="r1.text.1"]').getAttribute("aria-invalid"), "true");
      await jp.page.locator('[data-field="r1.text.1"]').fill(`JP-2026-${language}`);
      // The typed mark's preview names the signer; the block in the signature field shows the seal too.
      assert.equal(await jp.page.locator("[data-block-preview] [data-mark=typed]").textContent(), JP.name);
      await jp.page.locator('[data-field="r1.signature"] [data-seal]').waitFor();
      // axe on each kind of sign page once: the JP one (seal, fields in place) in Japanese and English, the SA one
      // (drawn mark, fields listed at phone width, right to left) in Arabic.
      if (language !== "ar") await axe(jp.page, `sign page with fields, JP (${language})`);
      await screenshot(jp.page, `visible-${language}-jp`);
      await confirmAndSign(jp.page);

      // The SA official, in Arabic on a phone-sized window in one run: a drawn mark.
      const phone = language === "ar";
      const sa = { page: await official(SA.email, language) };
      await sa.page.setViewportSize(phone ? { width: 390, height: 844 } : { width: 1100, height: 900 });
      await openSignPage(sa.page, id, "r2.text.1");
      if (phone) {
        // At phone width the fields are too small to fill in place: the list under the pages takes them.
        await sa.page.locator('[data-field-list] [data-field="r2.text.1"]').waitFor();
        await sa.page.locator('[data-listed="r2.text.1"]').waitFor();
      }
      assert.equal(await sa.page.locator("#seal-generated").count(), 0, "no seal offered to a Saudi official");
      await sa.page.locator('[data-field="r2.text.1"]').fill("SA-1448-13");
      await sa.page.locator("#mark-drawn").check();
      const pad = sa.page.locator("[data-drawing-pad]");
      await pad.scrollIntoViewIfNeeded();
      const box = (await pad.boundingBox())!;
      await sa.page.mouse.move(box.x + 20, box.y + box.height * 0.7);
      await sa.page.mouse.down();
      for (let i = 1; i <= 12; i++) {
        await sa.page.mouse.move(box.x + 20 + (i * (box.width - 40)) / 12, box.y + box.height * (i % 2 ? 0.3 : 0.7));
      }
      await sa.page.mouse.up();
      // The drawing becomes the mark: its PNG is in the preview and in the signature field.
      await sa.page.locator("[data-block-preview] [data-mark=image]").waitFor();
      await sa.page.locator('[data-field="r2.signature"] [data-mark=image]').waitFor();
      if (phone) {
        const sideways = await sa.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(sideways <= 0, `the sign page scrolls sideways by ${sideways} px at 390 px`);
        assert.equal(await sa.page.getAttribute("html", "dir"), "rtl");
      }
      if (language === "ar") await axe(sa.page, `sign page with fields, SA (${language})`);
      await screenshot(sa.page, `visible-${language}-sa`);
      await confirmAndSign(sa.page);
      // Both signed: the outlines say so and let the signature blocks show.
      await checkOutlines(sa.page, language, true);

      const envelope = await json(
        await fetch(`${origin}/api/envelopes/${id}`, { headers: { authorization: tokens[JP.email]! } }),
      );
      assert.equal(envelope.status, "completed");
      const pdf = new Uint8Array(
        await (
          await fetch(`${origin}/api/envelopes/${id}/document`, { headers: { authorization: tokens[JP.email]! } })
        ).arrayBuffer(),
      );
      const file = join(dir.path, `visible-${language}.pdf`);
      writeFileSync(file, pdf);

      // Both blocks drawn (poppler at 72 dpi: 1 px = 1 pt), the seal's red in the JP one.
      const png = join(dir.path, `visible-${language}`);
      assert.equal((await run("pdftoppm", ["-r", "72", "-f", "1", "-l", "1", file, png])).code, 0);
      const ppm = readFileSync(`${png}-1.ppm`);
      assert.ok(countPixels(ppm, jpSignature, 842, isRed) > 20, "red seal pixels in the JP signature block");
      assert.ok(countPixels(ppm, jpSignature, 842, isDark) > 20, "the JP block is drawn");
      assert.ok(countPixels(ppm, saSignature, 842, isInk) > 20, "the SA block is drawn");

      // Names, titles and filled values in logical order; dates in the Japanese era and the Umm al-Qura calendar.
      const text = (await run("pdftotext", ["-enc", "UTF-8", file, "-"])).stdout;
      for (const expected of [
        "佐藤",
        "花子",
        JP.title,
        "نورة القحطاني",
        SA.title,
        `JP-2026-${language}`,
        "SA-1448-13",
      ]) {
        assert.ok(text.includes(expected), `pdftotext has ${expected}:\n${text}`);
      }
      assert.match(text, /令和/, "the JP block's date in the Japanese era");
      assert.match(text, /هـ/, "the SA block's date in the Umm al-Qura calendar");

      // The register line's QR code (150 dpi).
      assert.equal((await run("pdftoppm", ["-r", "150", "-f", "1", "-l", "1", "-png", file, `${png}-qr`])).code, 0);
      const qr = await run("zbarimg", ["-q", "--raw", `${png}-qr-1.png`]);
      assert.equal(qr.stdout.trim(), `${origin}/register/${created.registerCode}`, qr.stderr);

      // pdfsig with both countries' roots trusted; qpdf; core's validator.
      const roots = ["jp", "sa"].map((c) => running.app.trustStore.get(c).root.certificate);
      const listing = await pdfsig(dir.path, file, roots);
      const blocks = listing
        .split(/^Signature #\d+:/m)
        .slice(1)
        .filter((b) => /ETSI\.CAdES\.detached/.test(b));
      assert.equal(blocks.length, 2, listing);
      for (const b of blocks) {
        assert.match(b, /Signature Validation: Signature is Valid\./, listing);
        assert.match(b, /Certificate Validation: Certificate is Trusted\./, listing);
      }
      assert.equal((await run("qpdf", ["--check", file])).code, 0);
      const report = await validatePdf(pdf, {
        trustAnchors: platformTrustAnchors(running.app.trustStore),
        online: { fetch: inProcessTrustFetch(running.app.trustStore, origin), timeoutMs: 5000 },
      });
      assert.equal(report.verdict, "VALID");
      const signatures = report.signatures.filter((s) => s.type === "signature");
      assert.deepEqual(
        signatures.map((s) => s.signer?.country),
        ["JP", "SA"],
      );
      assert.equal(signatures[0]!.modifications, "FORM_FILLING");
      // And the command line, as a verifier abroad runs it, trusting the two countries' roots: VALID (exit 0).
      const trust = ["jp", "sa"].flatMap((c, i) => {
        const pem = join(dir.path, `root-${c}.pem`);
        writeFileSync(pem, toPem(roots[i]!));
        return ["--trust", pem];
      });
      const cli = await run(process.execPath, [KHATAM, "verify", file, ...trust, "--offline", "--json"]);
      assert.equal(cli.code, 0, cli.stdout + cli.stderr);
      const cliReport = JSON.parse(cli.stdout);
      assert.equal(cliReport.verdict, "VALID");
      assert.equal(
        cliReport.signatures.find((s: { type: string }) => s.type === "signature").modifications,
        "FORM_FILLING",
      );
      assert.deepEqual(problems, []);
    });
  }
});

/** The drawn mark's blue ink, or the block's dark text. */
const isInk: Pixel = (r, g, b) => (r < 100 && g < 100) || (b > r + 60 && b > 100);
