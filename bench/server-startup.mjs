// `npm start` on an empty data directory (issue 14.1): the server (`node packages/server/dist/src/main.js`, demo
// federation with its default keys: JP P-256, SA RSA-3072) is spawned on a fresh KHATAM_DATA; the time until
// /healthz answers 200, and the resident memory (VmRSS) after it has idled IDLE_MS, are measured RUNS times; then the
// same on the data directory it left (a restart). Goals: ≤ 3 s to healthy, ≤ 300 MB idle.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep, startServer, stopProcess } from "./server-process.mjs";

export const RUNS = 3;
const IDLE_MS = 3000;

async function startOnce(dataDir) {
  const { child, startMs } = await startServer({ dataDir, timeoutMs: 120_000, pollMs: 20, captureStderr: true });
  try {
    await sleep(IDLE_MS);
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return { healthyMs: startMs, rssKb, peakKb: hwmKb };
  } finally {
    await stopProcess(child);
  }
}

export async function measureServerStartup({ log = () => {} } = {}) {
  const empty = [];
  const restart = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), "khatam-start-"));
    try {
      log(`server start-up ${i + 1}/${RUNS}: empty data directory, then restart`);
      empty.push(await startOnce(dir));
      restart.push(await startOnce(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const sum = (xs) => ({
    healthyMs: median(xs.map((x) => x.healthyMs)),
    rssKb: median(xs.map((x) => x.rssKb)),
    peakKb: median(xs.map((x) => x.peakKb)),
  });
  const result = { runs: RUNS, idleMs: IDLE_MS, empty: sum(empty), restart: sum(restart), problems: [] };
  if (result.empty.healthyMs > 3000) {
    result.problems.push(
      `server start-up: ${Math.round(result.empty.healthyMs)} ms to healthy on an empty data directory (goal ≤ 3 s)`,
    );
  }
  for (const [name, x] of [
    ["empty", result.empty],
    ["restart", result.restart],
  ]) {
    if (x.rssKb > 300 * 1024)
      result.problems.push(`server start-up (${name}): ${Math.round(x.rssKb / 1024)} MB idle (goal ≤ 300 MB)`);
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureServerStartup({ log: (s) => process.stderr.write(`bench: ${s}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
