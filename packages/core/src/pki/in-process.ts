/**
 * A country's trust services answered in this process, without HTTP: a `fetch` that serves the OCSP and CRL URLs
 * the PKIs write into their certificates (`{publicUrl}/pki/{id}/ocsp|crl`), and a time-stamper that goes through a
 * PKI's TSA. For the demo, tests and a server that signs with its own PKIs: the same responders as over HTTP.
 */
import { parseTimestampResponse, timestampRequest } from "../cms/timestamp.js";
import type { HashAlgorithm } from "../keys/signer.js";
import type { NationalPki } from "./national-pki.js";

export function inProcessServices(publicUrl: string, pkis: readonly NationalPki[]): typeof fetch {
  const origin = new URL(publicUrl).origin;
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const m = /^\/pki\/([a-z]+)\/(ocsp|crl)$/.exec(url.pathname);
    const pki = m && url.origin === origin ? pkis.find((p) => p.id === m[1]) : undefined;
    if (!pki) return new Response("not found", { status: 404 });
    if (m![2] === "crl")
      return new Response((await pki.crl()) as BodyInit, { headers: { "content-type": "application/pkix-crl" } });
    const request = new Uint8Array(
      await new Response(input instanceof Request ? input.body : init?.body).arrayBuffer(),
    );
    return new Response((await pki.ocspRespond(request)) as BodyInit, {
      headers: { "content-type": "application/ocsp-response" },
    });
  }) as typeof fetch;
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
