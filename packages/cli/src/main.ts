#!/usr/bin/env node
/** The `khatam` command (CONTRACTS.md § 2): each command loads its own modules, so `verify` pays nothing for
 * signing's, and the reverse. */
import { run } from "./run.js";

run(process.argv.slice(2), {
  sign: async () => (await import("./sign.js")).signCommand,
  verify: async () => (await import("./verify.js")).verifyCommand,
  extend: async () => (await import("./extend.js")).extendCommand,
  demo: async () => (await import("./demo.js")).demoCommand,
});
