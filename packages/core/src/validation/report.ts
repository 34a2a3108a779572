/**
 * The validation report (CONTRACTS.md § 4): what `khatam verify --json` prints and `POST /api/verify` returns.
 * Indications and sub-indications are those of ETSI EN 319 102-1 § 5.1.
 */
import type { BuildingBlock } from "./checks.js";
import type { Message } from "./messages.js";

/** ETSI EN 319 102-1 § 5.1.2 main status indications. */
export type Indication = "TOTAL_PASSED" | "TOTAL_FAILED" | "INDETERMINATE";

/**
 * ETSI EN 319 102-1 § 5.1.3 Table 5: the sub-indications each main indication may carry. EXPIRED and NOT_YET_VALID
 * appear under both (v1.3.1 and later): TOTAL_FAILED when the signature is proven to have been made outside the
 * certificate's validity, INDETERMINATE when nothing proves when it was made.
 */
export const SUB_INDICATIONS = {
  TOTAL_FAILED: ["FORMAT_FAILURE", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", "REVOKED", "EXPIRED", "NOT_YET_VALID"],
  INDETERMINATE: [
    "SIG_CONSTRAINTS_FAILURE",
    "CHAIN_CONSTRAINTS_FAILURE",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE",
    "CRYPTO_CONSTRAINTS_FAILURE",
    "EXPIRED",
    "NOT_YET_VALID",
    "POLICY_PROCESSING_ERROR",
    "SIGNATURE_POLICY_NOT_AVAILABLE",
    "TIMESTAMP_ORDER_FAILURE",
    "NO_SIGNING_CERTIFICATE_FOUND",
    "NO_CERTIFICATE_CHAIN_FOUND",
    "REVOKED_NO_POE",
    "REVOKED_CA_NO_POE",
    "OUT_OF_BOUNDS_NO_POE",
    "OUT_OF_BOUNDS_NOT_REVOKED",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
    "NO_POE",
    "TRY_LATER",
    "SIGNED_DATA_NOT_FOUND",
  ],
} as const;

/** The sub-indications Table 5 allows with `I`. */
export type SubIndicationOf<I extends keyof typeof SUB_INDICATIONS> = (typeof SUB_INDICATIONS)[I][number];

/** ETSI EN 319 102-1 § 5.1.3 sub-indications (Table 5). */
export type SubIndication = SubIndicationOf<"TOTAL_FAILED"> | SubIndicationOf<"INDETERMINATE">;

/** Sub-indications that belong to both indications: the check must say which (Table 5). */
export type SharedSubIndication = SubIndicationOf<"TOTAL_FAILED"> & SubIndicationOf<"INDETERMINATE">;

/** A result short of TOTAL_PASSED: an indication with a sub-indication Table 5 allows with it, and no other pairing. */
export type Outcome =
  | { readonly indication: "TOTAL_FAILED"; readonly subIndication: SubIndicationOf<"TOTAL_FAILED"> }
  | { readonly indication: "INDETERMINATE"; readonly subIndication: SubIndicationOf<"INDETERMINATE"> };

/**
 * The indication a sub-indication implies (Table 5). A shared one (EXPIRED, NOT_YET_VALID) needs the indication
 * given; a check always knows it.
 */
export function outcomeOf(subIndication: Exclude<SubIndication, SharedSubIndication>): Outcome;
export function outcomeOf(subIndication: SharedSubIndication, indication: Outcome["indication"]): Outcome;
export function outcomeOf(subIndication: SubIndication, indication?: Outcome["indication"]): Outcome {
  const i =
    indication ??
    ((SUB_INDICATIONS.TOTAL_FAILED as readonly string[]).includes(subIndication) ? "TOTAL_FAILED" : "INDETERMINATE");
  if (!(SUB_INDICATIONS[i] as readonly string[]).includes(subIndication))
    throw new Error(`${subIndication} is not a sub-indication of ${i} (EN 319 102-1 Table 5)`);
  return { indication: i, subIndication } as Outcome;
}

/** Whether Table 5 allows `subIndication` with `indication` (for reports read back from JSON). */
export function isLegalPairing(indication: string, subIndication: string | null): boolean {
  if (indication === "TOTAL_PASSED") return subIndication === null;
  const allowed = SUB_INDICATIONS[indication as Outcome["indication"]] as readonly string[] | undefined;
  return !!allowed && subIndication !== null && allowed.includes(subIndication);
}

/** What later revisions changed after a signature (pyHanko's ModificationLevel). */
export type ModificationLevel = "NONE" | "LTA_UPDATES" | "FORM_FILLING" | "ANNOTATIONS" | "OTHER";

export type Verdict = "VALID" | "INVALID" | "INDETERMINATE";

export interface SignerInfoReport {
  /** RFC 4514 string of the signer certificate's subject. */
  readonly subject: string;
  readonly issuer: string;
  /** Serial number, hex. */
  readonly serial: string;
  /** The subject's countryName (C), when present. */
  readonly country: string | null;
}

export interface TimestampReport {
  /** genTime, ISO 8601. */
  readonly time: string;
  /** Subject of the TSA certificate. */
  readonly tsa: string;
  /** True when the token verifies, matches the signature value and its TSA chains to a trust anchor. */
  readonly valid: boolean;
}

export interface ChainElementReport {
  readonly subject: string;
  /** True for the trust anchor that ends the chain. */
  readonly trusted: boolean;
}

export interface RevocationReport {
  readonly status: "good" | "revoked" | "unknown";
  readonly source: "embedded-ocsp" | "embedded-crl" | "online-ocsp" | "online-crl" | "none";
}

export interface SignatureReport {
  /** Fully qualified name of the signature field. */
  readonly field: string;
  readonly type: "signature" | "document-timestamp";
  readonly subFilter: string;
  readonly level: "B-B" | "B-T" | "B-LT" | "B-LTA" | "none";
  readonly signer: SignerInfoReport | null;
  /** The /M of the signature dictionary, ISO 8601, or null. */
  readonly claimedSigningTime: string | null;
  readonly timestamp: TimestampReport | null;
  /**
   * Content time-stamps (signed, taken over the document before signing; ETSI EN 319 122-1 § 5.2.8): the signature
   * was made after each valid one. Present only when the signature has some.
   */
  readonly contentTimestamps?: TimestampReport[];
  readonly indication: Indication;
  readonly subIndication: SubIndication | null;
  readonly coverage: "ENTIRE_FILE" | "ENTIRE_REVISION" | "PARTIAL";
  readonly modifications: ModificationLevel;
  readonly chain: ChainElementReport[];
  readonly revocation: RevocationReport;
  /** Human-readable reasons for anything short of TOTAL_PASSED, and for modifications (English). */
  readonly errors: string[];
  /** Things worth knowing that do not change the indication (English). */
  readonly warnings?: string[];
  /**
   * The same reasons as data, errors first: a message id and its parameters (validation/messages.ts), for a reader
   * to render in their own language.
   */
  readonly findings: ReportFinding[];
}

/**
 * A reason as data, the one shape of every failure and warning of validation: rendered with `renderMessage` and the
 * reader's catalogue. A failed check also says what it yields (its building block, and the indication and
 * sub-indication Table 5 pairs: checks.ts `Failure`); a change after the signature says the level the modification
 * analysis gives it (diff/findings.ts `ModificationFinding`).
 */
export interface Finding extends Message {
  readonly block?: BuildingBlock;
  readonly indication?: Indication;
  readonly subIndication?: SubIndication;
  readonly modification?: ModificationLevel;
}

/** A finding in the report: an error (errors first; the first failed check's outcome is the signature's) or a warning. */
export interface ReportFinding extends Finding {
  readonly level: "error" | "warning";
}

export interface ValidationReport {
  readonly verdict: Verdict;
  /** SHA-256 of the file, hex. */
  readonly sha256: string;
  readonly signatures: SignatureReport[];
  /** Findings about the file as a whole (a damaged structure that had to be repaired, no signatures); only present when there are some. */
  readonly warnings?: string[];
  /** The same as data (present with `warnings`). */
  readonly findings?: ReportFinding[];
}

/**
 * CONTRACTS.md § 4: VALID only when every signature is TOTAL_PASSED with no OTHER modifications; INVALID when any is
 * TOTAL_FAILED or has OTHER modifications; INDETERMINATE otherwise (including a file with no signatures).
 */
export function verdictOf(signatures: readonly SignatureReport[]): Verdict {
  if (signatures.some((s) => s.indication === "TOTAL_FAILED" || s.modifications === "OTHER")) return "INVALID";
  if (signatures.length > 0 && signatures.every((s) => s.indication === "TOTAL_PASSED")) return "VALID";
  return "INDETERMINATE";
}
