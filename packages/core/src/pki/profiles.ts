/**
 * Certificate profiles: which extensions each kind of certificate carries and how long it lives (RFC 5280 § 4.2).
 *
 * - `root-ca`, `issuing-ca`, `cross-ca`: basicConstraints cA (critical), keyUsage keyCertSign + cRLSign (critical).
 * - `official`: a natural person signing for a government: keyUsage digitalSignature + nonRepudiation (critical),
 *   ETSI EN 319 412-2 § 4.3.2 for qualified signatures.
 * - `seal`: an agency e-seal, the organisation as subject (EN 319 412-3), the same keyUsage.
 * - `tsa`: keyUsage digitalSignature, extKeyUsage id-kp-timeStamping only and critical (RFC 3161 § 2.3).
 * - `ocsp`: a delegated responder: extKeyUsage id-kp-OCSPSigning and id-pkix-ocsp-nocheck (RFC 6960 § 4.2.2.2).
 * - `tl-signer`: the scheme operator's trusted-list signing certificate (ETSI TS 119 612 § 5.7.1): keyUsage
 *   digitalSignature + nonRepudiation (critical), extKeyUsage id-tsl-kp-tslSigning, basicConstraints cA false. It is
 *   self-signed (see {@link createSelfSignedCertificate}) and names no issuer services: relying parties trust it
 *   because they hold this very certificate (published out of band, as the EU LOTL publishes each list's signers).
 *
 * End-entity certificates point to their issuer's services (AIA § 4.2.2.1, CRL distribution points § 4.2.1.13)
 * under `${publicUrl}/pki/${caId}/`, the platform's HTTP contract.
 */
import { OctetString } from "@peculiar/asn1-schema";
import {
  AccessDescription,
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  DistributionPoint,
  DistributionPointName,
  ExtendedKeyUsage,
  Extension,
  GeneralName,
  GeneralNames,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_OCSPSigning,
  id_kp_timeStamping,
  id_pe_authorityInfoAccess,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { OID_AD_CA_ISSUERS, OID_AD_OCSP, OID_OCSP_NOCHECK } from "../x509/oids.js";
import { extension, keyIdentifier } from "./certificate.js";

/** Every kind of certificate the platform issues. */
export type CertificateProfile =
  | "root-ca"
  | "issuing-ca"
  | "cross-ca"
  | "official"
  | "seal"
  | "tsa"
  | "ocsp"
  | "tl-signer";

/** The profiles of certificates issued to end entities (not CAs). */
export type EndEntityProfile = "official" | "seal" | "tsa" | "ocsp";

/** id-tsl-kp-tslSigning (ETSI TS 119 612 § 5.7.1, { itu-t(0) identified-organization(4) etsi(0) tsl-specification(2231) kp(3) tslSigning(0) }). */
export const OID_TSL_SIGNING = "0.4.0.2231.3.0";

/** Default lifetimes in years; callers may shorten or lengthen them, never beyond the issuer's notAfter. */
export const DEFAULT_VALIDITY_YEARS: Readonly<Record<CertificateProfile, number>> = {
  "root-ca": 20,
  "issuing-ca": 10,
  "cross-ca": 5,
  tsa: 10,
  ocsp: 1,
  official: 2,
  seal: 2,
  // EU trusted-list signing certificates commonly live 3 to 5 years; a new one is announced before the old expires.
  "tl-signer": 5,
};

/** Whether a profile describes a CA certificate. */
export function isCaProfile(profile: CertificateProfile): boolean {
  return profile === "root-ca" || profile === "issuing-ca" || profile === "cross-ca";
}

/** What the profile needs to know about the certificate being made. */
export interface ProfileContext {
  /** DER SubjectPublicKeyInfo of the subject: source of the subjectKeyIdentifier. */
  readonly subjectSpki: Uint8Array;
  /** DER SubjectPublicKeyInfo of the issuer: source of the authorityKeyIdentifier (the subject's own for a root). */
  readonly issuerSpki: Uint8Array;
  /** Base URL of the platform, e.g. `https://khatam.example`; required for end-entity profiles. */
  readonly publicUrl?: string;
  /** Id of the issuing CA in URLs, e.g. `jp`; required for end-entity profiles. */
  readonly caId?: string;
  /** rfc822Name for subjectAltName. */
  readonly email?: string;
  /** basicConstraints pathLenConstraint for CA profiles; `issuing-ca` defaults to 0, others to none. */
  readonly pathLength?: number;
}

/** The extensions of a certificate of `profile` (RFC 5280 § 4.2), in a stable order. */
export function profileExtensions(profile: CertificateProfile, context: ProfileContext): Extension[] {
  const extensions: Extension[] = [];
  if (isCaProfile(profile)) {
    const pathLenConstraint = context.pathLength ?? (profile === "issuing-ca" ? 0 : undefined);
    // § 4.2.1.9: MUST be critical in CA certificates that sign certificates.
    extensions.push(extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint })));
    extensions.push(keyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign));
  } else if (profile === "official" || profile === "seal") {
    extensions.push(keyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation));
  } else if (profile === "tl-signer") {
    // § 5.7.1: not a CA, a signing key for lists only.
    extensions.push(extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })));
    extensions.push(keyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation));
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([OID_TSL_SIGNING])));
  } else if (profile === "tsa") {
    extensions.push(keyUsage(KeyUsageFlags.digitalSignature));
    extensions.push(extension(id_ce_extKeyUsage, true, new ExtendedKeyUsage([id_kp_timeStamping])));
  } else if (profile === "ocsp") {
    extensions.push(keyUsage(KeyUsageFlags.digitalSignature));
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_OCSPSigning])));
    // RFC 6960 § 4.2.2.2.1: clients need not check the responder's own status; its value is NULL.
    extensions.push(
      new Extension({ extnID: OID_OCSP_NOCHECK, critical: false, extnValue: new OctetString(new Uint8Array([5, 0])) }),
    );
  }
  extensions.push(
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(context.subjectSpki))),
  );
  // § 4.2.1.1: MUST be included in every certificate but a self-signed root, where it MAY be (and helps path builders).
  extensions.push(
    extension(
      id_ce_authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new OctetString(keyIdentifier(context.issuerSpki)) }),
    ),
  );
  if (context.email) {
    extensions.push(
      extension(id_ce_subjectAltName, false, new GeneralNames([new GeneralName({ rfc822Name: context.email })])),
    );
  }
  // A self-signed TL signer has no issuer whose services it could name.
  if (!isCaProfile(profile) && profile !== "tl-signer") {
    if (!context.publicUrl || !context.caId) {
      throw new Error(`a ${profile} certificate needs the issuing CA's publicUrl and id for its AIA and CRL DP`);
    }
    const base = `${context.publicUrl.replace(/\/+$/, "")}/pki/${encodeURIComponent(context.caId)}`;
    const uri = (path: string) => new GeneralName({ uniformResourceIdentifier: `${base}/${path}` });
    extensions.push(
      extension(
        id_pe_authorityInfoAccess,
        false,
        new AuthorityInfoAccessSyntax([
          new AccessDescription({ accessMethod: OID_AD_OCSP, accessLocation: uri("ocsp") }),
          new AccessDescription({ accessMethod: OID_AD_CA_ISSUERS, accessLocation: uri("ca.cer") }),
        ]),
      ),
    );
    extensions.push(
      extension(
        id_ce_cRLDistributionPoints,
        false,
        new CRLDistributionPoints([
          new DistributionPoint({ distributionPoint: new DistributionPointName({ fullName: [uri("crl")] }) }),
        ]),
      ),
    );
  }
  return extensions;
}

/** keyUsage (§ 4.2.1.3), critical as the section recommends. */
function keyUsage(flags: number): Extension {
  return extension(id_ce_keyUsage, true, new KeyUsage(flags));
}

/** `years` after `from`, by calendar (so a 2-year certificate issued on 1 March ends on 1 March). */
export function addYears(from: Date, years: number): Date {
  const date = new Date(from);
  date.setUTCFullYear(date.getUTCFullYear() + years);
  return date;
}
