// Peer runner: @libpdf/core signs PDFs as PAdES B-B (SubFilter ETSI.CAdES.detached) with a P-256 key, in one Node
// process, like `khatam sign` does: load the key, then read the files, sign each, write the results.
// Usage: node bench/peer-libpdf.mjs KEY.pem CERT.pem CHAIN.pem OUT (IN_DIR | IN.pdf)
// Prints one JSON line: { docs, loopMs, maxRssKb }.
import { createPrivateKey, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { CryptoKeySigner, PDF } from "@libpdf/core";
import { runPeerJobs } from "./peer-jobs.mjs";

const [keyFile, certFile, chainFile, out, input] = process.argv.slice(2);
const der = (pem) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
const pkcs8 = createPrivateKey(readFileSync(keyFile)).export({ type: "pkcs8", format: "der" });
const key = await webcrypto.subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
const signer = new CryptoKeySigner(key, der(readFileSync(certFile, "latin1")), "EC", "ECDSA", [
  der(readFileSync(chainFile, "latin1")),
]);

await runPeerJobs(input, out, async (src) => {
  const pdf = await PDF.load(src);
  const { bytes } = await pdf.sign({ signer, reason: "Benchmark", subFilter: "ETSI.CAdES.detached" });
  return bytes;
});
