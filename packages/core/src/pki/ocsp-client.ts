/**
 * The client side of revocation (RFC 6960 § 4.1 requests, RFC 5280 § 4.2.1.13 distribution points,
 * § 4.2.2.1 authority information access): asking the services a certificate names about its status, for
 * validation and for embedding the answers in a PDF's DSS (B-LT).
 *
 * Certificates are read by the library's one reader (x509/certificate.ts, on the BER reader, cached by
 * fingerprint) and the request is the validator's: one reading of a certificate and one OCSPRequest in the library.
 */
import { AsnStructureError, isUniversal, parseBer } from "../validation/ber.js";
import { ocspRequest as ocspRequestFor } from "../validation/revocation.js";
import { Certificate } from "../x509/certificate.js";

const web = (urls: readonly string[]) => urls.filter((u) => /^https?:/i.test(u));

/** URLs the certificate names for OCSP (AIA id-ad-ocsp) and CRLs (CRL distribution points), http(s) only. */
export function revocationUrls(certDer: Uint8Array): { ocsp: string[]; crl: string[] } {
  const cert = Certificate.fromDer(certDer);
  return { ocsp: web(cert.ocspUrls), crl: web(cert.crlUrls) };
}

/** URLs of the certificate's issuer certificate (AIA id-ad-caIssuers, RFC 5280 § 4.2.2.1), http(s) only. */
export function caIssuersUrls(certDer: Uint8Array): string[] {
  return web(Certificate.fromDer(certDer).caIssuersUrls);
}

/** An OCSPRequest for one certificate with a SHA-1 CertID, what every responder understands (RFC 5019 § 2.1.1). */
export function ocspRequest(certDer: Uint8Array, issuerDer: Uint8Array): Uint8Array {
  return ocspRequestFor(Certificate.fromDer(certDer), Certificate.fromDer(issuerDer));
}

/** Whether a DER OCSPResponse says `successful` (responseStatus ENUMERATED 0, RFC 6960 § 4.2.1). */
function ocspSuccessful(body: Uint8Array): boolean {
  try {
    const status = parseBer(body, "OCSPResponse").children[0];
    return isUniversal(status, ENUMERATED) && status.content.length === 1 && status.content[0] === 0;
  } catch (e) {
    if (e instanceof AsnStructureError) return false;
    throw e;
  }
}

const ENUMERATED = 10;

/** Fetches an OCSP response for `cert` from the first responder that answers `successful`; undefined if none. */
export async function fetchOcsp(
  certDer: Uint8Array,
  issuerDer: Uint8Array,
  fetchFn: typeof fetch,
  timeoutMs = 10_000,
): Promise<Uint8Array | undefined> {
  const request = (): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/ocsp-request" },
    body: ocspRequest(certDer, issuerDer) as BodyInit,
  });
  return firstAnswer(revocationUrls(certDer).ocsp, request, ocspSuccessful, fetchFn, timeoutMs);
}

/** Fetches the first CRL a certificate's distribution points serve; undefined if none answers. */
export async function fetchCrl(
  certDer: Uint8Array,
  fetchFn: typeof fetch,
  timeoutMs = 10_000,
): Promise<Uint8Array | undefined> {
  return firstAnswer(
    revocationUrls(certDer).crl,
    () => ({}),
    () => true,
    fetchFn,
    timeoutMs,
  );
}

/**
 * The body of the first of `urls` that answers with a 2xx status and a body `accept`s, tried in order; undefined
 * when none does. A URL that fails, times out or answers otherwise is passed over: the next responder or
 * distribution point, then the other kind of revocation data, may still answer.
 */
async function firstAnswer(
  urls: readonly string[],
  request: () => RequestInit,
  accept: (body: Uint8Array) => boolean,
  fetchFn: typeof fetch,
  timeoutMs: number,
): Promise<Uint8Array | undefined> {
  for (const url of urls) {
    try {
      const res = await fetchFn(url, { ...request(), signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) continue;
      const body = new Uint8Array(await res.arrayBuffer());
      if (accept(body)) return body;
    } catch {
      // try the next one
    }
  }
  return undefined;
}
