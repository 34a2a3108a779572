/**
 * X.509 certificate validation (ETSI EN 319 102-1 § 5.2.6, XCV) of a path already built (signer first, trust
 * anchor last), in the shell model: every certificate but the anchor is checked for
 * - its validity period at the validation time; an expired one is accepted only when a proof of existence (a valid
 *   signature time-stamp, or a later document time-stamp) puts the signature inside the period and revocation data
 *   shows it was not revoked then (§ 5.5.4, § 5.6.2); otherwise OUT_OF_BOUNDS_NO_POE / OUT_OF_BOUNDS_NOT_REVOKED,
 *   NOT_YET_VALID when it is not valid yet (TOTAL_FAILED when the proof of existence is before its notBefore,
 *   expired or not: a back-dated signature); EXPIRED when a content time-stamp proves signing after notAfter;
 * - critical extensions it does not recognise (RFC 5280 § 4.2) and name constraints (§ 6.1.3 (b), (c)) →
 *   CHAIN_CONSTRAINTS_FAILURE;
 * - CA constraints on issuers (RFC 5280 § 4.2.1.9, § 6.1.4 (k), (l), (n)): cA, pathLenConstraint, keyCertSign →
 *   CHAIN_CONSTRAINTS_FAILURE;
 * - the signer's key usage (digitalSignature or nonRepudiation; a TSA's id-kp-timeStamping, RFC 3161 § 2.3) →
 *   SIG_CONSTRAINTS_FAILURE;
 * - revocation: revoked at or before the best signature time → REVOKED (TOTAL_FAILED) only when a content
 *   time-stamp proves the signature was made after the revocation, REVOKED_NO_POE / REVOKED_CA_NO_POE otherwise
 *   (§ 5.5.4 step 4 a: a later time-stamp proves existence, not signing after); certificateHold → TRY_LATER
 *   (suspended, not final); no usable data for the signer → TRY_LATER
 *   (EU DSS's default policy). Missing data for CAs is a warning: national issuing CAs are often only covered by
 *   a root's ARL that is not embedded.
 */
import type { Certificate } from "../x509/certificate.js";
import { OID_KP_TIME_STAMPING } from "../x509/oids.js";
import { type Failure, failure } from "./checks.js";
import { dateParam as iso, type Message, message } from "./messages.js";
import { nameConstraintViolation } from "./name-constraints.js";
import type { RevocationStatus } from "./revocation.js";

export interface X509ValidationInput {
  readonly path: readonly Certificate[];
  /** Per path element: its revocation status, or null where none is needed (anchor, id-pkix-ocsp-nocheck). */
  readonly revocation: readonly (RevocationStatus | null)[];
  readonly purpose: "signature" | "timestamp";
  readonly validationTime: Date;
  /** The best signature time, when a proof of existence establishes it (the signature existed by then). */
  readonly poe?: Date;
  /** When a content time-stamp proves the signature was made after that time (§ 5.3.4 step 4): a lower bound. */
  readonly signedAfter?: Date;
  /** Whether missing revocation data for the signer is a failure (TRY_LATER) or only a warning. */
  readonly requireSignerRevocation: boolean;
}

export interface X509ValidationResult {
  readonly failures: Failure[];
  readonly warnings: Message[];
}

export function validateCertificatePath(input: X509ValidationInput): X509ValidationResult {
  const failures: Failure[] = [];
  const warnings: Message[] = [];
  const { path } = input;
  // Every certificate but the anchor, each through the same named checks; then the name constraints of the path.
  for (let i = 0; i < path.length - 1; i++) {
    const cert = path[i]!;
    const element: PathElement = {
      cert,
      index: i,
      role:
        i === 0
          ? message(input.purpose === "timestamp" ? "role.tsaCertificate" : "role.signerCertificate")
          : message("role.caCertificate", { subject: cert.subject }),
      revocation: input.revocation[i] ?? null,
    };
    if (i > 0) failures.push(...caConstraints(cert, i));
    else failures.push(...present(signerUsage(cert, input.purpose)));
    failures.push(...present(unknownCriticalExtensions(element)));
    failures.push(...present(validityPeriod(element, input)));
    const revocation = revocationStatus(element, input);
    failures.push(...revocation.failures);
    warnings.push(...revocation.warnings);
  }
  failures.push(...nameConstraintFailures(path));
  return { failures, warnings };
}

/** A certificate of the path being checked: where it is (0: the signer's), how messages name it, its revocation. */
interface PathElement {
  readonly cert: Certificate;
  readonly index: number;
  readonly role: Message;
  readonly revocation: RevocationStatus | null;
}

const present = (f: Failure | null): Failure[] => (f ? [f] : []);

/** Unrecognised critical extensions (RFC 5280 § 4.2): the certificate cannot be used. */
function unknownCriticalExtensions({ cert, role }: PathElement): Failure | null {
  const unknown = cert.criticalExtensions.filter((oid) => !RECOGNISED_EXTENSIONS.has(oid));
  if (unknown.length === 0) return null;
  return failure(
    "XCV",
    "CHAIN_CONSTRAINTS_FAILURE",
    message("xcv.unknownCriticalExtension", { role, oids: unknown.join(", ") }),
  );
}

/**
 * The validity period (§ 5.2.6; § 5.5.4 step 4 b). A signature proven to exist before the certificate was issued is
 * back-dated, whether or not the certificate has expired since: it fails.
 */
function validityPeriod({ cert, index, role, revocation }: PathElement, input: X509ValidationInput): Failure | null {
  const { poe, validationTime, signedAfter } = input;
  if (poe && poe < cert.notBefore) {
    return failure(
      "XCV",
      { indication: "TOTAL_FAILED", subIndication: "NOT_YET_VALID" },
      message("xcv.backDated", { time: iso(poe), role }),
    );
  }
  if (validationTime < cert.notBefore) {
    return failure(
      "XCV",
      { indication: "INDETERMINATE", subIndication: "NOT_YET_VALID" },
      message("xcv.notYetValid", { role, notBefore: iso(cert.notBefore) }),
    );
  }
  if (index === 0 && signedAfter && signedAfter > cert.notAfter) {
    // A content time-stamp proves the signature was made after the certificate expired (§ 5.3.4 step 4).
    return failure(
      "XCV",
      { indication: "TOTAL_FAILED", subIndication: "EXPIRED" },
      message("xcv.signedAfterExpiry", { time: iso(signedAfter), role, notAfter: iso(cert.notAfter) }),
    );
  }
  if (validationTime > cert.notAfter) {
    const notRevoked = revocation?.status === "good" || (revocation === null && index > 0);
    if (!(poe && cert.validAt(poe) && notRevoked)) {
      return failure(
        "XCV",
        notRevoked ? "OUT_OF_BOUNDS_NOT_REVOKED" : "OUT_OF_BOUNDS_NO_POE",
        message("xcv.expiredNoPoe", { role, notAfter: iso(cert.notAfter) }),
      );
    }
  }
  return null;
}

/** Revocation (§ 5.5.4 step 4 a): on hold, revoked (when, and what proves it), or no usable data. */
function revocationStatus(element: PathElement, input: X509ValidationInput): X509ValidationResult {
  const { cert, index, role, revocation } = element;
  if (revocation?.status === "revoked" && revocation.onHold) {
    // certificateHold is a suspension that may be lifted: not final, so neither valid nor revoked (DSS's
    // CertificateNotOnHoldCheck).
    const onHold = failure("XCV", "TRY_LATER", message("xcv.onHold", { role, since: iso(revocation.revokedAt!) }));
    return { failures: [onHold], warnings: [] };
  }
  if (revocation?.status === "revoked") return revoked(element, input, revocation.revokedAt!);
  if (revocation?.status !== "unknown") return { failures: [], warnings: [] };
  // The signer is named by subject too; a CA's role already names it.
  const noData =
    index === 0
      ? message("xcv.noRevocationData", { role, subject: cert.subject })
      : message("xcv.noRevocationDataCa", { role });
  // A certificate that names no OCSP responder and no CRL can never be checked, now or later (RFC 5280 lets a CA run
  // without revocation): waiting would not help, so it is reported, not held INDETERMINATE/TRY_LATER.
  const checkable = cert.ocspUrls.length > 0 || cert.crlUrls.length > 0;
  if (index === 0 && input.requireSignerRevocation && checkable) {
    return { failures: [failure("XCV", "TRY_LATER", noData)], warnings: [...revocation.notes] };
  }
  const unchecked = checkable
    ? noData
    : index === 0
      ? message("xcv.noRevocationSources", { role, subject: cert.subject })
      : message("xcv.noRevocationSourcesCa", { role });
  return { failures: [], warnings: [unchecked, ...revocation.notes] };
}

/** A revoked certificate: a failure when revoked by the best signature time, a warning when revoked after it. */
function revoked({ index, role }: PathElement, input: X509ValidationInput, at: Date): X509ValidationResult {
  const { poe, signedAfter } = input;
  const bestTime = poe ?? input.validationTime;
  if (at.getTime() > bestTime.getTime()) {
    return { failures: [], warnings: [message("xcv.revokedAfterPoe", { role, at: iso(at) })] };
  }
  let f: Failure;
  if (index > 0) f = failure("XCV", "REVOKED_CA_NO_POE", message("xcv.revoked", { role, at: iso(at) }));
  else if (signedAfter && signedAfter >= at) {
    // Only a lower bound of the signing time after the revocation proves the signature was made revoked.
    f = failure(
      "XCV",
      "REVOKED",
      message("xcv.revokedBeforeSigning", { role, at: iso(at), signedAfter: iso(signedAfter) }),
    );
  } else {
    // A time-stamp after the revocation proves the signature existed by then, not that it was made after the
    // revocation: the signer may have signed while the certificate was good.
    f = failure(
      "XCV",
      "REVOKED_NO_POE",
      poe
        ? message("xcv.revokedBeforePoe", { role, at: iso(at), poe: iso(poe) })
        : message("xcv.revokedNoPoe", { role, at: iso(at) }),
    );
  }
  return { failures: [f], warnings: [] };
}

/**
 * Extensions this validator understands or may ignore (RFC 5280 § 4.2.1; ETSI EN 319 412-5 qcStatements): a
 * critical extension outside this set fails the path. certificatePolicies is accepted (the path is validated under
 * anyPolicy); policyMappings, policyConstraints and inhibitAnyPolicy are not, since policy processing (§ 6.1.3 (d)–
 * § 6.1.5) is not implemented and a critical one may forbid what this validator would allow.
 */
const RECOGNISED_EXTENSIONS = new Set([
  "2.5.29.14", // subjectKeyIdentifier
  "2.5.29.15", // keyUsage
  "2.5.29.17", // subjectAltName
  "2.5.29.18", // issuerAltName
  "2.5.29.19", // basicConstraints
  "2.5.29.30", // nameConstraints
  "2.5.29.31", // cRLDistributionPoints
  "2.5.29.32", // certificatePolicies (validated under anyPolicy)
  "2.5.29.35", // authorityKeyIdentifier
  "2.5.29.37", // extKeyUsage
  "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
  "1.3.6.1.5.5.7.1.3", // qcStatements
  "1.3.6.1.5.5.7.48.1.5", // id-pkix-ocsp-nocheck
]);

/**
 * § 6.1.3 (b), (c): every CA's name constraints bind the certificates below it, except self-issued intermediate CA
 * certificates (the signer's names are always checked). The anchor's too: a national root may constrain its tree.
 */
function nameConstraintFailures(path: readonly Certificate[]): Failure[] {
  const out: Failure[] = [];
  for (let k = path.length - 1; k >= 1; k--) {
    const constraints = path[k]!.nameConstraints;
    if (!constraints) continue;
    for (let j = k - 1; j >= 0; j--) {
      const cert = path[j]!;
      if (j > 0 && cert.selfIssued) continue;
      const why = nameConstraintViolation(cert.names, constraints);
      if (why) {
        out.push(
          failure(
            "XCV",
            "CHAIN_CONSTRAINTS_FAILURE",
            message("xcv.nameConstraints", { subject: cert.subject, why, ca: path[k]!.subject }),
          ),
        );
      }
    }
  }
  return out;
}

/** RFC 5280 § 6.1.4 (k) cA, (l)/(m) pathLenConstraint, (n) keyCertSign; `index` counts from the signer (0). */
function caConstraints(cert: Certificate, index: number): Failure[] {
  const out: Failure[] = [];
  if (!cert.basicConstraints?.ca) {
    out.push(failure("XCV", "CHAIN_CONSTRAINTS_FAILURE", message("xcv.notCa", { subject: cert.subject })));
  }
  if (cert.keyUsage && !cert.keyUsage.keyCertSign) {
    out.push(failure("XCV", "CHAIN_CONSTRAINTS_FAILURE", message("xcv.noKeyCertSign", { subject: cert.subject })));
  }
  const pathLength = cert.basicConstraints?.pathLength;
  // Intermediate CA certificates between this one and the signer (self-issued ones do not count, § 6.1.4 (l)).
  if (pathLength !== undefined && index - 1 > pathLength) {
    out.push(
      failure(
        "XCV",
        "CHAIN_CONSTRAINTS_FAILURE",
        message("xcv.pathLength", { subject: cert.subject, allowed: pathLength, actual: index - 1 }),
      ),
    );
  }
  return out;
}

function signerUsage(cert: Certificate, purpose: "signature" | "timestamp"): Failure | null {
  if (purpose === "timestamp") {
    if (!cert.extendedKeyUsage?.includes(OID_KP_TIME_STAMPING)) {
      return failure("XCV", "SIG_CONSTRAINTS_FAILURE", message("xcv.notTsa", { subject: cert.subject }));
    }
    return null;
  }
  if (cert.keyUsage && !cert.keyUsage.digitalSignature && !cert.keyUsage.nonRepudiation) {
    return failure("XCV", "SIG_CONSTRAINTS_FAILURE", message("xcv.noDigitalSignature", { subject: cert.subject }));
  }
  return null;
}
