#!/usr/bin/env node
// The `khatam` command's launcher, committed on purpose: npm links a workspace's `bin` only if the file exists when
// `npm ci` links it, which is before `prepare` builds dist/. A bin pointing into dist/ would leave `npx khatam`
// unresolvable on a fresh clone.
//
// CommonJS, so that a one-file `khatam verify` never starts Node's ES module loader: `verify` runs the CommonJS
// bundle dist/bundle/verify.cjs compiled with V8's code cache (the bytecode of every function a verification ran,
// saved beside it), the other commands the ES module bundle dist/bundle/main.js, and without bundles (after a `tsc`
// alone, or without esbuild) the compiled modules in dist/src. A bundle older than the compiled code is not used.
"use strict";
const { existsSync, readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const dist = join(__dirname, "..", "dist");
const compiled = join(dist, "src", "main.js");
const current = (bundle) => existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(compiled).mtimeMs;

const verifyBundle = join(dist, "bundle", "verify.cjs");
if (process.argv[2] === "verify" && current(verifyBundle)) runWithCodeCache(verifyBundle);
else {
  const esm = join(dist, "bundle", "main.js");
  import(pathToFileURL(current(esm) ? esm : compiled).href);
}

/**
 * Runs a CommonJS file as require() would, with V8's code cache: Node 20 caches no user code itself. The cache is
 * written after a run that verified a document (so it holds the functions verification needs), when there was none
 * or V8 refused it (another Node version); atomically, and not at all where the installation is read-only.
 */
function runWithCodeCache(file) {
  const vm = require("node:vm");
  const Module = require("node:module");
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(Module.wrap(readFileSync(file, "utf8")), {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, join(file, ".."));
  if (cachedData && !script.cachedDataRejected) return;
  process.once("beforeExit", () => {
    if (process.exitCode > 2) return; // no document was verified (usage error, unreadable file)
    try {
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {}
  });
}
