// The web application (CONTRACTS § 5) served by the real platform and driven in Debian's Chromium: language
// negotiation and right-to-left layout, /verify checking documents in the browser (a document co-signed through the
// envelopes API is VALID, a tampered copy INVALID, and no request carries the PDF), dates in the Umm al-Qura and
// Japanese-era calendars, /login with its error summary and a real sign-in, the server's security headers, and an
// axe-core audit (WCAG 2.2 AA) of every page. Screenshots go to test-artifacts/web/ (gitignored).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import {
  assertWebAppBuilt,
  axe,
  launchChromium,
  newPage as openPage,
  screenshot,
  skipWithoutChromium,
} from "./support/browser.js";
import { envelopeForm, plainPdf } from "./support/envelopes.js";
import { type RunningApp, startApp, temporaryDirectory } from "./support/server.js";

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly body: Buffer | null;
}

describe("web application in Chromium", { skip: skipWithoutChromium, timeout: 300_000 }, () => {
  const dir = temporaryDirectory("khatam-web-");
  let running: RunningApp;
  let origin: string;
  let browser: Browser;
  let signed: Uint8Array;
  let tampered: Uint8Array;
  let longId: string;
  const requests: SeenRequest[] = [];
  const problems: string[] = []; // page errors, CSP violations and requests to another origin

  before(async () => {
    assertWebAppBuilt();
    running = await startApp(dir.path, { backgroundJobs: false });
    origin = running.url;

    // A memorandum co-signed by the demo officials of Japan and Saudi Arabia through the envelopes API (B-LTA).
    const token = async (email: string) => {
      const r = await fetch(`${origin}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "khatam-demo" }),
      });
      assert.equal(r.status, 200, await r.clone().text());
      return `Bearer ${((await r.json()) as { token: string }).token}`;
    };
    const jp = await token("official@jp.demo");
    const sa = await token("official@sa.demo");
    const call = async (auth: string, method: string, path: string, body?: FormData) => {
      const r = await fetch(`${origin}${path}`, { method, headers: { authorization: auth }, body });
      assert.ok(r.ok, `${method} ${path}: ${r.status} ${await r.clone().text()}`);
      return r;
    };
    const meta = {
      title: "Memorandum of cooperation",
      recipients: [
        { email: "official@jp.demo", role: "signer", order: 1 },
        { email: "official@sa.demo", role: "signer", order: 2 },
      ],
    };
    const { id } = (await (await call(jp, "POST", "/api/envelopes", envelopeForm(plainPdf(), meta))).json()) as {
      id: string;
    };
    // A long document for the viewer: 40 pages, each saying which page it is.
    longId = (
      (await (
        await call(
          jp,
          "POST",
          "/api/envelopes",
          envelopeForm(plainPdf(undefined, 40), { ...meta, title: "Long memorandum" }),
        )
      ).json()) as { id: string }
    ).id;
    await call(jp, "POST", `/api/envelopes/${id}/send`);
    await call(jp, "POST", `/api/envelopes/${id}/sign`);
    await call(sa, "POST", `/api/envelopes/${id}/sign`);
    const envelope = (await (await call(jp, "GET", `/api/envelopes/${id}`)).json()) as { status: string };
    assert.equal(envelope.status, "completed");
    signed = new Uint8Array(await (await call(jp, "GET", `/api/envelopes/${id}/document`)).arrayBuffer());
    tampered = signed.slice();
    const at = Buffer.from(tampered).indexOf("Memorandum of cooperation between");
    assert.ok(at > 0);
    tampered[at] = "N".charCodeAt(0);

    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await running?.close();
    dir.remove();
  });

  /** A fresh context (no stored language, no session) whose browser prefers `locale`; every request is recorded. */
  const newPage = (locale = "en-GB") =>
    openPage(browser, origin, null, problems, {
      locale,
      onRequest: (request) =>
        requests.push({ method: request.method(), url: request.url(), body: request.postDataBuffer() }),
    });

  async function check(page: Page, name: string, bytes: Uint8Array): Promise<string> {
    await page.setInputFiles("input[type=file]", { name, mimeType: "application/pdf", buffer: Buffer.from(bytes) });
    const verdict = page.locator("[data-verdict]");
    await verdict.waitFor({ state: "detached" }); // choosing a file clears the previous result
    await page.locator("form button[type=submit]").click();
    await verdict.waitFor({ timeout: 60_000 });
    return (await verdict.getAttribute("data-verdict"))!;
  }

  const pdfRequests = () =>
    requests.filter((r) => r.body && (r.body.includes("%PDF") || r.body.length >= Math.min(signed.length, 4096)));

  test("the server serves the application with a strict CSP; unknown /api paths stay JSON 404", async () => {
    for (const path of ["/", "/login", "/verify", "/envelopes/123", "/admin/users", "/register/ABC"]) {
      const r = await fetch(`${origin}${path}`);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(r.headers.get("content-security-policy") ?? "", /script-src 'self';/);
      assert.match(r.headers.get("content-security-policy") ?? "", /worker-src 'self' blob:/);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.doesNotMatch(await r.text(), /<script>|<script type="module">[^<]/, "no inline script");
    }
    const api = await fetch(`${origin}/api/no-such-thing`);
    assert.equal(api.status, 404);
    assert.deepEqual(((await api.json()) as { error: { code: string } }).error.code, "not_found");
    const anchors = (await (await fetch(`${origin}/api/trust/anchors`)).json()) as { ca: string; country: string }[];
    assert.deepEqual(anchors.map((a) => `${a.ca}:${a.country}`).sort(), ["jp:JP", "sa:SA"]);
  });

  test("/verify?lang=ar: <html lang=ar dir=rtl>, VALID for the co-signed memorandum with Hijri dates, INVALID when tampered, nothing uploaded", async () => {
    const { context, page } = await newPage("en-GB");
    await page.goto(`${origin}/verify?lang=ar`);
    await page.locator("h1").waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "ar");
    assert.equal(await page.getAttribute("html", "dir"), "rtl");
    assert.equal(await page.locator("h1").textContent(), "التحقق من وثيقة موقّعة");
    assert.equal(await page.locator("input[type=file]").getAttribute("accept"), "application/pdf");
    await axe(page, "/verify?lang=ar (empty)");

    assert.equal(await check(page, "memorandum.pdf", signed), "VALID");
    const result = (await page.locator(".result").textContent())!;
    assert.match(result, /التوقيعات صحيحة/);
    assert.match(result, /Hanako Sato/);
    assert.match(result, /Noura Al-Qahtani/);
    assert.match(result, /اليابان/); // the signer's country in words
    assert.match(result, /المملكة العربية السعودية/);
    assert.match(result, /هـ\)/); // the Umm al-Qura date beside the Gregorian one
    assert.match(result, /[٠-٩]/); // Arabic-Indic numerals
    await screenshot(page, "verify-ar-valid");
    await axe(page, "/verify?lang=ar (VALID)");

    assert.equal(await check(page, "memorandum-tampered.pdf", tampered), "INVALID");
    assert.match((await page.locator(".result").textContent())!, /لا تعتمد على هذه الوثيقة/);
    // A signature whose signed bytes were altered never reads "no changes — exactly as signed" (issue 10.9).
    const changes = (await page.locator(".signature [data-modifications]").allTextContents()).join("\n");
    assert.match(changes, /تم تغيير المحتوى الموقّع نفسه/);
    assert.doesNotMatch(changes, /كما وُقِّعت تمامًا/);
    // The validator's reasons are ids rendered in the reader's language (issue 14.4), not English sentences.
    const findings = page.locator(".result [data-finding]");
    assert.ok((await findings.count()) > 0, "the reasons are listed");
    const reasons = (await findings.allTextContents()).join("\n");
    assert.match(reasons, /[\u0600-\u06ff]{3}/, reasons);
    assert.doesNotMatch(reasons, /\b(the|was|does not|signature)\b/, "no English sentence on the Arabic page");
    await screenshot(page, "verify-ar-invalid");
    await axe(page, "/verify?lang=ar (INVALID)");

    assert.deepEqual(pdfRequests(), [], "no request carried the document");
    assert.ok(!requests.some((r) => r.url.endsWith("/api/verify")), "the server was not asked");
    await context.close();
  });

  test("/verify?lang=ja shows the Japanese era (令和); the technical details fold out", async () => {
    const { context, page } = await newPage("en-GB");
    await page.goto(`${origin}/verify?lang=ja`);
    await page.locator("h1").waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "ja");
    assert.equal(await page.getAttribute("html", "dir"), "ltr");
    assert.equal(await check(page, "覚書.pdf", signed), "VALID");
    const result = (await page.locator(".result").textContent())!;
    assert.match(result, /署名は有効です/);
    assert.match(result, /令和\d+年\d+月\d+日/);
    assert.match(result, /サウジアラビア/);
    // The organisation in the reader's language where the platform knows it (issue 10.9), not the certificate's English.
    await page.locator('[data-organization="Digital Agency"]', { hasText: "デジタル庁" }).first().waitFor();
    const details = page.locator(".signature details").first();
    assert.equal(await details.locator("code", { hasText: "TOTAL_PASSED" }).isVisible(), false);
    await details.locator("summary").click();
    assert.equal(await details.locator("code", { hasText: "TOTAL_PASSED" }).isVisible(), true);
    await screenshot(page, "verify-ja-valid");
    await axe(page, "/verify?lang=ja (VALID, details open)");
    assert.equal(await check(page, "覚書-改ざん.pdf", tampered), "INVALID");
    const reasons = (await page.locator(".result [data-finding]").allTextContents()).join("\n");
    assert.match(reasons, /[\u3040-\u30ff]/, reasons);
    assert.doesNotMatch(reasons, /\b(the|was|does not|signature)\b/, "no English sentence on the Japanese page");
    assert.deepEqual(pdfRequests(), [], "no request carried the document");
    await context.close();
  });

  test("/verify in English from Accept-Language; 'also ask the server' posts it and shows the server's answer", async () => {
    const { context, page } = await newPage("en-GB");
    await page.goto(`${origin}/verify`);
    await page.locator("h1").waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "en");
    // Not a PDF: an error summary, announced.
    await page.setInputFiles("input[type=file]", {
      name: "notes.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("hello"),
    });
    await page.locator("form button[type=submit]").click();
    await page.getByRole("alert").waitFor();
    assert.match((await page.getByRole("alert").textContent())!, /not a PDF document that can be read/);
    await axe(page, "/verify (error)");

    await page.getByLabel("Also ask the Khatam server to check it").check();
    const before = requests.length;
    assert.equal(await check(page, "memorandum.pdf", signed), "VALID");
    await page.locator("[data-server-verdict]").waitFor();
    assert.equal(await page.locator("[data-server-verdict]").getAttribute("data-server-verdict"), "VALID");
    const posted = requests.slice(before).filter((r) => r.url === `${origin}/api/verify`);
    assert.equal(posted.length, 1);
    assert.equal(posted[0]!.body?.length, signed.length);
    await screenshot(page, "verify-en-server");
    await axe(page, "/verify (VALID with the server's answer)");
    await context.close();
  });

  test("Accept-Language picks Japanese or Arabic when nothing else says; the switcher's choice is remembered", async () => {
    const ja = await newPage("ja-JP");
    await ja.page.goto(`${origin}/`);
    await ja.page.locator("h1").waitFor();
    assert.equal(await ja.page.getAttribute("html", "lang"), "ja");
    assert.equal(await ja.page.locator(".header__product").textContent(), "判子");
    await axe(ja.page, "/ (ja)");
    // The switcher: العربية, stored; a later visit without ?lang stays Arabic.
    await ja.page.getByRole("link", { name: "العربية" }).click();
    await ja.page.waitForFunction(() => document.documentElement.dir === "rtl");
    assert.equal(await ja.page.locator(".header__product").textContent(), "ختم");
    await ja.page.goto(`${origin}/verify`);
    await ja.page.locator("h1").waitFor();
    assert.equal(await ja.page.getAttribute("html", "lang"), "ar");
    await screenshot(ja.page, "home-switched-ar");
    await ja.context.close();

    const ar = await newPage("ar-SA");
    await ar.page.goto(`${origin}/`);
    await ar.page.locator("h1").waitFor();
    assert.equal(await ar.page.getAttribute("html", "dir"), "rtl");
    // Mirrored: the navigation starts at the right edge.
    const box = (await ar.page.locator(".nav__list li").first().boundingBox())!;
    assert.ok(box.x > 500, `first navigation item at x=${box.x}`);
    await screenshot(ar.page, "home-ar");
    await axe(ar.page, "/ (ar)");
    await ar.context.close();
  });

  test("/login: an error summary for missing and wrong details, then official@jp.demo signs in", async () => {
    const { context, page } = await newPage("en-GB");
    await page.goto(`${origin}/login`);
    await page.locator("input[name=email]").waitFor();
    await axe(page, "/login");
    await page.locator("form button[type=submit]").click();
    const summary = page.getByRole("alert");
    await summary.waitFor();
    assert.match((await summary.textContent())!, /There is a problem.*Enter your email address.*Enter your password/);
    assert.equal(await page.locator("input[name=email]").getAttribute("aria-invalid"), "true");
    await screenshot(page, "login-errors");
    await axe(page, "/login (errors)");

    await page.locator("input[name=email]").fill("official@jp.demo");
    await page.locator("input[name=password]").fill("wrong password");
    await page.locator("form button[type=submit]").click();
    await page.getByRole("alert").filter({ hasText: "The email address or the password is wrong" }).waitFor();

    await page.locator("input[name=password]").fill("khatam-demo");
    await page.locator("form button[type=submit]").click();
    await page.waitForURL(`${origin}/`);
    const account = page.locator("#home-account");
    await account.waitFor();
    // The account's locale (ja) applies now that nothing else chose a language (CONTRACTS § 5).
    await page.waitForFunction(() => document.documentElement.lang === "ja");
    const main = (await page.locator("main").textContent())!;
    assert.match(main, /Hanako Sato/);
    assert.match(main, /official@jp\.demo/);
    assert.match(main, /デジタル庁|Digital Agency/);
    assert.match(main, /令和/); // the certificate's expiry in the Japanese era
    const cookies = await context.cookies();
    assert.ok(cookies.some((c) => c.name === "khatam_session" && c.httpOnly));
    await screenshot(page, "home-signed-in-ja");
    await axe(page, "/ (signed in)");

    // Signed out, the account's locale no longer applies: back to the browser's English.
    await page.getByRole("button", { name: "ログアウト" }).click();
    await page.getByRole("link", { name: "Sign in" }).first().waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.equal(await (await context.request.get(`${origin}/api/me`)).status(), 401);
    await context.close();
  });

  test("/login?lang=ar is kept through sign-in and across pages, over the account's own locale (ja)", async () => {
    const { context, page } = await newPage("en-GB");
    await page.goto(`${origin}/login?lang=ar`);
    await page.locator("input[name=email]").waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "ar");
    await page.locator("input[name=email]").fill("official@jp.demo");
    await page.locator("input[name=password]").fill("khatam-demo");
    await page.locator("form button[type=submit]").click();
    await page.waitForURL(`${origin}/`);
    await page.locator("#home-account").waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "ar");
    assert.equal(await page.getAttribute("html", "dir"), "rtl");
    await page.goto(`${origin}/verify`);
    await page.locator("h1").waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "ar");
    await context.close();
  });

  test("an unknown application address shows the page-not-found page", async () => {
    const { context, page } = await newPage("en-GB");
    await page.goto(`${origin}/register/NO-SUCH-CODE`);
    await page.locator("h1").waitFor();
    assert.equal(await page.locator("h1").textContent(), "Page not found");
    await axe(page, "not found");
    await context.close();
  });

  test("the document viewer in Arabic: left-to-right text layer in reading order, zoom, all 40 pages, page navigation", async () => {
    const { context, page } = await newPage("en-GB");
    await page.goto(`${origin}/login?lang=ar`);
    await page.locator("input[name=email]").fill("official@jp.demo");
    await page.locator("input[name=password]").fill("khatam-demo");
    await page.locator("form button[type=submit]").click();
    await page.waitForURL(`${origin}/`);
    await page.goto(`${origin}/envelopes/${longId}?lang=ar`);
    const pages = page.locator(".pdf-viewer__pages");
    await page.locator('.pdf-viewer__page[data-page="1"][data-rendered]').waitFor({ timeout: 30_000 });
    assert.equal(await page.getAttribute("html", "dir"), "rtl");
    // The pages keep the PDF's own direction; inherited right-to-left scrambled the runs ("M em o randum o fC oope…").
    assert.equal(await pages.evaluate((e) => getComputedStyle(e).direction), "ltr");
    assert.equal(await pages.getAttribute("data-pages"), "40");
    const firstText = (await page.locator('.pdf-viewer__page[data-page="1"] .textLayer').textContent())!;
    assert.match(firstText.replace(/\s+/g, " "), /Memorandum of cooperation/);
    assert.match(firstText, /Page 1 of 40/);
    // The text layer is selectable text over the canvas, as wide as the page.
    const box = async () => (await page.locator('.pdf-viewer__page[data-page="1"]').boundingBox())!;
    const before = await box();
    const layer = (await page.locator('.pdf-viewer__page[data-page="1"] .textLayer').boundingBox())!;
    assert.ok(Math.abs(layer.width - before.width) <= 2, `text layer ${layer.width} px over a ${before.width} px page`);
    // Zoom in: the page grows, and the zoom reads in Arabic-Indic digits.
    const zoomBefore = Number(await page.locator("[data-zoom]").getAttribute("data-zoom"));
    await page.getByRole("button", { name: "تكبير" }).click();
    await page.waitForFunction(
      (z) => Number(document.querySelector("[data-zoom]")?.getAttribute("data-zoom")) > z,
      zoomBefore,
    );
    await page.locator('.pdf-viewer__page[data-page="1"][data-rendered]').waitFor();
    assert.ok((await box()).width > before.width);
    assert.match((await page.locator("[data-zoom]").textContent())!, /[٠-٩]/);
    // Beyond the first 30 pages: go to page 35 by number; it is drawn with its own text.
    await page.locator("#viewer-page").fill("35");
    await page.locator("#viewer-page").press("Enter");
    await page.locator('.pdf-viewer__page[data-page="35"][data-rendered]').waitFor({ timeout: 30_000 });
    assert.match((await page.locator('.pdf-viewer__page[data-page="35"] .textLayer').textContent())!, /Page 35 of 40/);
    await page.getByRole("button", { name: "الصفحة التالية" }).click();
    await page.locator('.pdf-viewer__page[data-page="36"][data-rendered]').waitFor({ timeout: 30_000 });
    // Pages far from the view are not drawn (a long document costs what is read).
    assert.equal(await page.locator('.pdf-viewer__page[data-page="15"][data-rendered]').count(), 0);
    await screenshot(page, "viewer-ar");
    await axe(page, "/envelopes/:id?lang=ar (viewer)");
    await context.close();
  });

  test("no page error, no CSP violation, and no request left the platform's origin", () => {
    assert.deepEqual(problems, []);
  });
});
