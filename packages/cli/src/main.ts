#!/usr/bin/env node
/**
 * The `khatam` command (CONTRACTS.md § 2). Every failure is one line on standard error and a non-zero exit code;
 * a stack trace appears only with KHATAM_DEBUG=1.
 */
import { USAGE, UsageError } from "./usage.js";

const EXIT_USAGE = 64;

// A reader that stops early (`khatam verify DIR --json | head`) closes the pipe: stop quietly, as Unix tools do,
// rather than crash with a stack trace on EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "sign": {
      // Each command loads its own modules: `verify` pays nothing for signing's, and the reverse.
      const { signCommand } = await import("./sign.js");
      return signCommand(rest);
    }
    case "verify": {
      const { verifyCommand } = await import("./verify.js");
      return verifyCommand(rest);
    }
    case "extend": {
      const { extendCommand } = await import("./extend.js");
      return extendCommand(rest);
    }
    case "demo": {
      const { demoCommand } = await import("./demo.js");
      return demoCommand(rest);
    }
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new UsageError(command ? `unknown command '${command}'` : "no command given");
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e as Error & { code?: string };
    if (process.env.KHATAM_DEBUG) console.error(err);
    if (e instanceof UsageError || err.code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`khatam: ${err.message}\n${USAGE}\n`);
      process.exitCode = EXIT_USAGE;
    } else {
      process.stderr.write(`khatam: ${err.message ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
