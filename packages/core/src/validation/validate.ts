/**
 * Validation of a PDF's signatures (ETSI EN 319 102-1 for each signature, applied to PAdES as ETSI EN 319 142-1
 * describes): byte-range and placement checks, the signature-level building blocks, proof of existence from
 * document time-stamps, modification analysis after each signature, and the report of CONTRACTS.md § 4.
 *
 * Pure: no file or network access except through the `online.fetch` given in the options.
 */
import { type HashName, hasher, sha } from "../cms/hash.js";
import { PdfFormatError } from "../pdf/objects.js";
import { PdfReader } from "../pdf/reader.js";
import { toHex } from "./ber.js";
import { type CadesValidationResult, type TrustAnchor, validateCades } from "./cades.js";
import type { ModificationFinding } from "./diff/findings.js";
import { docMdpOf } from "./docmdp.js";
import { readDss } from "./dss.js";
import { type Message, message, renderMessage } from "./messages.js";
import { analyseModifications, type ModificationAnalysis } from "./modifications.js";
import { findSignatures, type PdfSignature } from "./pdf-signatures.js";
import { applyPolicy, type ValidationPolicy } from "./policy.js";
import { type Finding, type ReportFinding, type SignatureReport, type ValidationReport, verdictOf } from "./report.js";

export interface ValidatePdfOptions {
  readonly trustAnchors: readonly TrustAnchor[];
  /** The time validation is for; now by default. */
  readonly validationTime?: Date;
  /** Fetch OCSP responses and CRLs over the network (AIA, CRL distribution points); offline when absent. */
  readonly online?: { readonly fetch: typeof fetch; readonly timeoutMs?: number };
  /** Which checks fail, warn or are ignored (policy.ts, docs/policy.md); the built-in levels when absent. */
  readonly policy?: ValidationPolicy;
}

/** Thrown when the file is not a readable PDF at all (the CLI's exit code 3). */
export class NotAPdfError extends Error {
  override name = "NotAPdfError";
}

export async function validatePdf(bytes: Uint8Array, options: ValidatePdfOptions): Promise<ValidationReport> {
  // The report's SHA-256 of the file is computed together with the first signature's digest (see rangeAndFileDigests).
  let fileHash: Uint8Array | undefined;
  let reader: PdfReader;
  let signatures: PdfSignature[];
  try {
    reader = PdfReader.open(bytes);
    // Encrypted with an empty user password (permissions only): read decrypted (pdf/encryption.ts); the signed
    // bytes are still the file's own. With another password, or another security handler, it cannot be read.
    const problem = reader.encryptionProblem;
    if (problem)
      throw new NotAPdfError(`${problem}; Khatam validates encrypted PDFs only when they open without a password`);
    signatures = findSignatures(reader);
  } catch (e) {
    if (e instanceof PdfFormatError) throw new NotAPdfError(`not a readable PDF: ${e.message}`);
    throw e;
  }
  const dss = readDss(reader);
  const validationTime = options.validationTime ?? new Date();
  const certification = docMdpOf(reader, signatures);

  // The placement checks (byte ranges, the signed revision) under the policy: those still failing stop the signature.
  const placement = new Map(
    signatures.map((sig) => {
      const { failures, warnings } = applyPolicy(sig.formatErrors, [], options.policy);
      return [sig, { errors: failures, warnings }];
    }),
  );
  const results = new Map<PdfSignature, CadesValidationResult | undefined>();
  const validate = async (sig: PdfSignature, poe?: Date) => {
    if (placement.get(sig)!.errors.length > 0) return undefined;
    const digestCache = new Map<HashName, Uint8Array>();
    const [, b, c, d] = sig.byteRange as [number, number, number, number];
    return validateCades({
      cms: sig.cms,
      kind: sig.type,
      signedContentDigest: (hash) => {
        let h = digestCache.get(hash);
        if (!h) {
          if (fileHash === undefined && 0 < b && b <= c && c <= c + d && c + d <= bytes.length) {
            const both = rangeAndFileDigests(bytes, hash, b, c, d);
            h = both.range;
            fileHash = both.file;
          } else {
            h = sha(hash, bytes.subarray(0, b), bytes.subarray(c, c + d));
          }
          digestCache.set(hash, h);
        }
        return h;
      },
      signedContent: () => [bytes.subarray(0, b), bytes.subarray(c, c + d)],
      trustAnchors: [...options.trustAnchors],
      validationTime,
      extraCertificates: dss.certificates,
      ocspResponses: dss.ocspResponses,
      crls: dss.crls,
      poe,
      online: options.online,
      policy: options.policy,
    });
  };
  // Document time-stamps first, newest first: each is proof of existence for everything it covers (EN 319 102-1 § 5.6.2.1).
  const timestamps = signatures.filter((s) => s.type === "document-timestamp").reverse();
  let poeFromLater: { end: number; time: Date }[] = [];
  for (const ts of timestamps) {
    const later = poeFromLater.filter((p) => p.end > ts.signedEnd).map((p) => p.time);
    const r = await validate(ts, earliest(later));
    results.set(ts, r);
    if (r?.indication === "TOTAL_PASSED" && r.timestamp)
      poeFromLater.push({ end: ts.signedEnd, time: new Date(r.timestamp.time) });
  }
  for (const sig of signatures) {
    if (sig.type !== "signature") continue;
    const poe = earliest(poeFromLater.filter((p) => p.end > sig.signedEnd).map((p) => p.time));
    results.set(sig, await validate(sig, poe));
  }
  poeFromLater = [];

  const reports: SignatureReport[] = signatures.map((sig) => {
    const r = results.get(sig);
    const docMdp = certification && certification.signedEnd <= sig.signedEnd ? certification.permission : undefined;
    const mods = analyseModifications(bytes, sig.signedEnd, { docMdp, decoder: reader.decoder });
    const { errors: placementErrors, warnings: placementWarnings } = placement.get(sig)!;
    const changes = modificationFindings(mods);
    const errors: Finding[] = [...placementErrors, ...(r?.errors ?? [])];
    const warnings: Finding[] = [...placementWarnings, ...(r?.warnings ?? [])];
    if (mods.level === "OTHER") errors.push(...changes);
    else warnings.push(...changes);
    return {
      field: sig.field,
      type: sig.type,
      subFilter: sig.subFilter,
      level: levelOf(sig, r, signatures, dss),
      signer: r?.signer ?? null,
      claimedSigningTime: sig.claimedSigningTime?.toISOString() ?? null,
      timestamp: r?.timestamp ?? null,
      ...(r?.contentTimestamps.length ? { contentTimestamps: r.contentTimestamps } : {}),
      indication: r ? r.indication : "TOTAL_FAILED",
      subIndication: r ? r.subIndication : "FORMAT_FAILURE",
      coverage: sig.coverage,
      modifications: mods.level,
      chain: r?.chain ?? [],
      revocation: r?.revocation ?? { status: "unknown", source: "none" },
      errors: errors.map((m) => renderMessage(m)),
      warnings: warnings.map((m) => renderMessage(m)),
      findings: findingsOf(errors, warnings),
    };
  });
  const warnings: Message[] = [];
  if (reader.repaired) warnings.push(message("file.repaired"));
  if (reports.length === 0) warnings.push(message("file.noSignatures"));
  fileHash ??= sha("SHA-256", bytes);
  const report: ValidationReport = { verdict: verdictOf(reports), sha256: toHex(fileHash), signatures: reports };
  return warnings.length
    ? { ...report, warnings: warnings.map((m) => renderMessage(m)), findings: findingsOf([], warnings) }
    : report;
}

/**
 * The changes after a signature as the report's findings, each with the level of the whole analysis: errors when
 * it is OTHER (then every change is listed, the allowed ones too), warnings when changes were allowed.
 */
function modificationFindings(mods: ModificationAnalysis): ModificationFinding[] {
  if (mods.level === "NONE") return [];
  const level = message(`level.${mods.level}`);
  return mods.reasons.map((reason) => ({
    ...(mods.level === "OTHER" ? message("mod.changed", { reason }) : message("mod.changedAllowed", { level, reason })),
    modification: mods.level,
  }));
}

function findingsOf(errors: readonly Finding[], warnings: readonly Finding[]): ReportFinding[] {
  const of = (level: "error" | "warning", f: Finding): ReportFinding => ({
    level,
    id: f.id,
    ...(f.params && { params: f.params }),
    ...(f.block && { block: f.block, indication: f.indication, subIndication: f.subIndication }),
    ...(f.modification && { modification: f.modification }),
  });
  return [...errors.map((f) => of("error", f)), ...warnings.map((f) => of("warning", f))];
}

/** Pieces fed to two hashers alternately, so that each part of the file is read from memory once. */
const CHUNK = 1 << 20;

/**
 * The digest of a byte range [0, b) ∪ [c, c + d) with `hash` and the SHA-256 of the whole file, in one pass: both
 * messages start with [0, b), so with SHA-256 that prefix is hashed once and the state forked (the file hasher then
 * takes the hole, the second part and the tail); with another hash both hashers are fed the same chunks.
 */
function rangeAndFileDigests(
  bytes: Uint8Array,
  hash: HashName,
  b: number,
  c: number,
  d: number,
): { range: Uint8Array; file: Uint8Array } {
  const second = bytes.subarray(c, c + d);
  if (hash === "SHA-256") {
    const range = hasher("SHA-256").update(bytes.subarray(0, b));
    const file = range
      .copy()
      .update(bytes.subarray(b, c))
      .update(second)
      .update(bytes.subarray(c + d));
    return { range: range.update(second).digest(), file: file.digest() };
  }
  const range = hasher(hash);
  const file = hasher("SHA-256");
  const both = (from: number, to: number) => {
    for (let p = from; p < to; p += CHUNK) {
      const piece = bytes.subarray(p, Math.min(to, p + CHUNK));
      range.update(piece);
      file.update(piece);
    }
  };
  both(0, b);
  file.update(bytes.subarray(b, c));
  both(c, c + d);
  file.update(bytes.subarray(c + d));
  return { range: range.digest(), file: file.digest() };
}

function earliest(dates: Date[]): Date | undefined {
  return dates.length ? new Date(Math.min(...dates.map((d) => d.getTime()))) : undefined;
}

/**
 * The PAdES baseline level a signature reaches (ETSI EN 319 142-1 § 6): B-T with a signature time-stamp, B-LT when
 * a later revision added a DSS with revocation data, B-LTA when a document time-stamp then covers that DSS.
 */
function levelOf(
  sig: PdfSignature,
  r: CadesValidationResult | undefined,
  all: readonly PdfSignature[],
  dss: { ocspResponses: Uint8Array[]; crls: Uint8Array[] },
): SignatureReport["level"] {
  if (sig.type === "document-timestamp") return "none";
  if (!r?.hasSignatureTimestamp) return "B-B";
  const hasValidationData = dss.ocspResponses.length + dss.crls.length > 0 && sig.signedEnd < lastRevisionEnd(all, sig);
  if (!hasValidationData) return "B-T";
  const archived = all.some((s) => s.type === "document-timestamp" && s.signedEnd > sig.signedEnd);
  return archived ? "B-LTA" : "B-LT";
}

function lastRevisionEnd(all: readonly PdfSignature[], sig: PdfSignature): number {
  return Math.max(sig.signedEnd + 1, ...all.map((s) => s.signedEnd));
}
