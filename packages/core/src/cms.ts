/**
 * Entry point `@khatam/core/cms`: DER walking and writing, the certificates of a CMS, RFC 3161 time-stamps.
 */

export * from "./cms/certificates.js";
export * from "./cms/der.js";
export * from "./cms/timestamp.js";
export * from "./cms/tst-info.js";
