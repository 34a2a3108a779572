/**
 * Entry point `@khatam/core/vocabulary`: what a user interface shares with the library without loading it — the validation messages with their ar/en/ja catalogues, the revocation reasons, the calendars of dates and the labels of a visible signature.
 */

export * from "./appearance/calendars.js";
export * from "./appearance/labels.js";
export * from "./pki/revocation-reasons.js";
export * from "./validation/messages/ar.js";
export * from "./validation/messages/en.js";
export * from "./validation/messages/ja.js";
export * from "./validation/messages.js";
