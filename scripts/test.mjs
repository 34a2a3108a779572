#!/usr/bin/env node
// The README's test command: installs the Debian tools the interoperability tests run (when missing), builds,
// and runs every package's tests with Node's test runner, whose closing lines CI counts.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

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

const testDirs = readdirSync("packages")
  .map((p) => join("packages", p, "dist", "test"))
  .filter((d) => existsSync(d));
const filter = process.argv.slice(2);
const result = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=2", "--test-reporter=spec", ...(filter.length ? filter : testDirs)],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
