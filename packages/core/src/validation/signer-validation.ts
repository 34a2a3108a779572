/**
 * The per-signer part of the basic signature validation (ETSI EN 319 102-1 § 5.3), shared by signatures and
 * time-stamp tokens: identification of the signing certificate (ISC), cryptographic verification (CV), path
 * building and X.509 validation with revocation (XCV), and the cryptographic constraints (SAV). Format checking
 * and the choice of the best signature time are the caller's, because they differ between the two.
 */

import { Certificate } from "../x509/certificate.js";
import { checkAlgorithms } from "./algorithm-constraints.js";
import { buildPaths } from "./certificate-path.js";
import { decisive, type Failure, failure } from "./checks.js";
import type { HashName, SignatureScheme } from "./crypto.js";
import { verifyCryptography } from "./cryptographic-verification.js";
import { detailOf, type Message, message } from "./messages.js";
import { type RevocationSources, type RevocationStatus, revocationStatus } from "./revocation.js";
import type { SignedDataContent, SignerInfoData } from "./signed-data.js";
import { identifySigningCertificate } from "./signing-certificate.js";
import { validateCertificatePath } from "./x509-validation.js";

/** What stays the same for every signer validated against one document. */
export interface ValidationContext {
  readonly trustAnchors: readonly Certificate[];
  /** Certificates supplied besides the CMS's own (the PDF's DSS). */
  readonly certificates: readonly Certificate[];
  readonly validationTime: Date;
  readonly ocspResponses: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
  readonly online?: RevocationSources["online"];
}

export interface SignerOptions {
  readonly purpose: "signature" | "timestamp";
  /** Digest of what the signer signed (message-digest must equal it). */
  readonly signedDigest: (hash: HashName) => Uint8Array;
  /** The signed content itself, in pieces (needed only by a SignerInfo without signed attributes). */
  readonly signedContent?: () => readonly Uint8Array[];
  /** The best signature time when a proof of existence establishes it. */
  readonly poe?: Date;
  /** A lower bound of the signing time, from a content time-stamp (EN 319 102-1 § 5.3.4 step 4). */
  readonly signedAfter?: Date;
  readonly requireSignerRevocation: boolean;
  /** Revocation data carried inside this CMS (crls field, revocation-info-archival). */
  readonly extraOcspResponses?: readonly Uint8Array[];
  readonly extraCrls?: readonly Uint8Array[];
}

export interface SignerValidation {
  readonly failures: Failure[];
  readonly warnings: Message[];
  readonly signer: Certificate | null;
  /** The path chosen, signer first and trust anchor last; just the signer when none was found. */
  readonly path: readonly Certificate[];
  readonly trusted: boolean;
  readonly signerRevocation: RevocationStatus | null;
  readonly hash?: HashName;
  readonly scheme?: SignatureScheme;
}

/** Parses certificates, setting aside (with a warning) those that are unreadable. */
export function readCertificates(
  ders: readonly Uint8Array[],
  warnings: Message[],
  where: "cms" | "dss" | "trustAnchors",
): Certificate[] {
  return ders.flatMap((der) => {
    try {
      return [Certificate.fromDer(der).readAll()];
    } catch (e) {
      warnings.push(message("warn.unreadableCertificate", { where: message(`where.${where}`), detail: detailOf(e) }));
      return [];
    }
  });
}

export async function validateSigner(
  sd: SignedDataContent,
  signerInfo: SignerInfoData,
  options: SignerOptions,
  context: ValidationContext,
): Promise<SignerValidation> {
  const warnings: Message[] = [];
  const pool = [...readCertificates(sd.certificates, warnings, "cms"), ...context.certificates];
  const isc = identifySigningCertificate(signerInfo, pool);
  if (isc.failure || !isc.certificate) {
    return { failures: [isc.failure!], warnings, signer: null, path: [], trusted: false, signerRevocation: null };
  }
  const signer = isc.certificate;
  const cv = verifyCryptography(signerInfo, signer, options.signedDigest, options.signedContent);
  const failures: Failure[] = [...cv.failures];

  const sources: RevocationSources = {
    ocspResponses: [...context.ocspResponses, ...sd.ocspResponses, ...(options.extraOcspResponses ?? [])],
    crls: [...context.crls, ...sd.crls, ...(options.extraCrls ?? [])],
    certificates: pool,
    validationTime: context.validationTime,
    online: context.online,
  };
  const time = options.poe ?? context.validationTime;
  const paths = buildPaths(signer, pool, context.trustAnchors);
  let chosen:
    | { path: Certificate[]; failures: Failure[]; warnings: Message[]; revocation: (RevocationStatus | null)[] }
    | undefined;
  const statusCache = new Map<string, Promise<RevocationStatus>>();
  for (const path of paths) {
    const revocation = await Promise.all(
      path.map((cert, i) => {
        if (i === path.length - 1 || cert.ocspNoCheck) return null;
        const key = `${cert.fingerprint}:${path[i + 1]!.fingerprint}`;
        if (!statusCache.has(key)) statusCache.set(key, revocationStatus(cert, path[i + 1]!, time, sources));
        return statusCache.get(key)!;
      }),
    );
    const xcv = validateCertificatePath({
      path,
      revocation,
      purpose: options.purpose,
      validationTime: context.validationTime,
      poe: options.poe,
      signedAfter: options.signedAfter,
      requireSignerRevocation: options.requireSignerRevocation,
    });
    const candidate = { path, failures: xcv.failures, warnings: xcv.warnings, revocation };
    if (!chosen || rank(candidate.failures) < rank(chosen.failures)) chosen = candidate;
    if (xcv.failures.length === 0) break;
  }
  if (!chosen) {
    failures.push(
      failure(
        "XCV",
        "NO_CERTIFICATE_CHAIN_FOUND",
        message("xcv.noPath", { subject: signer.subject, issuer: signer.issuer }),
      ),
    );
  } else {
    failures.push(...chosen.failures);
    warnings.push(...chosen.warnings);
  }
  const path = chosen?.path ?? [signer];
  failures.push(
    ...checkAlgorithms(
      cv.hash,
      cv.scheme?.hash,
      signer,
      chosen?.path ?? [],
      message(options.purpose === "timestamp" ? "what.timestamp" : "what.signature"),
    ),
  );
  return {
    failures,
    warnings,
    signer,
    path,
    trusted: !!chosen,
    signerRevocation: chosen?.revocation[0] ?? null,
    hash: cv.hash,
    scheme: cv.scheme,
  };
}

/** Fewer and milder failures first: a path that passes, then one that is only INDETERMINATE. */
function rank(failures: readonly Failure[]): number {
  const worst = decisive(failures);
  if (!worst) return 0;
  return (worst.indication === "TOTAL_FAILED" ? 1000 : 100) + failures.length;
}
