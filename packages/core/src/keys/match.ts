/**
 * Refusing a certificate that does not belong to the signing key: signing with a mismatched pair produces a
 * signature no validator can verify (ETSI EN 319 102-1 would end in SIG_CRYPTO_FAILURE), so it is stopped up front.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { Certificate } from "../x509/certificate.js";
import { KeyError } from "./errors.js";
import type { Signer } from "./signer.js";

/**
 * Whether two public keys are the same key. EC keys are compared as JWK coordinates, since Node keeps a compressed
 * point compressed when it re-exports SPKI; other keys as Node's re-exported SPKI.
 * Not `KeyObject.equals`: given keys of different types it leaves an error on OpenSSL's error queue that the next,
 * unrelated, crypto call in this thread then reports as its own failure.
 */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  if (a.asymmetricKeyType !== b.asymmetricKeyType) return false;
  if (a.asymmetricKeyType === "ec") {
    const [ja, jb] = [a.export({ format: "jwk" }), b.export({ format: "jwk" })];
    return ja.crv === jb.crv && ja.x === jb.x && ja.y === jb.y;
  }
  return a.export({ type: "spki", format: "der" }).equals(b.export({ type: "spki", format: "der" }));
}

/**
 * Throws KeyError KEY_CERTIFICATE_MISMATCH unless the certificate's public key is the signer's.
 *
 * The keys are compared, not the SPKI bytes as given: both sides are re-encoded by Node so that equivalent encodings (an EC
 * point compressed in one and not the other, explicit versus named curve parameters, a NULL or absent RSA
 * parameter) do not cause a false mismatch.
 */
export function assertKeyMatchesCertificate(signer: Signer, certificateDer: Uint8Array): void {
  let certificate: Certificate;
  let certificateKey: KeyObject;
  try {
    certificate = Certificate.fromDer(certificateDer);
    certificateKey = createPublicKey({ key: Buffer.from(certificate.spki), format: "der", type: "spki" });
  } catch (error) {
    throw new KeyError("NOT_A_CERTIFICATE", "not a certificate: the signer certificate is malformed", { cause: error });
  }
  const signerKey = createPublicKey({ key: Buffer.from(signer.publicKeySpki), format: "der", type: "spki" });
  if (!samePublicKey(certificateKey, signerKey)) {
    throw new KeyError("KEY_CERTIFICATE_MISMATCH", `the key does not match the certificate (${certificate.subject})`);
  }
}
