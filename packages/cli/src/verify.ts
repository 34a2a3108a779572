/**
 * `khatam verify FILE.pdf|DIR… [--trust ROOT.pem|TRUSTED-LIST.xml]… [--json] [--offline] [--policy POLICY.json]`
 * (CONTRACTS.md § 2, § 4; the validation policy: docs/policy.md).
 * Exit codes: 0 VALID, 1 INVALID, 2 INDETERMINATE, 3 not a readable PDF, 64 usage.
 *
 * Several files (or folders: their *.pdf, in name order) are verified in this one process, one after another, so a
 * folder pays Node's start-up and the module loading once. With `--json`, one file prints one report (as before);
 * several print JSON lines, one report per file with its `file`, and `{ "file", "error" }` for an unreadable one.
 * The exit code is the worst: INVALID, then unreadable, then INDETERMINATE, then VALID.
 */
// Synchronous file access throughout: files are checked one after another and nothing else waits on this process's
// event loop, so a thread-pool round trip per read would only add idle time (and node:fs/promises, load time).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadCertificates } from "@khatam/core/keys";
import {
  NotAPdfError,
  PolicyError,
  parsePolicy,
  type SignatureReport,
  type TrustAnchor,
  type ValidationPolicy,
  type ValidationReport,
  validatePdf,
} from "@khatam/core/verify";
import { UsageError } from "./usage.js";

const EXIT = { VALID: 0, INVALID: 1, INDETERMINATE: 2, NOT_A_PDF: 3 } as const;

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      trust: { type: "string", multiple: true },
      json: { type: "boolean", default: false },
      offline: { type: "boolean", default: false },
      at: { type: "string" },
      policy: { type: "string" },
    },
  });
  if (positionals.length === 0) throw new UsageError("verify: give a PDF file or a folder");
  const trustAnchors = await loadTrust(values.trust ?? []);
  const validationTime = values.at ? new Date(values.at) : undefined;
  if (validationTime && Number.isNaN(validationTime.getTime()))
    throw new UsageError("verify: --at needs an ISO 8601 time");
  const policy = values.policy ? loadPolicy(values.policy) : undefined;
  const files = expand(positionals);
  const many = files.length !== 1 || positionals.some((p) => p !== files[0]);
  let worst: number = EXIT.VALID;
  const out = new OutputBuffer();
  try {
    for (const file of files) {
      const code = await verifyOne(file, out, {
        trustAnchors,
        validationTime,
        offline: values.offline ?? false,
        policy,
        json: values.json ?? false,
        many,
      });
      if (SEVERITY.indexOf(code) > SEVERITY.indexOf(worst)) worst = code;
    }
  } finally {
    out.flush();
  }
  return worst;
}

/**
 * Standard output and error gathered into blocks of about 64 KiB, in order: a folder's hundreds of small writes
 * cost more than its JSON. Error lines are flushed before the reports that follow them.
 */
class OutputBuffer {
  private text = "";
  out(text: string): void {
    this.text += text;
    if (this.text.length > 1 << 16) this.flush();
  }
  err(text: string): void {
    this.flush();
    process.stderr.write(text);
  }
  flush(): void {
    if (this.text) process.stdout.write(this.text);
    this.text = "";
  }
}

/** Exit codes from best to worst. */
const SEVERITY: number[] = [EXIT.VALID, EXIT.INDETERMINATE, EXIT.NOT_A_PDF, EXIT.INVALID];

/** The files named, folders replaced by their PDFs in name order. */
function expand(inputs: string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    let info: ReturnType<typeof statSync>;
    try {
      info = statSync(input, { throwIfNoEntry: false });
    } catch {
      info = undefined; // unreadable: reported as such when it is read
    }
    if (info?.isDirectory()) {
      const names = readdirSync(input)
        .filter((n) => n.toLowerCase().endsWith(".pdf"))
        .sort();
      out.push(...names.map((n) => join(input, n)));
    } else out.push(input);
  }
  return out;
}

async function verifyOne(
  file: string,
  out: OutputBuffer,
  options: {
    trustAnchors: TrustAnchor[];
    validationTime?: Date;
    offline: boolean;
    policy?: ValidationPolicy;
    json: boolean;
    many: boolean;
  },
): Promise<number> {
  const unreadable = (message: string) => {
    out.err(`khatam: ${file}: ${message}\n`);
    if (options.json && options.many) out.out(`${JSON.stringify({ file, error: message })}\n`);
    return EXIT.NOT_A_PDF;
  };
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    return unreadable((e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message);
  }
  let report: ValidationReport;
  try {
    report = await validatePdf(bytes, {
      trustAnchors: options.trustAnchors,
      validationTime: options.validationTime,
      online: options.offline ? undefined : { fetch, timeoutMs: 10_000 },
      policy: options.policy,
    });
  } catch (e) {
    if (e instanceof NotAPdfError) return unreadable(e.message);
    throw e;
  }
  if (!options.json) out.out(`${options.many ? "\n" : ""}${renderText(file, report)}`);
  else if (options.many) out.out(`${JSON.stringify({ file, ...report })}\n`);
  else out.out(`${JSON.stringify(report, null, 2)}\n`);
  return EXIT[report.verdict];
}

/** The validation policy in a JSON file (docs/policy.md); anything wrong with it is a usage error. */
function loadPolicy(file: string): ValidationPolicy {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`verify: cannot read policy file ${file}`);
  }
  try {
    return parsePolicy(JSON.parse(text));
  } catch (e) {
    if (e instanceof PolicyError || e instanceof SyntaxError)
      throw new UsageError(`verify: ${file}: ${(e as Error).message.split("\n")[0]}`);
    throw e;
  }
}

/** Trust anchors from PEM/DER certificate files and ETSI TS 119 612 trusted lists. */
export async function loadTrust(files: string[], command = "verify"): Promise<TrustAnchor[]> {
  const anchors: TrustAnchor[] = [];
  for (const file of files) {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      throw new UsageError(`${command}: cannot read trust file ${file}`);
    }
    const head = data.subarray(0, 512).toString("utf8").trimStart();
    if (head.startsWith("<")) {
      const { trustAnchorsFromTrustedList } = await import("@khatam/core/trust");
      try {
        anchors.push(...(await trustAnchorsFromTrustedList(new Uint8Array(data), { source: file })));
      } catch (e) {
        throw new UsageError(`${command}: ${file}: ${(e as Error).message}`);
      }
    } else {
      try {
        for (const certificate of loadCertificates(new Uint8Array(data))) anchors.push({ certificate, source: file });
      } catch (e) {
        throw new UsageError(`${command}: ${file}: ${(e as Error).message}`);
      }
    }
  }
  return anchors;
}

function renderText(file: string, report: ValidationReport): string {
  const lines = [`${file}`, `  SHA-256 ${report.sha256}`, `Verdict: ${report.verdict}`];
  for (const w of report.warnings ?? []) lines.push(`  Note: ${w}`);
  for (const [i, s] of report.signatures.entries()) lines.push("", ...renderSignature(i + 1, s));
  return `${lines.join("\n")}\n`;
}

function renderSignature(n: number, s: SignatureReport): string[] {
  const what = s.type === "document-timestamp" ? "Document time-stamp" : "Signature";
  const out = [
    `${what} ${n}: field ${s.field} (${s.subFilter || "no SubFilter"}${s.level !== "none" ? `, ${s.level}` : ""})`,
  ];
  out.push(`  Result:       ${s.indication}${s.subIndication ? ` / ${s.subIndication}` : ""}`);
  if (s.signer) out.push(`  Signer:       ${s.signer.subject}${s.signer.country ? ` [${s.signer.country}]` : ""}`);
  if (s.claimedSigningTime) out.push(`  Claimed time: ${s.claimedSigningTime}`);
  if (s.timestamp)
    out.push(
      `  Time-stamp:   ${s.timestamp.time} by ${s.timestamp.tsa} (${s.timestamp.valid ? "valid" : "NOT valid"})`,
    );
  out.push(`  Coverage:     ${s.coverage}; changes after signing: ${s.modifications}`);
  if (s.chain.length)
    out.push(
      `  Chain:        ${s.chain.map((c) => `${c.subject}${c.trusted ? " (trust anchor)" : ""}`).join("\n                ← ")}`,
    );
  out.push(`  Revocation:   ${s.revocation.status} (${s.revocation.source})`);
  for (const e of s.errors) out.push(`  Error:        ${e}`);
  for (const w of s.warnings ?? []) out.push(`  Note:         ${w}`);
  return out;
}
