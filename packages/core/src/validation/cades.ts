/**
 * The signature-level validation of a PAdES signature's CMS (ETSI EN 319 102-1 § 5.3 basic signature validation,
 * with the proof-of-existence steps of § 5.5 and § 5.6 that a signature time-stamp or a later document time-stamp
 * allows): the PDF side (byte ranges, revisions, modifications, the report) calls {@link validateCades} once per
 * signature or document time-stamp.
 *
 * Pure: no file system and no network but through `online.fetch`; cryptography goes through `./crypto.ts`.
 * Never throws: whatever the input, the answer is an indication.
 */

import type { Certificate } from "../x509/certificate.js";
import { type BerNode, isContext } from "./ber.js";
import { decisive, type Failure, failure } from "./checks.js";
import { algorithmName, digest, type HashName } from "./crypto.js";
import { checkFormat } from "./format-checking.js";
import { dateParam, detailOf, type Message, message, reasonOf } from "./messages.js";
import { applyPolicy, type ValidationPolicy } from "./policy.js";
import type {
  ChainElementReport,
  Indication,
  RevocationReport,
  SignerInfoReport,
  SubIndication,
  TimestampReport,
} from "./report.js";
import { attributeValues, CMS_OID, parseSignedData, type SignedDataContent } from "./signed-data.js";
import { readCertificates, type ValidationContext, validateSigner } from "./signer-validation.js";
import { type TimestampValidation, validateTimestampToken } from "./timestamp-token.js";

export interface TrustAnchor {
  /** DER certificate. */
  certificate: Uint8Array;
  /** Where the anchor came from (a file, a trusted list), for the report. */
  source?: string;
}

export interface CadesValidationInput {
  /** CMS ContentInfo (PDF /Contents without its zero padding); BER is accepted. */
  cms: Uint8Array;
  /** Digest of the signed bytes (the PDF byte ranges) with the given hash. */
  signedContentDigest: (hash: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512") => Uint8Array;
  /**
   * The signed bytes themselves, in pieces (the PDF byte ranges): a SignerInfo without signed attributes (legacy
   * PKCS#7, RFC 5652 § 5.4) signs them directly, so its signature can only be verified over them.
   */
  signedContent?: () => Uint8Array[];
  /** A CAdES signature, or an RFC 3161 token over the byte ranges (SubFilter ETSI.RFC3161). */
  kind: "signature" | "document-timestamp";
  trustAnchors: TrustAnchor[];
  /** "Now". */
  validationTime: Date;
  /** Certificates from the PDF's /DSS /Certs (DER). */
  extraCertificates?: Uint8Array[];
  /** DER OCSPResponses from /DSS /OCSPs. */
  ocspResponses?: Uint8Array[];
  /** DER CRLs from /DSS /CRLs. */
  crls?: Uint8Array[];
  /** Proof of existence of the signature from a later document time-stamp. */
  poe?: Date;
  /** Network access for revocation data; absent = offline. */
  online?: { fetch: typeof fetch; timeoutMs?: number };
  /**
   * The signature dictionary's /SubFilter. `ETSI.CAdES.detached` makes signing-certificate-v2 mandatory; for
   * `adbe.pkcs7.detached` (and when unknown) its absence is a warning.
   */
  subFilter?: string;
  /** Which checks fail, warn or are ignored (policy.ts); the built-in levels when absent. */
  policy?: ValidationPolicy;
}

export interface CadesValidationResult {
  indication: Indication;
  subIndication: SubIndication | null;
  /** Why the indication is short of TOTAL_PASSED: the decisive failed check first, then the others. */
  errors: Failure[];
  warnings: Message[];
  signer: SignerInfoReport | null;
  signerCertificate?: Uint8Array;
  /** Signer first, trust anchor last (just the signer when no path was found). */
  chain: ChainElementReport[];
  /** Revocation status of the signer's certificate. */
  revocation: RevocationReport;
  /** The signature time-stamp (kind "signature") or the token itself (kind "document-timestamp"). */
  timestamp: TimestampReport | null;
  /** Digest algorithm of the SignerInfo, e.g. `SHA-256`. */
  hashAlgorithm: string;
  /** Signature algorithm as written, e.g. `ecdsa-with-SHA256`, `RSASSA-PSS`. */
  signatureAlgorithm: string;
  hasSignatureTimestamp: boolean;
  /**
   * The content time-stamps (signed attribute id-aa-ets-contentTimestamp, ETSI EN 319 122-1 § 5.2.8), validated as
   * time-stamps over the signed content; empty when there are none.
   */
  contentTimestamps: TimestampReport[];
  /** OIDs of the signed attributes present. */
  signedAttributes: string[];
}

export async function validateCades(input: CadesValidationInput): Promise<CadesValidationResult> {
  try {
    return await validate(input);
  } catch (e) {
    // A defect of ours, not of the signature: say so rather than fail the signature.
    return outcome(
      [failure("XCV", "POLICY_PROCESSING_ERROR", message("validation.internalError", { detail: detailOf(e) }))],
      [],
      {},
    );
  }
}

async function validate(input: CadesValidationInput): Promise<CadesValidationResult> {
  const warnings: Message[] = [];
  const context: ValidationContext = {
    trustAnchors: readCertificates(
      input.trustAnchors.map((a) => a.certificate),
      warnings,
      "trustAnchors",
    ),
    certificates: readCertificates(input.extraCertificates ?? [], warnings, "dss"),
    validationTime: input.validationTime,
    ocspResponses: input.ocspResponses ?? [],
    crls: input.crls ?? [],
    online: input.online,
  };
  if (input.kind === "document-timestamp") {
    const ts = await validateTimestampToken(input.cms, input.signedContentDigest, context, input.poe);
    return outcome(
      ts.failures,
      [...warnings, ...ts.warnings],
      {
        signer: ts.signer,
        path: ts.path,
        trusted: ts.trusted,
        revocation: ts.signerRevocation,
        timestamp: ts.time ? { time: ts.time.toISOString(), tsa: ts.tsa, valid: ts.valid } : null,
        hashAlgorithm: ts.hash,
        signatureAlgorithm: ts.signatureHash,
        signedAttributes: ts.signedAttributes,
      },
      input.policy,
    );
  }

  let sd: SignedDataContent;
  try {
    sd = parseSignedData(input.cms);
  } catch (e) {
    return outcome(
      [failure("FC", "FORMAT_FAILURE", message("fc.notSignedData", { detail: detailOf(e) }))],
      warnings,
      {},
      input.policy,
    );
  }
  const format = checkFormat(sd, { kind: "signature", subFilter: input.subFilter });
  warnings.push(...format.warnings);
  if (format.failure || !format.signerInfo) return outcome([format.failure!], warnings, {}, input.policy);
  const si = format.signerInfo;
  const signedAttributes = si.signedAttributes.map((a) => a.oid);

  // The signature time-stamp (ETSI EN 319 122-1 § 5.3): the earliest valid one is the best signature time.
  const tokens = si.unsignedAttributes
    .filter((a) => a.oid === CMS_OID.signatureTimeStampToken)
    .flatMap((a) => a.values);
  const stamps: TimestampValidation[] = [];
  // The TSA's chain may travel in the signature's own certificates rather than in the token.
  const stampContext = {
    ...context,
    certificates: [...context.certificates, ...readCertificates(sd.certificates, [], "cms")],
  };
  for (const token of tokens) {
    stamps.push(await validateTimestampToken(token.raw, (h) => digest(h, si.signature), stampContext, input.poe));
  }
  const validStamps = stamps.filter((s) => s.valid && s.time).sort((a, b) => a.time!.getTime() - b.time!.getTime());
  const shown = validStamps[0] ?? stamps[0];
  for (const s of stamps.filter((s) => !s.valid)) {
    const reason = decisive(s.failures);
    warnings.push(
      message("ts.signatureTimestampUnusable", { reason: reason ? reasonOf(reason) : message("ts.invalid") }),
    );
  }
  const times = [validStamps[0]?.time, input.poe].filter((t): t is Date => !!t);
  const poe = times.length ? new Date(Math.min(...times.map((t) => t.getTime()))) : undefined;

  // Content time-stamps (EN 319 122-1 § 5.2.8): tokens over the signed content (for PAdES the byte ranges, EN
  // 319 142-1 § 5.3), taken before signing and signed with it, so the signature was made after each valid one: the
  // latest is the lower bound of the signing time that EN 319 102-1 § 5.5.4 compares revocation and expiry with.
  // The signature time-stamp, which covers them, is their proof of existence.
  const contentTokens = (attributeValues(si.signedAttributes, CMS_OID.contentTimeStamp) ?? []).map((v) => v.raw);
  const contentStamps: TimestampValidation[] = [];
  for (const token of contentTokens) {
    contentStamps.push(await validateTimestampToken(token, input.signedContentDigest, stampContext, poe));
  }
  const validContent = contentStamps.filter((s) => s.valid && s.time);
  for (const s of contentStamps.filter((s) => !s.valid)) {
    const reason = decisive(s.failures);
    warnings.push(
      message("ts.contentTimestampUnusable", { reason: reason ? reasonOf(reason) : message("ts.invalid") }),
    );
  }
  const signedAfter = validContent.length
    ? new Date(Math.max(...validContent.map((s) => s.time!.getTime())))
    : undefined;
  const orderFailures: Failure[] = [];
  if (signedAfter && validStamps[0]?.time && signedAfter.getTime() > validStamps[0].time.getTime()) {
    // EN 319 102-1 § 5.5.4 (time-stamp coherence): a content time-stamp cannot postdate the signature time-stamp.
    orderFailures.push(
      failure(
        "XCV",
        "TIMESTAMP_ORDER_FAILURE",
        message("ts.order", { content: dateParam(signedAfter), signature: dateParam(validStamps[0].time) }),
      ),
    );
  }

  const archival = revocationInfoArchival(attributeValues(si.signedAttributes, CMS_OID.revocationInfoArchival)?.[0]);
  const signer = await validateSigner(
    sd,
    si,
    {
      purpose: "signature",
      signedDigest: input.signedContentDigest,
      signedContent: input.signedContent,
      poe,
      signedAfter,
      requireSignerRevocation: true,
      extraOcspResponses: archival.ocsp,
      extraCrls: archival.crls,
    },
    context,
  );
  const facts: Facts = {
    signer: signer.signer,
    path: signer.path,
    trusted: signer.trusted,
    revocation: signer.signerRevocation,
    timestamp: shown?.time ? { time: shown.time.toISOString(), tsa: shown.tsa, valid: shown.valid } : null,
    hashAlgorithm: signer.hash ?? algorithmName(si.digestAlgorithm.oid),
    signatureAlgorithm: algorithmName(si.signatureAlgorithm.oid),
    hasSignatureTimestamp: tokens.length > 0,
    contentTimestamps: contentStamps.map((s) => ({
      time: s.time?.toISOString() ?? "",
      tsa: s.tsa,
      valid: s.valid,
    })),
    signedAttributes,
  };
  return outcome([...signer.failures, ...orderFailures], [...warnings, ...signer.warnings], facts, input.policy);
}

/**
 * RevocationInfoArchival ::= SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRLs OPTIONAL,
 *   ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL, otherRevInfo [2] … } (Adobe, PDF 1.6 § 8.7).
 */
function revocationInfoArchival(value: BerNode | undefined): { crls: Uint8Array[]; ocsp: Uint8Array[] } {
  const crls: Uint8Array[] = [];
  const ocsp: Uint8Array[] = [];
  for (const field of value?.children ?? []) {
    const list = field.children[0]?.children ?? [];
    if (isContext(field, 0)) crls.push(...list.map((c) => c.raw));
    if (isContext(field, 1)) ocsp.push(...list.map((c) => c.raw));
  }
  return { crls, ocsp };
}

interface Facts {
  signer?: Certificate | null;
  path?: readonly Certificate[];
  trusted?: boolean;
  revocation?: { status: RevocationReport["status"]; source: RevocationReport["source"] } | null;
  timestamp?: TimestampReport | null;
  hashAlgorithm?: HashName | string;
  signatureAlgorithm?: string;
  hasSignatureTimestamp?: boolean;
  contentTimestamps?: TimestampReport[];
  signedAttributes?: string[];
}

function outcome(
  found: readonly Failure[],
  noted: readonly Message[],
  facts: Facts,
  policy?: ValidationPolicy,
): CadesValidationResult {
  const { failures, warnings } = applyPolicy(found, noted, policy);
  const first = decisive(failures);
  const errors = first ? [first, ...failures.filter((f) => f !== first)] : [];
  const path = facts.path ?? [];
  return {
    indication: first?.indication ?? "TOTAL_PASSED",
    subIndication: first?.subIndication ?? null,
    errors,
    warnings: uniqueMessages(warnings),
    signer: facts.signer
      ? {
          subject: facts.signer.subject,
          issuer: facts.signer.issuer,
          serial: facts.signer.serial,
          country: facts.signer.country,
        }
      : null,
    signerCertificate: facts.signer?.der,
    chain: path.map((c, i) => ({ subject: c.subject, trusted: !!facts.trusted && i === path.length - 1 })),
    revocation: facts.revocation
      ? { status: facts.revocation.status, source: facts.revocation.source }
      : { status: "unknown", source: "none" },
    timestamp: facts.timestamp ?? null,
    hashAlgorithm: facts.hashAlgorithm ?? "",
    signatureAlgorithm: facts.signatureAlgorithm ?? "",
    hasSignatureTimestamp: facts.hasSignatureTimestamp ?? false,
    contentTimestamps: facts.contentTimestamps ?? [],
    signedAttributes: facts.signedAttributes ?? [],
  };
}

/** The same finding reached along two paths is reported once. */
function uniqueMessages(list: readonly Message[]): Message[] {
  const seen = new Set<string>();
  return list.filter((m) => {
    const key = JSON.stringify(m);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
