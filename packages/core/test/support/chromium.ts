// Debian's Chromium for the browser tests (playwright-core drives it): where it is, the reason to skip without it,
// and the command-line flags of a headless browser that makes no network traffic of its own (updates, sync, first
// run) and runs without a sandbox or GPU (test machines and containers). The server's web tests use it too.
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";
/** For `describe(…, { skip })`: false, or why the browser tests cannot run here. */
export const skipWithoutChromium: false | string = existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (npm test installs Debian's chromium package through scripts/test.mjs)`;
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
