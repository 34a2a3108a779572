// The machine and its limits: CPU model and cores, Node version, date; SHA-256 throughput on a 64 MiB buffer (best
// of 5), raw ECDSA P-256 and RSA-3072 signatures per second (node crypto.sign over 32 bytes, one core).
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

export function machine() {
  let model = cpus()[0]?.model ?? "unknown";
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? model;
  } catch {}
  let flags = "";
  try {
    flags = /^flags\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
  } catch {}
  return {
    cpu: model,
    cores: cpus().length,
    shaNi: /\bsha_ni\b/.test(flags),
    node: process.version,
    openssl: process.versions.openssl,
    date: new Date().toISOString(),
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** Operations per second of `op` over about `ms` milliseconds (after a short warm-up). */
function rate(op, ms = 500) {
  for (let i = 0; i < 20; i++) op();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 10; i++) op();
    n += 10;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

export function hardwareLimits(ecKeyPem) {
  const buf = randomBytes(64 * 1024 * 1024);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    createHash("sha256").update(buf).digest();
    best = Math.min(best, performance.now() - t0);
  }
  const sha256MBps = 64 / (best / 1000); // MiB/s
  const digest = randomBytes(32);
  const ec = createPrivateKey(ecKeyPem);
  const ecdsaPerS = rate(() => sign("sha256", digest, { key: ec, dsaEncoding: "der" }));
  const { privateKey: rsa } = generateKeyPairSync("rsa", { modulusLength: 3072 });
  const rsa3072PerS = rate(() => sign("sha256", digest, rsa));
  return { sha256MBps, sha256Best64MiBMs: best, ecdsaPerS, rsa3072PerS };
}
