// Partner instances in the web application (issue 12.2), in Chromium against two real instances, jp and sa: in
// Arabic, Japanese and English, jp's platform administrator opens /admin/peers, reads this instance's fingerprint,
// is refused with the reader's words when the fingerprint given for sa is wrong, connects sa with the right one, sees
// its list and the Saudi CAs it makes trusted, checks it again, and disconnects it. axe-core on every state;
// screenshots in test-artifacts/web/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { axe, type Language, launchChromium, screenshot, signIn, skipWithoutChromium } from "./support/browser.js";
import { plainPdf } from "./support/envelopes.js";
import { ADMIN_TOKEN, type RunningApp, startApp, temporaryDirectory } from "./support/server.js";

const PASSWORD = "khatam-demo-platform";
/** The refusal of a wrong fingerprint is said in the reader's script (i18n/api-errors.ts). */
const SCRIPT: Record<Language, RegExp> = {
  ar: /[\u0600-\u06ff]/,
  ja: /[\u3040-\u30ff\u4e00-\u9fff]/,
  en: /fingerprint/,
};

describe("partner instances in Chromium", { skip: skipWithoutChromium, timeout: 600_000 }, () => {
  const jpDir = temporaryDirectory("khatam-web-fed-jp-");
  const saDir = temporaryDirectory("khatam-web-fed-sa-");
  let jp: RunningApp;
  let sa: RunningApp;
  let browser: Browser;
  let saFingerprint: string;
  const problems: string[] = [];

  before(async () => {
    [jp, sa] = await Promise.all([
      startApp(jpDir.path, { instance: "jp", backgroundJobs: false }),
      startApp(saDir.path, { instance: "sa", backgroundJobs: false }),
    ]);
    saFingerprint = ((await (await fetch(`${sa.url}/federation/v1/identity`)).json()) as { keyFingerprint: string })
      .keyFingerprint;
    const r = await fetch(`${jp.url}/api/admin/users`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        email: "root@jp.demo",
        displayName: "Platform Admin",
        role: "platform_admin",
        password: PASSWORD,
      }),
    });
    assert.equal(r.status, 201, await r.text());
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await jp?.close();
    await sa?.close();
    jpDir.remove();
    saDir.remove();
  });

  for (const language of ["ar", "ja", "en"] as Language[]) {
    test(`${language}: connect sa, see its CAs, check it, disconnect it`, async () => {
      const { context, page } = await signIn(browser, jp.url, language, "root@jp.demo", PASSWORD, problems);
      try {
        await page.locator(`nav a[href='/admin/peers']`).click();
        await page.locator("[data-own-identity] [data-fingerprint]").waitFor();
        const own = await page.locator("[data-own-identity] [data-fingerprint]").getAttribute("data-fingerprint");
        const identity = (await (await fetch(`${jp.url}/federation/v1/identity`)).json()) as { keyFingerprint: string };
        assert.equal(own, identity.keyFingerprint);
        assert.equal(await page.getAttribute("html", "dir"), language === "ar" ? "rtl" : "ltr");
        await axe(page, `/admin/peers ${language}`);

        // Empty form: the page's own checks, in the reader's language.
        await page.locator("[data-action=connect-peer]").click();
        await page.getByRole("alert").waitFor();
        assert.equal(await page.locator(".field--error").count(), 3);

        // A wrong fingerprint: the server refuses, the page says why in the reader's words.
        await page.locator("#peer-instance").fill("sa");
        await page.locator("#peer-url").fill(sa.url);
        await page.locator("#peer-fingerprint").fill("0".repeat(64));
        await page.locator("[data-action=connect-peer]").click();
        const refusal = page.getByRole("alert").filter({ hasText: SCRIPT[language] });
        await refusal.waitFor();
        assert.doesNotMatch(
          (await refusal.textContent()) ?? "",
          /peer_|presents the key/,
          "the reader's words, not the API's",
        );
        assert.equal(await page.locator("[data-peer]").count(), 0);

        // The right one, grouped as it would be read from paper.
        await page.locator("#peer-fingerprint").fill(saFingerprint.match(/.{4}/g)!.join(" "));
        await page.locator("[data-action=connect-peer]").click();
        await page.locator("[data-peer=sa]").waitFor();
        assert.equal(await page.locator("[data-peer=sa] [data-peer-status]").getAttribute("data-peer-status"), "ok");
        assert.match((await page.locator("[data-peer=sa]").textContent()) ?? "", /C=SA/);
        await axe(page, `/admin/peers ${language} connected`);
        await screenshot(page, `admin-peers-${language}`);

        await page.locator("[data-peer=sa] [data-action=refresh-peer]").click();
        await page.locator(".banner--success").waitFor();

        await page.locator("[data-peer=sa] [data-action=remove-peer]").click();
        await page.locator("[data-remove-confirm=sa] [data-action=confirm-remove]").click();
        await page.locator("[data-peer=sa]").waitFor({ state: "detached" });
        const left = (await (
          await fetch(`${jp.url}/api/admin/peers`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
        ).json()) as unknown[];
        assert.deepEqual(left, []);
      } finally {
        await context.close();
      }
    });
  }

  for (const language of ["ja", "ar", "en"] as Language[]) {
    test(`${language}: a memorandum co-signed across the two instances through the web`, async () => {
      // Peered both ways (the administrators' part is the test above; here through the API).
      for (const [from, to, id] of [
        [jp, sa, "sa"],
        [sa, jp, "jp"],
      ] as const) {
        const identity = (await (await fetch(`${to.url}/federation/v1/identity`)).json()) as { keyFingerprint: string };
        const r = await fetch(`${from.url}/api/admin/peers`, {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ instance: id, url: to.url, keyFingerprint: identity.keyFingerprint }),
        });
        assert.ok(r.status === 201 || r.status === 409, await r.text());
      }
      const title = {
        ja: "デジタル政府協力覚書",
        ar: "مذكرة تعاون في الحكومة الرقمية",
        en: "Digital government memorandum",
      }[language];
      const envelopeUrl = /\/envelopes\/[0-9a-f-]{36}$/;
      const sign = async (page: import("playwright-core").Page) => {
        await page.locator("[data-action=sign]").click();
        await page.locator("#confirm").waitFor();
        await page.locator("#confirm").check();
        await page.locator("[data-action=confirm-sign]").click();
        await page.waitForURL(envelopeUrl, { timeout: 60_000 });
        await page.locator(".banner").waitFor({ timeout: 60_000 });
      };
      const official = await signIn(browser, jp.url, language, "official@jp.demo", "khatam-demo", problems);
      try {
        const page = official.page;
        await page.goto(`${jp.url}/envelopes/new`);
        await page.locator("#document").waitFor();
        await page.setInputFiles("#document", {
          name: "memorandum.pdf",
          mimeType: "application/pdf",
          buffer: plainPdf(),
        });
        await page.locator("#title").fill(title);
        await page.locator("#recipient-0-email").fill("official@jp.demo");
        await page.locator("#add-recipient").click();
        await page.waitForFunction(() => document.activeElement?.id === "recipient-1-email");
        await page.keyboard.type("official@sa.demo");
        await page.locator("#recipient-1-instance").selectOption("sa");
        await axe(page, `/envelopes/new with a partner (${language})`);
        await screenshot(page, `federation-create-${language}`);
        await page.locator("button[value=send]").click();
        await page.waitForURL(envelopeUrl);
        await sign(page);
        await page.locator("[data-partner=sa]").waitFor();
        assert.equal(
          await page
            .locator(`[data-recipient="official@sa.demo"] [data-recipient-status]`)
            .getAttribute("data-recipient-status"),
          "notified",
        );
        const id = page.url().split("/").pop()!;
        await jp.app.outbox.drainOnce(); // the offer to sa

        const saOfficial = await signIn(browser, sa.url, language, "official@sa.demo", "khatam-demo", problems);
        try {
          const row = saOfficial.page.locator("[data-panel=waiting] tr", { hasText: title });
          await row.waitFor();
          await row.getByRole("link").first().click();
          await saOfficial.page.locator(`[data-origin=jp]`).waitFor();
          await axe(saOfficial.page, `a partner's copy (${language})`);
          await screenshot(saOfficial.page, `federation-copy-${language}`);
          await sign(saOfficial.page);
        } finally {
          await saOfficial.context.close();
        }
        await sa.app.outbox.drainOnce(); // the signed revision back to jp
        await jp.app.outbox.drainOnce(); // the final document to sa
        await page.goto(`${jp.url}/envelopes/${id}`);
        await page.locator(`[data-status=completed]`).first().waitFor();
        await screenshot(page, `federation-completed-${language}`);
      } finally {
        await official.context.close();
      }
    });
  }

  test("a server that is not an instance says so, and offers no form", async () => {
    const dir = temporaryDirectory("khatam-web-fed-none-");
    const single = await startApp(dir.path, { backgroundJobs: false });
    try {
      await fetch(`${single.url}/api/admin/users`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          email: "root@jp.demo",
          displayName: "Root",
          role: "platform_admin",
          password: PASSWORD,
        }),
      });
      const { context, page } = await signIn(browser, single.url, "en", "root@jp.demo", PASSWORD, problems);
      try {
        await page.goto(`${single.url}/admin/peers`);
        await page.locator("[data-own-identity]", { hasText: "KHATAM_INSTANCE" }).waitFor();
        assert.equal(await page.locator("[data-action=connect-peer]").count(), 0);
      } finally {
        await context.close();
      }
    } finally {
      await single.close();
      dir.remove();
    }
  });

  test("no page error, no CSP violation, no request to another origin", () => {
    assert.deepEqual(problems, []);
  });
});
