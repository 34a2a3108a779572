// The `khatam` command run as a user runs it, for the command-line tests: spawned from an unrelated working
// directory with stderr not a terminal, its exit code and output collected; the one-clear-line rule for failures;
// and the test support of the other packages, loaded from their build output (outside this package's sources).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

// This file runs as packages/cli/dist/test/support/cli.js.
const here = (path: string) => new URL(path, import.meta.url);

/** The launcher, as `npx khatam` runs it: `verify` then runs from the CommonJS bundle with its code cache. */
export const LAUNCHER = fileURLToPath(here("../../../bin/khatam.cjs"));
/** The compiled modules' entry point, without the launcher and its bundle. */
export const COMPILED_MAIN = fileURLToPath(here("../../src/main.js"));

/** What a run of the command did. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node main args…` from `cwd` (/ by default, unrelated to the files named), with KHATAM_DEBUG empty (no stack
 * traces) and stderr a pipe; under `faketime TIME` when `faketime` is given.
 */
export function runCli(
  main: string,
  args: readonly string[],
  options: { cwd?: string; faketime?: string } = {},
): Promise<CliResult> {
  const [cmd, argv] = options.faketime
    ? ["faketime", [options.faketime, process.execPath, main, ...args]]
    : [process.execPath, [main, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: options.cwd ?? "/", env: { ...process.env, KHATAM_DEBUG: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Asserts a failure with exit `code` reported as one clear line on stderr starting "khatam: " and matching `pattern`
 * (a usage error, 64, may add the usage text): no stack trace, no carriage return.
 */
export function assertOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit ${r.code}: ${r.stderr}${r.stdout}`);
  const lines = r.stderr.split("\n").filter((l) => l.length > 0);
  assert.ok(lines.length >= 1, "an error message is printed");
  assert.match(lines[0]!, /^khatam: /, r.stderr);
  assert.match(lines[0]!, pattern, r.stderr);
  assert.doesNotMatch(r.stderr, /^\s+at |Error:|\r/m, `no stack trace or terminal control: ${r.stderr}`);
  if (code !== 64) assert.equal(lines.length, 1, `one line: ${r.stderr}`);
}

/**
 * A module of another package's test support (`packages/<pkg>/test/support/<name>.ts`), loaded from its build
 * output at run time; the caller names its type with `import type` of the same path.
 */
export async function testSupport<T>(pkg: "core" | "server", name: string): Promise<T> {
  return (await import(here(`../../../../${pkg}/dist/test/support/${name}.js`).href)) as T;
}
