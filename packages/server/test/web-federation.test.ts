// Partner instances in the web application (issue 12.2), in Chromium against two real instances, jp and sa: in
// Arabic, Japanese and English, jp's platform administrator opens /admin/peers, reads this instance's fingerprint,
// is refused with the reader's words when the fingerprint given for sa is wrong, connects sa with the right one, sees
// its list and the Saudi CAs it makes trusted, checks it again, and disconnects it. axe-core on every state;
// screenshots in test-artifacts/web/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { axe, type Language, launchChromium, screenshot, signIn, skipWithoutChromium } from "./support/browser.js";
import { ADMIN_TOKEN, type RunningApp, startApp, temporaryDirectory } from "./support/server.js";

const PASSWORD = "khatam-demo-platform";
/** The refusal of a wrong fingerprint is said in the reader's script (i18n/api-errors.ts). */
const SCRIPT: Record<Language, RegExp> = {
  ar: /[\u0600-\u06ff]/,
  ja: /[\u3040-\u30ff\u4e00-\u9fff]/,
  en: /fingerprint/,
};

describe("partner instances in Chromium", { skip: skipWithoutChromium, timeout: 240_000 }, () => {
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
