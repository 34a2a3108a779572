#!/usr/bin/env node
// The README's test command: installs the Debian tools the interoperability tests run (when missing), builds,
// and runs every package's tests with Node's test runner, whose closing lines CI counts.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { run } from "node:test";
import { spec } from "node:test/reporters";

/** Debian package → a file it installs, to tell whether it is there. */
const DEBIAN = {
  "poppler-utils": "/usr/bin/pdfsig",
  "mupdf-tools": "/usr/bin/mutool",
  qpdf: "/usr/bin/qpdf",
  "libnss3-tools": "/usr/bin/certutil",
  softhsm2: "/usr/bin/softhsm2-util",
  opensc: "/usr/bin/pkcs11-tool",
  faketime: "/usr/bin/faketime",
  openssl: "/usr/bin/openssl",
  chromium: "/usr/bin/chromium",
  // A QR decoder: the register's QR code on documents and certificates is read back (envelopes-workflow test).
  "zbar-tools": "/usr/bin/zbarimg",
  // Japanese glyphs for the browser tests, their screenshots and the certificate of completion (server
  // audit/certificate.ts), which sets Latin and Arabic in DejaVu Sans.
  "fonts-noto-cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
  "fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
};

/**
 * The test files that take longest, longest first, with rough seconds (single-file runs on a loaded 2-core machine,
 * December 2026, scaled to an idle one). The runner starts files in the order it is given them, two at a time; any
 * file not named here comes after these, alphabetically. Only the order matters: the long ones must start early.
 */
const LONG_FILES = [
  ["fresh-clone.test.js", 250], // npm ci (with the whole build) in a clone
  ["web-phones.test.js", 150],
  ["web-ceremony.test.js", 140],
  ["web-federation.test.js", 120],
  ["verify-cli.test.js", 110],
  ["envelopes-workflow.test.js", 90],
  ["extend-cli.test.js", 90],
  ["web-app.test.js", 80],
  ["notify-webhook-ssrf.test.js", 70],
  ["sign-cli.test.js", 70],
  ["federation-envelopes.test.js", 60],
  ["federation-demo.test.js", 55],
  ["pades-interop.test.js", 50],
  ["trust-store-processes.test.js", 38],
  ["envelopes-fields.test.js", 36],
  ["tenancy-admin.test.js", 32],
  ["federation-peering.test.js", 32],
  ["federation-crash.test.js", 31],
];

const missing = Object.entries(DEBIAN)
  .filter(([, file]) => !existsSync(file))
  .map(([pkg]) => pkg);
if (missing.length > 0) {
  console.log(`installing Debian packages: ${missing.join(" ")}`);
  const asRoot = process.getuid?.() === 0 ? [] : ["sudo"];
  const run = (args) =>
    execFileSync(asRoot[0] ?? args[0], asRoot.length ? args : args.slice(1), {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  run(["apt-get", "update", "-qq"]);
  run(["apt-get", "install", "-y", "-qq", ...missing]);
}

execFileSync("npx", ["tsc", "-b", "packages/core", "packages/server", "packages/cli"], { stdio: "inherit" });
// The command line's and the server's bundles (what `npx khatam` and `npm start` run).
execFileSync(process.execPath, ["packages/cli/scripts/bundle.mjs"], { stdio: "inherit" });
execFileSync(process.execPath, ["packages/server/scripts/bundle.mjs"], { stdio: "inherit" });
// The embedded database's prepared data directory (what the server unpacks instead of running initdb).
execFileSync(process.execPath, ["packages/server/scripts/pglite-template.mjs"], { stdio: "inherit" });
// The web application (Vite) and its Node unit tests (packages/web/dist/test); the server serves dist/public.
execFileSync("npm", ["run", "build", "--silent", "-w", "@khatam/web"], { stdio: "inherit" });

// Every compiled test file (*.test.js; the support modules beside them are not tests), or those given: files, or
// folders of them.
const testFiles = (process.argv.length > 2 ? process.argv.slice(2) : packageTestDirs()).flatMap((arg) =>
  statSync(arg).isDirectory() ? testFilesIn(arg) : [arg],
);

// Two at a time, longest first: the runner starts the files in the order given, and a long file started last keeps one
// core busy alone at the end (the browser tests, 2–5 minutes each, come last alphabetically).
const stream = run({ files: longestFirst(testFiles).map((f) => resolve(f)), concurrency: 2 });
stream.on("test:fail", () => {
  process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);

function packageTestDirs() {
  return readdirSync("packages")
    .map((p) => join("packages", p, "dist", "test"))
    .filter((d) => existsSync(d));
}

function testFilesIn(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith(".test.js"))
    .map((f) => join(dir, f))
    .sort();
}

/** `files` with those of LONG_FILES first, longest first. A rough order is enough: the long ones must start early. */
function longestFirst(files) {
  const seconds = Object.fromEntries(LONG_FILES);
  const long = (f) => seconds[basename(f)] ?? 0;
  return [...files].sort((a, b) => long(b) - long(a) || (a < b ? -1 : a > b ? 1 : 0));
}
