/**
 * The fields a sender places for each recipient (issue 13.1) and how each becomes an AcroForm field (ISO 32000-2
 * § 12.7): signature → /FT /Sig (§ 12.7.5.5); initials, date, name, title, text → /FT /Tx (§ 12.7.5.3);
 * checkbox → /FT /Btn with the /On and /Off appearance states (§ 12.7.5.2.3).
 *
 * Private keys (ISO 32000-2 § 14.1 allows second-class names in a field dictionary; readers ignore them):
 * - /KhatamRecipient (text string): the recipient who owns the field, an opaque id (the server uses the
 *   recipient's id). Filling refuses a value for a field another recipient owns.
 * - /KhatamKind (name): which of the kinds below the field is, since several share /FT /Tx.
 * Both are written before the first signature and never change afterwards.
 */

export type FieldKind = "signature" | "initials" | "date" | "name" | "title" | "text" | "checkbox";

export const FIELD_KINDS: readonly FieldKind[] = ["signature", "initials", "date", "name", "title", "text", "checkbox"];

export interface FieldSpec {
  /** Fully qualified AcroForm field name (§ 12.7.4.2), unique in the document, e.g. "r2.text.1" or "r2.signature". */
  readonly name: string;
  /** Opaque owner id (stored in /KhatamRecipient). */
  readonly recipient: string;
  readonly kind: FieldKind;
  /** 1-based page number. */
  readonly page: number;
  /**
   * x1 y1 x2 y2 in the page's default user space (the coordinates of an annotation's /Rect, § 12.5.2); it must lie
   * within the page's crop box, whose origin the page's /CropBox (or /MediaBox) gives.
   */
  readonly rect: readonly [number, number, number, number];
  /** What the field asks for (/TU, § 12.7.4.1), shown in the empty field and read out by screen readers. */
  readonly label?: string;
  /** Whether the recipient must fill it before signing (/Ff bit 2, Required). */
  readonly required?: boolean;
}

/** A field as the document holds it. */
export interface FieldState extends FieldSpec {
  /** The value (/V): text for text fields, true/false for a checkbox; absent while empty. Signature fields: none. */
  readonly value?: string | boolean;
  /** True when a signature covers the field: a signed signature field, or a field its owner's signature locks. */
  readonly signed: boolean;
}

export type FieldErrorCode =
  | "page_missing"
  | "off_page"
  | "overlaps_signature"
  | "duplicate_name"
  | "bad_name"
  | "bad_kind"
  | "bad_rect"
  | "no_fields"
  | "bad_value"
  | "not_owner"
  | "unknown_field"
  | "required_missing"
  | "unreadable_pdf"
  | "encrypted_pdf"
  | "signed_field"
  /** A label or value in a script none of the shipped fonts covers. */
  | "unsupported_script";

/** A field or a value the document cannot take; `message` is one line a person can act on. */
export class FieldError extends Error {
  override name = "FieldError";
  constructor(
    readonly code: FieldErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Field flag bits (§ 12.7.4.1 Table 227). */
export const FF_READ_ONLY = 1;
export const FF_REQUIRED = 2;

/** The private keys described above. */
export const OWNER_KEY = "KhatamRecipient";
export const KIND_KEY = "KhatamKind";
