/**
 * The server-to-server protocol under `/federation/v1/` (issue 12.4): every request is a POST of JSON, signed with
 * the sender's instance key (RFC 9421 profile of message-signatures.ts: method, path, Content-Digest, content type,
 * `Idempotency-Key` and `Khatam-To`, the addressee's instance id; fresh; a nonce used once), from a partner this
 * instance has peered with; every answer is signed with this instance's key.
 *
 * Receiving ({@link federationProtocol}): the signature is checked before anything else against the pinned partners'
 * keys (401 `peer_unknown` / `peer_signature_invalid`), the addressee must be this instance (421
 * `misdirected_request`), the nonce must be new (409 `request_replayed`). A message is acted on once per
 * Idempotency-Key: its answer is recorded, and a repeat gets that answer without the handler running again.
 *
 * Sending ({@link federationDeliverer}): messages are outbox rows (notify/outbox.ts `federationRow`), written in the
 * transaction of the change they carry and delivered after it commits, signed at each attempt. A partner that is down
 * or answers 5xx, 401 (it has not peered with us yet), 408, 425 or 429 is tried again with backoff, for as long as it
 * takes (never given up); an answer whose signature does not hold counts as no answer; any other refusal is final
 * and logged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/connect.js";
import { HttpError } from "../http/errors.js";
import { Gone } from "../notify/delivery.js";
import type { FederationMessage } from "../notify/outbox.js";
import type { InstanceKey } from "../trust/store.js";
import { attestTrail } from "./attestation.js";
import {
  CLOCK_SKEW_S,
  keyFingerprint,
  MAX_AGE_S,
  MessageSignatureError,
  signRequest,
  signResponse,
  verifyMessage,
} from "./message-signatures.js";
import { findPeer, insertNonce, listPeers, type PeerRow, purgeNonces, recordAnswer, recordedAnswer } from "./store.js";

/** Documents travel whole: a 20 MB PDF in base64 with its envelope. */
export const FEDERATION_BODY_LIMIT = 40 * 1024 * 1024;
const DELIVERY_TIMEOUT_MS = 60_000;
/** Statuses after which the same message may succeed later. */
const RETRYABLE = new Set([401, 408, 425, 429]);

declare module "fastify" {
  interface FastifyRequest {
    /** The partner a federation request came from (set by federationProtocol's check). */
    peer?: PeerRow;
  }
}

/** What a handler decides: the status and JSON answer, recorded with the Idempotency-Key. */
export interface FederationAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * A handler of one message. It must be idempotent by the state it leaves (a repeat that arrives after it acted but
 * before its answer was recorded — a crash in between — finds the change made and answers as the first time).
 */
export type FederationHandler = (peer: PeerRow, body: Record<string, unknown>) => Promise<FederationAnswer>;

/**
 * Registers the protocol's checks on `app` (an encapsulated plugin holding only federation routes) and returns a
 * function that adds one message route.
 */
export function federationProtocol(
  app: FastifyInstance,
  options: { readonly db: Db; readonly instance: InstanceKey; readonly publicUrl: string },
): (path: string, handler: FederationHandler) => void {
  const { db, instance } = options;
  app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: FEDERATION_BODY_LIMIT }, (_r, b, done) =>
    done(null, b),
  );
  // Every answer, refusals included, is signed: the partner knows it came from us.
  app.addHook("onSend", async (request, reply, payload) => {
    if (reply.statusCode >= 400) {
      request.log.warn(
        {
          peer: request.peer?.instance,
          status: reply.statusCode,
          url: request.url,
          answer: String(payload).slice(0, 300),
        },
        "federation request refused",
      );
    }
    const bytes =
      typeof payload === "string" ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : Buffer.alloc(0);
    const type = String(reply.getHeader("content-type") ?? "application/json");
    const headers = await signResponse(instance, reply.statusCode, { "content-type": type }, bytes);
    for (const [name, value] of Object.entries(headers)) if (name !== "content-type") reply.header(name, value);
    return bytes;
  });
  app.addHook("preHandler", async (request: FastifyRequest) => {
    const body = request.body;
    if (!Buffer.isBuffer(body))
      throw new HttpError(415, "unsupported_media_type", "send the message as application/json");
    const peers = new Map((await listPeers(db)).map((p) => [p.key_fingerprint, p]));
    let fingerprint: string;
    try {
      const verified = await verifyMessage(
        { method: request.method, url: `${options.publicUrl.replace(/\/+$/, "")}${request.url}` },
        request.headers,
        body,
        (fp) => peers.get(fp)?.public_key,
      );
      fingerprint = verified.keyFingerprint;
      const peer = peers.get(fingerprint)!;
      if (request.headers["khatam-to"] !== instance.id) {
        throw new HttpError(421, "misdirected_request", `this is instance "${instance.id}"`);
      }
      // The nonce is kept for as long as the signature could be accepted.
      const expires = new Date(verified.created.getTime() + (MAX_AGE_S + 2 * CLOCK_SKEW_S) * 1000);
      const fresh = await insertNonce(db, peer.instance, verified.nonce!, expires);
      if (!fresh) throw new HttpError(409, "request_replayed", "this signed request was received before");
      request.peer = peer;
    } catch (e) {
      if (e instanceof HttpError) throw e;
      if (e instanceof MessageSignatureError) {
        const known = [...peers.keys()].some((fp) => String(request.headers["signature-input"] ?? "").includes(fp));
        throw new HttpError(401, known ? "peer_signature_invalid" : "peer_unknown", e.message);
      }
      throw e;
    }
  });

  return (path, handler) => {
    app.post(path, { bodyLimit: FEDERATION_BODY_LIMIT }, async (request, reply: FastifyReply) => {
      const peer = request.peer!;
      const key = request.headers["idempotency-key"];
      if (typeof key !== "string" || !/^[\x21-\x7e]{1,200}$/.test(key)) {
        throw new HttpError(400, "invalid_request", "an Idempotency-Key header is required");
      }
      const seen = await findAnswer(db, peer.instance, key);
      if (seen) return reply.code(seen.status).send(seen.body);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse((request.body as Buffer).toString("utf8"));
        if (typeof message !== "object" || message === null || Array.isArray(message)) throw new Error();
      } catch {
        throw new HttpError(400, "invalid_request", "the message is not a JSON object");
      }
      const answer = await handler(peer, message);
      // A concurrent delivery of the same message may have recorded its answer first: that one stands.
      await recordAnswer(db, peer.instance, key, answer);
      request.log.info({ peer: peer.instance, path, status: answer.status }, "federation message");
      return reply.code(answer.status).send(answer.body);
    });
  };
}

async function findAnswer(db: Db, peer: string, key: string): Promise<FederationAnswer | undefined> {
  const row = await recordedAnswer(db, peer, key);
  if (!row) return undefined;
  const body = (typeof row.response === "string" ? JSON.parse(row.response) : row.response) as Record<string, unknown>;
  return { status: row.status, body };
}

/** The scheduler's task: forgets nonces whose signatures can no longer be accepted anyway. */
export function purgeNoncesTask(db: Db): () => Promise<void> {
  return async function purgeFederationNonces() {
    await purgeNonces(db);
  };
}

/** The outbox worker's delivery of `federation` rows (see the module comment). */
export function federationDeliverer(
  db: Db,
  instance: InstanceKey,
): (payload: Record<string, unknown>, deliveryId: string) => Promise<void> {
  return async (payload) => {
    const message = payload as unknown as FederationMessage;
    const peer = await findPeer(db, message.peer);
    if (!peer) throw new Gone(`partner instance "${message.peer}" is no longer peered; not sent`);
    // The trail as it stands when the message leaves (a retry attests it again).
    const content = message.attestEnvelope
      ? { ...message.body, attestation: await attestTrail(db, instance, message.attestEnvelope) }
      : message.body;
    const body = Buffer.from(JSON.stringify(content));
    const url = `${peer.url}${message.path}`;
    const headers = await signRequest(
      instance,
      "POST",
      url,
      { "content-type": "application/json", "idempotency-key": message.idempotencyKey, "khatam-to": peer.instance },
      body,
    );
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers,
        body,
        redirect: "error",
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause;
      throw new Error(`partner ${peer.instance} unreachable: ${cause?.message ?? (e as Error).message}`);
    }
    const answer = new Uint8Array(await response.arrayBuffer());
    const answerHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      answerHeaders[name] = value;
    });
    try {
      await verifyMessage({ status: response.status }, answerHeaders, answer, (fp) =>
        fp === keyFingerprint(peer.public_key) ? peer.public_key : undefined,
      );
    } catch (e) {
      throw new Error(
        `partner ${peer.instance}'s answer (HTTP ${response.status}) is not validly signed: ${(e as Error).message}`,
      );
    }
    if (response.ok) return;
    const text = Buffer.from(answer).toString("utf8").slice(0, 300);
    if (response.status >= 500 || RETRYABLE.has(response.status)) {
      throw new Error(`partner ${peer.instance} answered HTTP ${response.status}: ${text}`);
    }
    throw new Gone(`partner ${peer.instance} refused ${message.path} for good: HTTP ${response.status} ${text}`);
  };
}
