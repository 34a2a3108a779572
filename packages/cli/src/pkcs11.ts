/** `--key pkcs11:…`: a signer whose key stays in a PKCS#11 token (RFC 7512 URI). */
import type { Signer } from "@khatam/core/keys/signer";
import { UsageError } from "./usage.js";

export async function signerFromPkcs11Uri(_uri: string, _pin?: string): Promise<Signer> {
  throw new UsageError("sign: PKCS#11 keys are not wired into the command line yet");
}
