/**
 * Entry point `@khatam/core/keys`: the abstract Signer, software keys, PEM/DER loading, key–certificate matching. PKCS#11 (a native addon) and PKCS#12 (an ASN.1 schema stack) have entry points of their own.
 */

export * from "./keys/ecdsa-sig-value.js";
export * from "./keys/errors.js";
export * from "./keys/match.js";
export * from "./keys/pem.js";
export * from "./keys/signer.js";
export * from "./keys/software.js";
