/** `khatam verify` arrives with the validation engine. */
import { UsageError } from "./usage.js";

export async function verifyCommand(_argv: string[]): Promise<number> {
  throw new UsageError("verify: the validation engine is not part of this build yet");
}
