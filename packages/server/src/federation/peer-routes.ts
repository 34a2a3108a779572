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
import { checkPeer, invalidatePeerAnchors, parsePeerRequest, refreshPeer, refuseSelf } from "./peers.js";
import { federationSchemas, type Partner, type PeerRequest, type PeerView } from "./schemas.js";
import { deletePeer, findPeer, insertPeer, listPeers, type PeerRow } from "./store.js";

export interface PeerRoutesOptions {
  readonly db: Db;
  /** This server's instance key; absent when the server is not an instance. */
  readonly instance?: InstanceKey;
}

function view(row: PeerRow): PeerView {
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

  app.get("/api/admin/peers", { schema: federationSchemas.listPeers }, async () => (await listPeers(db)).map(view));

  app.post("/api/admin/peers", { schema: federationSchemas.addPeer }, async (request, reply) => {
    const peer = parsePeerRequest(request.body as PeerRequest);
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
  });

  app.post("/api/admin/peers/:instance/refresh", { schema: federationSchemas.refreshPeer }, async (request) => {
    own();
    const { instance } = request.params as { instance: string };
    try {
      return view(await refreshPeer(db, instance));
    } catch (e) {
      request.log.warn({ peer: instance, err: (e as Error).message }, "partner instance refresh refused");
      throw e;
    }
  });

  app.delete("/api/admin/peers/:instance", { schema: federationSchemas.removePeer }, async (request, reply) => {
    const { instance } = request.params as { instance: string };
    if (!(await deletePeer(db, instance, actor(request)))) {
      throw new HttpError(404, "peer_not_found", `no partner instance "${instance}"`);
    }
    invalidatePeerAnchors();
    request.log.info({ peer: instance }, "partner instance removed");
    return reply.code(204).send();
  });
};

/**
 * `GET /api/federation/partners` (anyone signed in): the partner instances a sender may address recipients on,
 * `[{ instance, territory }]` — ids and countries only; addresses and keys stay with the administrators.
 */
export const partnerDirectoryRoutes: FastifyPluginAsync<{ readonly db: Db }> = async (app, options) => {
  app.get("/api/federation/partners", { schema: federationSchemas.partners }, async (request) => {
    requireIdentity(request);
    return (await listPeers(options.db)).map((p): Partner => ({ instance: p.instance, territory: p.territory }));
  });
};
