/**
 * Long-term signatures (ETSI EN 319 142-1 § 6.3 and 6.4): B-LT adds, in a DSS, every certificate and revocation
 * answer a verifier needs for the signatures and their time-stamps; B-LTA then covers it with a document
 * time-stamp. Run again on a B-LTA document, it adds the validation data of the last document time-stamp and a new
 * one over everything (archive renewal).
 */
import { certificatesInCms } from "../cms/certificates.js";
import { equalBytes } from "../crypto/bytes.js";
import type { HashAlgorithm } from "../keys/signer.js";
import { PdfReader } from "../pdf/reader.js";
import { fetchCrl, fetchOcsp } from "../pki/ocsp-client.js";
import { findSignatures } from "../validation/pdf-signatures.js";
import { Certificate } from "../x509/certificate.js";
import { addDocumentTimestamp } from "./document-timestamp.js";
import { addDss, type ValidationData } from "./dss.js";
import { SignError } from "./signature-revision.js";

export interface LongTermOptions {
  readonly level: "B-LT" | "B-LTA";
  /** Fetches OCSP responses and CRLs from the URLs certificates name. */
  readonly fetch: typeof fetch;
  /** Certificates to complete chains with (e.g. trust anchors not embedded in the CMS). */
  readonly extraCertificates?: readonly Uint8Array[];
  /** For B-LTA: the time-stamp authority of the document time-stamp. */
  readonly tsaUrl?: string;
  readonly timestamp?: (hash: HashAlgorithm, digest: Uint8Array) => Promise<Uint8Array>;
}

/** Extends a signed PDF to B-LT or B-LTA; returns the whole new file. */
export async function extendToLongTerm(pdf: Uint8Array, options: LongTermOptions): Promise<Uint8Array> {
  if (options.level === "B-LTA" && !options.tsaUrl && !options.timestamp)
    throw new SignError("level B-LTA needs a time-stamp authority (--tsa URL)");
  let reader: PdfReader;
  try {
    reader = PdfReader.open(pdf);
  } catch (e) {
    throw new SignError(`cannot read the PDF: ${(e as Error).message}`);
  }
  const signatures = findSignatures(reader);
  if (signatures.length === 0) throw new SignError("the PDF has no signatures to extend");
  const certs = [...(options.extraCertificates ?? [])];
  for (const s of signatures) certs.push(...certificatesInCms(s.cms));
  const data = await collectValidationData(certs, options.fetch);
  let out = concat(pdf, addDss(pdf, data));
  if (options.level === "B-LTA") out = concat(out, await addDocumentTimestamp(out, options));
  return out;
}

/**
 * Certificates of every chain in `certs` with an OCSP response (or else a CRL) for each certificate that has an
 * issuer among them and is not self-signed. Trust anchors need none; a certificate whose services do not answer
 * is embedded without revocation data (the validator will say so).
 */
export async function collectValidationData(
  certs: readonly Uint8Array[],
  fetchFn: typeof fetch,
): Promise<ValidationData> {
  const unique = dedupe(certs);
  const parts = unique.map((der) => ({ der, ...safeParts(der) }));
  const ocspResponses: Uint8Array[] = [];
  const crls: Uint8Array[] = [];
  await Promise.all(
    parts.map(async (c) => {
      const name = c.issuer;
      if (!c.subject || !name || equalBytes(c.subject, name)) return; // unreadable, or self-signed: an anchor
      const issuer = parts.find((p) => p.subject !== undefined && equalBytes(p.subject, name));
      const ocsp = issuer ? await fetchOcsp(c.der, issuer.der, fetchFn) : undefined;
      if (ocsp) ocspResponses.push(ocsp);
      else {
        const crl = await fetchCrl(c.der, fetchFn);
        if (crl) crls.push(crl);
      }
    }),
  );
  return { certificates: unique, ocspResponses, crls };
}

function safeParts(der: Uint8Array): { subject?: Uint8Array; issuer?: Uint8Array } {
  try {
    const p = Certificate.fromDer(der);
    return { subject: p.subjectDer, issuer: p.issuerDer };
  } catch {
    return {};
  }
}

function dedupe(items: readonly Uint8Array[]): Uint8Array[] {
  return items.filter((c, i) => items.findIndex((d) => equalBytes(c, d)) === i);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
