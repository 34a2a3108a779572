/**
 * `khatam verify` alone, the entry of the CommonJS bundle the launcher runs for it with V8's code cache
 * (scripts/bundle.mjs, bin/khatam.cjs): the command a script calls once per file starts in about 1.4× a bare Node.
 */
import { run } from "./run.js";
import { verifyCommand } from "./verify.js";

run(process.argv.slice(2), { verify: async () => verifyCommand });
