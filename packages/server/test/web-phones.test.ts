// The web application on phones (issue 10), driven in Debian's Chromium against the real platform: at 390×844,
// 320×640 and 1280×900, in Arabic, Japanese and English, every page a visitor, an official, an agency administrator
// and a platform administrator can reach (including the sign page's error, the verification result and a declined
// envelope) must not scroll sideways (document.documentElement.scrollWidth <= window.innerWidth); a screenshot of
// each at 320 and 1280 px goes to test-artifacts/screens/ (gitignored). Each page is loaded once per language and
// measured at every size by resizing the window (the layout is CSS; the one exception, the document viewer, which
// fits its page to the width it has on load, is loaded at each size). Also: the sign page's confirmation error keeps the checkbox's
// label readable (10.7); user-provided text is isolated from the sentence around it, Arabic counts use Arabic-Indic
// digits, and the file button speaks the page's language and works with the keyboard (10.10); /account says what the
// e-mailed verification link did and asks for a new one (POST /api/me/email-verification).

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, FileChooser, Page } from "playwright-core";
import { assertWebAppBuilt, axe, launchChromium, newPage, settled, skipWithoutChromium } from "./support/browser.js";
import { bearerToken, envelopeForm, plainPdf } from "./support/envelopes.js";
import { FIELD_EDITOR, fieldLayer, fieldRect } from "./support/field-editor.js";
import { ADMIN_TOKEN, type RunningApp, startApp, temporaryDirectory } from "./support/server.js";

const SCREENS = fileURLToPath(new URL("../../../../test-artifacts/screens/", import.meta.url));
const PASSWORD = "khatam-demo";
const LANGUAGES = ["ar", "ja", "en"] as const;
/**
 * Two phones, and a desktop window so that every page in every language has its screenshot at both kinds of size:
 * the narrower phone's and the desktop's (a third, at 390 px, would show nothing the 320 px one does not, and
 * screenshots of whole pages are most of the time these tests take).
 */
const SIZES = [
  { window: { width: 390, height: 844 }, screenshot: false },
  { window: { width: 320, height: 640 }, screenshot: true },
  { window: { width: 1280, height: 900 }, screenshot: true },
] as const;
/** Text people typed, mixing scripts on purpose: the layout and the isolation must hold with all of them. */
const TITLE = "مذكرة تفاهم 2026 — Memorandum of cooperation／日本国外務省との覚書 (draft-v2)";
const REASON = "المادة 3 must name both ministries — 第3条の修正が必要です";
const LONG_EMAIL = "protocol.department.international-cooperation@ministry-of-foreign-affairs.example.go.jp";

type Language = (typeof LANGUAGES)[number];
type Role = "visitor" | "official" | "agencyAdmin" | "platformAdmin";

interface Visit {
  readonly name: string;
  readonly path: string;
  /** A selector present once the page has what it shows (not just "Loading…"). */
  readonly ready: string;
  /** Something done on the page before it is measured again (an error, a result). */
  readonly next?: (page: Page) => Promise<string>;
  /** Laid out by script once, on load (the document viewer fits its page to the width then): loaded at each size. */
  readonly loadAtEachSize?: boolean;
}

describe("web application on phones in Chromium", { skip: skipWithoutChromium, timeout: 900_000 }, () => {
  const dir = temporaryDirectory("khatam-phones-");
  let running: RunningApp;
  let origin: string;
  let browser: Browser;
  let inProgress: string; // official@jp.demo's turn to sign
  let completed: string;
  let declined: string;
  let registerCode: string;
  let officialId: string;
  let signedPdf: Buffer;
  const problems: string[] = []; // page errors and CSP violations

  const EMAILS: Record<Exclude<Role, "visitor">, string> = {
    official: "official@jp.demo",
    agencyAdmin: "admin@jp.demo",
    platformAdmin: "root@platform.demo",
  };

  const apiToken = (email: string) => bearerToken(origin, email);

  async function call(auth: string, method: string, path: string, body?: FormData | object): Promise<Response> {
    const json = body !== undefined && !(body instanceof FormData);
    const r = await fetch(`${origin}${path}`, {
      method,
      headers: { authorization: auth, ...(json ? { "content-type": "application/json" } : {}) },
      body: json ? JSON.stringify(body) : (body as FormData | undefined),
    });
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${await r.clone().text()}`);
    return r;
  }

  before(async () => {
    assertWebAppBuilt();
    mkdirSync(SCREENS, { recursive: true });
    running = await startApp(dir.path, { backgroundJobs: false });
    origin = running.url;

    await call(`Bearer ${ADMIN_TOKEN}`, "POST", "/api/admin/users", {
      email: EMAILS.platformAdmin,
      displayName: "Platform Admin",
      role: "platform_admin",
      password: PASSWORD,
    });
    const jp = await apiToken("official@jp.demo");
    const sa = await apiToken("official@sa.demo");
    const create = async (title: string, recipients: object[]) => {
      const r = await call(jp, "POST", "/api/envelopes", envelopeForm(plainPdf(), { title, recipients }));
      const { id } = (await r.json()) as { id: string };
      await call(jp, "POST", `/api/envelopes/${id}/send`);
      return id;
    };
    const both = [
      { email: "official@jp.demo", role: "signer", order: 1 },
      { email: "official@sa.demo", role: "signer", order: 2 },
    ];
    // In progress, with a viewer whose address is longer than a phone is wide.
    inProgress = await create(TITLE, [...both, { email: LONG_EMAIL, role: "viewer", order: 3 }]);
    // Completed: a register entry, an audit trail with every kind of event, a signed PDF to verify.
    completed = await create(`${TITLE} (signed)`, both);
    await call(jp, "POST", `/api/envelopes/${completed}/sign`);
    await call(sa, "POST", `/api/envelopes/${completed}/sign`);
    registerCode = ((await (await call(jp, "GET", `/api/envelopes/${completed}`)).json()) as { registerCode: string })
      .registerCode;
    signedPdf = Buffer.from(await (await call(jp, "GET", `/api/envelopes/${completed}/document`)).arrayBuffer());
    // Declined by Saudi Arabia with a reason in three scripts.
    declined = await create(`${TITLE} (declined)`, [
      { email: "official@sa.demo", role: "signer", order: 1 },
      { email: "official@jp.demo", role: "viewer", order: 2 },
    ]);
    await call(sa, "POST", `/api/envelopes/${declined}/decline`, { reason: REASON });

    const users = (await (await call(await apiToken(EMAILS.agencyAdmin), "GET", "/api/admin/users")).json()) as {
      id: string;
      email: string;
    }[];
    officialId = users.find((u) => u.email === "official@jp.demo")!.id;

    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await running?.close();
    dir.remove();
  });

  /** A phone-sized browser profile, signed in as `role` (through the API, which sets the session cookie). */
  async function phone(
    size: { width: number; height: number },
    role: Role,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const opened = await newPage(browser, origin, null, problems, { viewport: size, hasTouch: true });
    if (role !== "visitor") {
      const r = await opened.context.request.post(`${origin}/api/auth/login`, {
        data: { email: EMAILS[role], password: PASSWORD },
      });
      assert.equal(r.status(), 200, await r.text());
    }
    return opened;
  }

  const withLanguage = (path: string, language: Language) =>
    `${origin}${path}${path.includes("?") ? "&" : "?"}lang=${language}`;

  /** Fails with the elements that stick out when the page is wider than the window. */
  async function assertNoSidewaysScroll(page: Page, name: string): Promise<void> {
    const measured = await page.evaluate(() => {
      const width = window.innerWidth;
      const culprits = Array.from(document.querySelectorAll("body *"))
        .filter((e) => {
          const box = e.getBoundingClientRect();
          return box.width > 1 && (box.right > width + 0.5 || box.left < -0.5);
        })
        .slice(0, 6)
        .map((e) => {
          const box = e.getBoundingClientRect();
          return `<${e.tagName.toLowerCase()} class="${e.getAttribute("class") ?? ""}"> ${Math.round(box.left)}…${Math.round(box.right)}`;
        });
      return { scrollWidth: document.documentElement.scrollWidth, width, culprits };
    });
    assert.ok(
      measured.scrollWidth <= measured.width,
      `${name}: the page is ${measured.scrollWidth}px wide in a ${measured.width}px window; ${measured.culprits.join("; ")}`,
    );
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
  }

  const VISITS: Record<Role, () => Visit[]> = {
    visitor: () => [
      { name: "home", path: "/", ready: "a[href='/verify'].button" },
      {
        name: "login",
        path: "/login",
        ready: "input[name=email]",
        next: async (page) => {
          await page.locator("form button[type=submit]").click();
          await page.getByRole("alert").waitFor();
          return "login-errors";
        },
      },
      {
        name: "verify",
        path: "/verify",
        ready: "input[type=file]",
        next: async (page) => {
          await page.setInputFiles("input[type=file]", {
            name: "memorandum-with-a-rather-long-file-name-2026-final-signed.pdf",
            mimeType: "application/pdf",
            buffer: signedPdf,
          });
          await page.locator("form button[type=submit]").click();
          await page.locator("[data-verdict=VALID]").waitFor({ timeout: 60_000 });
          await page.locator(".signature details").first().locator("summary").click(); // the widest part
          return "verify-valid";
        },
      },
      { name: "register", path: `/register/${registerCode}`, ready: "[data-sha256]" },
      { name: "not-found", path: "/register/NO-SUCH-CODE", ready: "a[href='/']" },
    ],
    official: () => [
      { name: "inbox", path: "/", ready: `[data-panel=waiting] tr[data-envelope="${inProgress}"]` },
      { name: "inbox-sent", path: "/envelopes?tab=sent", ready: `[data-panel=sent] tr[data-envelope="${inProgress}"]` },
      {
        name: "inbox-completed",
        path: "/envelopes?tab=completed",
        ready: `[data-panel=completed] tr[data-envelope="${declined}"]`,
      },
      {
        name: "new-envelope",
        path: "/envelopes/new",
        ready: "#document",
        next: async (page) => {
          await page.locator("#add-recipient").click();
          await page.locator("button[value=send]").click();
          await page.getByRole("alert").waitFor();
          return "new-envelope-errors";
        },
      },
      { name: "envelope", path: `/envelopes/${inProgress}`, ready: ".pdf-viewer__page", loadAtEachSize: true },
      { name: "envelope-declined", path: `/envelopes/${declined}`, ready: "[data-recipients] bdi" },
      {
        name: "sign",
        path: `/envelopes/${inProgress}/sign`,
        ready: "[data-certificate]",
        next: async (page) => {
          await page.locator("[data-action=confirm-sign]").click();
          await page.getByRole("alert").waitFor();
          return "sign-error";
        },
      },
      { name: "decline", path: `/envelopes/${inProgress}/decline`, ready: "#reason" },
      { name: "audit", path: `/envelopes/${completed}/audit`, ready: "[data-audit] [data-event=completed]" },
      { name: "audit-declined", path: `/envelopes/${declined}/audit`, ready: "[data-audit] [data-event=declined]" },
      { name: "account", path: "/account", ready: "[data-account]" },
      { name: "account-link-failed", path: "/account?addressVerified=0", ready: "[role=alert]" },
      { name: "device-key", path: "/account/device-key", ready: "[data-action=create-key], [data-device-key]" },
    ],
    agencyAdmin: () => [
      { name: "admin-users", path: "/admin/users", ready: "[data-user='official@jp.demo']" },
      { name: "admin-user-new", path: "/admin/users/new", ready: "#email" },
      { name: "admin-user", path: `/admin/users/${officialId}`, ready: "[data-certificates]" },
      { name: "admin-webhooks", path: "/admin/webhooks", ready: "#webhook-url" },
    ],
    platformAdmin: () => [
      { name: "admin-countries", path: "/admin/countries", ready: "[data-country=jp]" },
      { name: "admin-trust", path: "/admin/trust", ready: "[data-trusted-list]" },
      // Not an instance here: the page says so (a partner's details are in test/web-federation.test.ts).
      { name: "admin-peers", path: "/admin/peers", ready: "[data-own-identity] p:not(.status)" },
    ],
  };

  /** Loads `visit` in `language` at the window's present size and waits until it shows what it fetched. */
  async function load(page: Page, visit: Visit, language: Language): Promise<void> {
    await page.goto(withLanguage(visit.path, language));
    await page.locator(visit.ready).first().waitFor({ state: "attached", timeout: 30_000 });
    await settled(page);
    assert.equal(await page.getAttribute("html", "lang"), language, `${language} ${visit.name}`);
  }

  /** The page as it is, at `size`: no sideways scrolling, and its screenshot. */
  async function measure(page: Page, size: (typeof SIZES)[number], name: string): Promise<void> {
    const current = page.viewportSize()!;
    if (current.width !== size.window.width || current.height !== size.window.height) {
      await page.setViewportSize(size.window);
      await settled(page); // the new layout drawn (and anything a media query's change fetched)
    }
    await assertNoSidewaysScroll(page, `${size.window.width}-${name}`);
    if (size.screenshot) await screenshot(page, `${size.window.width}-${name}`);
  }

  // One test per role and language (each page: loaded once, measured at every size by resizing the window; then its
  // `next` state, again at every size).
  for (const role of ["visitor", "official", "agencyAdmin", "platformAdmin"] as const) {
    for (const language of LANGUAGES) {
      const sizes = SIZES.map((s) => `${s.window.width}×${s.window.height}`).join(", ");
      test(`${language}, ${role}: no page scrolls sideways at ${sizes}`, async () => {
        const { context, page } = await phone(SIZES[0].window, role);
        for (const visit of VISITS[role]()) {
          for (const size of SIZES) {
            if (visit.loadAtEachSize || size === SIZES[0]) {
              await page.setViewportSize(size.window);
              await load(page, visit, language);
            }
            await measure(page, size, `${language}-${visit.name}`);
          }
          if (visit.next) {
            await page.setViewportSize(SIZES[0].window);
            const after = await visit.next(page);
            await settled(page);
            for (const size of SIZES) await measure(page, size, `${language}-${after}`);
          }
        }
        await context.close();
      });
    }
  }

  test("axe (WCAG 2.2 AA) at 320 px: tables as cards, the file button, the account page and its job title", async () => {
    const { context, page } = await phone({ width: 320, height: 640 }, "official");
    const pages: [string, string][] = [
      ["/", `tr[data-envelope="${inProgress}"]`],
      [`/envelopes/${declined}`, "[data-recipients] bdi"],
      [`/envelopes/${completed}/audit`, "[data-event=completed]"],
      ["/envelopes/new", "#document"],
      ["/verify", "#document"],
      ["/account", "[data-account]"],
      ["/account?addressVerified=0", "[role=alert]"],
      ["/account?addressVerified=1", ".banner"],
    ];
    for (const language of ["ar", "ja"] as const) {
      for (const [path, ready] of pages) {
        await page.goto(withLanguage(path, language));
        await page.locator(ready).first().waitFor({ state: "attached" });
        await settled(page);
        await axe(page, `${path} (${language}, 320 px)`);
      }
    }
    // The official sets their own job title on the account page (PATCH /api/me): emptied, then the demo's again.
    await page.goto(withLanguage("/account", "ar"));
    const title = page.locator("#job-title");
    assert.equal(await title.inputValue(), "デジタル推進課長");
    await title.fill("");
    await page.locator("[data-action=save-job-title]").click();
    await page.locator("[data-job-title-answer=cleared]").waitFor();
    await title.fill(" デジタル推進課長 ");
    await page.locator("[data-action=save-job-title]").click();
    await page.locator("[data-job-title-answer=saved]").waitFor();
    assert.equal(await title.inputValue(), "デジタル推進課長");
    await axe(page, "/account (ar, job title saved)");
    await context.close();
  });

  test("sign page (10.7): the confirmation error sits above the checkbox and the label keeps its width", async () => {
    const { context, page } = await phone({ width: 320, height: 640 }, "official");
    for (const language of LANGUAGES) {
      await page.goto(withLanguage(`/envelopes/${inProgress}/sign`, language));
      await page.locator("[data-certificate]").waitFor();
      const label = page.locator("label[for=confirm]");
      const before = (await label.boundingBox())!;
      await page.locator("[data-action=confirm-sign]").click();
      await page.getByRole("alert").waitFor();
      assert.equal(await page.locator("#confirm").getAttribute("aria-invalid"), "true");
      const error = (await page.locator("#confirm-error").boundingBox())!;
      const box = (await page.locator("#confirm").boundingBox())!;
      const afterError = (await label.boundingBox())!;
      assert.ok(error.y + error.height <= box.y + 1, `${language}: the error is above the checkbox`);
      // The label keeps (nearly) the width it had: a squeezed label was a column one word wide.
      assert.ok(
        afterError.width >= before.width - 30 && afterError.width > 150,
        `${language}: label ${Math.round(afterError.width)}px wide, was ${Math.round(before.width)}px`,
      );
      assert.ok(afterError.height <= before.height + 1, `${language}: the label did not grow taller`);
      // The signer's name and agency are isolated inside the sentence (U+2068 … U+2069, as <bdi> does).
      assert.match((await label.textContent())!, /\u2068Hanako Sato\u2069/);
    }
    await context.close();
  });

  test("mixed direction (10.10): typed text isolated, Arabic counts in Arabic-Indic digits", async () => {
    const { context, page } = await phone({ width: 390, height: 844 }, "official");

    await page.goto(withLanguage(`/envelopes/${declined}`, "ar"));
    const reason = page.locator("[data-recipients]").getByText(REASON);
    await reason.waitFor();
    assert.equal(await reason.evaluate((e) => !!e.closest("bdi, [dir=auto]")), true, "the reason is isolated");
    assert.equal(
      await page
        .locator("h1")
        .evaluate((h, title) => h.querySelector("bdi")?.textContent === title, `${TITLE} (declined)`),
      true,
      "the title is isolated",
    );
    await page.goto(withLanguage(`/envelopes/${declined}/audit`, "ja"));
    const audited = page.locator("[data-event=declined]").getByText(REASON);
    await audited.waitFor();
    assert.equal(await audited.evaluate((e) => !!e.closest("bdi, [dir=auto]")), true, "the reason in the audit trail");
    assert.match((await page.locator("[data-link=account]").textContent())!, /\u2068Hanako Sato\u2069/);

    await page.goto(withLanguage("/", "ar"));
    await page.locator(`[data-panel=waiting] tr[data-envelope="${inProgress}"]`).waitFor();
    for (const tab of ["waiting", "sent", "completed"]) {
      const text = (await page.locator(`[data-tab=${tab}]`).textContent())!;
      assert.match(text, /\([٠-٩]+\+?\)$/, `the ${tab} tab counts in Arabic-Indic digits: ${text}`);
      assert.doesNotMatch(text, /[0-9]/, tab);
    }
    await page.goto(withLanguage("/", "en"));
    await page.locator(`[data-panel=waiting] tr[data-envelope="${inProgress}"]`).waitFor();
    assert.match((await page.locator("[data-tab=waiting]").textContent())!, /\([0-9]+\+?\)$/);
    await context.close();
  });

  test("the file button (10.10) is ours, in the page's language, and opens the chooser from the keyboard", async () => {
    const words = { ar: "اختر ملف PDF", ja: "PDFファイルを選択", en: "Choose a PDF file" };
    const none = { ar: "لم تختر أي ملف", ja: "ファイルが選択されていません", en: "No file chosen" };
    const { context, page } = await phone({ width: 390, height: 844 }, "official");
    for (const path of ["/verify", "/envelopes/new"]) {
      for (const language of LANGUAGES) {
        await page.goto(withLanguage(path, language));
        const input = page.locator("input[type=file]#document");
        await input.waitFor({ state: "attached" });
        assert.equal(await page.locator("input[type=file]").count(), 1, path);
        assert.equal((await page.locator("[data-file-button=document]").textContent())?.trim(), words[language]);
        assert.equal((await page.locator("#document-chosen").textContent())?.trim(), none[language]);
        // Named by the field's label and the button; reached with Tab (not taken out of the order).
        assert.equal(await input.evaluate((e) => (e as HTMLInputElement).tabIndex), 0);
        const labels = await input.evaluate((e) =>
          Array.from((e as HTMLInputElement).labels ?? [], (l) => l.textContent),
        );
        assert.ok(labels.includes(words[language]), `${path} ${language}: the button labels the input`);
      }
      // Keyboard: Tab from the hint's field reaches the input, the button lights up, Space opens the chooser.
      await page.locator("#document-hint").click();
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "document", `${path}: Tab reaches it`);
      const lit = await page
        .locator("[data-file-button=document]")
        .evaluate((e) => getComputedStyle(e).backgroundColor);
      assert.equal(lit, "rgb(255, 221, 0)", `${path}: the button shows the focus`);
      const chooser = await chooserFromKeyboard(page);
      await chooser.setFiles({ name: "覚書-memorandum.pdf", mimeType: "application/pdf", buffer: plainPdf() });
      await page.locator("#document-chosen bdi", { hasText: "覚書-memorandum.pdf" }).waitFor();
      await screenshot(page, `390-en-file-chosen${path.replaceAll("/", "-")}`);
    }
    await context.close();
  });

  test("/account: the verification link's outcome in ar/ja/en, and a new link on request", async () => {
    const messages = {
      ok: {
        ar: "تم تأكيد بريدك الإلكتروني",
        ja: "メールアドレスを確認しました",
        en: "Your email address is confirmed",
      },
      bad: {
        ar: "لم يعمل رابط التأكيد",
        ja: "確認用リンクが使えませんでした",
        en: "The confirmation link did not work",
      },
      sent: { ar: "أرسلنا رابطًا إلى", ja: "にリンクを送信しました", en: "We have sent a link to" },
      already: { ar: "مؤكَّد من قبل", ja: "確認済みです", en: "already confirmed" },
    };
    const { context, page } = await phone({ width: 390, height: 844 }, "official");
    for (const language of LANGUAGES) {
      await page.goto(withLanguage("/account?addressVerified=0", language));
      await page.getByRole("alert").waitFor();
      assert.match((await page.getByRole("alert").textContent())!, new RegExp(messages.bad[language]));
      await page.goto(withLanguage("/account?addressVerified=1", language));
      await page.locator(".banner").waitFor();
      assert.match((await page.locator(".banner").textContent())!, new RegExp(messages.ok[language]));
      assert.equal(await page.getByRole("alert").count(), 0);
      await page.goto(withLanguage("/account", language));
      await page.locator("[data-account]").waitFor();
      assert.equal(await page.locator(".banner").count(), 0, "no message without ?addressVerified");
      assert.equal(await page.getByRole("alert").count(), 0);
    }

    // Ask for a link (en): the server e-mails it; the page says where it went.
    await page.locator("[data-action=request-verification]").click();
    await page.locator("[data-verification-answer=sent]").waitFor();
    const said = (await page.locator("[data-verification-answer]").textContent())!;
    assert.match(said, new RegExp(messages.sent.en));
    assert.match(said, /official@jp\.demo/);
    await screenshot(page, "390-en-account-link-sent");

    // The e-mailed link, followed in the browser, proves the address and lands on the success message.
    const outbox = await running.app.db.selectFrom("outbox").select("payload").where("kind", "=", "email").execute();
    const mail = outbox
      .map(
        (row) =>
          (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as { to: string; text: string },
      )
      .find((m) => m.to === "official@jp.demo" && m.text.includes("verify-email"));
    assert.ok(mail, "the link was e-mailed");
    const link = /(https?:\/\/\S+verify-email\?token=\S+)/.exec(mail.text)![1]!;
    await page.goto(link.replace(/^https?:\/\/[^/]+/, origin));
    await page.waitForURL(/\/account\?addressVerified=1$/);
    await page.locator(".banner").waitFor();
    assert.match((await page.locator(".banner").textContent())!, new RegExp(messages.ok.en));

    // Asked again, the server says the address is proved already; in Arabic this time.
    await page.goto(withLanguage("/account", "ar"));
    await page.locator("[data-action=request-verification]").click();
    await page.locator("[data-verification-answer=verified]").waitFor();
    assert.match((await page.locator("[data-verification-answer]").textContent())!, new RegExp(messages.already.ar));
    await screenshot(page, "390-ar-account-already-verified");

    // The navigation's "Signed in as …" leads here.
    await page.goto(withLanguage("/", "ja"));
    await page.locator("[data-link=account]").click();
    await page.waitForURL(/\/account$/);
    await page.locator("[data-address-verification]").waitFor();
    await context.close();
  });

  test("field editor (13.1) with a finger, in Arabic: a tap places a signature field, a drag moves it; no sideways scroll", async () => {
    const { context, page } = await phone({ width: 360, height: 740 }, "official");
    await page.goto(withLanguage("/envelopes/new", "ar"));
    await page.setInputFiles("#document", { name: "phone.pdf", mimeType: "application/pdf", buffer: plainPdf() });
    await page.locator("#title").fill("Phone fields");
    await page.locator("#recipient-0-email").fill(EMAILS.official);
    const layer = await fieldLayer(page, 1);
    const at = (await layer.boundingBox())!;
    await page.touchscreen.tap(at.x + 20, at.y + 40);
    const box = page.locator(FIELD_EDITOR.box);
    await box.waitFor();
    assert.equal(await box.getAttribute("data-kind"), "signature");
    const placed = await fieldRect(box);
    // Dragged by a finger 30 px to the right and 20 px down (touch events; the field takes no panning).
    const start = (await box.boundingBox())!;
    const cdp = await context.newCDPSession(page);
    const touch = (type: "touchStart" | "touchMove" | "touchEnd", points: { x: number; y: number }[]) =>
      cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points });
    const from = { x: start.x + start.width / 2, y: start.y + start.height / 2 };
    await touch("touchStart", [from]);
    for (let i = 1; i <= 5; i++) await touch("touchMove", [{ x: from.x + 6 * i, y: from.y + 4 * i }]);
    await touch("touchEnd", []);
    await page.waitForFunction(
      (before) => document.querySelector(".field-box")?.getAttribute("data-rect") !== before,
      JSON.stringify(placed),
    );
    const moved = await fieldRect(box);
    const scale = 30 / (moved[0] - placed[0]);
    assert.ok(scale > 0.2 && scale < 2, `moved right: ${placed.join(" ")} → ${moved.join(" ")}`);
    assert.ok(
      Math.abs((placed[1] - moved[1]) * scale - 20) < 1.5,
      `moved down by 20 px: ${placed.join(" ")} → ${moved.join(" ")}`,
    );
    await assertNoSidewaysScroll(page, "/envelopes/new with the field editor (ar, 360 px)");
    await screenshot(page, "phone-fields-ar");
    await context.close();
  });

  test("no page error and no CSP violation", () => {
    assert.deepEqual(problems, []);
  });
});

/**
 * Space on the focused file input opens the chooser. Under a loaded CI machine headless Chromium now and then lets
 * the first key press pass without one, so it is pressed again (at most three times) before the test gives up.
 */
async function chooserFromKeyboard(page: Page): Promise<FileChooser> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [chooser] = await Promise.all([
        page.waitForEvent("filechooser", { timeout: 10_000 }),
        page.keyboard.press("Space"),
      ]);
      return chooser;
    } catch (e) {
      if (attempt === 3) throw e;
      assert.equal(await page.evaluate(() => document.activeElement?.id), "document", "the input keeps the focus");
    }
  }
}
