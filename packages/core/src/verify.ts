/**
 * Entry point `@khatam/core/verify`: validation of signed PDFs (ETSI EN 319 102-1) and its report.
 */

export * from "./validation/cades.js";
export * from "./validation/dss.js";
export * from "./validation/messages.js";
export * from "./validation/modifications.js";
export * from "./validation/pdf-signatures.js";
export * from "./validation/policy.js";
export * from "./validation/report.js";
export * from "./validation/validate.js";
