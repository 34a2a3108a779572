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
  recently_reminded: 429,
  concurrent_change: 409,
};

export function httpStatusOf(code: EnvelopeErrorCode): number {
  return STATUS[code];
}
