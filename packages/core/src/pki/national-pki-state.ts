/**
 * The durable state of a national PKI, and the way back from it: everything {@link createNationalPki} made except
 * the private keys, as a plain JSON-able value, and {@link restoreNationalPki} to re-open it with the keys found
 * again (decrypted from disk, or by label in a PKCS#11 token).
 *
 * Storage is the caller's business: this module does no I/O. The state is small (one entry per issued certificate)
 * and meant to be written whole, atomically, after every change.
 */

import { Certificate } from "../x509/certificate.js";
import type { CertificateAuthority, IssuedCertificate } from "./authority.js";
import type { RevocationReason } from "./crl.js";
import {
  assembleNationalPki,
  type CertificateRecord,
  type NationalPki,
  type RoleKey,
  type TrustServiceRole,
} from "./national-pki.js";
import type { EndEntityProfile } from "./profiles.js";

/** The roles in a fixed order, for iteration. */
export const TRUST_SERVICE_ROLES: readonly TrustServiceRole[] = ["root", "issuing", "tsa", "ocsp"];

/** One issued certificate in the state (JSON form of {@link CertificateRecord}). */
export interface CertificateRecordState {
  /** Serial number, lower-case hex. */
  readonly serial: string;
  readonly profile: EndEntityProfile;
  /** The certificate, base64 DER (notBefore and notAfter are read from it again). */
  readonly der: string;
  /** Present once revoked: ISO-8601 time and RFC 5280 § 5.3.1 reason name. */
  readonly revoked?: { readonly at: string; readonly reason: RevocationReason };
}

/** A national PKI minus its private keys. */
export interface NationalPkiState {
  readonly id: string;
  readonly country: string;
  readonly organization: string;
  /** The trust services' own certificates, base64 DER. */
  readonly certificates: Readonly<Record<TrustServiceRole, string>>;
  /** Certificates the issuing CA issued, in issuance order. */
  readonly records: readonly CertificateRecordState[];
  /** The last CRL number used (RFC 5280 § 5.2.3: never reused, so it must survive a restart). */
  readonly crlNumber: number;
}

/** The state of `pki` now. */
export function nationalPkiState(pki: NationalPki): NationalPkiState {
  const b64 = (der: Uint8Array) => Buffer.from(der).toString("base64");
  return {
    id: pki.id,
    country: pki.country,
    organization: pki.organization,
    certificates: {
      root: b64(pki.root.certificate),
      issuing: b64(pki.issuing.certificate),
      tsa: b64(pki.tsa.certificate),
      ocsp: b64(pki.ocsp.certificate),
    },
    records: pki.certificates().map((record) => ({
      serial: record.serial,
      profile: record.profile,
      der: b64(record.der),
      ...(record.revoked && { revoked: { at: record.revoked.at.toISOString(), reason: record.revoked.reason } }),
    })),
    crlNumber: pki.crlNumber,
  };
}

/** The key of one role does not belong to the certificate the state holds for it. */
export class KeyMismatchError extends Error {
  override readonly name = "KeyMismatchError";
}

/**
 * Re-opens a national PKI from its state and its keys. Each key must hold the public key of its role's certificate
 * (checked here, so that a wrong master key or token fails at start, not at the first signature). `publicUrl` is
 * the one written into certificates issued from now on.
 */
export function restoreNationalPki(options: {
  readonly state: NationalPkiState;
  readonly keys: Readonly<Record<TrustServiceRole, RoleKey>>;
  readonly publicUrl: string;
}): NationalPki {
  const { state, keys } = options;
  const certificates = {} as Record<TrustServiceRole, IssuedCertificate>;
  for (const role of TRUST_SERVICE_ROLES) {
    const der = new Uint8Array(Buffer.from(state.certificates[role], "base64"));
    const issued = issuedFromDer(der);
    const spki = Certificate.fromDer(der).spki;
    if (!Buffer.from(spki).equals(Buffer.from(keys[role].signer.publicKeySpki))) {
      throw new KeyMismatchError(`the ${role} key of CA ${state.id} does not match its certificate`);
    }
    certificates[role] = issued;
  }
  const ca = (id: string, role: TrustServiceRole): CertificateAuthority => ({
    id,
    certificate: certificates[role].der,
    signer: keys[role].signer,
    publicUrl: options.publicUrl,
  });
  const records: CertificateRecord[] = state.records.map((record) => ({
    ...issuedFromDer(new Uint8Array(Buffer.from(record.der, "base64"))),
    profile: record.profile,
    ...(record.revoked && { revoked: { at: new Date(record.revoked.at), reason: record.revoked.reason } }),
  }));
  return assembleNationalPki({
    id: state.id,
    country: state.country,
    organization: state.organization,
    rootCa: ca(`${state.id}-root`, "root"),
    issuingCa: ca(state.id, "issuing"),
    certificates,
    keys,
    records,
    crlNumber: state.crlNumber,
  });
}

function issuedFromDer(der: Uint8Array): IssuedCertificate {
  const { serial, notBefore, notAfter } = Certificate.fromDer(der);
  return { der, serial, notBefore, notAfter };
}
