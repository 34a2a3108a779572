/**
 * Driving the web application in Debian's Chromium (playwright-core): a headless browser, pages that read a given
 * language and may not leave the platform's origin, signing in with the demo password, axe-core (WCAG 2.2 AA) and
 * screenshots into test-artifacts/web/ (gitignored).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
/** For `describe(…, { skip })`: false, or why the browser tests cannot run here. */
export const skipWithoutChromium = existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (npm test installs Debian's chromium package through scripts/test.mjs)`;
const ARTIFACTS = fileURLToPath(new URL("../../../../../test-artifacts/web/", import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

export type Language = "ar" | "ja" | "en";

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
}

/**
 * A fresh profile reading `language` (the switcher's stored choice). Requests to another origin are aborted and
 * recorded in `problems`, as are page errors and CSP violations.
 */
export async function newPage(
  browser: Browser,
  origin: string,
  language: Language,
  problems: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1100, height: 900 } });
  await context.addInitScript((l) => localStorage.setItem("khatam.lang", l), language);
  await context.route("**/*", async (route) => {
    if (new URL(route.request().url()).origin !== origin) {
      problems.push(`request to another origin: ${route.request().url()}`);
      await route.abort();
    } else {
      await route.continue();
    }
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return { context, page };
}

/** Signs in on /login with `password` and waits for the inbox, in `language`. */
export async function signIn(
  browser: Browser,
  origin: string,
  language: Language,
  email: string,
  password: string,
  problems: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const { context, page } = await newPage(browser, origin, language, problems);
  await page.goto(`${origin}/login`);
  await page.locator("input[name=email]").fill(email);
  await page.locator("input[name=password]").fill(password);
  await page.locator("form button[type=submit]").click();
  await page.waitForURL(`${origin}/`);
  await page.locator("#inbox-heading").waitFor();
  assert.equal(await page.getAttribute("html", "lang"), language);
  return { context, page };
}

/** axe-core's WCAG 2.2 AA rules on the page as it is: no violation (evaluated over the DevTools protocol, so the page's CSP stays in force). */
export async function axe(page: Page, name: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(
    async (tags) =>
      (
        await (window as unknown as { axe: { run(o: unknown): Promise<{ violations: unknown[] }> } }).axe.run({
          runOnly: { type: "tag", values: tags },
        })
      ).violations as { id: string; help: string; nodes: { target: string[] }[] }[],
    WCAG_22_AA,
  );
  assert.deepEqual(
    violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `axe on ${name}`,
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
