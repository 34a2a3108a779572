#!/usr/bin/env node
// Bundles the server into dist/bundle/ (esbuild, ESM) after the TypeScript build: server.js (what `npm start` runs,
// through dist/src/main.js) and validation-worker.js (the verification pools' threads). Node then reads a few files
// instead of resolving several hundred modules: most of a second off every start (issue 14.1). Without esbuild (a
// production-only install) nothing is bundled and the compiled modules run.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const server = join(dirname(fileURLToPath(import.meta.url)), "..");
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.warn("khatam server: esbuild is not installed; the server runs unbundled");
  process.exit(0);
}
const src = join(server, "dist", "src");
const outdir = join(server, "dist", "bundle");
rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: {
    server: join(src, "server.js"),
    // Piscina loads it by name beside the code that starts the pool (verify/validation-pool.ts).
    "validation-worker": join(src, "verify", "validation-worker.js"),
  },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir,
  // Native addons; and packages that load files from beside their own modules: PGlite (WebAssembly, data),
  // Piscina (its worker wrapper), @fastify/swagger (its package.json).
  external: ["pkcs11js", "@node-rs/argon2", "@electric-sql/pglite", "pg-native", "piscina", "@fastify/swagger"],
  // CommonJS dependencies call require() for Node's built-ins; in an ES module it has to be made.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  minifySyntax: true,
  logLevel: "warning",
});
