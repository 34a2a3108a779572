/**
 * Entry point `@khatam/core/appearance`: what signatures and filled fields look like on the page — shaped,
 * subsetted text in embedded fonts (Arabic, Japanese, Latin), the Gregorian and national calendars, the seal,
 * images, and appearance streams. Node only (the fonts are read from their npm packages); neither the browser
 * validator nor the command line's `verify` loads it.
 */
export * from "./appearance/calendars.js";
export { type CertificateNames, certificateNames } from "./appearance/certificate-names.js";
export { AppearanceError, type AppearanceErrorCode } from "./appearance/errors.js";
export { type AppearanceStream, writeFormXObject } from "./appearance/form-xobject.js";
export { MAX_IMAGE_SIDE } from "./appearance/images.js";
export * from "./appearance/labels.js";
export { MAX_SEAL_CHARACTERS } from "./appearance/seal.js";
export {
  MIN_APPEARANCE_SIZE,
  type SignatureAppearance,
  signatureAppearance,
} from "./appearance/signature-appearance.js";
export { type Paragraph, type TextDocumentOptions, textDocument } from "./appearance/text-document.js";
export { MIN_FONT_SIZE, type TextFieldOptions, textFieldAppearance } from "./appearance/text-field.js";
