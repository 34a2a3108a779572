/**
 * The platform's own trust services, used in process: every country's root as a trust anchor, the OCSP responders
 * and CRLs at the URLs the platform's certificates name (answered without a network round trip to ourselves), and
 * each country's TSA. Signing (B-T, B-LT, B-LTA) and verification use them, so the answers are exactly those the
 * public HTTP routes give (`/pki/:ca/ocsp`, `/pki/:ca/crl`, `/pki/:ca/tsa`).
 *
 * Nothing else is fetched: a URL that is not one of the platform's own is answered 404, so a document uploaded to
 * `POST /api/verify` cannot make the server call arbitrary addresses.
 */
import { randomBytes } from "node:crypto";
import { parseTimestampResponse, timestampRequest } from "@khatam/core/cms/timestamp";
import type { HashAlgorithm } from "@khatam/core/keys/signer";
import type { TrustAnchor } from "@khatam/core/validation/cades";
import type { TrustStore } from "./store.js";

/** Every CA's root certificate, as validatePdf's trust anchors. */
export function platformTrustAnchors(store: TrustStore): TrustAnchor[] {
  return store.ids().map((id) => ({ certificate: store.get(id).root.certificate, source: `platform CA ${id}` }));
}

/** Every CA's root certificate (DER), for completing chains. */
export function platformRoots(store: TrustStore): Uint8Array[] {
  return store.ids().map((id) => store.get(id).root.certificate);
}

/** A `fetch` that answers the platform's OCSP and CRL URLs (under `publicUrl`) from the trust store. */
export function inProcessTrustFetch(store: TrustStore, publicUrl: string): typeof fetch {
  const origin = new URL(publicUrl).origin;
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const m = /^\/pki\/([a-z0-9-]+)\/(ocsp|crl)(?:\/(.*))?$/.exec(url.pathname);
    if (!m || url.origin !== origin || !store.ids().includes(m[1]!)) return new Response("not found", { status: 404 });
    const id = m[1]!;
    if (m[2] === "crl") {
      return new Response(Buffer.from(await store.crl(id)), { headers: { "content-type": "application/pkix-crl" } });
    }
    const body =
      m[3] !== undefined
        ? new Uint8Array(Buffer.from(decodeURIComponent(m[3]), "base64"))
        : new Uint8Array(await new Response(input instanceof Request ? input.body : init?.body).arrayBuffer());
    const answer = await store.get(id).ocspRespond(body);
    return new Response(Buffer.from(answer), { headers: { "content-type": "application/ocsp-response" } });
  }) as typeof fetch;
}

type Timestamper = (hash: HashAlgorithm, digest: Uint8Array) => Promise<Uint8Array>;
const timestampers = new WeakMap<TrustStore, Map<string, Timestamper>>();

/**
 * Time-stamps through CA `caId`'s own TSA in process (an RFC 3161 request and response, checked, no HTTP). One
 * function per TSA, so the signer learns its token size and reserves room for it tightly.
 */
export function inProcessTsa(store: TrustStore, caId: string): Timestamper {
  let byCa = timestampers.get(store);
  if (!byCa) {
    byCa = new Map();
    timestampers.set(store, byCa);
  }
  let fn = byCa.get(caId);
  if (!fn) {
    fn = async (hash, digest) => {
      const nonce = randomBytes(8);
      const response = await store.get(caId).timestamp(timestampRequest(hash, digest, nonce));
      return parseTimestampResponse(response, digest, nonce).token;
    };
    byCa.set(caId, fn);
  }
  return fn;
}
