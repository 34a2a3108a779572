/**
 * Entry point `@khatam/core/pdf`: reading PDFs revision by revision, and incremental updates.
 */
export * from "./pdf/objects.js";
export * from "./pdf/reader.js";
export * from "./pdf/writer.js";
