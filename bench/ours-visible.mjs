// A visible signature on the 20 MiB document against an invisible one (issue 13: within 2× of invisible signing,
// fonts and images cached, not re-parsed per signature). In-process signPdfUpdate + softwareSigner (P-256), the
// document in memory; rounds interleaved (invisible, Arabic block, Japanese block with seal and drawn mark, an
// Arabic block with a new date each round, ...)
// so that other load on the machine falls on all three alike. The first round is cold (it parses the fonts); the
// warm figures are the medians of the rounds after it. Besides wall time, the process's CPU time per signature
// (process.cpuUsage): on a machine shared with other work the wall time mostly measures the others, and the ratio
// of CPU times is the one that says what the appearance costs.
// Usage: node bench/ours-visible.mjs KEY.pem CERT.pem CHAIN.pem LARGE.pdf [ROUNDS]
//        node bench/ours-visible.mjs            (makes or reuses bench/work's fixtures; this part of the bench alone)
// Prints one JSON line.
import { readFileSync } from "node:fs";
import { encode as encodePng } from "fast-png";
import { loadCertificates, loadPrivateKey } from "../packages/core/dist/src/keys/pem.js";
import { softwareSigner } from "../packages/core/dist/src/keys/software.js";
import { signPdfUpdate } from "../packages/core/dist/src/pades/sign.js";

let [keyFile, certFile, chainFile, largeFile, roundsArg] = process.argv.slice(2);
if (!keyFile) {
  const { makeFixtures } = await import("./fixtures.mjs");
  const fx = makeFixtures("bench/work");
  [keyFile, certFile, chainFile, largeFile] = [
    `${fx.pki}/leaf.key`,
    `${fx.pki}/leaf.pem`,
    `${fx.pki}/chain.pem`,
    fx.largeFile,
  ];
}
const rounds = Number(roundsArg ?? 11);
const signer = softwareSigner(loadPrivateKey(readFileSync(keyFile)));
const [certificate] = loadCertificates(readFileSync(certFile));
const base = { signer, certificate, chain: loadCertificates(readFileSync(chainFile)), level: "B-B" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A drawn signature as the browser's canvas sends it: a stroke on a transparent 600×200 background. */
function drawnMark() {
  const width = 600;
  const height = 200;
  const data = new Uint8Array(width * height * 4);
  for (let x = 30; x < width - 30; x++) {
    const y = Math.round(height / 2 + Math.sin(x / 40) * 60);
    for (let dy = -3; dy <= 3; dy++) data.set([20, 30, 90, 255], ((y + dy) * width + x) * 4);
  }
  return encodePng({ width, height, data, channels: 4, depth: 8 });
}
const at = new Date();
const variants = {
  invisible: base,
  arabic: {
    ...base,
    rect: [60, 600, 340, 720],
    appearance: {
      name: "محمد بن عبدالله آل سعود",
      title: "وزير الخارجية",
      agency: "وزارة الخارجية",
      country: "SA",
      issuer: "Bench Root",
      signedAt: at,
      locale: "ar",
    },
  },
  japanese: {
    ...base,
    rect: [60, 440, 340, 560],
    appearance: {
      name: "山田 太郎",
      title: "外務大臣",
      agency: "外務省",
      country: "JP",
      issuer: "Bench Root",
      signedAt: at,
      locale: "ja",
      mark: { kind: "image", bytes: drawnMark() },
      seal: { kind: "generated", familyName: "山田" },
    },
  },
};

// The same Arabic signer a minute later each round: a block not seen before (its date line differs), so only the
// fonts, shaped runs and formatters are reused, not the whole appearance as in bulk signing within one minute.
variants.arabicNewBlock = (r) => ({
  ...variants.arabic,
  appearance: { ...variants.arabic.appearance, signedAt: new Date(at.getTime() + (r + 1) * 60_000) },
});

const pdf = new Uint8Array(readFileSync(largeFile));
const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const cpu = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, variant] of Object.entries(variants)) {
    const options = typeof variant === "function" ? variant(r) : variant;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const update = await signPdfUpdate(pdf, options);
    const c = process.cpuUsage(c0);
    times[name].push(performance.now() - t0);
    cpu[name].push((c.user + c.system) / 1000);
    if (!Buffer.from(update.subarray(-7)).toString("latin1").includes("%%EOF")) throw new Error("bad output");
  }
}
const result = { bytes: pdf.length, rounds };
for (const [name, t] of Object.entries(times)) {
  result[name] = { coldMs: t[0], warmMs: median(t.slice(1)), warmCpuMs: median(cpu[name].slice(1)), times: t };
}
for (const v of ["arabic", "japanese", "arabicNewBlock"]) {
  result[v].ratio = result[v].warmMs / result.invisible.warmMs;
  result[v].cpuRatio = result[v].warmCpuMs / result.invisible.warmCpuMs;
}
result.maxRssKb = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify(result)}\n`);
