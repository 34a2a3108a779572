/**
 * The one error type the key providers throw for bad input, so a caller (the CLI, the server) can print its message
 * as one line and branch on `code` without matching message text.
 */

/** What went wrong while loading or using a key. */
export type KeyErrorCode =
  | "WRONG_PASSWORD"
  | "PASSWORD_REQUIRED"
  | "NOT_A_PRIVATE_KEY"
  | "NOT_A_CERTIFICATE"
  | "UNSUPPORTED_KEY_TYPE"
  | "UNSUPPORTED_ENCRYPTION"
  | "MALFORMED_PKCS12"
  | "KEY_CERTIFICATE_MISMATCH"
  | "PKCS11";

export class KeyError extends Error {
  override readonly name = "KeyError";
  /** A stable code for programs; the message is for people. */
  readonly code: KeyErrorCode;

  constructor(code: KeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
