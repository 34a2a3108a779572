// Where the time goes: runs a command under `node --cpu-prof` and prints the self time per function (file:function)
// and per file, from the V8 CPU profile. Not part of `npm run bench`; run it after the bench has made its fixtures:
//
//   node bench/hotspots.mjs cli-bulk | cli-large | lib-bulk | lib-large   [TOP]
//   node bench/hotspots.mjs validate-small | validate-large | cli-verify-small | cli-verify-large   [TOP]
//   node bench/hotspots.mjs ocsp-respond   [TOP]   (bench/ocsp-respond.mjs: µs per OCSP response, in-process)
//   node bench/platform.mjs --profile [CYCLES] [--postgres]  (the platform server during a create-send-sign load)
//
// "(idle)" is time the main thread waited (file I/O, fsync in the thread pool); "(program)" is V8/native time not
// attributed to JavaScript (module compilation, start-up); "(garbage collector)" is GC.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarizeProfile } from "./profile-summary.mjs";

const [which = "cli-bulk", topArg = "25"] = process.argv.slice(2);
const pki = "bench/work/pki";
const keyArgs = ["--key", `${pki}/leaf.key`, "--cert", `${pki}/leaf.pem`, "--chain", `${pki}/chain.pem`];
const dir = mkdtempSync(join(tmpdir(), "khatam-prof-"));
const commands = {
  "cli-bulk": ["packages/cli/dist/src/main.js", "sign", "bench/work/small", "-o", join(dir, "out"), ...keyArgs],
  "cli-large": [
    "packages/cli/dist/src/main.js",
    "sign",
    "bench/work/large/large.pdf",
    "-o",
    join(dir, "l.pdf"),
    ...keyArgs,
  ],
  "lib-bulk": [
    "bench/ours-inproc.mjs",
    `${pki}/leaf.key`,
    `${pki}/leaf.pem`,
    `${pki}/chain.pem`,
    "bench/work/small",
    "bench/work/large/large.pdf",
    "3",
    "--only-small",
  ],
  "lib-large": [
    "bench/ours-inproc.mjs",
    `${pki}/leaf.key`,
    `${pki}/leaf.pem`,
    `${pki}/chain.pem`,
    "bench/work/small",
    "bench/work/large/large.pdf",
    "5",
    "--only-large",
  ],
  "validate-small": [
    "bench/ours-validate.mjs",
    `${pki}/root.pem`,
    `${pki}/leaf.key`,
    "bench/work/out-ours/doc-001.pdf",
    "bench/work/out-large/ours.pdf",
    "3000",
    "15",
    "--only-small",
  ],
  "validate-large": [
    "bench/ours-validate.mjs",
    `${pki}/root.pem`,
    `${pki}/leaf.key`,
    "bench/work/out-ours/doc-001.pdf",
    "bench/work/out-large/ours.pdf",
    "2000",
    "40",
    "--only-large",
  ],
  "cli-verify-small": [
    "packages/cli/dist/src/main.js",
    "verify",
    "bench/work/out-ours/doc-001.pdf",
    "--trust",
    `${pki}/root.pem`,
    "--offline",
    "--json",
  ],
  "ocsp-respond": ["bench/ocsp-respond.mjs", "20000"],
  "cli-verify-large": [
    "packages/cli/dist/src/main.js",
    "verify",
    "bench/work/out-large/ours.pdf",
    "--trust",
    `${pki}/root.pem`,
    "--offline",
    "--json",
  ],
};
if (!commands[which]) throw new Error(`unknown case ${which}; one of ${Object.keys(commands).join(", ")}`);
const t0 = performance.now();
execFileSync("node", ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-interval", "100", ...commands[which]], {
  stdio: ["ignore", which.startsWith("cli-verify") ? "ignore" : "inherit", "inherit"],
});
const wall = performance.now() - t0;
const profDir = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
summarizeProfile(join(dir, profDir), {
  top: Number(topArg),
  title: `${which}: wall ${wall.toFixed(0)} ms (incl. start)`,
});
rmSync(dir, { recursive: true, force: true });
