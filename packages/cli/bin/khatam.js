#!/usr/bin/env node
// The `khatam` command's launcher, committed on purpose: npm links a workspace's `bin` only if the file exists when
// `npm ci` links it, which is before `prepare` builds dist/. A bin pointing into dist/ would leave `npx khatam`
// unresolvable on a fresh clone.
import "../dist/src/main.js";
