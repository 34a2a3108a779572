/**
 * Running one command of `khatam` (CONTRACTS.md § 2): every failure is one line on standard error and a non-zero
 * exit code; a stack trace appears only with KHATAM_DEBUG=1. Shared by the full entry point (main.ts) and the
 * verify-only one (verify-main.ts), which differ only in how they load the commands.
 */
import { USAGE, UsageError } from "./usage.js";

const EXIT_USAGE = 64;

export type Command = (argv: string[]) => Promise<number>;

/** Each command's loader: a command's modules are loaded only when it runs. */
export type Commands = Readonly<Record<string, () => Promise<Command>>>;

export function run(argv: string[], commands: Commands): void {
  // A reader that stops early (`khatam verify DIR --json | head`) closes the pipe: stop quietly, as Unix tools do,
  // rather than crash with a stack trace on EPIPE.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
  dispatch(argv, commands).then(
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
}

async function dispatch(argv: string[], commands: Commands): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const load = command !== undefined && Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!load) throw new UsageError(command ? `unknown command '${command}'` : "no command given");
  return (await load())(rest);
}
