/**
 * Entry point `@khatam/core/forms`: fields placed for each recipient (AcroForm fields and widgets with FieldMDP
 * locks), read back, filled in the signer's own revision (`PadesSignOptions.fill`), and a free place on a page.
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
