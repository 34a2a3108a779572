/**
 * Entry point `@khatam/core/sign`: PAdES signing (B-B, B-T), external (device-key) signatures, B-LT/B-LTA.
 */

export * from "./pades/external.js";
export * from "./pades/long-term.js";
export * from "./pades/sign.js";
export * from "./pades/signature-revision.js";
