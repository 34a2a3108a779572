/**
 * The sender's fields checked before they are sent, as the server will check them (envelopes/fields.ts and core's
 * `addFields`), so that a mistake is shown on the field that has it rather than as one refusal of the whole
 * envelope: a field off its page (`field_off_page`), over a signature already in the document
 * (`field_overlaps_signature`), for an approver or viewer (`field_recipient_not_signer`), a signer with
 * fields but no signature field or two (`field_signature_missing`). One more the server lets through: two fields
 * of the document on top of each other (`field_overlaps_field`), which no one could fill. Pure, tested in Node.
 */
import type { EnvelopeErrorCode, FieldKind } from "@khatam/server/api";
import { overlaps, type PdfRect, within } from "./field-geometry.js";

/** A field as the editor keeps it: its recipient by their row's key (rows can be removed and reordered). */
export interface PlacedField {
  readonly id: number;
  readonly recipientKey: number;
  readonly kind: FieldKind;
  readonly page: number;
  readonly rect: PdfRect;
  readonly label: string;
  readonly required: boolean;
}

/** A recipient of the envelope, as the checks need them. */
export interface FieldRecipient {
  readonly key: number;
  /** A signer (here or on a partner instance): the only recipients who get fields. */
  readonly mayHaveFields: boolean;
}

/** What the checks know of a page: its visible region and the signatures already in it (user space). */
export interface PageFacts {
  readonly box: PdfRect;
  readonly signatures: readonly PdfRect[];
}

/**
 * The server's refusals of a sender's fields (its `field_*` error codes, less those about a signer's values), and
 * two it has no code of its own for: fields on top of each other, and a second signature field for one signer
 * (the server answers `field_signature_missing`, "exactly one").
 */
export type FieldProblemCode =
  | Exclude<Extract<EnvelopeErrorCode, `field_${string}`>, "field_required_missing" | "field_value_invalid">
  | "field_overlaps_field"
  | "field_signature_twice";

export interface FieldProblem {
  readonly code: FieldProblemCode;
  /** The field it is about; for a missing signature field, the recipient's first field. */
  readonly fieldId: number;
  readonly recipientKey: number;
}

/** Every problem of the fields, in the order of the fields. `pages[n - 1]` is page n (undefined: not yet read). */
export function checkFields(
  fields: readonly PlacedField[],
  recipients: readonly FieldRecipient[],
  pages: readonly (PageFacts | undefined)[],
  pageCount: number,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (code: FieldProblemCode, f: PlacedField) =>
    problems.push({ code, fieldId: f.id, recipientKey: f.recipientKey });
  const signatures = new Map<number, number>();
  for (const [i, f] of fields.entries()) {
    const recipient = recipients.find((r) => r.key === f.recipientKey);
    if (!recipient) add("field_recipient_unknown", f);
    else if (!recipient.mayHaveFields) add("field_recipient_not_signer", f);
    if (f.kind === "signature") {
      const n = (signatures.get(f.recipientKey) ?? 0) + 1;
      signatures.set(f.recipientKey, n);
      if (n === 2) add("field_signature_twice", f);
    }
    if (!Number.isInteger(f.page) || f.page < 1 || f.page > pageCount) {
      add("field_page_missing", f);
      continue;
    }
    const page = pages[f.page - 1];
    if (page && !within(f.rect, page.box)) add("field_off_page", f);
    else if (page?.signatures.some((s) => overlaps(s, f.rect))) add("field_overlaps_signature", f);
    else if (fields.slice(0, i).some((o) => o.page === f.page && overlaps(o.rect, f.rect))) {
      add("field_overlaps_field", f);
    }
  }
  const firsts = new Map<number, PlacedField>();
  for (const f of fields) if (!firsts.has(f.recipientKey)) firsts.set(f.recipientKey, f);
  for (const [key, first] of firsts) {
    if (!signatures.has(key) && recipients.some((r) => r.key === key && r.mayHaveFields)) {
      add("field_signature_missing", first);
    }
  }
  return problems;
}
