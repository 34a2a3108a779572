/**
 * Trust anchors from certificate files, browser-safe (no Buffer, no node:crypto): what a verification page that
 * ships its countries' root certificates needs to turn them into the `trustAnchors` of `validatePdf`.
 */
import type { TrustAnchor } from "../validation/cades.js";
import { Certificate } from "../x509/certificate.js";

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** The bytes of standard base64 (RFC 4648 § 4), whitespace ignored; throws for anything else. */
function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw new Error("invalid base64 in PEM");
  const binary = atob(clean);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * One trust anchor per certificate in `input`: PEM text (RFC 7468 "CERTIFICATE" blocks; other blocks ignored) or
 * one DER certificate. Throws if no certificate is found or one is not an X.509 certificate.
 */
export function trustAnchorsFrom(input: string | Uint8Array, source?: string): TrustAnchor[] {
  let ders: Uint8Array[];
  if (typeof input === "string" || (input[0] === 0x2d && input[1] === 0x2d)) {
    const text = typeof input === "string" ? input : new TextDecoder("latin1").decode(input);
    ders = [...text.matchAll(CERTIFICATE_BLOCK)].map((m) => fromBase64(m[1]!));
  } else {
    ders = [input];
  }
  if (ders.length === 0) throw new Error(`${source ? `${source}: ` : ""}no certificate found`);
  return ders.map((certificate) => {
    Certificate.fromDer(certificate); // throws AsnStructureError for what is not a certificate
    return source === undefined ? { certificate } : { certificate, source };
  });
}
