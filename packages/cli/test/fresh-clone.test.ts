// The README's command line on a fresh clone (issue 14.1): the committed repository is cloned into an empty
// temporary folder, `npm ci` runs there exactly as a user runs it, and then `npx khatam --help`, `npx khatam demo`
// and the `npx khatam verify` line the demo prints. A working tree hides a bin that exists only after a build;
// a clone does not.
//
// CI (`.ci/run`) is itself a clean clone on which the README's `npm ci` has just run, and says so
// (KHATAM_CLEAN_CLONE=1): there the commands run in the checkout itself, provided git sees nothing in it that is not
// committed, instead of cloning and installing a second time (a minute of CPU in a suite that must stay under 15).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

function run(command: string, args: string[], cwd: string, timeoutMs = 300_000) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" },
  });
  return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

const top = run("git", ["rev-parse", "--show-toplevel"], here);
const repository = top.code === 0 ? top.stdout.trim() : undefined;

describe("the README's commands on a fresh clone", { skip: repository ? false : "not in a git checkout" }, () => {
  let work: string;
  let clone: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), "khatam-clone-"));
    if (process.env.KHATAM_CLEAN_CLONE === "1") {
      const status = run("git", ["status", "--porcelain"], repository!);
      assert.equal(status.code, 0, status.stderr);
      if (status.stdout.trim() === "") {
        clone = repository!;
        return;
      }
    }
    clone = join(work, "khatam");
    const cloned = run("git", ["clone", "--quiet", "--no-hardlinks", repository!, clone], work);
    assert.equal(cloned.code, 0, cloned.stderr);
    // `npm ci` exactly as the README says (its `prepare` builds every package); packages come from npm's cache.
    const installed = run("npm", ["ci", "--prefer-offline"], clone, 600_000);
    assert.equal(installed.code, 0, `npm ci failed:\n${installed.stderr.slice(-4000)}`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test("npx khatam --help", () => {
    const help = run("npx", ["khatam", "--help"], clone);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /khatam sign/);
    assert.match(help.stdout, /khatam verify/);
  });

  test("npx khatam demo, then the npx khatam verify line it prints", () => {
    const demo = run("npx", ["khatam", "demo", "--out", join(work, "demo-out")], clone);
    assert.equal(demo.code, 0, demo.stderr);
    const line = demo.stdout.split("\n").find((l) => l.trim().startsWith("npx khatam verify"));
    assert.ok(line, `the demo prints how to verify:\n${demo.stdout}`);
    const [npx, ...args] = line.trim().split(/\s+/);
    assert.ok(existsSync(args[2]!), args[2]);
    const verify = run(npx!, args, clone);
    assert.equal(verify.code, 0, `${line}\n${verify.stdout}\n${verify.stderr}`);
    assert.match(verify.stdout, /TOTAL_PASSED/);
  });
});
