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
import { type Browser, type BrowserContext, chromium, type Page, type Request } from "playwright-core";
import type * as CoreChromium from "../../../core/dist/test/support/chromium.js";
import { DEFAULT_WEB_ROOT } from "../../src/http/web-routes.js";

// The core's Chromium (path, skip reason, headless flags), from its build output: this file runs as
// packages/server/dist/test/support/browser.js.
const { CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } = (await import(
  new URL("../../../../core/dist/test/support/chromium.js", import.meta.url).href
)) as typeof CoreChromium;

export { CHROMIUM, skipWithoutChromium };
/** Where screenshots (and other pictures the tests make) go: test-artifacts/web/ (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL("../../../../../test-artifacts/web/", import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

export type Language = "ar" | "ja" | "en";

/** Fails, saying how to build it, when the web application the platform serves has not been built. */
export function assertWebAppBuilt(): void {
  assert.ok(
    existsSync(join(DEFAULT_WEB_ROOT, "index.html")),
    `the web application is not built at ${DEFAULT_WEB_ROOT}: npm run build -w @khatam/web`,
  );
}

/**
 * Debian's Chromium, headless. Every host name but 127.0.0.1 fails to resolve, so that nothing a page asks of another
 * origin can leave the machine (the pages record such requests as problems). The platform's origin is not
 * intercepted (Playwright's request routing would turn the HTTP cache off and make every page load the application
 * again, hundreds of times over the browser tests).
 */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
  });
}

export interface PageOptions {
  /** The browser's own language (Accept-Language, navigator.languages): en-GB unless told. */
  readonly locale?: string;
  /** 1100×900 unless told. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** A phone's touch screen (with deviceScaleFactor 1, so that screenshots stay CSS pixels). */
  readonly hasTouch?: boolean;
  /**
   * Sees every request the pages make with all it sends (e.g. that no PDF is uploaded). The requests are then
   * intercepted, for their bodies (the request events lack large ones), which turns the HTTP cache off.
   */
  readonly onRequest?: (request: Request) => void;
}

/**
 * A fresh profile reading `language` (the switcher's stored choice; null: none stored, so ?lang=, the account's
 * locale or the browser's decide). Requests to another origin are recorded in `problems` (and go nowhere: see
 * `launchChromium`), as are page errors and CSP violations. Its requests are counted for `settled`.
 */
export async function newPage(
  browser: Browser,
  origin: string,
  language: Language | null,
  problems: string[],
  options: PageOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    locale: options.locale ?? "en-GB",
    viewport: options.viewport ?? { width: 1100, height: 900 },
    ...(options.hasTouch && { hasTouch: true, deviceScaleFactor: 1 }),
  });
  countRequests(context);
  if (language) await context.addInitScript((l) => localStorage.setItem("khatam.lang", l), language);
  const elsewhere = (request: Request) => {
    const url = new URL(request.url());
    const foreign = /^(https?|wss?):$/.test(url.protocol) && url.origin !== origin;
    if (foreign) problems.push(`request to another origin: ${request.url()}`);
    return foreign;
  };
  const { onRequest } = options;
  if (onRequest) {
    await context.route("**/*", async (route) => {
      onRequest(route.request());
      await (elsewhere(route.request()) ? route.abort() : route.continue());
    });
  } else {
    context.on("request", elsewhere);
  }
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return { context, page };
}

/** Requests of a context begun and not yet answered in full, how many have begun in all, who waits for one to end. */
interface RequestCount {
  pending: number;
  begun: number;
  waiting: (() => void)[];
}
const requestsOf = new WeakMap<BrowserContext, RequestCount>();

function countRequests(context: BrowserContext): void {
  const count: RequestCount = { pending: 0, begun: 0, waiting: [] };
  requestsOf.set(context, count);
  context.on("request", () => {
    count.pending++;
    count.begun++;
  });
  const ended = () => {
    count.pending--;
    for (const wake of count.waiting.splice(0)) wake();
  };
  context.on("requestfinished", ended);
  context.on("requestfailed", ended);
}

/**
 * Waits until the page has shown what it fetched: no request of its context in flight, the fonts loaded, and two
 * frames drawn since with no new request begun (the answer rendered, and no request it led to). Playwright's
 * "networkidle" says the same by waiting 500 ms of silence every time, which over a few hundred page views was
 * minutes of the test suite. For pages from `newPage`.
 */
export async function settled(page: Page, timeout = 30_000): Promise<void> {
  const count = requestsOf.get(page.context());
  assert.ok(count, "settled() is for pages made by newPage()");
  const deadline = Date.now() + timeout;
  for (;;) {
    const begun = count.begun;
    if (count.pending === 0) {
      await page.evaluate(async () => {
        await document.fonts.ready;
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      });
      if (count.pending === 0 && count.begun === begun) return;
    } else {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        count.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    assert.ok(Date.now() < deadline, `${count.pending} requests still in flight after ${timeout} ms on ${page.url()}`);
  }
}

/**
 * Signs in on /login with `password` (and, when asked for one, the code `secondFactor` gives) and waits for the
 * inbox, in `language`.
 */
export async function signIn(
  browser: Browser,
  origin: string,
  language: Language,
  email: string,
  password: string,
  problems: string[],
  options: PageOptions & { readonly secondFactor?: () => Promise<string> } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const { context, page } = await newPage(browser, origin, language, problems, options);
  await page.goto(`${origin}/login`);
  await page.locator("input[name=email]").fill(email);
  await page.locator("input[name=password]").fill(password);
  await page.locator("form button[type=submit]").click();
  if (options.secondFactor) {
    await page.locator("input[name=totp]").fill(await options.secondFactor());
    await page.locator("form button[type=submit]").click();
  }
  await page.waitForURL(`${origin}/`);
  await page.locator("#inbox-heading").waitFor();
  assert.equal(await page.getAttribute("html", "lang"), language);
  return { context, page };
}

/** axe-core's WCAG 2.2 AA rules on the page as it is: no violation (evaluated over the DevTools protocol, so the page's CSP stays in force). */
export async function axe(page: Page, name: string): Promise<void> {
  // Once a document: parsing axe's half a megabyte again took longer than most audits (~0.3 s).
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
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
