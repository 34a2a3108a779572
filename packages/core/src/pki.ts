/**
 * Entry point `@khatam/core/pki`: certificate authorities and their national PKIs (certificates, profiles, CSRs, CRLs, OCSP client, in-process services).
 */

export * from "./pki/authority.js";
export * from "./pki/certificate.js";
export * from "./pki/crl.js";
export * from "./pki/csr.js";
export * from "./pki/in-process.js";
export * from "./pki/national-pki.js";
export * from "./pki/national-pki-state.js";
export * from "./pki/ocsp-client.js";
export * from "./pki/profiles.js";
export * from "./pki/revocation-reasons.js";
