/**
 * The platform administrator's partner instances (peers.ts says what peering checks):
 *
 * | method, path | what |
 * | --- | --- |
 * | `GET /api/admin/peers` | every partner: id, address, fingerprint, its list (territory, sequence, dates), its trust anchors, the last error |
 * | `POST /api/admin/peers` `{ instance, url, keyFingerprint }` | checks the partner and pins its list: 201 the partner; 409 `peer_exists`; 422/502 what failed |
 * | `POST /api/admin/peers/:instance/refresh` | checks again now: 200 the partner; 409 `peer_trusted_list_rollback` … |
 * | `DELETE /api/admin/peers/:instance` | 204: its CAs are trusted no more |
 *
 * Platform administrators only (agency administrators and everyone else 403), on a server that is an instance
 * (`KHATAM_INSTANCE`; otherwise 409 `not_an_instance`). Adding and removing are recorded in the administrators' log.
 */
import { Certificate } from "@khatam/core/x509";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { type Identity, requireIdentity } from "../auth/identity.js";
import type { Db } from "../db/connect.js";
import { HttpError } from "../http/errors.js";
import type { InstanceKey } from "../trust/store.js";
import { INSTANCE_ID } from "./instance-id.js";
import { checkPeer, invalidatePeerAnchors, parsePeerRequest, refreshPeer, refuseSelf } from "./peers.js";
import { deletePeer, findPeer, insertPeer, listPeers, type PeerRow } from "./store.js";

export interface PeerRoutesOptions {
  readonly db: Db;
  /** This server's instance key; absent when the server is not an instance. */
  readonly instance?: InstanceKey;
}

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
} as const;

const instanceParam = {
  type: "object",
  required: ["instance"],
  properties: { instance: { type: "string", pattern: INSTANCE_ID.source } },
} as const;

function view(row: PeerRow) {
  return {
    instance: row.instance,
    url: row.url,
    keyFingerprint: row.key_fingerprint,
    territory: row.territory,
    trustedList: row.trusted_list_url,
    sequenceNumber: row.sequence_number,
    issuedAt: row.issued_at.toISOString(),
    nextUpdate: row.next_update?.toISOString() ?? null,
    refreshedAt: row.refreshed_at.toISOString(),
    checkedAt: row.checked_at.toISOString(),
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    anchors: row.anchors.map((b64) => {
      const info = Certificate.fromDer(new Uint8Array(Buffer.from(b64, "base64")));
      return {
        subject: info.subject,
        country: info.country,
        fingerprint: info.fingerprint,
        notAfter: info.notAfter.toISOString(),
      };
    }),
  };
}

export const peerRoutes: FastifyPluginAsync<PeerRoutesOptions> = async (app, options) => {
  const { db } = options;
  // Platform administrators only, decided before the body is read (as every administration route).
  app.addHook("onRequest", async (request) => {
    requireIdentity(request, ["platform_admin"]);
  });
  const own = (): InstanceKey => {
    if (!options.instance) {
      throw new HttpError(409, "not_an_instance", "this server is not a federation instance (KHATAM_INSTANCE)");
    }
    return options.instance;
  };
  const actor = (request: FastifyRequest) => {
    const identity: Identity = requireIdentity(request, ["platform_admin"]);
    return { userId: identity.userId, email: identity.email, ip: request.ip };
  };

  app.get(
    "/api/admin/peers",
    {
      schema: {
        summary: "The partner instances and the trust their lists give",
        tags: ["federation"],
        response: { 200: { type: "array", items: peerView } },
      },
    },
    async () => (await listPeers(db)).map(view),
  );

  app.post(
    "/api/admin/peers",
    {
      schema: {
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
    },
    async (request, reply) => {
      const peer = parsePeerRequest(request.body as { instance: string; url: string; keyFingerprint: string });
      refuseSelf(peer, own());
      if (await findPeer(db, peer.instance)) {
        throw new HttpError(409, "peer_exists", `"${peer.instance}" is already a partner; remove it first`);
      }
      const snapshot = await checkPeer(peer);
      if (!(await insertPeer(db, snapshot, actor(request)))) {
        throw new HttpError(409, "peer_exists", `"${peer.instance}" is already a partner; remove it first`);
      }
      invalidatePeerAnchors();
      request.log.info(
        { peer: peer.instance, url: peer.url, sequenceNumber: snapshot.sequenceNumber },
        "partner instance peered",
      );
      return reply.code(201).send(view((await findPeer(db, peer.instance))!));
    },
  );

  app.post(
    "/api/admin/peers/:instance/refresh",
    {
      schema: {
        summary: "Checks a partner again now and pins a newer trusted list",
        tags: ["federation"],
        params: instanceParam,
        response: { 200: peerView },
      },
    },
    async (request) => {
      own();
      const { instance } = request.params as { instance: string };
      try {
        return view(await refreshPeer(db, instance));
      } catch (e) {
        request.log.warn({ peer: instance, err: (e as Error).message }, "partner instance refresh refused");
        throw e;
      }
    },
  );

  app.delete(
    "/api/admin/peers/:instance",
    {
      schema: {
        summary: "Ends the peering: the partner's CAs are trusted no more",
        tags: ["federation"],
        params: instanceParam,
      },
    },
    async (request, reply) => {
      const { instance } = request.params as { instance: string };
      if (!(await deletePeer(db, instance, actor(request)))) {
        throw new HttpError(404, "peer_not_found", `no partner instance "${instance}"`);
      }
      invalidatePeerAnchors();
      request.log.info({ peer: instance }, "partner instance removed");
      return reply.code(204).send();
    },
  );
};

/**
 * `GET /api/federation/partners` (anyone signed in): the partner instances a sender may address recipients on,
 * `[{ instance, territory }]` — ids and countries only; addresses and keys stay with the administrators.
 */
export const partnerDirectoryRoutes: FastifyPluginAsync<{ readonly db: Db }> = async (app, options) => {
  app.get(
    "/api/federation/partners",
    {
      schema: {
        summary: "The partner instances recipients may live on",
        tags: ["federation"],
        response: {
          200: {
            type: "array",
            items: {
              type: "object",
              properties: { instance: { type: "string" }, territory: { type: "string" } },
              required: ["instance", "territory"],
            },
          },
        },
      },
    },
    async (request) => {
      requireIdentity(request);
      return (await listPeers(options.db)).map((p) => ({ instance: p.instance, territory: p.territory }));
    },
  );
};
