// The job planning of the peer runners (peer-libpdf.mjs, peer-signpdf.mjs): what `khatam sign` does with its input,
// one file to one file or every PDF of a directory into an output directory, and the timing around the signing loop.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Signs every job with `sign(bytes) → signed bytes` and prints one JSON line: { docs, loopMs, maxRssKb }. Inputs are
 * read before and outputs written after the timed loop, so loopMs is signing alone (the process wall time measured
 * by bench/run.mjs includes everything).
 */
export async function runPeerJobs(input, out, sign) {
  const jobs = statSync(input).isDirectory()
    ? readdirSync(input)
        .filter((n) => n.endsWith(".pdf"))
        .sort()
        .map((n) => [join(input, n), join(out, n)])
    : [[input, out]];
  if (jobs.length > 1) mkdirSync(out, { recursive: true });
  const inputs = jobs.map(([src]) => readFileSync(src));
  const outputs = [];
  const t0 = performance.now();
  for (const src of inputs) outputs.push(await sign(src));
  const loopMs = performance.now() - t0;
  for (const [i, [, dst]] of jobs.entries()) writeFileSync(dst, outputs[i]);
  process.stdout.write(`${JSON.stringify({ docs: jobs.length, loopMs, maxRssKb: process.resourceUsage().maxRSS })}\n`);
}
