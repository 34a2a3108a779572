/**
 * A country's trust services answered in this process, without HTTP: a `fetch` that serves the OCSP and CRL URLs
 * the PKIs write into their certificates (`{publicUrl}/pki/{id}/ocsp|crl`), and a time-stamper that goes through a
 * PKI's TSA. For the demo, tests and a server that signs with its own PKIs: the same responders as over HTTP.
 */
import { parseTimestampResponse, timestampRequest } from "../cms/timestamp.js";
import type { HashAlgorithm } from "../keys/signer.js";
import type { NationalPki } from "./national-pki.js";

/** What answers one CA's OCSP and CRL URLs in process. */
export interface InProcessRevocation {
  ocspRespond(request: Uint8Array): Promise<Uint8Array>;
  crl(): Promise<Uint8Array>;
}

/**
 * A `fetch` for the OCSP and CRL URLs under `publicUrl` (`/pki/{id}/ocsp`, the GET form `/pki/{id}/ocsp/{base64}`
 * of RFC 6960 appendix A, `/pki/{id}/crl`), answered by `authorities`: these PKIs, or a lookup by CA id (the
 * server's trust store, which keeps and persists its CRLs). Any other URL is 404: nothing is fetched from the
 * network, so a document cannot make the caller reach arbitrary addresses.
 */
export function inProcessServices(
  publicUrl: string,
  authorities: readonly NationalPki[] | ((id: string) => InProcessRevocation | undefined),
): typeof fetch {
  const origin = new URL(publicUrl).origin;
  const lookup = typeof authorities === "function" ? authorities : (id: string) => authorities.find((p) => p.id === id);
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const m = /^\/pki\/([a-z0-9-]+)\/(ocsp|crl)(?:\/(.*))?$/.exec(url.pathname);
    const ca = m && url.origin === origin ? lookup(m[1]!) : undefined;
    if (!ca) return new Response("not found", { status: 404 });
    if (m![2] === "crl") {
      if (m![3] !== undefined) return new Response("not found", { status: 404 });
      return new Response((await ca.crl()) as BodyInit, { headers: { "content-type": "application/pkix-crl" } });
    }
    const request =
      m![3] !== undefined
        ? base64Bytes(m![3])
        : new Uint8Array(await new Response(input instanceof Request ? input.body : init?.body).arrayBuffer());
    return new Response((await ca.ocspRespond(request)) as BodyInit, {
      headers: { "content-type": "application/ocsp-response" },
    });
  }) as typeof fetch;
}

/** The GET form's request: percent-decoded base64; one that does not decode is empty, answered malformedRequest. */
function base64Bytes(encoded: string): Uint8Array {
  try {
    return Uint8Array.from(atob(decodeURIComponent(encoded)), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}

const timestampers = new WeakMap<NationalPki, (hash: HashAlgorithm, digest: Uint8Array) => Promise<Uint8Array>>();

/**
 * Time-stamps through the PKI's own TSA (an RFC 3161 request and response, checked, without HTTP). One function per
 * PKI, so a signer can learn its token size.
 */
export function inProcessTsa(pki: NationalPki): (hash: HashAlgorithm, digest: Uint8Array) => Promise<Uint8Array> {
  let fn = timestampers.get(pki);
  if (!fn) {
    fn = async (hash, digest) => {
      const nonce = crypto.getRandomValues(new Uint8Array(8));
      const response = await pki.timestamp(timestampRequest(hash, digest, nonce));
      return parseTimestampResponse(response, digest, nonce).token;
    };
    timestampers.set(pki, fn);
  }
  return fn;
}
