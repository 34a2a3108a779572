#!/usr/bin/env node
// The `khatam` command's launcher, committed on purpose: npm links a workspace's `bin` only if the file exists when
// `npm ci` links it, which is before `prepare` builds dist/. A bin pointing into dist/ would leave `npx khatam`
// unresolvable on a fresh clone. It runs the bundle (scripts/bundle.mjs) when there is one: a faster start.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/bundle/main.js", import.meta.url);
await import(existsSync(bundle) ? bundle.href : new URL("../dist/src/main.js", import.meta.url).href);
