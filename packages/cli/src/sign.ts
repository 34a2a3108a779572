/**
 * `khatam sign`: PAdES signing of one file or, in bulk, of every PDF in folders (CONTRACTS.md § 2).
 *
 * The key and certificate are loaded and checked against each other before any file is read, so a mismatch
 * writes nothing. Each output is written atomically; a failure on one file of a batch is reported and the others
 * go on, and the exit code says whether all succeeded.
 */
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import {
  assertKeyMatchesCertificate,
  loadCertificates,
  loadPrivateKey,
  type Signer,
  softwareSigner,
} from "@khatam/core/keys";
import { type CertifyPermission, type PadesSignOptions, signPdfUpdate } from "@khatam/core/sign";
import { OutputBatch } from "./files.js";
import { Progress } from "./progress.js";
import { UsageError } from "./usage.js";

const LEVELS = ["B-B", "B-T", "B-LT", "B-LTA"] as const;
const CERTIFY = ["no-changes", "form-filling", "annotations"] as const;

export async function signCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o" },
      key: { type: "string" },
      cert: { type: "string" },
      chain: { type: "string", multiple: true },
      p12: { type: "string" },
      password: { type: "string" },
      level: { type: "string" },
      tsa: { type: "string" },
      reason: { type: "string" },
      location: { type: "string" },
      contact: { type: "string" },
      field: { type: "string" },
      certify: { type: "string" },
      pss: { type: "boolean", default: false },
      visible: { type: "string" },
      page: { type: "string" },
      name: { type: "string" },
      title: { type: "string" },
      agency: { type: "string" },
      locale: { type: "string" },
      mark: { type: "string" },
      seal: { type: "string" },
      "seal-image": { type: "string" },
    },
  });
  if (positionals.length === 0) throw new UsageError("sign: no input PDF or folder given");
  if (!values.output) throw new UsageError("sign: -o OUT.pdf or -o OUT_DIR is required");
  // --tsa alone asks for a time-stamped signature: B-T.
  const level = (values.level ?? (values.tsa ? "B-T" : "B-B")) as (typeof LEVELS)[number];
  if (!LEVELS.includes(level)) throw new UsageError(`sign: --level must be one of ${LEVELS.join(", ")}`);
  if (level !== "B-B" && !values.tsa) throw new UsageError(`sign: level ${level} needs --tsa URL`);
  if (values.certify && !CERTIFY.includes(values.certify as CertifyPermission))
    throw new UsageError(`sign: --certify must be one of ${CERTIFY.join(", ")}`);

  const { signer, certificate, chain, close } = await loadSigningKey(values);
  try {
    assertKeyMatchesCertificate(signer, certificate);
    const visible = values.visible ? await visibleOptions(values, certificate) : {};
    return await signAll(positionals, values, { signer, certificate, chain }, level, visible);
  } finally {
    await close?.();
  }
}

async function signAll(
  positionals: string[],
  values: {
    output?: string;
    tsa?: string;
    reason?: string;
    location?: string;
    contact?: string;
    field?: string;
    certify?: string;
  },
  key: { signer: Signer; certificate: Uint8Array; chain: Uint8Array[] },
  level: (typeof LEVELS)[number],
  visible: Partial<PadesSignOptions>,
): Promise<number> {
  const { signer, certificate, chain } = key;

  const jobs = await plan(positionals, values.output!);
  const options: PadesSignOptions = {
    signer,
    certificate,
    chain,
    level: level === "B-B" ? "B-B" : "B-T",
    tsaUrl: values.tsa,
    reason: values.reason,
    location: values.location,
    contactInfo: values.contact,
    fieldName: values.field,
    certify: values.certify as CertifyPermission | undefined,
    ...visible,
  };

  const progress = new Progress(jobs.length);
  const output = new OutputBatch();
  let done = 0;
  let failed = 0;
  // A few files in flight overlap reading and writing with signing; signing itself is CPU-bound.
  const queue = [...jobs];
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      try {
        // Synchronous: for a command line signing files one after another it is the fastest read, one call per file.
        const pdf = readFileSync(job.input);
        const update = await signPdfUpdate(pdf, options);
        if (level === "B-LT" || level === "B-LTA") {
          // B-LT/B-LTA: the B-T signature, then its validation data in a DSS (and a document time-stamp).
          const signed = Buffer.concat([pdf, update]);
          // Loaded only here: the OCSP/CRL client brings the ASN.1 schema modules, which B-B and B-T never need.
          const { extendToLongTerm } = await import("@khatam/core/sign");
          const extended = await extendToLongTerm(signed, {
            level,
            fetch,
            extraCertificates: chain,
            tsaUrl: values.tsa,
          });
          await output.write(job.output, extended);
        } else await output.write(job.output, pdf, update);
      } catch (e) {
        failed++;
        process.stderr.write(`${progress.enabled ? "\r" : ""}khatam: ${job.input}: ${(e as Error).message}\n`);
      }
      progress.tick(++done, basename(job.input));
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, jobs.length) }, worker));
  await output.commit();
  progress.done();
  if (jobs.length > 1) process.stderr.write(`signed ${jobs.length - failed} of ${jobs.length} documents\n`);
  return failed === 0 ? 0 : 1;
}

interface Job {
  input: string;
  output: string;
}

/** Files in, files out: one file to a file name, or anything to a folder (created if needed). */
async function plan(inputs: string[], output: string): Promise<Job[]> {
  const files: string[] = [];
  let sawDir = false;
  for (const input of inputs) {
    const s = await stat(input).catch(() => undefined);
    if (!s) throw new UsageError(`sign: ${input}: no such file or folder`);
    if (s.isDirectory()) {
      sawDir = true;
      const names = (await readdir(input)).filter((n) => n.toLowerCase().endsWith(".pdf")).sort();
      files.push(...names.map((n) => join(input, n)));
    } else files.push(input);
  }
  if (files.length === 0) throw new UsageError("sign: no PDF files found");
  const outStat = await stat(output).catch(() => undefined);
  const toFolder = sawDir || files.length > 1 || outStat?.isDirectory() || output.endsWith("/");
  if (!toFolder) return [{ input: files[0]!, output }];
  await mkdir(output, { recursive: true });
  const seen = new Set<string>();
  return files.map((input) => {
    const name = basename(input);
    if (seen.has(name)) throw new UsageError(`sign: two inputs are named ${name}; they would overwrite each other`);
    seen.add(name);
    return { input, output: join(output, name) };
  });
}

async function loadSigningKey(values: {
  key?: string;
  cert?: string;
  chain?: string[];
  p12?: string;
  password?: string;
  pss?: boolean;
}): Promise<{ signer: Signer; certificate: Uint8Array; chain: Uint8Array[]; close?: () => Promise<void> }> {
  const extraChain: Uint8Array[] = [];
  for (const file of values.chain ?? []) extraChain.push(...loadCertificates(await readFile(file)));
  if (values.p12) {
    if (values.password === undefined) throw new UsageError("sign: --p12 needs --password");
    const { loadPkcs12 } = await import("@khatam/core/keys/pkcs12");
    const p12 = loadPkcs12(new Uint8Array(await readFile(values.p12)), values.password);
    const certificate = values.cert
      ? first(loadCertificates(await readFile(values.cert)), values.cert)
      : p12.certificate;
    return {
      signer: softwareSigner(p12.privateKey, { pss: values.pss }),
      certificate,
      chain: [...p12.chain, ...extraChain],
    };
  }
  if (!values.key) throw new UsageError("sign: --key KEY.pem (or --p12 FILE) is required");
  if (!values.cert) throw new UsageError("sign: --cert CERT.pem is required");
  const certs = loadCertificates(await readFile(values.cert));
  const certificate = first(certs, values.cert);
  // A certificate file that holds the chain after the signer's certificate is common (fullchain.pem).
  const chain = [...certs.slice(1), ...extraChain];
  if (values.key.startsWith("pkcs11:")) {
    const { signerFromPkcs11Uri } = await import("./pkcs11.js");
    const { signer, close } = await signerFromPkcs11Uri(values.key, values.password, values.pss ?? false);
    return { signer, certificate, chain, close };
  }
  const signer = softwareSigner(loadPrivateKey(await readFile(values.key), values.password), { pss: values.pss });
  return { signer, certificate, chain };
}

function first(certs: Uint8Array[], file: string): Uint8Array {
  if (!certs[0]) throw new UsageError(`sign: ${file} holds no certificate`);
  return certs[0];
}

const LOCALES = ["en", "ar", "ja"] as const;

/**
 * `--visible X1,Y1,X2,Y2` (a new field on `--page`, default 1) or `--visible field` (the rectangle of the placed
 * field named by `--field`): the signature's appearance, with the name, organisation, country and issuer from the
 * certificate unless given. Images and names are checked here, before any file is read, so a bad one writes nothing.
 */
async function visibleOptions(
  values: {
    visible?: string;
    field?: string;
    page?: string;
    name?: string;
    title?: string;
    agency?: string;
    locale?: string;
    mark?: string;
    seal?: string;
    "seal-image"?: string;
  },
  certificate: Uint8Array,
): Promise<Partial<PadesSignOptions>> {
  const { AppearanceError, certificateNames, signatureAppearance } = await import("@khatam/core/appearance");
  let rect: [number, number, number, number] | undefined;
  if (values.visible === "field") {
    if (!values.field)
      throw new UsageError("sign: --visible field needs --field NAME (a signature field placed before)");
  } else {
    const n = values.visible!.split(",").map(Number);
    if (n.length !== 4 || !n.every(Number.isFinite))
      throw new UsageError("sign: --visible takes X1,Y1,X2,Y2 in points (or 'field')");
    rect = n as [number, number, number, number];
  }
  const page = values.page === undefined ? undefined : Number(values.page);
  if (page !== undefined && !(Number.isInteger(page) && page >= 1))
    throw new UsageError("sign: --page must be 1 or more");
  const locale = (values.locale ?? "en") as (typeof LOCALES)[number];
  if (!LOCALES.includes(locale)) throw new UsageError(`sign: --locale must be one of ${LOCALES.join(", ")}`);
  if (values.seal && values["seal-image"]) throw new UsageError("sign: give --seal or --seal-image, not both");
  const fromCertificate = certificateNames(certificate);
  const signedAt = new Date();
  const appearance = {
    ...fromCertificate,
    name: values.name ?? fromCertificate.name,
    title: values.title,
    agency: values.agency ?? fromCertificate.agency,
    signedAt,
    locale,
    mark: values.mark ? { kind: "image" as const, bytes: await readFile(values.mark) } : undefined,
    seal: values.seal
      ? { kind: "generated" as const, familyName: values.seal }
      : values["seal-image"]
        ? { kind: "image" as const, bytes: await readFile(values["seal-image"]) }
        : undefined,
  };
  try {
    const [x1, y1, x2, y2] = rect ?? [0, 0, 240, 100];
    signatureAppearance(appearance, Math.abs(x2 - x1), Math.abs(y2 - y1));
  } catch (e) {
    if (e instanceof AppearanceError) throw new UsageError(`sign: --visible: ${e.message} (${e.code})`);
    throw e;
  }
  return { appearance, rect, page, signingTime: signedAt };
}
