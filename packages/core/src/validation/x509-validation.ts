/**
 * X.509 certificate validation (ETSI EN 319 102-1 § 5.2.6, XCV) of a path already built (signer first, trust
 * anchor last), in the shell model: every certificate but the anchor is checked for
 * - its validity period at the validation time; an expired one is accepted only when a proof of existence (a valid
 *   signature time-stamp, or a later document time-stamp) puts the signature inside the period and revocation data
 *   shows it was not revoked then (§ 5.5.4, § 5.6.2); otherwise OUT_OF_BOUNDS_NO_POE / OUT_OF_BOUNDS_NOT_REVOKED,
 *   NOT_YET_VALID when it is not valid yet (TOTAL_FAILED when the proof of existence is before its notBefore);
 * - CA constraints on issuers (RFC 5280 § 4.2.1.9, § 6.1.4 (k), (l), (n)): cA, pathLenConstraint, keyCertSign →
 *   CHAIN_CONSTRAINTS_FAILURE;
 * - the signer's key usage (digitalSignature or nonRepudiation; a TSA's id-kp-timeStamping, RFC 3161 § 2.3) →
 *   SIG_CONSTRAINTS_FAILURE;
 * - revocation: revoked at or before the best signature time → REVOKED (TOTAL_FAILED) when a proof of existence
 *   fixes that time, REVOKED_NO_POE / REVOKED_CA_NO_POE otherwise; no usable data for the signer → TRY_LATER
 *   (EU DSS's default policy). Missing data for CAs is a warning: national issuing CAs are often only covered by
 *   a root's ARL that is not embedded.
 */
import { type CertificateInfo, OID_KP_TIME_STAMPING, validAt } from "./certificate-info.js";
import { type Failure, failure } from "./checks.js";
import type { RevocationStatus } from "./revocation.js";

export interface X509ValidationInput {
  readonly path: readonly CertificateInfo[];
  /** Per path element: its revocation status, or null where none is needed (anchor, id-pkix-ocsp-nocheck). */
  readonly revocation: readonly (RevocationStatus | null)[];
  readonly purpose: "signature" | "timestamp";
  readonly validationTime: Date;
  /** The best signature time, when a proof of existence establishes it. */
  readonly poe?: Date;
  /** Whether missing revocation data for the signer is a failure (TRY_LATER) or only a warning. */
  readonly requireSignerRevocation: boolean;
}

export interface X509ValidationResult {
  readonly failures: Failure[];
  readonly warnings: string[];
}

const iso = (d: Date) => d.toISOString();

export function validateCertificatePath(input: X509ValidationInput): X509ValidationResult {
  const failures: Failure[] = [];
  const warnings: string[] = [];
  const { path, poe, validationTime } = input;
  const last = path.length - 1;
  for (let i = 0; i < last; i++) {
    const cert = path[i]!;
    const role =
      i === 0
        ? input.purpose === "timestamp"
          ? "the TSA certificate"
          : "the signer's certificate"
        : `CA certificate ${cert.subject}`;
    const revocation = input.revocation[i] ?? null;
    const bestTime = poe ?? validationTime;
    if (i > 0) failures.push(...caConstraints(cert, i));
    else {
      const usage = signerUsage(cert, input.purpose);
      if (usage) failures.push(usage);
    }

    // Validity period (§ 5.2.6 step on the validity interval).
    if (validationTime < cert.notBefore) {
      failures.push(
        failure("XCV", "INDETERMINATE", "NOT_YET_VALID", `${role} is not valid before ${iso(cert.notBefore)}`),
      );
    } else if (validationTime > cert.notAfter) {
      const notRevoked = revocation?.status === "good" || (revocation === null && i > 0);
      if (poe && poe < cert.notBefore) {
        failures.push(
          failure(
            "XCV",
            "TOTAL_FAILED",
            "NOT_YET_VALID",
            `the signature existed at ${iso(poe)}, before ${role} was issued`,
          ),
        );
      } else if (!(poe && validAt(cert, poe) && notRevoked)) {
        failures.push(
          failure(
            "XCV",
            "INDETERMINATE",
            notRevoked ? "OUT_OF_BOUNDS_NOT_REVOKED" : "OUT_OF_BOUNDS_NO_POE",
            `${role} expired on ${iso(cert.notAfter)} and nothing proves the signature existed before that`,
          ),
        );
      }
    }

    // Revocation.
    if (revocation?.status === "revoked") {
      const at = revocation.revokedAt!;
      if (at.getTime() <= bestTime.getTime()) {
        const message = `${role} was revoked on ${iso(at)}`;
        if (i > 0) failures.push(failure("XCV", "INDETERMINATE", "REVOKED_CA_NO_POE", message));
        else if (poe)
          failures.push(
            failure(
              "XCV",
              "TOTAL_FAILED",
              "REVOKED",
              `${message}, before the signature was proven to exist (${iso(poe)})`,
            ),
          );
        else
          failures.push(
            failure(
              "XCV",
              "INDETERMINATE",
              "REVOKED_NO_POE",
              `${message} and nothing proves the signature existed before that`,
            ),
          );
      } else {
        warnings.push(`${role} was revoked on ${iso(at)}, after the signature was proven to exist`);
      }
    } else if (revocation?.status === "unknown") {
      const message = `no usable revocation data for ${i === 0 ? `${role} (${cert.subject})` : role}`;
      // A certificate that names no OCSP responder and no CRL can never be checked, now or later (RFC 5280 lets a
      // CA run without revocation): waiting would not help, so it is reported, not held INDETERMINATE/TRY_LATER.
      const checkable = cert.ocspUrls.length > 0 || cert.crlUrls.length > 0;
      if (i === 0 && input.requireSignerRevocation && checkable)
        failures.push(failure("XCV", "INDETERMINATE", "TRY_LATER", message));
      else
        warnings.push(
          checkable ? message : `${message}: it names no OCSP responder or CRL, so revocation cannot be checked`,
        );
      warnings.push(...revocation.notes);
    }
  }
  return { failures, warnings };
}

/** RFC 5280 § 6.1.4 (k) cA, (l)/(m) pathLenConstraint, (n) keyCertSign; `index` counts from the signer (0). */
function caConstraints(cert: CertificateInfo, index: number): Failure[] {
  const out: Failure[] = [];
  if (!cert.basicConstraints?.ca) {
    out.push(
      failure(
        "XCV",
        "INDETERMINATE",
        "CHAIN_CONSTRAINTS_FAILURE",
        `${cert.subject} issues certificates but is not a CA (basicConstraints)`,
      ),
    );
  }
  if (cert.keyUsage && !cert.keyUsage.keyCertSign) {
    out.push(
      failure(
        "XCV",
        "INDETERMINATE",
        "CHAIN_CONSTRAINTS_FAILURE",
        `${cert.subject} may not sign certificates (keyUsage lacks keyCertSign)`,
      ),
    );
  }
  const pathLength = cert.basicConstraints?.pathLength;
  // Intermediate CA certificates between this one and the signer (self-issued ones do not count, § 6.1.4 (l)).
  if (pathLength !== undefined && index - 1 > pathLength) {
    out.push(
      failure(
        "XCV",
        "INDETERMINATE",
        "CHAIN_CONSTRAINTS_FAILURE",
        `${cert.subject} allows ${pathLength} CA certificates below it, the path has ${index - 1}`,
      ),
    );
  }
  return out;
}

function signerUsage(cert: CertificateInfo, purpose: "signature" | "timestamp"): Failure | null {
  if (purpose === "timestamp") {
    if (!cert.extendedKeyUsage?.includes(OID_KP_TIME_STAMPING)) {
      return failure(
        "XCV",
        "INDETERMINATE",
        "SIG_CONSTRAINTS_FAILURE",
        `${cert.subject} is not a time-stamping certificate (no id-kp-timeStamping)`,
      );
    }
    return null;
  }
  if (cert.keyUsage && !cert.keyUsage.digitalSignature && !cert.keyUsage.nonRepudiation) {
    return failure(
      "XCV",
      "INDETERMINATE",
      "SIG_CONSTRAINTS_FAILURE",
      `${cert.subject} may not sign documents (keyUsage has neither digitalSignature nor nonRepudiation)`,
    );
  }
  return null;
}
