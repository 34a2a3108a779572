#!/usr/bin/env node
// The `khatam` command's launcher, committed on purpose: npm links a workspace's `bin` only if the file exists when
// `npm ci` links it, which is before `prepare` builds dist/. A bin pointing into dist/ would leave `npx khatam`
// unresolvable on a fresh clone. It runs the bundle (scripts/bundle.mjs) when there is one made from the current
// compiled code (a faster start), and the compiled modules otherwise (after a `tsc` alone, for instance).
import { existsSync, statSync } from "node:fs";

const bundle = new URL("../dist/bundle/main.js", import.meta.url);
const compiled = new URL("../dist/src/main.js", import.meta.url);
const current = existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(compiled).mtimeMs;
await import(current ? bundle.href : compiled.href);
