// Where the time goes: runs a command under `node --cpu-prof` and prints the self time per function (file:function)
// and per file, from the V8 CPU profile. Not part of `npm run bench`; run it after the bench has made its fixtures:
//
//   node bench/hotspots.mjs cli-bulk | cli-large | lib-bulk | lib-large   [TOP]
//   node bench/hotspots.mjs validate-small | validate-large | cli-verify-small | cli-verify-large   [TOP]
//   node bench/hotspots.mjs ocsp-respond   [TOP]   (bench/ocsp-respond.mjs: µs per OCSP response, in-process)
//
// "(idle)" is time the main thread waited (file I/O, fsync in the thread pool); "(program)" is V8/native time not
// attributed to JavaScript (module compilation, start-up); "(garbage collector)" is GC.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

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
const profile = JSON.parse(
  readFileSync(
    join(
      dir,
      readdirSync(dir).find((f) => f.endsWith(".cpuprofile")),
    ),
    "utf8",
  ),
);

// Self time per node = samples × interval (timeDeltas give the exact spacing).
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const cwd = process.cwd();
const byFn = new Map();
const byFile = new Map();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (!us) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? relative(cwd, url.replace(/^file:\/\//, "")) : "";
  const key = file ? `${file}:${functionName || "(anonymous)"}:${lineNumber + 1}` : functionName;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
  const fkey = file || functionName;
  byFile.set(fkey, (byFile.get(fkey) ?? 0) + us);
}
const total = [...byFn.values()].reduce((a, b) => a + b, 0);

// Inclusive time per function (each sample counted once per distinct function on its stack).
const nodes = new Map(profile.nodes.map((nd) => [nd.id, nd]));
const parent = new Map();
for (const nd of profile.nodes) for (const c of nd.children ?? []) parent.set(c, nd.id);
const keyOf = (nd) => {
  const { functionName, url, lineNumber } = nd.callFrame;
  const file = url ? relative(cwd, url.replace(/^file:\/\//, "")) : "";
  return file ? `${file}:${functionName || "(anonymous)"}:${lineNumber + 1}` : functionName;
};
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) seen.add(keyOf(nodes.get(cur)));
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
}
const ours = new Map(
  [...inclusive].filter(([k]) => k.startsWith("packages/") || k.startsWith("bench/") || k.startsWith("node_modules/")),
);
const top = Number(topArg);
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(`${which}: wall ${wall.toFixed(0)} ms (incl. start), profiled ${(total / 1000).toFixed(0)} ms`);
print("Self time by function", byFn);
print("Self time by file", byFile);
print("Inclusive time, project and dependency functions", ours);
rmSync(dir, { recursive: true, force: true });
