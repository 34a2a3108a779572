// Micro-benchmark of the OCSP responder (`node bench/ocsp-respond.mjs [REQUESTS] [CORE_DIST]`): a P-256 national PKI,
// one `openssl ocsp` request (SHA-1 CertID, nonce) for a certificate it issued, answered REQUESTS times back to back
// by its delegated responder (the path POST /pki/:ca/ocsp takes) and by `respondOcsp` with the options each time.
// Prints µs per response (median of 5 batches) and the share of one raw ECDSA P-256 signature in it.
// CORE_DIST (default packages/core/dist) lets a copy of an older build be measured in the same session.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [n = "3000", distArg = "packages/core/dist"] = process.argv.slice(2);
const requests = Number(n);
const dist = pathToFileURL(resolve(distArg)).href;
const { createNationalPki } = await import(`${dist}/src/pki/national-pki.js`);
const { respondOcsp } = await import(`${dist}/src/pki/ocsp.js`);
const { toPem } = await import(`${dist}/src/pki/certificate.js`);

const pki = await createNationalPki({ id: "jp", country: "JP", organization: "Bench", publicUrl: "https://k.example" });
const dir = mkdtempSync(join(tmpdir(), "khatam-ocsp-"));
writeFileSync(join(dir, "issuing.pem"), toPem(pki.issuing.certificate));
writeFileSync(join(dir, "tsa.pem"), toPem(pki.tsa.certificate));
execFileSync("openssl", ["ocsp", "-issuer", "issuing.pem", "-cert", "tsa.pem", "-reqout", "req.der"], { cwd: dir });
const request = new Uint8Array(readFileSync(join(dir, "req.der")));
rmSync(dir, { recursive: true, force: true });

async function time(label, respond) {
  for (let i = 0; i < 200; i++) await respond(); // warm-up
  const batches = [];
  const batch = Math.max(1, Math.floor(requests / 5));
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) await respond();
    batches.push(((performance.now() - t0) * 1000) / batch);
  }
  batches.sort((x, y) => x - y);
  console.log(
    `${label}: ${batches[2].toFixed(1)} µs/response (best ${batches[0].toFixed(1)}), ${(1e6 / batches[2]).toFixed(0)} /s`,
  );
  return batches[2];
}

const answer = await pki.ocspRespond(request);
const at = answer[1] & 0x80 ? 2 + (answer[1] & 0x7f) : 2;
if (answer[at] !== 0x0a || answer[at + 2] !== 0) throw new Error("the bench request was not answered successfully");
await time("ocsp-respond, NationalPki.ocspRespond (delegated responder)", () => pki.ocspRespond(request));
const options = {
  caCertificate: pki.issuing.certificate,
  responderCertificate: pki.ocsp.certificate,
  signer: pki.ocsp.signer,
};
const lookup = (s) => pki.status(s);
await time("ocsp-respond, respondOcsp(request, options)", () => respondOcsp(request, { ...options, lookup }));
const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
const data = new Uint8Array(300);
await time("floor: one ECDSA P-256 sign of 300 bytes (node:crypto)", () => sign("sha256", data, key));
