/**
 * Signature acceptance validation, cryptographic constraints (ETSI EN 319 102-1 § 5.2.8, SAV; algorithms after
 * ETSI TS 119 312): SHA-1 for the signature's digest or signature, RSA keys under 2048 bits, and elliptic curves
 * other than P-256, P-384 and P-521 yield CRYPTO_CONSTRAINTS_FAILURE (INDETERMINATE). The same applies to the
 * signatures on the certificates of the path (the trust anchor's own self-signature excepted).
 */
import type { Certificate } from "../x509/certificate.js";
import { type Failure, failure } from "./checks.js";
import { algorithmName, type HashName, publicKeyFacts, signatureScheme } from "./crypto.js";
import { type Message, message } from "./messages.js";

const MIN_RSA_BITS = 2048;
const CURVES = new Set(["P-256", "P-384", "P-521"]);

/** Why a key is too weak, or null. */
export function weakKey(spki: Uint8Array): Message | null {
  try {
    const key = publicKeyFacts(spki);
    if (key.type === "rsa" && key.bits < MIN_RSA_BITS)
      return message("key.rsaTooShort", { bits: key.bits, minimum: MIN_RSA_BITS });
    if (key.type === "ec" && !CURVES.has(key.curve ?? ""))
      return key.curve ? message("key.curve", { curve: key.curve }) : message("key.unnamedCurve");
    if (key.type === "other") return message("key.unsupported");
    return null;
  } catch {
    return message("key.unreadable");
  }
}

export function checkAlgorithms(
  digestHash: HashName | undefined,
  signatureHash: HashName | undefined,
  signer: Certificate,
  path: readonly Certificate[],
  what: Message = message("what.signature"),
): Failure[] {
  const out: Failure[] = [];
  const sav = (m: Message) => failure("SAV", "CRYPTO_CONSTRAINTS_FAILURE", m);
  if (digestHash === "SHA-1" || signatureHash === "SHA-1") out.push(sav(message("sav.sha1", { what })));
  const weak = weakKey(signer.spki);
  if (weak) out.push(sav(message("sav.weakKey", { what, key: weak })));
  for (let i = 0; i + 1 < path.length; i++) {
    const cert = path[i]!;
    try {
      if (signatureScheme(cert.signatureAlgorithm).hash === "SHA-1") {
        out.push(sav(weakCertificateSignature(cert)));
      }
    } catch {
      out.push(sav(weakCertificateSignature(cert)));
    }
    const issuerWeak = i + 1 < path.length - 1 ? weakKey(path[i + 1]!.spki) : null;
    if (issuerWeak) out.push(sav(message("sav.certificateWeakIssuerKey", { subject: cert.subject, key: issuerWeak })));
  }
  return out;
}

const weakCertificateSignature = (cert: Certificate) =>
  message("sav.certificateAlgorithm", { subject: cert.subject, algorithm: algorithmName(cert.signatureAlgorithm.oid) });
