/**
 * `GET /federation/v1/identity`: who this instance is, for a partner instance's administrator who peers with it. The
 * key fingerprint (SHA-256 of the instance key's SubjectPublicKeyInfo, hex) is what the partner compares with the
 * one obtained out of band before trusting anything signed with that key; the trusted list (ETSI TS 119 612) names
 * this country's trust services.
 */
import { createHash } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import type { InstanceKey } from "../trust/store.js";

export interface IdentityRoutesOptions {
  readonly instance: InstanceKey;
  readonly publicUrl: string;
}

const identitySchema = {
  summary: "This instance's identity: its id, address, instance key and trusted list",
  tags: ["federation"],
  response: {
    200: {
      type: "object",
      properties: {
        instance: { type: "string" },
        url: { type: "string" },
        keyFingerprint: { type: "string", description: "SHA-256 of the instance key's SubjectPublicKeyInfo, hex" },
        publicKey: { type: "string", description: "the instance key's SubjectPublicKeyInfo, base64 DER" },
        trustedList: { type: "string", description: "URL of this instance's ETSI TS 119 612 trusted list" },
      },
      required: ["instance", "url", "keyFingerprint", "publicKey", "trustedList"],
    },
  },
} as const;

/** SHA-256 of a SubjectPublicKeyInfo, lower-case hex: how instances name each other's keys. */
export function keyFingerprint(spki: Uint8Array): string {
  return createHash("sha256").update(spki).digest("hex");
}

export const identityRoutes: FastifyPluginAsync<IdentityRoutesOptions> = async (app, options) => {
  const url = options.publicUrl.replace(/\/+$/, "");
  const identity = {
    instance: options.instance.id,
    url,
    keyFingerprint: keyFingerprint(options.instance.publicKey),
    publicKey: Buffer.from(options.instance.publicKey).toString("base64"),
    trustedList: `${url}/trust/list.xml`,
  };
  app.get("/federation/v1/identity", { schema: identitySchema }, async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return identity;
  });
};
