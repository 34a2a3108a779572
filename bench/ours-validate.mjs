// In-process validation throughput of Khatam: validatePdf (offline, the bench root as the one trust anchor) on a
// signed one-page document and on the signed 20 MiB document, files already in memory. Each call is timed on its
// own; the figure is the median of the warm calls (the first calls are warm-up and reported apart as "cold").
// Also measures, in the same process, the floor of a validation: SHA-256 over the whole file plus one ECDSA P-256
// verification (node:crypto), the least any validator must do.
// Run as its own process so that its CPU profile (node --cpu-prof, bench/hotspots.mjs) belongs to this work alone.
// Usage: node bench/ours-validate.mjs ROOT.pem LEAF.key SMALL.pdf LARGE.pdf [SMALL_MS] [LARGE_RUNS] [--only-small|--only-large]
// Prints one JSON line.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadCertificates } from "../packages/core/dist/src/keys/pem.js";
import { validatePdf } from "../packages/core/dist/src/validation/validate.js";

const [rootFile, keyFile, smallFile, largeFile, smallMsArg, largeRunsArg, only] = process.argv.slice(2);
const SMALL_MS = Number(smallMsArg ?? 2000); // time budget of the small-document loop
const LARGE_RUNS = Number(largeRunsArg ?? 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const options = { trustAnchors: loadCertificates(readFileSync(rootFile)).map((certificate) => ({ certificate })) };

async function check(bytes) {
  const report = await validatePdf(bytes, options);
  const s = report.signatures[0];
  if (report.verdict !== "VALID" || report.signatures.length !== 1 || s.indication !== "TOTAL_PASSED")
    throw new Error(`unexpected validation report: ${JSON.stringify(report).slice(0, 800)}`);
  return report;
}

/** Times `fn` call by call: `warmup` untimed-for-median calls first, then until `budgetMs` or `maxRuns`. */
async function measure(bytes, { warmup, budgetMs, minRuns, maxRuns }) {
  const cold = [];
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    await check(bytes);
    cold.push(performance.now() - t0);
  }
  const times = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (times.length < minRuns || (times.length < maxRuns && performance.now() - t0 < budgetMs)) {
    const t = performance.now();
    await check(bytes);
    times.push(performance.now() - t);
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    firstMs: cold[0],
    warmupMs: cold,
    runs: times.length,
    medianMs: median(times),
    minMs: Math.min(...times),
    p90Ms: pct(times, 90),
    perSecond: (times.length * 1000) / wall, // one thread, back to back
    cpuMsPerValidation: cpuMs / times.length, // CPU time (all threads of the process) per validation
  };
}

/** SHA-256 over `bytes` plus one ECDSA P-256 verification: the floor of validating a one-signature file. */
function floor(bytes, runs) {
  const key = createPrivateKey(readFileSync(keyFile));
  const pub = createPublicKey(key);
  const digest = randomBytes(32);
  const signature = sign("sha256", digest, key);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const h = createHash("sha256").update(bytes).digest();
    if (!verify("sha256", h.length === 32 ? digest : h, pub, signature)) throw new Error("ECDSA verify failed");
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times.slice(Math.min(3, runs - 1))), minMs: Math.min(...times) };
}

const result = {};
if (only !== "--only-large") {
  const small = new Uint8Array(readFileSync(smallFile));
  result.smallBytes = small.length;
  result.small = await measure(small, { warmup: 20, budgetMs: SMALL_MS, minRuns: 50, maxRuns: 100_000 });
  result.smallFloor = floor(small, 2000);
}
if (only !== "--only-small") {
  const large = new Uint8Array(readFileSync(largeFile));
  result.largeBytes = large.length;
  result.large = await measure(large, { warmup: 2, budgetMs: 0, minRuns: LARGE_RUNS, maxRuns: LARGE_RUNS });
  result.largeFloor = floor(large, LARGE_RUNS + 3);
}
result.maxRssKb = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify(result)}\n`);
