/**
 * Why an appearance could not be made. The code is stable (the server maps it to a message in the reader's
 * language); the message is one English line for logs and the command line.
 */
export type AppearanceErrorCode =
  /** The bytes are neither a PNG nor a JPEG (checked by signature before any decoding). */
  | "not_an_image"
  /** Wider or taller than `MAX_IMAGE_SIDE` pixels. */
  | "image_too_large"
  /** A small file that would decode to far more pixels than such a file can honestly hold (a decompression bomb). */
  | "decompression_bomb"
  /** A PNG or JPEG whose structure is damaged or of a kind not supported (e.g. interlaced, 16-bit CMYK). */
  | "bad_image"
  /** Text in a script that none of the shipped fonts covers. */
  | "unsupported_script"
  /** Text that does not fit the box even at the smallest legible size. */
  | "does_not_fit"
  /** A seal name that is empty or longer than four characters. */
  | "bad_seal_name";

export class AppearanceError extends Error {
  override name = "AppearanceError";
  constructor(
    readonly code: AppearanceErrorCode,
    message: string,
  ) {
    super(message);
  }
}
