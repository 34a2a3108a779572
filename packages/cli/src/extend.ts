/**
 * `khatam extend IN.pdf -o OUT.pdf --level B-LT|B-LTA [--tsa URL] [--trust ROOT.pem|TRUSTED-LIST.xml]…
 * [--chain CHAIN.pem]…`: raises an existing signed PDF to a long-term level (ETSI EN 319 142-1 § 6.3, § 6.4).
 *
 * - B-B or B-T → B-LT: a DSS with every certificate of the signatures' and time-stamps' chains and an OCSP response
 *   (else a CRL) for each, fetched over HTTP from the URLs the certificates name.
 * - → B-LTA: the same, then a document time-stamp over the whole file from `--tsa`.
 * - B-LTA → B-LTA again: archive renewal; the validation data of the last document time-stamp, then a new one.
 *
 * Chains are completed from `--chain`, `--trust` (anchors are not embedded in a CMS) and, for certificates whose
 * issuer is still missing, the AIA caIssuers URL (RFC 5280 § 4.2.2.1). The output is written atomically
 * (files.ts): it appears complete or not at all, and the input is never modified.
 *
 * Exit codes: 0 extended, 1 failure (one line on stderr), 3 the input is not a readable PDF, 64 usage.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { equalBytes } from "@khatam/core/bytes";
import { loadCertificates } from "@khatam/core/keys";
import { caIssuersUrls } from "@khatam/core/pki";
import { extendToLongTerm } from "@khatam/core/sign";
import { Certificate } from "@khatam/core/x509";
import { writeFileAtomic } from "./files.js";
import { UsageError } from "./usage.js";
import { loadTrust } from "./verify.js";

const LEVELS = ["B-LT", "B-LTA"] as const;
const EXIT = { OK: 0, FAILED: 1, NOT_A_PDF: 3 } as const;
/** How many issuers up an AIA chase may go (a national PKI is two or three deep, a bridge adds one). */
const MAX_AIA_DEPTH = 4;

export async function extendCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o" },
      level: { type: "string", default: "B-LTA" },
      tsa: { type: "string" },
      trust: { type: "string", multiple: true },
      chain: { type: "string", multiple: true },
    },
  });
  if (positionals.length !== 1) throw new UsageError("extend: give exactly one signed PDF");
  if (!values.output) throw new UsageError("extend: -o OUT.pdf is required");
  const level = values.level as (typeof LEVELS)[number];
  if (!LEVELS.includes(level)) throw new UsageError(`extend: --level must be one of ${LEVELS.join(", ")}`);
  if (level === "B-LTA" && !values.tsa) throw new UsageError("extend: level B-LTA needs --tsa URL");
  if (values.tsa && !/^https?:\/\//i.test(values.tsa)) throw new UsageError("extend: --tsa must be an http(s) URL");

  const extra: Uint8Array[] = (await loadTrust(values.trust ?? [], "extend")).map((anchor) => anchor.certificate);
  for (const file of values.chain ?? []) {
    try {
      extra.push(...loadCertificates(new Uint8Array(await readFile(file))));
    } catch (e) {
      throw new UsageError(`extend: ${file}: ${(e as Error).message}`);
    }
  }

  const input = positionals[0]!;
  let pdf: Uint8Array;
  try {
    pdf = new Uint8Array(await readFile(input));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`khatam: ${input}: ${code === "ENOENT" ? "no such file" : (e as Error).message}\n`);
    return EXIT.NOT_A_PDF;
  }
  if (!startsWithPdfHeader(pdf)) {
    process.stderr.write(`khatam: ${input}: not a PDF file (no %PDF- header)\n`);
    return EXIT.NOT_A_PDF;
  }

  const embedded = await embeddedCertificates(pdf);
  const issuers = await fetchMissingIssuers([...embedded, ...extra], fetch);
  let extended: Uint8Array;
  try {
    extended = await extendToLongTerm(pdf, {
      level,
      fetch,
      extraCertificates: [...extra, ...issuers],
      tsaUrl: values.tsa,
    });
  } catch (e) {
    process.stderr.write(`khatam: ${input}: ${(e as Error).message}\n`);
    return EXIT.FAILED;
  }
  await writeFileAtomic(values.output, extended);
  return EXIT.OK;
}

/** The certificates inside the PDF's signatures and time-stamps (none if it cannot be read: extend says why). */
async function embeddedCertificates(pdf: Uint8Array): Promise<Uint8Array[]> {
  try {
    const { PdfReader } = await import("@khatam/core/pdf");
    const { findSignatures } = await import("@khatam/core/verify");
    const { certificatesInCms } = await import("@khatam/core/cms");
    return findSignatures(PdfReader.open(pdf)).flatMap((s) => certificatesInCms(s.cms));
  } catch {
    return [];
  }
}

/**
 * Issuer certificates missing from `certificates`, fetched from the AIA caIssuers URLs of those whose issuer is
 * absent (DER, PEM or a PKCS#7 bundle), up to {@link MAX_AIA_DEPTH} levels. Unreachable URLs are skipped: the
 * DSS is then made without that chain, and the validator says what is missing.
 */
export async function fetchMissingIssuers(
  certificates: readonly Uint8Array[],
  fetchFn: typeof fetch,
): Promise<Uint8Array[]> {
  const known = certificates.map(parts).filter((p) => p !== undefined);
  const fetched: Uint8Array[] = [];
  const tried = new Set<string>();
  let pending = known;
  for (let depth = 0; depth < MAX_AIA_DEPTH && pending.length > 0; depth++) {
    const found: NonNullable<ReturnType<typeof parts>>[] = [];
    for (const cert of pending) {
      if (equalBytes(cert.subject, cert.issuer)) continue; // self-signed
      if ([...known, ...found].some((k) => equalBytes(k.subject, cert.issuer))) continue;
      for (const url of caIssuersUrls(cert.der)) {
        if (tried.has(url)) continue;
        tried.add(url);
        const certs = await download(url, fetchFn);
        const issuer = certs.map(parts).find((p) => p && equalBytes(p.subject, cert.issuer));
        if (issuer) {
          found.push(issuer);
          fetched.push(issuer.der);
          break;
        }
      }
    }
    known.push(...found);
    pending = found;
  }
  return fetched;
}

async function download(url: string, fetchFn: typeof fetch): Promise<Uint8Array[]> {
  try {
    const response = await fetchFn(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return [];
    return loadCertificates(new Uint8Array(await response.arrayBuffer()));
  } catch {
    return [];
  }
}

function parts(der: Uint8Array): { der: Uint8Array; subject: Uint8Array; issuer: Uint8Array } | undefined {
  try {
    const { subjectDer: subject, issuerDer: issuer } = Certificate.fromDer(der);
    return { der, subject, issuer };
  } catch {
    return undefined;
  }
}

function startsWithPdfHeader(bytes: Uint8Array): boolean {
  // ISO 32000-2 § 7.5.2 lets the header sit within the first 1024 bytes.
  return Buffer.from(bytes.subarray(0, 1024)).includes("%PDF-");
}
