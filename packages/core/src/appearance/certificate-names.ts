/**
 * What a visible signature says about its signer when the caller gives nothing else: the names in the signer's
 * certificate (RFC 5280 § 4.1.2.4, § 4.1.2.6) — the subject's common name, organisation and country, and the
 * issuer's common name (or organisation).
 */
import { Certificate } from "../x509/certificate.js";
import { OID_COMMON_NAME, OID_COUNTRY, OID_ORGANIZATION } from "../x509/oids.js";

export interface CertificateNames {
  readonly name: string;
  readonly agency?: string;
  readonly country?: string;
  readonly issuer?: string;
}

export function certificateNames(certificate: Uint8Array): CertificateNames {
  const cert = Certificate.fromDer(certificate);
  const subject = (oid: string) => cert.subjectAttribute(oid) ?? undefined;
  const issuer = (oid: string) => cert.issuerAttribute(oid) ?? undefined;
  return {
    name: subject(OID_COMMON_NAME) ?? subject(OID_ORGANIZATION) ?? cert.subject,
    agency: subject(OID_ORGANIZATION),
    country: subject(OID_COUNTRY),
    issuer: issuer(OID_COMMON_NAME) ?? issuer(OID_ORGANIZATION),
  };
}
