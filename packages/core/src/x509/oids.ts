/**
 * Object identifiers of X.509 certificates (RFC 5280 § 4.2) that both the readers and the writers of certificates
 * name: one place for each, with no ASN.1 schema library behind it, so that the validator (the command line's
 * `verify`, the browser) can use them without loading what the certificate authority writes with.
 */

/** Attribute types of a distinguished name (X.520, RFC 5280 § 4.1.2.4; organizationIdentifier: EN 319 412-1). */
export const OID_COUNTRY = "2.5.4.6";
export const OID_ORGANIZATION = "2.5.4.10";
export const OID_ORGANIZATIONAL_UNIT = "2.5.4.11";
export const OID_COMMON_NAME = "2.5.4.3";
export const OID_SERIAL_NUMBER = "2.5.4.5";
export const OID_ORGANIZATION_IDENTIFIER = "2.5.4.97";

/** Extensions read by {@link Certificate} (RFC 5280 § 4.2.1 and § 4.2.2). */
export const EXTENSION = {
  authorityKeyIdentifier: "2.5.29.35",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  cRLDistributionPoints: "2.5.29.31",
  certificatePolicies: "2.5.29.32",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  /** id-pkix-ocsp-nocheck (RFC 6960 § 4.2.2.2.1). */
  ocspNoCheck: "1.3.6.1.5.5.7.48.1.5",
} as const;

/** Access methods of authorityInfoAccess (RFC 5280 § 4.2.2.1). */
export const OID_AD_OCSP = "1.3.6.1.5.5.7.48.1";
export const OID_AD_CA_ISSUERS = "1.3.6.1.5.5.7.48.2";
/** id-pkix-ocsp-nocheck (RFC 6960 § 4.2.2.2.1). */
export const OID_OCSP_NOCHECK = EXTENSION.ocspNoCheck;
/** Key purposes (RFC 5280 § 4.2.1.12): id-kp-timeStamping, id-kp-OCSPSigning. */
export const OID_KP_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
export const OID_KP_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";
