#!/usr/bin/env node
// Bundles the server into dist/bundle/ (esbuild, ESM) after the TypeScript build: server.js (what `npm start` runs,
// through dist/src/main.js) and validation-worker.js (the verification pools' threads). Node then reads a few files
// instead of resolving several hundred modules: most of a second off every start (issue 14.1). Without esbuild (a
// production-only install) nothing is bundled and the compiled modules run (scripts/esbuild-bundle.mjs).
import { join } from "node:path";
import { NODE_ESM, prepareBundle } from "../../../scripts/esbuild-bundle.mjs";

const { esbuild, dir: server, outdir } = await prepareBundle(import.meta.url, "server", "the server");
const src = join(server, "dist", "src");
await esbuild.build({
  ...NODE_ESM,
  entryPoints: {
    server: join(src, "server.js"),
    // Piscina loads it by name beside the code that starts the pool (verify/validation-pool.ts).
    "validation-worker": join(src, "verify", "validation-worker.js"),
  },
  outdir,
  // Native addons; and packages that load files from beside their own modules: PGlite (WebAssembly, data),
  // Piscina (its worker wrapper), @fastify/swagger (its package.json).
  external: ["pkcs11js", "@node-rs/argon2", "@electric-sql/pglite", "pg-native", "piscina", "@fastify/swagger"],
  // CommonJS dependencies call require() for Node's built-ins; in an ES module it has to be made.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
});
