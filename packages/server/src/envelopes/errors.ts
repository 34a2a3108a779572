/**
 * Coded failures of the envelope workflow. The domain throws them without knowing HTTP; the routes map each code to
 * a status with {@link httpStatusOf} (CONTRACTS § 3: `{ "error": { "code", "message" } }`).
 */
export type EnvelopeErrorCode =
  | "not_found" // unknown, or not visible to the caller (never 403, so existence does not leak)
  | "invalid_request"
  | "invalid_pdf"
  | "encrypted_pdf"
  | "unsupported_media_type"
  | "payload_too_large"
  | "forbidden" // visible, but the caller's role may not do this
  | "no_signing_certificate"
  | "not_a_recipient"
  | "envelope_not_draft"
  | "envelope_not_sent"
  | "not_your_turn"
  | "already_signed"
  | "already_declined"
  | "wrong_signing_method"
  | "session_not_found"
  | "session_stale"
  | "invalid_signature_value"
  | "field_recipient_unknown" // a field names someone who is not a recipient of the envelope
  | "field_recipient_not_signer" // only signers get fields
  | "field_signature_missing" // a signer with fields needs exactly one signature field
  | "field_page_missing"
  | "field_off_page"
  | "field_overlaps_signature" // on a signature already made
  | "field_required_missing" // the signer left a required field empty
  | "field_value_invalid" // a value for a field that is not the signer's, or of the wrong type
  | "invalid_image" // a signature mark or seal that is not a PNG/JPEG, too large, or a decompression bomb
  | "unsupported_script" // text no shipped font covers
  | "recently_reminded" // a reminder went out moments ago; another would be noise
  | "concurrent_change"; // the envelope changed under the caller (optimistic `version` check); retry

export class EnvelopeError extends Error {
  override readonly name = "EnvelopeError";
  constructor(
    readonly code: EnvelopeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Record<EnvelopeErrorCode, number> = {
  not_found: 404,
  invalid_request: 400,
  invalid_pdf: 400,
  encrypted_pdf: 415,
  unsupported_media_type: 415,
  payload_too_large: 413,
  forbidden: 403,
  no_signing_certificate: 403,
  not_a_recipient: 403,
  envelope_not_draft: 409,
  envelope_not_sent: 409,
  not_your_turn: 409,
  already_signed: 409,
  already_declined: 409,
  wrong_signing_method: 409,
  session_not_found: 404,
  session_stale: 409,
  invalid_signature_value: 400,
  field_recipient_unknown: 422,
  field_recipient_not_signer: 422,
  field_signature_missing: 422,
  field_page_missing: 422,
  field_off_page: 422,
  field_overlaps_signature: 422,
  field_required_missing: 422,
  field_value_invalid: 422,
  invalid_image: 422,
  unsupported_script: 422,
  recently_reminded: 429,
  concurrent_change: 409,
};

export function httpStatusOf(code: EnvelopeErrorCode): number {
  return STATUS[code];
}
