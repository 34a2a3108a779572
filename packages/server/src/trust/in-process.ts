/**
 * The platform's own trust services, used in process: every country's root as a trust anchor, the OCSP responders
 * and CRLs at the URLs the platform's certificates name (answered without a network round trip to ourselves), and
 * each country's TSA. Signing (B-T, B-LT, B-LTA) and verification use them, so the answers are exactly those the
 * public HTTP routes give (`/pki/:ca/ocsp`, `/pki/:ca/crl`, `/pki/:ca/tsa`).
 *
 * Nothing else is fetched: a URL that is not one of the platform's own is answered 404, so a document uploaded to
 * `POST /api/verify` cannot make the server call arbitrary addresses.
 */

import type { HashAlgorithm } from "@khatam/core/keys";
import { inProcessTsa as inProcessPkiTsa, inProcessServices } from "@khatam/core/pki";
import type { TrustAnchor } from "@khatam/core/verify";
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
  const answer = inProcessServices(publicUrl, (id) =>
    store.ids().includes(id)
      ? { ocspRespond: (request) => store.get(id).ocspRespond(request), crl: () => store.crl(id) }
      : undefined,
  );
  // As the HTTP routes: from the state every process of the instance left.
  return async (input, init) => {
    await store.refresh();
    return answer(input, init);
  };
}

/**
 * Time-stamps through CA `caId`'s own TSA in process (an RFC 3161 request and response, checked, no HTTP). One
 * function per TSA, so the signer learns its token size and reserves room for it tightly.
 */
export function inProcessTsa(
  store: TrustStore,
  caId: string,
): (hash: HashAlgorithm, digest: Uint8Array) => Promise<Uint8Array> {
  return inProcessPkiTsa(store.get(caId));
}
