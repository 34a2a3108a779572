/**
 * The reasons for revoking a certificate (CRLReason, RFC 5280 § 5.3.1), and the ones each kind of administrator may
 * give. No imports: the web app's admin pages read these lists too.
 */

/** CRLReason names; value 7 is unused and removeFromCRL only appears in delta CRLs. */
export type RevocationReason =
  | "unspecified"
  | "keyCompromise"
  | "cACompromise"
  | "affiliationChanged"
  | "superseded"
  | "cessationOfOperation"
  | "certificateHold"
  | "privilegeWithdrawn"
  | "aACompromise";

/** Any certificate a CA issued, revoked by the platform administrator: final reasons only (no certificateHold). */
export const FINAL_REVOCATION_REASONS: readonly RevocationReason[] = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "privilegeWithdrawn",
  "aACompromise",
];

/** A person's certificate, revoked from the administration pages: the final reasons that concern a person. */
export const PERSON_REVOCATION_REASONS: readonly RevocationReason[] = [
  "unspecified",
  "keyCompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "privilegeWithdrawn",
];
