/**
 * All SQL of the federation: the partner instances (`peers`) and the administrator's record of peering, the signed
 * requests' nonces and recorded answers, and the audit trail an attestation states. A pinned
 * trusted list is replaced only by one with a sequence number at least as high, checked in the statement itself,
 * so two processes refreshing at once can never move a list backwards.
 */
import { type Selectable, sql } from "kysely";
import type { Db, Tx } from "../db/connect.js";
import type { Database } from "../db/schema.js";

export type PeerRow = Selectable<Database["peers"]>;

/** What a successful check of a partner learnt: its identity and its trusted list. */
export interface PeerSnapshot {
  readonly instance: string;
  readonly url: string;
  readonly keyFingerprint: string;
  readonly publicKey: Uint8Array;
  readonly trustedListUrl: string;
  readonly trustedList: Uint8Array;
  readonly trustedListDigest: string;
  readonly trustedListSigner: Uint8Array;
  readonly territory: string;
  readonly sequenceNumber: number;
  readonly issuedAt: Date;
  readonly nextUpdate: Date | null;
  /** base64 DER */
  readonly anchors: readonly string[];
}

function columns(s: PeerSnapshot) {
  return {
    url: s.url,
    key_fingerprint: s.keyFingerprint,
    public_key: s.publicKey,
    trusted_list_url: s.trustedListUrl,
    trusted_list: s.trustedList,
    trusted_list_digest: s.trustedListDigest,
    trusted_list_signer: s.trustedListSigner,
    territory: s.territory,
    sequence_number: s.sequenceNumber,
    issued_at: s.issuedAt,
    next_update: s.nextUpdate,
    anchors: JSON.stringify(s.anchors),
    last_error: null,
  };
}

export async function listPeers(db: Db): Promise<PeerRow[]> {
  return db.selectFrom("peers").selectAll().orderBy("instance").execute();
}

export async function findPeer(db: Db, instance: string): Promise<PeerRow | undefined> {
  return db.selectFrom("peers").selectAll().where("instance", "=", instance).executeTakeFirst();
}

/** Who changed the partners, from where. */
export interface PeeringActor {
  readonly userId: string | null;
  readonly email: string;
  readonly ip: string | null;
}

/** The administrators' log entry of a peering change. */
async function recordPeering(
  tx: Tx,
  actor: PeeringActor,
  action: "peer_added" | "peer_removed",
  details: Record<string, unknown>,
): Promise<void> {
  await tx
    .insertInto("admin_events")
    .values({
      actor_user_id: actor.userId,
      actor_email: actor.email,
      agency_id: null,
      target_user_id: null,
      action,
      details: JSON.stringify(details),
      ip: actor.ip,
    })
    .execute();
}

/** Inserts a new partner and records who did it; false if the instance is already a partner. */
export async function insertPeer(db: Db, snapshot: PeerSnapshot, actor: PeeringActor): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto("peers")
      .values({ instance: snapshot.instance, ...columns(snapshot) })
      .onConflict((oc) => oc.column("instance").doNothing())
      .returning("instance")
      .executeTakeFirst();
    if (!inserted) return false;
    await recordPeering(tx, actor, "peer_added", {
      instance: snapshot.instance,
      url: snapshot.url,
      keyFingerprint: snapshot.keyFingerprint,
      sequenceNumber: snapshot.sequenceNumber,
    });
    return true;
  });
}

/** Removes a partner and records who did it; false if there was none. */
export async function deletePeer(db: Db, instance: string, actor: PeeringActor): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const deleted = await tx.deleteFrom("peers").where("instance", "=", instance).returning("url").executeTakeFirst();
    if (!deleted) return false;
    await recordPeering(tx, actor, "peer_removed", { instance, url: deleted.url });
    return true;
  });
}

/**
 * Pins a newer (or the same) list: updated only while the pinned sequence number is lower, or equal with the same
 * bytes. Returns false when the row holds a newer list by then (another process got there first) or is gone.
 */
export async function updatePeerList(db: Db, snapshot: PeerSnapshot): Promise<boolean> {
  const updated = await db
    .updateTable("peers")
    .set({ ...columns(snapshot), refreshed_at: sql`now()`, checked_at: sql`now()` })
    .where("instance", "=", snapshot.instance)
    .where("key_fingerprint", "=", snapshot.keyFingerprint)
    .where((eb) =>
      eb.or([
        eb("sequence_number", "<", snapshot.sequenceNumber),
        eb.and([
          eb("sequence_number", "=", snapshot.sequenceNumber),
          eb("trusted_list_digest", "=", snapshot.trustedListDigest),
        ]),
      ]),
    )
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/** Records a failed check: the pinned list stays, the error is shown to the administrator. */
export async function recordPeerError(db: Db, instance: string, error: string): Promise<void> {
  await db
    .updateTable("peers")
    .set({ last_error: error.slice(0, 1000), checked_at: sql`now()` })
    .where("instance", "=", instance)
    .execute();
}

/**
 * Partners whose list is due: its NextUpdate has come, or it was last confirmed a day ago (a list may be re-issued
 * early, after a revocation); not checked in the last `retryMinutes` (a partner that is down is not hammered).
 */
export async function duePeers(db: Db, retryMinutes: number): Promise<string[]> {
  const rows = await db
    .selectFrom("peers")
    .select("instance")
    .where((eb) =>
      eb.or([eb("next_update", "<=", sql<Date>`now()`), eb("refreshed_at", "<=", sql<Date>`now() - interval '1 day'`)]),
    )
    .where("checked_at", "<=", sql<Date>`now() - make_interval(mins => ${retryMinutes})`)
    .execute();
  return rows.map((r) => r.instance);
}

/** The pinned anchors of every partner. */
export async function peerAnchorRows(db: Db): Promise<{ instance: string; anchors: string[] }[]> {
  return db.selectFrom("peers").select(["instance", "anchors"]).orderBy("instance").execute();
}

/** A signed request's nonce, kept until `expiresAt`; false when the partner used it before (a replay). */
export async function insertNonce(db: Db, peer: string, nonce: string, expiresAt: Date): Promise<boolean> {
  const fresh = await db
    .insertInto("federation_nonces")
    .values({ peer, nonce, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(["peer", "nonce"]).doNothing())
    .returning("nonce")
    .executeTakeFirst();
  return fresh !== undefined;
}

/** Forgets the nonces whose signatures can no longer be accepted anyway. */
export async function purgeNonces(db: Db): Promise<void> {
  await db.deleteFrom("federation_nonces").where("expires_at", "<", new Date()).execute();
}

/** The answer recorded for the partner's Idempotency-Key, if any. */
export async function recordedAnswer(
  db: Db,
  peer: string,
  key: string,
): Promise<{ status: number; response: unknown } | undefined> {
  return db
    .selectFrom("federation_requests")
    .select(["status", "response"])
    .where("peer", "=", peer)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
}

/** Records the answer to the partner's Idempotency-Key; one recorded first (a concurrent delivery) stands. */
export async function recordAnswer(
  db: Db,
  peer: string,
  key: string,
  answer: { readonly status: number; readonly body: unknown },
): Promise<void> {
  await db
    .insertInto("federation_requests")
    .values({ peer, idempotency_key: key, status: answer.status, response: JSON.stringify(answer.body) })
    .onConflict((oc) => oc.columns(["peer", "idempotency_key"]).doNothing())
    .execute();
}

/** An envelope's audit events as an attestation states them, in order. */
export async function trailOf(db: Db, envelopeId: string) {
  return db
    .selectFrom("audit_events")
    .select(["seq", "type", "at", "actor_email", "document_sha256", "hash"])
    .where("envelope_id", "=", envelopeId)
    .orderBy("seq")
    .execute();
}
