/**
 * Signature acceptance validation, cryptographic constraints (ETSI EN 319 102-1 § 5.2.8, SAV; algorithms after
 * ETSI TS 119 312): SHA-1 for the signature's digest or signature, RSA keys under 2048 bits, and elliptic curves
 * other than P-256, P-384 and P-521 yield CRYPTO_CONSTRAINTS_FAILURE (INDETERMINATE). The same applies to the
 * signatures on the certificates of the path (the trust anchor's own self-signature excepted).
 */
import type { CertificateInfo } from "./certificate-info.js";
import { type Failure, failure } from "./checks.js";
import { algorithmName, type HashName, publicKeyFacts, signatureScheme } from "./crypto.js";

const MIN_RSA_BITS = 2048;
const CURVES = new Set(["P-256", "P-384", "P-521"]);

/** Why a key is too weak, or null. */
export function weakKey(spki: Uint8Array): string | null {
  try {
    const key = publicKeyFacts(spki);
    if (key.type === "rsa" && key.bits < MIN_RSA_BITS)
      return `an RSA key of ${key.bits} bits (at least ${MIN_RSA_BITS} required)`;
    if (key.type === "ec" && !CURVES.has(key.curve ?? ""))
      return `an elliptic curve key on ${key.curve ?? "an unnamed curve"}`;
    if (key.type === "other") return "a key of an unsupported type";
    return null;
  } catch {
    return "an unreadable public key";
  }
}

export function checkAlgorithms(
  digestHash: HashName | undefined,
  signatureHash: HashName | undefined,
  signer: CertificateInfo,
  path: readonly CertificateInfo[],
  what = "the signature",
): Failure[] {
  const out: Failure[] = [];
  const sav = (message: string) => failure("SAV", "INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE", message);
  if (digestHash === "SHA-1" || signatureHash === "SHA-1")
    out.push(sav(`${what} uses SHA-1, which is no longer accepted`));
  const weak = weakKey(signer.spki);
  if (weak) out.push(sav(`${what} is made with ${weak}`));
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    try {
      if (signatureScheme(cert.signatureAlgorithm).hash === "SHA-1") {
        out.push(sav(`the certificate ${cert.subject} is signed with ${algorithmName(cert.signatureAlgorithm.oid)}`));
      }
    } catch {
      out.push(sav(`the certificate ${cert.subject} is signed with ${algorithmName(cert.signatureAlgorithm.oid)}`));
    }
    const issuerWeak = i + 1 < path.length - 1 ? weakKey(path[i + 1]!.spki) : null;
    if (issuerWeak) out.push(sav(`the certificate ${cert.subject} is signed by ${issuerWeak}`));
  }
  return out;
}
