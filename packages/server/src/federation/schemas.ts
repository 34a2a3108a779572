/**
 * The JSON schemas of the federation routes (peer-routes.ts, identity-routes.ts) and the types inferred from them
 * (clients import them through `api.ts`).
 */
import type { FromSchema } from "json-schema-to-ts";
import { INSTANCE_ID } from "./instance-id.js";

const peerView = {
  type: "object",
  properties: {
    instance: { type: "string" },
    url: { type: "string" },
    keyFingerprint: { type: "string" },
    territory: { type: "string" },
    trustedList: { type: "string" },
    sequenceNumber: { type: "integer" },
    issuedAt: { type: "string", format: "date-time" },
    nextUpdate: { type: ["string", "null"], format: "date-time" },
    refreshedAt: { type: "string", format: "date-time" },
    checkedAt: { type: "string", format: "date-time" },
    lastError: { type: ["string", "null"] },
    createdAt: { type: "string", format: "date-time" },
    anchors: {
      type: "array",
      items: {
        type: "object",
        properties: {
          subject: { type: "string" },
          country: { type: ["string", "null"] },
          fingerprint: { type: "string" },
          notAfter: { type: "string", format: "date-time" },
        },
        required: ["subject", "country", "fingerprint", "notAfter"],
        additionalProperties: false,
      },
    },
  },
  required: [
    "instance",
    "url",
    "keyFingerprint",
    "territory",
    "trustedList",
    "sequenceNumber",
    "issuedAt",
    "nextUpdate",
    "refreshedAt",
    "checkedAt",
    "lastError",
    "createdAt",
    "anchors",
  ],
  additionalProperties: false,
} as const;

const instanceParam = {
  type: "object",
  required: ["instance"],
  properties: { instance: { type: "string", pattern: INSTANCE_ID.source } },
} as const;

export const federationSchemas = {
  listPeers: {
    summary: "The partner instances and the trust their lists give",
    tags: ["federation"],
    response: { 200: { type: "array", items: peerView } },
  },
  addPeer: {
    summary: "Peers with a partner instance: checks its signed identity and pins its trusted list",
    tags: ["federation"],
    body: {
      type: "object",
      required: ["instance", "url", "keyFingerprint"],
      additionalProperties: false,
      properties: {
        instance: { type: "string", minLength: 1, maxLength: 32 },
        url: { type: "string", minLength: 1, maxLength: 2000 },
        keyFingerprint: { type: "string", minLength: 64, maxLength: 200 },
      },
    },
    response: { 201: peerView },
  },
  refreshPeer: {
    summary: "Checks a partner again now and pins a newer trusted list",
    tags: ["federation"],
    params: instanceParam,
    response: { 200: peerView },
  },
  removePeer: {
    summary: "Ends the peering: the partner's CAs are trusted no more",
    tags: ["federation"],
    params: instanceParam,
  },
  partners: {
    summary: "The partner instances recipients may live on",
    tags: ["federation"],
    response: {
      200: {
        type: "array",
        items: {
          type: "object",
          properties: { instance: { type: "string" }, territory: { type: "string" } },
          required: ["instance", "territory"],
          additionalProperties: false,
        },
      },
    },
  },
  identity: {
    summary: "This instance's identity: its id, address, instance key and trusted list (a signed response, RFC 9421)",
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
          trustedListSigner: { type: "string", description: "the certificate that signs the trusted list, base64 DER" },
        },
        required: ["instance", "url", "keyFingerprint", "publicKey", "trustedList", "trustedListSigner"],
        additionalProperties: false,
      },
    },
  },
} as const;

/** A partner instance as its administrator sees it (GET /api/admin/peers). */
export type PeerView = FromSchema<typeof peerView>;
/** The body of POST /api/admin/peers. */
export type PeerRequest = FromSchema<typeof federationSchemas.addPeer.body>;
/** A partner instance recipients may live on (GET /api/federation/partners). */
export type Partner = FromSchema<(typeof federationSchemas.partners.response)[200]>[number];
/** GET /federation/v1/identity: who this instance is; `publicKey` and `trustedListSigner` are base64 DER. */
export type InstanceIdentity = FromSchema<(typeof federationSchemas.identity.response)[200]>;
