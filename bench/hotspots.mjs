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
const dir = mkdtempSync(join(tmpdir(), "khatam-prof-"));
const cli = "packages/cli/dist/src/main.js";
const signed = { small: "bench/work/out-ours/doc-001.pdf", large: "bench/work/out-large/ours.pdf" };
const keyFiles = [`${pki}/leaf.key`, `${pki}/leaf.pem`, `${pki}/chain.pem`];
const keyArgs = ["--key", keyFiles[0], "--cert", keyFiles[1], "--chain", keyFiles[2]];
// The in-process runners take both inputs and how long to run (see their usage lines), and measure the one kind named.
const inproc = (rounds, only) => [
  "bench/ours-inproc.mjs",
  ...keyFiles,
  "bench/work/small",
  "bench/work/large/large.pdf",
  rounds,
  only,
];
const validate = (smallMs, largeRuns, only) => [
  "bench/ours-validate.mjs",
  `${pki}/root.pem`,
  keyFiles[0],
  signed.small,
  signed.large,
  smallMs,
  largeRuns,
  only,
];
const cliVerify = (file) => [cli, "verify", file, "--trust", `${pki}/root.pem`, "--offline", "--json"];
const commands = {
  "cli-bulk": [cli, "sign", "bench/work/small", "-o", join(dir, "out"), ...keyArgs],
  "cli-large": [cli, "sign", "bench/work/large/large.pdf", "-o", join(dir, "l.pdf"), ...keyArgs],
  "lib-bulk": inproc("3", "--only-small"),
  "lib-large": inproc("5", "--only-large"),
  "validate-small": validate("3000", "15", "--only-small"),
  "validate-large": validate("2000", "40", "--only-large"),
  "cli-verify-small": cliVerify(signed.small),
  "cli-verify-large": cliVerify(signed.large),
  "ocsp-respond": ["bench/ocsp-respond.mjs", "20000"],
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
