/**
 * The validation report (CONTRACTS.md § 4): what `khatam verify --json` prints and `POST /api/verify` returns.
 * Indications and sub-indications are those of ETSI EN 319 102-1 § 5.1.
 */
import type { Message } from "./messages.js";

/** ETSI EN 319 102-1 § 5.1.2 main status indications. */
export type Indication = "TOTAL_PASSED" | "TOTAL_FAILED" | "INDETERMINATE";

/** ETSI EN 319 102-1 § 5.1.3 sub-indications (Table 5 and Table 6). */
export type SubIndication =
  // TOTAL_FAILED
  | "FORMAT_FAILURE"
  | "HASH_FAILURE"
  | "SIG_CRYPTO_FAILURE"
  | "REVOKED"
  | "NOT_YET_VALID"
  // INDETERMINATE
  | "SIG_CONSTRAINTS_FAILURE"
  | "CHAIN_CONSTRAINTS_FAILURE"
  | "CERTIFICATE_CHAIN_GENERAL_FAILURE"
  | "CRYPTO_CONSTRAINTS_FAILURE"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "POLICY_PROCESSING_ERROR"
  | "SIGNATURE_POLICY_NOT_AVAILABLE"
  | "TIMESTAMP_ORDER_FAILURE"
  | "NO_SIGNING_CERTIFICATE_FOUND"
  | "NO_CERTIFICATE_CHAIN_FOUND"
  | "REVOKED_NO_POE"
  | "REVOKED_CA_NO_POE"
  | "OUT_OF_BOUNDS_NO_POE"
  | "OUT_OF_BOUNDS_NOT_REVOKED"
  | "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
  | "NO_POE"
  | "TRY_LATER"
  | "SIGNED_DATA_NOT_FOUND";

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

/** An error or warning as data: rendered with `renderMessage` and the reader's catalogue. */
export interface ReportFinding extends Message {
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
