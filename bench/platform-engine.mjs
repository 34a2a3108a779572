// The signing engine of the platform's sign request, in process, without the server: on a (stopped) server's data
// directory, the official's platform-held key and certificate, and the document as the server stamped it, the same
// calls signEnvelope makes between loading the document and committing (packages/server/src/envelopes/):
// signWithPlatformKey (PAdES B-T, the signer's country's TSA in process) → toLongTerm (B-LT: DSS with the OCSP
// answers from the in-process responders) → toLongTerm with the archive TSA (B-LTA; the only signer is the last).
// Also timed apart (not part of the engine): opening the key (signerForCertificate: the encrypted PKCS#8 file, which
// the server does once per certificate and keeps; the engine runs sign with one signer opened before them, as the
// server does) and lastSignatureField (the server re-reads the signed file for the field name).
// Usage: node bench/platform-engine.mjs DATA_DIR PUBLIC_URL STAMPED.pdf EMAIL [RUNS]. Prints one JSON line.
import { readFileSync } from "node:fs";
import { openDatabase } from "../packages/server/dist/src/db/connect.js";
import { lastSignatureField, signWithPlatformKey, toLongTerm } from "../packages/server/dist/src/envelopes/signing.js";
import { signerForCertificate } from "../packages/server/dist/src/tenancy/signing-keys.js";
import { loadMasterKey, softwareKeyStore } from "../packages/server/dist/src/trust/keys.js";
import { TrustStore } from "../packages/server/dist/src/trust/store.js";

const [dataDir, publicUrl, stampedFile, email, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 30);
const WARM = 5;
const { db, unqueued, close } = await openDatabase({ dataDir });
const keyStore = softwareKeyStore(`${dataDir}/keys`, await loadMasterKey(dataDir), unqueued);
const trustStore = await TrustStore.open({ db: unqueued, dataDir, keyStore, publicUrl });
const user = await db.selectFrom("users").select(["id"]).where("email", "=", email).executeTakeFirstOrThrow();
const row = await db
  .selectFrom("signing_certificates")
  .selectAll()
  .where("user_id", "=", user.id)
  .where("profile", "=", "official")
  .where("key_ref", "is not", null)
  .orderBy("created_at", "desc")
  .executeTakeFirstOrThrow();

const trust = { trustStore, publicUrl };
const pdf = new Uint8Array(readFileSync(stampedFile));
const reason = "Signed on Khatam: Bench envelope base (register BENCH-0000)";
const t = { keyOpenMs: [], signBtMs: [], ltMs: [], ltaMs: [], engineMs: [], fieldMs: [] };
const kept = await signerForCertificate({ keyStore }, row);
const cpu0 = process.cpuUsage();
let cpuStart;
for (let i = 0; i < WARM + runs; i++) {
  if (i === WARM) cpuStart = process.cpuUsage(cpu0);
  const a = performance.now();
  await signerForCertificate({ keyStore }, row);
  const b = performance.now();
  const signed = await signWithPlatformKey({
    trust,
    pdf,
    signer: kept,
    certificate: new Uint8Array(row.der),
    caId: row.ca_id,
    reason,
  });
  const c = performance.now();
  const lt = await toLongTerm(trust, signed);
  const d = performance.now();
  const lta = await toLongTerm(trust, lt, "jp");
  const e = performance.now();
  lastSignatureField(signed);
  const f = performance.now();
  if (i < WARM) continue;
  if (lta.length <= pdf.length) throw new Error("unexpected engine output");
  t.keyOpenMs.push(b - a);
  t.signBtMs.push(c - b);
  t.ltMs.push(d - c);
  t.ltaMs.push(e - d);
  t.engineMs.push(e - b);
  t.fieldMs.push(f - e);
}
const cpu = process.cpuUsage(cpu0);
const q = (xs, p) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const out = { runs, inputBytes: pdf.length };
for (const [k, xs] of Object.entries(t)) out[k] = { p50: q(xs, 0.5), p99: q(xs, 0.99), min: Math.min(...xs) };
// CPU time per engine run (the key opening and field lookup included: they are small; subtracted by their medians).
const cpuPerRun = (cpu.user + cpu.system - cpuStart.user - cpuStart.system) / 1000 / runs;
out.engineCpuMs = cpuPerRun - out.keyOpenMs.p50 - out.fieldMs.p50;
out.cpuPerRunMs = cpuPerRun;
await trustStore.close();
await close(); // the keys are rows of this database: open until the last key is read
process.stdout.write(`${JSON.stringify(out)}\n`);
