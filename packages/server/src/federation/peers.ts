/**
 * Peering (issue 12.2): this instance comes to trust a partner country's CAs. The platform administrator gives the
 * partner's id, address and instance-key fingerprint, obtained out of band (a letter between the two ministries,
 * read over the phone); everything else is learnt over the network and checked against that fingerprint:
 *
 * 1. `GET <url>/federation/v1/identity` — its public key must have the given fingerprint, the response must be
 *    signed with that key (RFC 9421, fresh), and its instance id must be the one given;
 * 2. the trusted list it names (ETSI TS 119 612) must be signed (XAdES) by exactly the list-signing certificate the
 *    signed identity names, and name at least one approved CA;
 * 3. the list's approved CA and TSA certificates become trust anchors for documents its officials sign.
 *
 * The list is refreshed when its NextUpdate comes (and daily); a refresh takes a list only with a sequence number at
 * least as high as the pinned one (the same number only for the same bytes). A refresh that fails for any reason
 * keeps the pinned list and records the error for the administrator.
 */
import { createHash } from "node:crypto";
import type { TrustAnchor } from "@khatam/core/verify";
import type { Db } from "../db/connect.js";
import { HttpError } from "../http/errors.js";
import type { InstanceKey } from "../trust/store.js";
import { INSTANCE_ID } from "./instance-id.js";
import { keyFingerprint, MessageSignatureError, verifyMessage } from "./message-signatures.js";
import type { InstanceIdentity } from "./schemas.js";
import {
  duePeers,
  findPeer,
  type PeerRow,
  type PeerSnapshot,
  peerAnchorRows,
  recordPeerError,
  updatePeerList,
} from "./store.js";

const FINGERPRINT = /^[0-9a-f]{64}$/;
const IDENTITY_MAX_BYTES = 64 * 1024;
/** A national list names a handful of services; the EU's largest national lists are a few MB. */
const TRUSTED_LIST_MAX_BYTES = 8 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;
/** A partner that failed a check is tried again after this long (the scheduler ticks every minute). */
export const RETRY_MINUTES = 5;

/** What the administrator gives. */
export interface PeerRequest {
  readonly instance: string;
  readonly url: string;
  readonly keyFingerprint: string;
}

/** Normalises and checks the administrator's input; 400 with a field-specific code otherwise. */
export function parsePeerRequest(input: { instance: string; url: string; keyFingerprint: string }): PeerRequest {
  const instance = input.instance.trim().toLowerCase();
  if (!INSTANCE_ID.test(instance)) {
    throw new HttpError(400, "peer_instance_invalid", "an instance id is 1–32 lower-case letters, digits or hyphens");
  }
  const keyFingerprintHex = input.keyFingerprint.replace(/[\s:]/g, "").toLowerCase();
  if (!FINGERPRINT.test(keyFingerprintHex)) {
    throw new HttpError(400, "peer_fingerprint_invalid", "a key fingerprint is a SHA-256 in hex (64 digits)");
  }
  let url: URL;
  try {
    url = new URL(input.url.trim());
  } catch {
    throw new HttpError(400, "peer_url_invalid", "the partner's address is not a URL");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.search) {
    throw new HttpError(
      400,
      "peer_url_invalid",
      "the partner's address is an http(s) URL without credentials or query",
    );
  }
  return { instance, url: url.href.replace(/\/+$/, ""), keyFingerprint: keyFingerprintHex };
}

/** A check of a partner that failed: 502 when it could not be reached, 422 when what it said does not hold. */
function unreachable(url: string, why: string): HttpError {
  return new HttpError(502, "peer_unreachable", `the partner instance at ${url} could not be reached: ${why}`);
}

/** GET with a deadline, no redirects (an answer must come from the address given) and a size limit. */
async function fetchBounded(
  url: string,
  maxBytes: number,
): Promise<{ status: number; headers: Record<string, string>; body: Uint8Array }> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause;
    throw unreachable(url, cause?.message ?? (e as Error).message);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new HttpError(422, "peer_answer_too_large", `${url} answered with more than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        throw new HttpError(422, "peer_answer_too_large", `${url} answered with more than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, body: Buffer.concat(chunks) };
}

/**
 * Reads and checks a partner: its signed identity under the pinned fingerprint, then its trusted list under the
 * list signer that identity names. Throws an HttpError (one line, what failed) on anything that does not hold.
 */
export async function checkPeer(request: PeerRequest): Promise<PeerSnapshot> {
  const identityUrl = `${request.url}/federation/v1/identity`;
  const answer = await fetchBounded(identityUrl, IDENTITY_MAX_BYTES);
  if (answer.status !== 200) throw unreachable(request.url, `its identity answered HTTP ${answer.status}`);
  let identity: InstanceIdentity;
  try {
    identity = JSON.parse(Buffer.from(answer.body).toString("utf8")) as InstanceIdentity;
    if (typeof identity.publicKey !== "string" || typeof identity.trustedListSigner !== "string") throw new Error();
  } catch {
    throw new HttpError(422, "peer_identity_invalid", `${identityUrl} is not an instance identity`);
  }
  const publicKey = Buffer.from(identity.publicKey, "base64");
  const presented = keyFingerprint(publicKey);
  if (presented !== request.keyFingerprint) {
    throw new HttpError(
      422,
      "peer_fingerprint_mismatch",
      `the instance at ${request.url} presents the key ${presented}, not the fingerprint given`,
    );
  }
  try {
    await verifyMessage({ status: answer.status }, answer.headers, answer.body, (fp) =>
      fp === request.keyFingerprint ? publicKey : undefined,
    );
  } catch (e) {
    if (!(e instanceof MessageSignatureError)) throw e;
    throw new HttpError(422, "peer_signature_invalid", `the identity of ${request.url}: ${e.message}`);
  }
  if (identity.instance !== request.instance) {
    throw new HttpError(
      422,
      "peer_instance_mismatch",
      `the instance at ${request.url} is "${identity.instance}", not "${request.instance}"`,
    );
  }
  let listUrl: URL;
  try {
    listUrl = new URL(identity.trustedList);
    if (listUrl.protocol !== "https:" && listUrl.protocol !== "http:") throw new Error();
  } catch {
    throw new HttpError(422, "peer_identity_invalid", `${identityUrl} names no http(s) trusted list`);
  }
  const list = await fetchBounded(listUrl.href, TRUSTED_LIST_MAX_BYTES);
  if (list.status !== 200) throw unreachable(request.url, `its trusted list answered HTTP ${list.status}`);
  const signer = Buffer.from(identity.trustedListSigner, "base64");
  // The XML signature stack (xadesjs, pkijs, an XML parser) is loaded when a partner is first added, not at start.
  const { parseTrustedList, trustAnchorsFromTrustedList } = await import("@khatam/core/trust");
  let anchors: { certificate: Uint8Array }[];
  let parsed: ReturnType<typeof parseTrustedList>;
  try {
    anchors = await trustAnchorsFromTrustedList(list.body, {
      source: listUrl.href,
      expectedSigner: [signer],
    });
    parsed = parseTrustedList(list.body);
  } catch (e) {
    throw new HttpError(422, "peer_trusted_list_invalid", (e as Error).message);
  }
  if (anchors.length === 0) {
    throw new HttpError(422, "peer_trusted_list_invalid", `${listUrl.href} names no approved CA`);
  }
  return {
    instance: request.instance,
    url: request.url,
    keyFingerprint: request.keyFingerprint,
    publicKey,
    trustedListUrl: listUrl.href,
    trustedList: list.body,
    trustedListDigest: createHash("sha256").update(list.body).digest("hex"),
    trustedListSigner: signer,
    territory: parsed.schemeTerritory,
    sequenceNumber: parsed.sequenceNumber,
    issuedAt: parsed.issueDate,
    nextUpdate: parsed.nextUpdate,
    anchors: anchors.map((a) => Buffer.from(a.certificate).toString("base64")),
  };
}

/** Refuses to peer with oneself (same id or same key): a loop that would make our own list a "partner's". */
export function refuseSelf(request: PeerRequest, own: InstanceKey): void {
  if (request.instance === own.id || request.keyFingerprint === keyFingerprint(own.publicKey)) {
    throw new HttpError(422, "peer_is_self", "an instance cannot peer with itself");
  }
}

/**
 * Checks a pinned partner again and pins a newer list. A list older than the pinned one, or a different list under
 * the same sequence number, is refused (409 `peer_trusted_list_rollback`); any failure is recorded on the partner
 * and thrown. Returns the partner as it now is.
 */
export async function refreshPeer(db: Db, instance: string): Promise<PeerRow> {
  const pinned = await findPeer(db, instance);
  if (!pinned) throw new HttpError(404, "peer_not_found", `no partner instance "${instance}"`);
  try {
    const snapshot = await checkPeer({ instance, url: pinned.url, keyFingerprint: pinned.key_fingerprint });
    if (
      snapshot.sequenceNumber < pinned.sequence_number ||
      (snapshot.sequenceNumber === pinned.sequence_number && snapshot.trustedListDigest !== pinned.trusted_list_digest)
    ) {
      throw new HttpError(
        409,
        "peer_trusted_list_rollback",
        `${snapshot.trustedListUrl} has sequence number ${snapshot.sequenceNumber} with other content than the pinned list ${pinned.sequence_number}: refused`,
      );
    }
    if (!(await updatePeerList(db, snapshot))) {
      // Another process pinned a newer list meanwhile (or the partner was removed): theirs stands.
      const now = await findPeer(db, instance);
      if (!now) throw new HttpError(404, "peer_not_found", `no partner instance "${instance}"`);
      return now;
    }
    invalidatePeerAnchors();
    return (await findPeer(db, instance))!;
  } catch (e) {
    await recordPeerError(db, instance, (e as Error).message);
    throw e;
  }
}

/** The scheduler's task: refreshes every partner whose list is due; failures are logged and retried later. */
export function peerRefreshTask(db: Db, log: { warn(obj: object, msg: string): void }): () => Promise<void> {
  return async function refreshPeers() {
    for (const instance of await duePeers(db, RETRY_MINUTES)) {
      try {
        await refreshPeer(db, instance);
      } catch (e) {
        log.warn(
          { peer: instance, err: (e as Error).message },
          "partner instance refresh failed; its pinned list stays",
        );
      }
    }
  };
}

/** Anchors are read from the database at most this often per process, so a partner added elsewhere is soon seen. */
const ANCHOR_CACHE_MS = 10_000;
let anchorCache: { db: Db; at: number; anchors: Promise<PartnerAnchor[]> } | undefined;

/** A trust anchor from a partner's pinned list. */
export interface PartnerAnchor extends TrustAnchor {
  /** The partner instance's id. */
  readonly partner: string;
}

/** Forgets the cached partner anchors (after this process changed a partner). */
export function invalidatePeerAnchors(): void {
  anchorCache = undefined;
}

/** The trust anchors of every partner's pinned list, each with its source (`partner sa`). */
export function peerTrustAnchors(db: Db): Promise<PartnerAnchor[]> {
  const now = Date.now();
  if (anchorCache && anchorCache.db === db && now - anchorCache.at < ANCHOR_CACHE_MS) return anchorCache.anchors;
  const anchors = peerAnchorRows(db).then((rows) =>
    rows.flatMap((row) =>
      row.anchors.map((b64) => ({
        certificate: new Uint8Array(Buffer.from(b64, "base64")),
        source: `partner ${row.instance}`,
        partner: row.instance,
      })),
    ),
  );
  anchorCache = { db, at: now, anchors };
  anchors.catch(() => invalidatePeerAnchors());
  return anchors;
}
