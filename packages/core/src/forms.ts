/**
 * Entry point `@khatam/core/forms`: fields placed for each recipient (AcroForm fields and widgets with FieldMDP
 * locks), read back, filled in the signer's own revision (`PadesSignOptions.fill`), and a free place on a page.
 *
 * Refinements of the interface agreed for issue 13 (for the server and the web app):
 * - every rectangle (FieldSpec.rect, readFields, freeArea) is in the page's default user space — the coordinates
 *   of an annotation's /Rect — and a field must lie within the page's visible box, which `pageBoxes` gives;
 * - readFields returns FieldState: the spec plus `value` (text, or true/false for a checkbox) and `signed` (a
 *   signature covers it: a signed signature field, or a field a signature made locks);
 * - FieldError codes: page_missing, off_page, overlaps_signature, duplicate_name, bad_name, bad_kind, bad_rect,
 *   signed_field (only signature fields can be added to a signed document; a locked field cannot be filled),
 *   unsupported_script, bad_value, not_owner, unknown_field, required_missing, unreadable_pdf, encrypted_pdf;
 * - filling: a "date" field the signer leaves out is filled with the signing date (Gregorian and their calendar);
 *   a required checkbox must be checked;
 * - freeArea takes options: margin, gap, step, and `avoid` (rectangles about to be placed).
 */
export { addFields } from "./forms/add-fields.js";
export { type LockedFields, signatureLock } from "./forms/field-lock.js";
export {
  FIELD_KINDS,
  FieldError,
  type FieldErrorCode,
  type FieldKind,
  type FieldSpec,
  type FieldState,
} from "./forms/field-spec.js";
export type { FillValues } from "./forms/fill.js";
export { type FreeAreaOptions, freeArea } from "./forms/free-area.js";
export { pageBoxes, readFields } from "./forms/read-fields.js";
