// Other people's PDF and CMS tools, driven from tests: poppler's pdfsig, mupdf's mutool, qpdf and the openssl CLI.
// Each wrapper runs the tool on files in a temporary directory and parses its output into plain objects, keeping the
// raw output for assertion messages. Nothing here ships; it exists so that our signer's output is checked by other
// people's validators and our validator is fed other people's signatures (DESIGN.md, principle 1).

import { execFileSync, spawn } from "node:child_process";
import type { KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Outcome of one external command. */
export interface RunResult {
  /** Process exit code (-1 when killed by a signal). */
  readonly code: number;
  /** Everything written to stdout. */
  readonly stdout: Buffer;
  /** Everything written to stderr, decoded as UTF-8. */
  readonly stderr: string;
}

/** Runs `cmd args…`, feeding `input` on stdin; never rejects on a non-zero exit, only when the command is missing. */
export function run(
  cmd: string,
  args: readonly string[],
  options: { input?: Uint8Array | string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") }),
    );
    child.stdin.on("error", () => {
      /* the tool may exit before reading all of stdin; its exit code tells */
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Like {@link run} but rejects with the command line and stderr when the exit code is not 0. */
export async function runOk(
  cmd: string,
  args: readonly string[],
  options: { input?: Uint8Array | string; cwd?: string } = {},
): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}: ${r.stderr || r.stdout.toString("utf8")}`);
  }
  return r;
}

/** `openssl genpkey` arguments of a P-256 key and of an RSA-2048 key. */
export const GENPKEY_P256 = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] as const;
export const GENPKEY_RSA_2048 = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] as const;

/**
 * Writes `name`.key (`openssl genpkey` with `keyArgs`) and `name`.crt, self-signed for `subject` (OpenSSL syntax)
 * and valid for a day, with the `addext` extensions, in `dir`. Synchronous, for `before` hooks of key tests.
 */
export function opensslSelfSigned(
  dir: string,
  name: string,
  subject: string,
  options: { keyArgs?: readonly string[]; addext?: readonly string[] } = {},
): void {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  openssl("genpkey", ...(options.keyArgs ?? GENPKEY_P256), "-out", `${name}.key`);
  const addext = (options.addext ?? []).flatMap((ext) => ["-addext", ext]);
  openssl("req", "-x509", "-key", `${name}.key`, "-subj", subject, "-days", "1", ...addext, "-out", `${name}.crt`);
}

let processTmp: string | undefined;

/**
 * The per-process scratch directory (removed when the process exits); fixtures are cached under it.
 */
export function processTempDir(): string {
  if (processTmp === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "khatam-test-"));
    processTmp = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return processTmp;
}

/** A fresh directory under {@link processTempDir}. */
export async function freshDir(prefix: string): Promise<string> {
  const base = processTempDir();
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, `${prefix}-`));
}

/** Runs `fn` in a fresh directory that is removed afterwards. */
async function withDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await freshDir(prefix);
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A PDF given as bytes, or as the path of a file. */
export type PdfInput = Uint8Array | string;

async function asFile(dir: string, input: PdfInput, name = "in.pdf"): Promise<string> {
  if (typeof input === "string") return input;
  const path = join(dir, name);
  await writeFile(path, input);
  return path;
}

/** True if `b` looks like PEM text (as opposed to DER bytes). */
function isPem(b: Uint8Array | string): boolean {
  return Buffer.from(b.slice(0, 64) as Uint8Array).includes("-----BEGIN");
}

/** Converts a PEM certificate to DER (first certificate only). */
export function pemToDer(pem: string | Uint8Array): Buffer {
  const text = Buffer.from(pem as Uint8Array).toString("latin1");
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(text);
  if (!m) throw new Error("no PEM block found");
  return Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
}

/** Converts DER bytes to a PEM block with the given label. */
export function derToPem(der: Uint8Array, label = "CERTIFICATE"): string {
  const b64 = Buffer.from(der).toString("base64");
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, "$&\n")}-----END ${label}-----\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// NSS databases (shared by pdfsig verification and pdfsig signing)

/** A trust anchor: DER or PEM bytes, or the path of a PEM/DER file. */
export type Anchor = Uint8Array | string;

/**
 * Creates an empty-password NSS database in `dir` (`sql:` format) and adds each anchor as a trusted CA
 * (`CT,C,C`: trusted for issuing TLS, e-mail and object-signing certificates).
 */
export async function createNssDb(dir: string, anchors: readonly Anchor[] = []): Promise<string> {
  await runOk("certutil", ["-N", "-d", `sql:${dir}`, "--empty-password"]);
  let i = 0;
  for (const anchor of anchors) {
    i++;
    let file: string;
    let pem: boolean;
    if (typeof anchor === "string" && !anchor.startsWith("-----BEGIN")) {
      file = anchor;
      pem = isPem(await readFile(anchor));
    } else {
      file = join(dir, `anchor-${i}.crt`);
      await writeFile(file, anchor);
      pem = isPem(anchor);
    }
    await runOk("certutil", [
      "-A",
      "-d",
      `sql:${dir}`,
      "-n",
      `anchor-${i}`,
      "-t",
      "CT,C,C",
      "-i",
      file,
      ...(pem ? ["-a"] : []),
    ]);
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// poppler pdfsig

/** One signature as poppler's pdfsig reports it. */
export interface PdfsigSignature {
  /** "Signature #N" number, from 1. */
  readonly index: number;
  /** The signature field's name (`- Signature Field Name:`). */
  readonly name: string | undefined;
  /** Signer certificate's common name. */
  readonly signerName: string | undefined;
  /** Signer's full distinguished name. */
  readonly signerDn: string | undefined;
  /** Signing time as printed (from /M or the signed attributes). */
  readonly signingTime: string | undefined;
  /** Hash algorithm, e.g. "SHA-256". */
  readonly hashAlgorithm: string | undefined;
  /** The /SubFilter, e.g. "ETSI.CAdES.detached" or "adbe.pkcs7.detached". */
  readonly subFilter: string | undefined;
  /** The signed byte ranges as printed, e.g. "[0 - 1234], [5678 - 9999]". */
  readonly signedRanges: string | undefined;
  /** True when pdfsig printed "Total document signed" (the signature covers the whole file). */
  readonly totalDocumentSigned: boolean;
  /** The signature verdict, e.g. "Signature is Valid." or "Digest Mismatch.". */
  readonly validity: string | undefined;
  /** The certificate verdict, e.g. "Certificate is Trusted." or "Certificate issuer isn't Trusted.". */
  readonly certificate: string | undefined;
  /** Every "- key: value" line of this signature, verbatim. */
  readonly fields: Readonly<Record<string, string>>;
}

/** What pdfsig said about a file. */
export interface PdfsigResult {
  /** Signatures in the order pdfsig lists them. */
  readonly signatures: PdfsigSignature[];
  /** pdfsig's exit code. */
  readonly code: number;
  /** stdout and stderr together. */
  readonly raw: string;
}

/** Parses pdfsig's listing (exported for unit tests of the parser). */
export function parsePdfsig(text: string): PdfsigSignature[] {
  const out: PdfsigSignature[] = [];
  const blocks = text.split(/^Signature #(\d+):\s*$/m);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const index = Number(blocks[i]);
    const fields: Record<string, string> = {};
    let totalDocumentSigned = false;
    for (const line of blocks[i + 1]!.split("\n")) {
      const m = /^\s*- ([^:]+?):\s?(.*)$/.exec(line);
      if (m) fields[m[1]!.trim()] = m[2]!.trim();
      else if (/^\s*- Total document signed/.test(line)) totalDocumentSigned = true;
    }
    out.push({
      index,
      name: fields["Signature Field Name"],
      signerName: fields["Signer Certificate Common Name"],
      signerDn: fields["Signer full Distinguished Name"],
      signingTime: fields["Signing Time"],
      hashAlgorithm: fields["Signing Hash Algorithm"],
      subFilter: fields["Signature Type"],
      signedRanges: fields["Signed Ranges"],
      totalDocumentSigned,
      validity: fields["Signature Validation"],
      certificate: fields["Certificate Validation"],
      fields,
    });
  }
  return out;
}

/**
 * Runs `pdfsig -nssdir sql:DIR FILE` against a temporary NSS database holding `trust` as trusted CAs. With an
 * empty `trust` list, certificates come out untrusted (there is no system store in the temporary DB).
 *
 * `-no-ocsp` is off by default: poppler 22.12 then reports every certificate as "Unknown issue with Certificate or
 * corrupted data." even when NSS (`certutil -V -u S`) validates it. Without it, poppler only asks OCSP responders
 * named in AIA extensions, which test certificates do not have, so nothing goes to the network.
 */
export async function pdfsig(
  file: PdfInput,
  options: { trust?: readonly Anchor[]; noOcsp?: boolean } = {},
): Promise<PdfsigResult> {
  return withDir("pdfsig", async (dir) => {
    const nss = join(dir, "nss");
    await mkdir(nss);
    await createNssDb(nss, options.trust ?? []);
    const path = await asFile(dir, file);
    const r = await run("pdfsig", ["-nssdir", `sql:${nss}`, ...(options.noOcsp ? ["-no-ocsp"] : []), path]);
    const raw = r.stdout.toString("utf8") + r.stderr;
    return { signatures: parsePdfsig(raw), code: r.code, raw };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// mupdf mutool

/**
 * One signature as `mutool sign -v` reports it. mutool (1.21) has no trust-store option: it trusts only the
 * (long expired) Adobe root compiled into it, so its certificate verdict for a test PKI is "Certificate error: …"
 * ("Self-signed certificate in chain" when the signature embeds the root, "Unknown error." otherwise). Use pdfsig for
 * trust; use mutool for the digest and for the changes since signing.
 */
export interface MutoolSignature {
  /** Object number of the signature field. */
  readonly object: number;
  /** The "Distinguished name: …" value, e.g. "cn=Signer, o=Org, ou=, email=, c=JP". */
  readonly signer: string | undefined;
  /** The certificate verdict line: "Certificate is trusted." or "Certificate error: …". */
  readonly certificate: string | undefined;
  /**
   * The digest/changes verdict line: "The document is unchanged since signing.", "The signature is valid but there
   * have been edits since signing.", "Digest error: …" or "Verification error: …".
   */
  readonly digest: string | undefined;
  /** True when the digest verified (unchanged, or valid with later edits). */
  readonly digestOk: boolean;
  /** True when mutool said "Certificate is trusted.". */
  readonly certificateOk: boolean;
  /** True when mutool said "The document is unchanged since signing.". */
  readonly unchanged: boolean;
  /** True when mutool said there have been edits since signing (incremental updates after this signature). */
  readonly editedSince: boolean;
  /** This signature's lines, verbatim (trimmed). */
  readonly lines: string[];
}

/** What `mutool sign -v` said. */
export interface MutoolResult {
  readonly signatures: MutoolSignature[];
  readonly code: number;
  readonly raw: string;
}

/** Parses `mutool sign -v` output (exported for unit tests of the parser). */
export function parseMutoolVerify(text: string): MutoolSignature[] {
  const out: MutoolSignature[] = [];
  const blocks = text.split(/^Verifying signature (\d+):\s*$/m);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const lines = blocks[i + 1]!.split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    const find = (re: RegExp) => lines.find((l) => re.test(l));
    const signer = find(/^Distinguished name:/)?.replace(/^Distinguished name:\s*/, "");
    const certificate = find(/^Certificate (is trusted|error)/);
    const digest = find(/^(Digest error|Verification error|The document is unchanged|The signature is valid but)/);
    const unchanged = digest?.startsWith("The document is unchanged since signing") ?? false;
    const editedSince = digest?.startsWith("The signature is valid but there have been edits") ?? false;
    out.push({
      object: Number(blocks[i]),
      signer,
      certificate,
      digest,
      digestOk: unchanged || editedSince,
      certificateOk: certificate === "Certificate is trusted.",
      unchanged,
      editedSince,
      lines,
    });
  }
  return out;
}

/** Runs `mutool sign -v FILE` and parses the verdict lines of each signature. */
export async function mutoolVerify(file: PdfInput): Promise<MutoolResult> {
  return withDir("mutool", async (dir) => {
    const path = await asFile(dir, file);
    const r = await run("mutool", ["sign", "-v", path]);
    const raw = r.stdout.toString("utf8") + r.stderr;
    return { signatures: parseMutoolVerify(raw), code: r.code, raw };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// qpdf

/** What `qpdf --check` said. */
export interface QpdfCheckResult {
  /** Exit code 0: no errors, no warnings. */
  readonly ok: boolean;
  /** Exit code 3: readable, with warnings (listed in {@link warnings}). */
  readonly hasWarnings: boolean;
  /** Lines of qpdf's output that start with "WARNING" or name an error. */
  readonly warnings: string[];
  /** Exit code (0 ok, 2 errors, 3 warnings). */
  readonly code: number;
  readonly raw: string;
}

/** Runs `qpdf --check FILE` (optionally with a password). */
export async function qpdfCheck(file: PdfInput, options: { password?: string } = {}): Promise<QpdfCheckResult> {
  return withDir("qpdf", async (dir) => {
    const path = await asFile(dir, file);
    const args = ["--check", ...(options.password !== undefined ? [`--password=${options.password}`] : []), path];
    const r = await run("qpdf", args);
    const raw = r.stdout.toString("utf8") + r.stderr;
    const warnings = raw.split("\n").filter((l) => /^(WARNING|qpdf:.*(error|warning))|WARNING:/i.test(l));
    return { ok: r.code === 0, hasWarnings: r.code === 3, warnings, code: r.code, raw };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Signature extraction and openssl

/** One signature dictionary's /ByteRange and /Contents, found by scanning the file's bytes. */
export interface ExtractedSignature {
  /** The four /ByteRange numbers [start1, length1, start2, length2]. */
  readonly byteRange: [number, number, number, number];
  /** The /Contents value: the CMS ContentInfo (DER, or BER as NSS writes it), trailing zero padding removed. */
  readonly contents: Buffer;
  /** Length of the hex-decoded /Contents including padding (the reserved space in bytes). */
  readonly reserved: number;
  /** The bytes the signature covers: the two ranges concatenated. */
  readonly signedBytes: Buffer;
  /** Offset of the "/ByteRange" token in the file. */
  readonly offset: number;
}

/**
 * Length of the BER/DER TLV starting at `offset` of `b` (tag, length, value), following indefinite lengths (as NSS
 * writes them) down to their end-of-contents octets; undefined if the bytes do not hold a complete TLV.
 */
export function berLength(b: Uint8Array, offset = 0): number | undefined {
  let p = offset;
  if (p >= b.length) return undefined;
  const tag = b[p++]!;
  if ((tag & 0x1f) === 0x1f) {
    while (p < b.length && (b[p]! & 0x80) !== 0) p++;
    p++;
  }
  if (p >= b.length) return undefined;
  const first = b[p++]!;
  if (first === 0x80) {
    if ((tag & 0x20) === 0) return undefined; // indefinite length needs a constructed encoding
    for (;;) {
      if (p + 1 >= b.length) return undefined;
      if (b[p] === 0 && b[p + 1] === 0) return p + 2 - offset;
      const child = berLength(b, p);
      if (child === undefined) return undefined;
      p += child;
    }
  }
  let len = first;
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4 || p + n > b.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
  }
  return p + len <= b.length ? p + len - offset : undefined;
}

/**
 * Finds every /ByteRange in the file and the /Contents hex string it brackets (the gap between the two ranges),
 * falling back to the nearest `/Contents <…>` after the /ByteRange when the gap is not a hex string. Duplicates
 * (the same ByteRange seen twice) are dropped. A test-support scanner: it does not parse PDF objects.
 */
export function extractSignatureContents(pdf: Uint8Array): ExtractedSignature[] {
  const buf = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const text = buf.toString("latin1");
  const out: ExtractedSignature[] = [];
  const seen = new Set<string>();
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const br = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number];
    const key = br.join(" ");
    if (seen.has(key)) continue;
    seen.add(key);
    let hex: string | undefined;
    const gap = text.slice(br[1], br[2]);
    if (br[2] > br[1] && /^<[0-9A-Fa-f\s]*>$/.test(gap)) {
      hex = gap.slice(1, -1);
    } else {
      // Search the enclosing dictionary: from the previous "<<" a little before, to a window after.
      const from = Math.max(0, m.index - 65536);
      const window = text.slice(from, m.index + 65536);
      const cm = /\/Contents\s*<([0-9A-Fa-f\s]*)>/g;
      let best: RegExpExecArray | undefined;
      for (let c = cm.exec(window); c !== null; c = cm.exec(window)) {
        if (best === undefined || Math.abs(from + c.index - m.index) < Math.abs(from + best.index - m.index)) best = c;
      }
      hex = best?.[1];
    }
    if (hex === undefined) continue;
    const raw = Buffer.from(hex.replace(/\s+/g, ""), "hex");
    const len = berLength(raw);
    const contents = len !== undefined && len <= raw.length ? raw.subarray(0, len) : raw;
    const signedBytes = Buffer.concat([buf.subarray(br[0], br[0] + br[1]), buf.subarray(br[2], br[2] + br[3])]);
    out.push({ byteRange: br, contents: Buffer.from(contents), reserved: raw.length, signedBytes, offset: m.index });
  }
  return out;
}

/** `openssl cms -cmsout -inform DER -print` on a CMS ContentInfo (rejects if openssl cannot parse it). */
export async function opensslCmsPrint(der: Uint8Array): Promise<string> {
  const r = await runOk("openssl", ["cms", "-cmsout", "-inform", "DER", "-print"], { input: der });
  return r.stdout.toString("utf8");
}

/** `openssl asn1parse -inform DER -i` on any DER value (rejects if openssl cannot parse it). */
export async function opensslAsn1parse(der: Uint8Array): Promise<string> {
  const r = await runOk("openssl", ["asn1parse", "-inform", "DER", "-i"], { input: der });
  return r.stdout.toString("utf8");
}

/** A signer's files for `openssl cms -sign`, in one directory: certificate, private key and chain (PEM). */
export interface OpensslSigner {
  readonly dir: string;
  readonly certificate: string;
  readonly key: string;
  readonly chain: string;
}

/**
 * Writes a signer's certificate, private key and chain to `dir` as `name`.pem, `name`.key and `name`-chain.pem, for
 * {@link opensslCmsSign}.
 */
export async function opensslSigner(
  dir: string,
  name: string,
  signer: { readonly certificate: Uint8Array; readonly key: KeyObject; readonly chain: readonly Uint8Array[] },
): Promise<OpensslSigner> {
  const files = { dir, certificate: `${name}.pem`, key: `${name}.key`, chain: `${name}-chain.pem` };
  await writeFile(join(dir, files.certificate), derToPem(signer.certificate));
  await writeFile(join(dir, files.key), signer.key.export({ type: "pkcs8", format: "pem" }));
  await writeFile(join(dir, files.chain), signer.chain.map((c) => derToPem(c)).join(""));
  return files;
}

/**
 * `openssl cms -sign -binary -outform DER` (another implementation's CMS): SignedData by `signer` over the file
 * `content` of its directory, with `extra` arguments after the signer's (-md, -noattr, -cades, -stream, -keyopt …).
 */
export async function opensslCmsSign(signer: OpensslSigner, content: string, ...extra: string[]): Promise<Uint8Array> {
  const out = `${signer.certificate}.cms.der`;
  await runOk(
    "openssl",
    [
      ...["cms", "-sign", "-binary", "-outform", "DER", "-in", content, "-out", out],
      ...["-signer", signer.certificate, "-inkey", signer.key, "-certfile", signer.chain],
      ...extra,
    ],
    { cwd: signer.dir },
  );
  return new Uint8Array(await readFile(join(signer.dir, out)));
}

/** What `openssl cms -verify` said. */
export interface OpensslVerifyResult {
  /** True on exit code 0 and "Verification successful". */
  readonly ok: boolean;
  readonly code: number;
  readonly raw: string;
}

/**
 * `openssl cms -verify -binary -inform DER -content CONTENT -CAfile CA -purpose any`: checks a detached CMS
 * signature over `content` and the signer's chain up to `ca` (a PEM file path, or PEM/DER bytes of the CA(s)).
 */
export async function opensslVerifyDetached(
  cmsDer: Uint8Array,
  content: Uint8Array,
  ca: string | Uint8Array,
  options: { untrusted?: string | Uint8Array; attime?: Date } = {},
): Promise<OpensslVerifyResult> {
  return withDir("cmsverify", async (dir) => {
    const sig = join(dir, "sig.der");
    const data = join(dir, "content.bin");
    await writeFile(sig, cmsDer);
    await writeFile(data, content);
    const caFile = await certFile(dir, "ca.pem", ca);
    const args = ["cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", data];
    args.push("-CAfile", caFile, "-purpose", "any", "-out", join(dir, "out.bin"));
    if (options.untrusted !== undefined)
      args.push("-untrusted", await certFile(dir, "untrusted.pem", options.untrusted));
    if (options.attime !== undefined) args.push("-attime", String(Math.floor(options.attime.getTime() / 1000)));
    const r = await run("openssl", args);
    const raw = r.stdout.toString("utf8") + r.stderr;
    return { ok: r.code === 0 && /Verification successful/.test(raw), code: r.code, raw };
  });
}

/** Writes a certificate given as a path, PEM text/bytes or DER bytes to a PEM file in `dir`; returns its path. */
async function certFile(dir: string, name: string, cert: string | Uint8Array): Promise<string> {
  if (typeof cert === "string" && !cert.startsWith("-----BEGIN")) return cert;
  const path = join(dir, name);
  await writeFile(path, isPem(cert) ? cert : derToPem(cert as Uint8Array));
  return path;
}
