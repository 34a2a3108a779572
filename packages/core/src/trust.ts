/**
 * Entry point `@khatam/core/trust`: trust anchors and ETSI TS 119 612 trusted lists (read, verify, write).
 */
export * from "./trust/anchors.js";
export * from "./trust/trusted-list.js";
export * from "./trust/trusted-list-model.js";
export * from "./trust/trusted-list-writer.js";
