/**
 * What a visible signature says about its signer when the caller gives nothing else: the names in the signer's
 * certificate (RFC 5280 § 4.1.2.4, § 4.1.2.6) — the subject's common name, organisation and country, and the
 * issuer's common name (or organisation).
 */
import { certificateInfo } from "../validation/certificate-info.js";

export interface CertificateNames {
  readonly name: string;
  readonly agency?: string;
  readonly country?: string;
  readonly issuer?: string;
}

export function certificateNames(certificate: Uint8Array): CertificateNames {
  const info = certificateInfo(certificate);
  const subject = attributes(info.subject);
  const issuer = attributes(info.issuer);
  return {
    name: subject.CN ?? subject.O ?? info.subject,
    agency: subject.O,
    country: subject.C ?? info.country ?? undefined,
    issuer: issuer.CN ?? issuer.O,
  };
}

/** The first value of each attribute type of an RFC 4514 string (§ 3: `\` escapes a special character). */
function attributes(rfc4514: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of rfc4514.split(/(?<!\\)[,+]/)) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const type = part.slice(0, eq);
    out[type] ??= part.slice(eq + 1).replace(/\\(.)/g, "$1");
  }
  return out;
}
