// In-process library throughput of Khatam: signPdfUpdate + softwareSigner (P-256) on the 300 small documents (read
// into memory first; the loop is signing only) and on the 20 MiB document. Run as its own process so that its peak
// RSS and CPU profile (node --cpu-prof) belong to this work alone.
// Usage: node bench/ours-inproc.mjs KEY.pem CERT.pem CHAIN.pem SMALL_DIR LARGE.pdf [ROUNDS] [--only-large|--only-small]
// Prints one JSON line.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCertificates, loadPrivateKey } from "../packages/core/dist/src/keys/pem.js";
import { softwareSigner } from "../packages/core/dist/src/keys/software.js";
import { signPdfUpdate } from "../packages/core/dist/src/pades/sign.js";

const [keyFile, certFile, chainFile, smallDir, largeFile, roundsArg, only] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 3);
const signer = softwareSigner(loadPrivateKey(readFileSync(keyFile)));
const [certificate] = loadCertificates(readFileSync(certFile));
const options = { signer, certificate, chain: loadCertificates(readFileSync(chainFile)), level: "B-B" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const result = {};
const check = (_pdf, update) => {
  if (update.length < 1000 || !Buffer.from(update.subarray(-7)).toString("latin1").includes("%%EOF"))
    throw new Error("unexpected signing output");
};

if (only !== "--only-large") {
  const docs = readdirSync(smallDir)
    .filter((n) => n.endsWith(".pdf"))
    .sort()
    .map((n) => new Uint8Array(readFileSync(join(smallDir, n))));
  // Round 1 is cold (like a peer's single pass); the warm figure is the median of the rounds after it.
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const pdf of docs) check(pdf, await signPdfUpdate(pdf, options));
    times.push(performance.now() - t0);
  }
  result.smallDocs = docs.length;
  result.smallColdMs = times[0];
  result.smallWarmMs = median(times.length > 1 ? times.slice(1) : times);
  result.smallLoopTimes = times;
}
if (only !== "--only-small") {
  const pdf = new Uint8Array(readFileSync(largeFile));
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    check(pdf, await signPdfUpdate(pdf, options));
    times.push(performance.now() - t0);
  }
  result.largeColdMs = times[0];
  result.largeWarmMs = median(times.length > 1 ? times.slice(1) : times);
  result.largeTimes = times;
}
result.maxRssKb = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify(result)}\n`);
