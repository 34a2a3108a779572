// The Khatam server as the benches run it: `node packages/server/dist/src/main.js` as a child on 127.0.0.1 with its
// own data directory, ready when /healthz answers; stopped with SIGTERM (SIGKILL after a grace period). And one
// autocannon load run with its warm-up. One place for what the platform, federation, trust-services and start-up
// benches each did.
import { spawn } from "node:child_process";
import { createServer as netServer } from "node:net";
import autocannon from "autocannon";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port free on 127.0.0.1 now. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = netServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * Starts the server on a free port with KHATAM_DATA `dataDir`, LOG_LEVEL warn and `env` (the bench's settings:
 * demo key type, rate limits, DATABASE_URL…); resolves when /healthz answers 200, with the time it took. Its
 * standard error is passed through, or with `captureStderr` kept and quoted if it exits before it is healthy.
 */
export async function startServer({
  dataDir,
  env = {},
  nodeArgs = [],
  timeoutMs = 60_000,
  pollMs = 100,
  captureStderr = false,
}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn("node", [...nodeArgs, "packages/server/dist/src/main.js"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", KHATAM_DATA: dataDir, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", captureStderr ? "pipe" : "inherit"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server exited (${child.exitCode})${stderr && `: ${stderr.trim()}`}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    if (performance.now() - t0 > timeoutMs) {
      await stopProcess(child);
      throw new Error(`the server did not answer /healthz within ${timeoutMs / 1000} s`);
    }
    await sleep(pollMs);
  }
  return { child, base, port, startMs: performance.now() - t0 };
}

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The autocannon figures of one load run of `durationS` seconds, after an unrecorded warm-up of `warmupS` with the
 * same settings (`options`: autocannon's url, method, headers, body, connections).
 */
export async function loadRun(options, { warmupS, durationS }) {
  await autocannon({ ...options, duration: warmupS });
  const r = await autocannon({ ...options, duration: durationS });
  return {
    requestsPerS: r.requests.average,
    total: r.requests.total,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    meanMs: r.latency.average,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    resets: r.resets,
  };
}
