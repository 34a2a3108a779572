/**
 * `--key pkcs11:…`: a signer whose key stays in a PKCS#11 token (RFC 7512 URI). The module comes from the URI's
 * module-path or KHATAM_PKCS11_MODULE; the PIN from the URI's pin-value, --password, or KHATAM_PKCS11_PIN.
 */
import type { Signer } from "@khatam/core/keys";

export async function signerFromPkcs11Uri(
  uri: string,
  pin: string | undefined,
  pss: boolean,
): Promise<{ signer: Signer; close: () => Promise<void> }> {
  const { pkcs11SignerFromUri } = await import("@khatam/core/keys/pkcs11");
  const { signer, session } = await pkcs11SignerFromUri(uri, {
    module: process.env.KHATAM_PKCS11_MODULE,
    pin: pin ?? process.env.KHATAM_PKCS11_PIN,
    pss,
  });
  return { signer, close: () => session.close() };
}
