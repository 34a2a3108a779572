/**
 * `GET /federation/v1/identity`: who this instance is, for a partner instance's administrator who peers with it. The
 * key fingerprint (SHA-256 of the instance key's SubjectPublicKeyInfo, hex) is what the partner compares with the
 * one obtained out of band; the response is signed with that key (RFC 9421, message-signatures.ts), so everything
 * else in it — above all the certificate that signs this country's trusted list (ETSI TS 119 612) — is vouched for
 * by the key the partner pinned. That chain (fingerprint → instance key → list signer → list → roots) is how a
 * partner comes to trust this country's CAs without trusting the network between.
 */
import type { FastifyPluginAsync } from "fastify";
import type { InstanceKey, TrustStore } from "../trust/store.js";
import { keyFingerprint, signResponse } from "./message-signatures.js";
import { federationSchemas, type InstanceIdentity } from "./schemas.js";

export interface IdentityRoutesOptions {
  readonly instance: InstanceKey;
  readonly store: TrustStore;
  readonly publicUrl: string;
}

export const identityRoutes: FastifyPluginAsync<IdentityRoutesOptions> = async (app, options) => {
  const url = options.publicUrl.replace(/\/+$/, "");
  app.get("/federation/v1/identity", { schema: federationSchemas.identity }, async (_request, reply) => {
    // The list (and with it its signer) is made on first use; its signer may be renewed, so read it each time.
    if (!options.store.trustedListSigningCertificate()) await options.store.trustedList();
    const identity: InstanceIdentity = {
      instance: options.instance.id,
      url,
      keyFingerprint: keyFingerprint(options.instance.publicKey),
      publicKey: Buffer.from(options.instance.publicKey).toString("base64"),
      trustedList: `${url}/trust/list.xml`,
      trustedListSigner: Buffer.from(options.store.trustedListSigningCertificate()!).toString("base64"),
    };
    // Sent as the exact bytes that were digested and signed, not re-serialised after.
    const body = Buffer.from(JSON.stringify(identity));
    const headers = await signResponse(options.instance, 200, { "content-type": "application/json" }, body);
    reply.headers({ ...headers, "cache-control": "no-store" });
    return reply.send(body);
  });
};
