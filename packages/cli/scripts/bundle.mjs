#!/usr/bin/env node
// Bundles the command line into dist/bundle/ (esbuild, ESM, one chunk per lazily loaded command) after the
// TypeScript build: Node then reads a handful of files instead of resolving several hundred modules, which halves
// a one-file `khatam verify` (issue 14.5). bin/khatam.js runs the bundle when it exists, dist/src/main.js otherwise,
// so a build without esbuild (a production-only install) still works.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..");
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.warn("khatam cli: esbuild is not installed; the command runs unbundled");
  process.exit(0);
}
const outdir = join(cli, "dist", "bundle");
rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: { main: join(cli, "dist", "src", "main.js") },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir,
  // The PKCS#11 binding is a native addon, loaded only for pkcs11: keys.
  external: ["pkcs11js"],
  minifySyntax: true,
  logLevel: "warning",
});
