// Peer runner: @libpdf/core signs PDFs as PAdES B-B (SubFilter ETSI.CAdES.detached) with a P-256 key, in one Node
// process, like `khatam sign` does: load the key, then read the files, sign each, write the results.
// Usage: node bench/peer-libpdf.mjs KEY.pem CERT.pem CHAIN.pem OUT (IN_DIR | IN.pdf)
// Prints one JSON line: { docs, loopMs, maxRssKb }.
import { createPrivateKey, webcrypto } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CryptoKeySigner, PDF } from "@libpdf/core";

const [keyFile, certFile, chainFile, out, input] = process.argv.slice(2);
const der = (pem) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
const pkcs8 = createPrivateKey(readFileSync(keyFile)).export({ type: "pkcs8", format: "der" });
const key = await webcrypto.subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
const signer = new CryptoKeySigner(key, der(readFileSync(certFile, "latin1")), "EC", "ECDSA", [
  der(readFileSync(chainFile, "latin1")),
]);

const jobs = statSync(input).isDirectory()
  ? readdirSync(input)
      .filter((n) => n.endsWith(".pdf"))
      .sort()
      .map((n) => [join(input, n), join(out, n)])
  : [[input, out]];
if (jobs.length > 1) mkdirSync(out, { recursive: true });
// Inputs are read before and outputs written after the timed loop, so loopMs is signing alone (the process wall
// time measured by bench/run.mjs includes everything).
const inputs = jobs.map(([src]) => readFileSync(src));
const outputs = [];
const t0 = performance.now();
for (const src of inputs) {
  const pdf = await PDF.load(src);
  const { bytes } = await pdf.sign({ signer, reason: "Benchmark", subFilter: "ETSI.CAdES.detached" });
  outputs.push(bytes);
}
const loopMs = performance.now() - t0;
for (const [i, [, dst]] of jobs.entries()) writeFileSync(dst, outputs[i]);
process.stdout.write(`${JSON.stringify({ docs: jobs.length, loopMs, maxRssKb: process.resourceUsage().maxRSS })}\n`);
