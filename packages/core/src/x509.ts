/**
 * Entry point `@khatam/core/x509`: the one reading of X.509 certificates (RFC 5280) — {@link Certificate} — with
 * their names and the object identifiers of their extensions. Light: no ASN.1 schema library, usable in the browser.
 */

export * from "./x509/certificate.js";
export * from "./x509/name.js";
export * from "./x509/oids.js";
