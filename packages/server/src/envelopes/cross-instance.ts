/**
 * Envelopes across instances (issue 12.3): the three messages of federation-messages.ts as a partner receives them,
 * over the signed protocol (federation/protocol.ts).
 *
 * `POST /federation/v1/offers` (on the recipient's instance): the local account with that address — an official,
 * enabled, whose address is proved — gets a copy of the envelope in their inbox; 422 `unknown_recipient` otherwise.
 *
 * `POST /federation/v1/returns` (on the owner): the recipient declined, or signed. A signed revision is taken only if
 * it is exactly the revision offered plus incremental updates that do nothing but add one signature (and its
 * validation data) — the validator's own modification analysis — and that signature is valid, chains to the
 * partner's pinned trust, and is the recipient's (the certificate's e-mail address) from the partner's country. Where
 * the sender placed fields for the recipient, the signature is in their signature field and the revision fills no
 * other recipient's field (the validator allows any form filling before a field is locked). Then
 * the workflow goes on; on completion the owner adds B-LTA and sends the final document to every partner that took
 * part. Refused: 422 `return_refused` with the reason, and nothing changes.
 *
 * `POST /federation/v1/completions` (on the partner): the final document replaces the copy's, if it extends it.
 *
 * `POST /federation/v1/withdrawals` (on the partner): the owner voided or expired the envelope; open copies stop.
 *
 * Returns and completions carry the sender's audit trail of the envelope, attested with its instance key
 * (federation/attestation.ts); it is checked and kept in the receiver's own trail (`partnerRecord` in the details of
 * the event it records), so both instances keep both trails, each signed by the instance that recorded it.
 *
 * Every handler is idempotent by the state it leaves (a repeat answers as the first time).
 */
import { createHash } from "node:crypto";
import { certificatesInCms } from "@khatam/core/cms";
import { PdfReader } from "@khatam/core/pdf";
import { analyseModifications, findSignatures, validatePdf } from "@khatam/core/verify";
import { Certificate } from "@khatam/core/x509";
import type { FastifyPluginAsync } from "fastify";
import { getDocument } from "../db/documents.js";
import type { EnvelopeOrigin } from "../db/schema.js";
import { verifyAttestation } from "../federation/attestation.js";
import { peerTrustAnchors } from "../federation/peers.js";
import { FEDERATION_BODY_LIMIT, type FederationAnswer, federationProtocol } from "../federation/protocol.js";
import type { PeerRow } from "../federation/store.js";
import { HttpError } from "../http/errors.js";
import { inProcessTrustFetch, platformTrustAnchors } from "../trust/in-process.js";
import type { InstanceKey } from "../trust/store.js";
import type { EnvelopeContext } from "./context.js";
import { EnvelopeError, httpStatusOf } from "./errors.js";
import { COMPLETIONS_PATH, OFFERS_PATH, RETURNS_PATH, WITHDRAWALS_PATH } from "./federation-messages.js";
import {
  createPartnerCopy,
  recordFinalDocument,
  recordPartnerDecline,
  recordPartnerSignature,
  recordWithdrawal,
} from "./partners.js";
import * as store from "./store.js";

export interface CrossInstanceOptions {
  readonly ctx: EnvelopeContext;
  readonly instance: InstanceKey;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Changes after the offered revision that a signature may bring: none, validation data, a signature field. */
const SIGNING_CHANGES = new Set(["NONE", "LTA_UPDATES", "FORM_FILLING"]);

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function invalid(why: string): never {
  throw new HttpError(400, "invalid_request", why);
}

function text(body: Record<string, unknown>, name: string, max: number): string {
  const value = body[name];
  if (typeof value !== "string" || value.length === 0 || value.length > max) invalid(`\`${name}\` must be a string`);
  return value as string;
}

function uuid(body: Record<string, unknown>, name: string): string {
  const value = text(body, name, 36);
  if (!UUID.test(value)) invalid(`\`${name}\` must be a UUID`);
  return value.toLowerCase();
}

/** The document a message carries, checked against the SHA-256 it names. */
function document(body: Record<string, unknown>): Uint8Array {
  const b64 = text(body, "document", FEDERATION_BODY_LIMIT);
  const bytes = new Uint8Array(Buffer.from(b64, "base64"));
  if (bytes.length === 0 || sha256(bytes) !== body.documentSha256) invalid("the document does not match its SHA-256");
  return bytes;
}

export const crossInstanceRoutes: FastifyPluginAsync<CrossInstanceOptions> = async (app, options) => {
  const { ctx } = options;
  app.setErrorHandler((err, _request, _reply) => {
    if (err instanceof EnvelopeError) throw new HttpError(httpStatusOf(err.code), err.code, err.message);
    throw err;
  });
  const route = federationProtocol(app, { db: ctx.db, instance: options.instance, publicUrl: ctx.publicUrl });
  route(OFFERS_PATH, (peer, body) => receiveOffer(ctx, peer, body));
  route(RETURNS_PATH, (peer, body) => receiveReturn(ctx, peer, body));
  route(COMPLETIONS_PATH, (peer, body) => receiveCompletion(ctx, peer, body));
  route(WITHDRAWALS_PATH, (peer, body) => receiveWithdrawal(ctx, peer, body));
};

async function receiveOffer(
  ctx: EnvelopeContext,
  peer: PeerRow,
  body: Record<string, unknown>,
): Promise<FederationAnswer> {
  const offerId = uuid(body, "offerId");
  const envelopeId = uuid(body, "envelopeId");
  const title = text(body, "title", 500);
  const registerCode = text(body, "registerCode", 64);
  const recipient = body.recipient as { email?: unknown } | undefined;
  if (typeof recipient?.email !== "string") invalid("`recipient.email` must be a string");
  const sender = body.sender as EnvelopeOrigin["sender"] | undefined;
  if (!sender || typeof sender.name !== "string" || typeof sender.agency !== "object") invalid("`sender` is missing");
  const pdf = document(body);
  const existing = (await store.copiesOf(ctx.db, peer.instance, envelopeId)).find((e) => e.origin?.offerId === offerId);
  if (existing) return { status: 200, body: { envelopeId: existing.id } };
  // Read as the copy's fields will be (createPartnerCopy), so that what cannot be read is refused here, not a 500.
  const { readFields } = await import("@khatam/core/forms");
  try {
    readFields(pdf);
  } catch (e) {
    throw new HttpError(422, "invalid_pdf", `the offered document is not a readable PDF: ${(e as Error).message}`);
  }
  const email = (recipient!.email as string).toLowerCase();
  const user = (await store.usersByEmail(ctx.db, [email])).get(email);
  const disabled = user ? await store.userDisabled(ctx.db, user.id) : undefined;
  if (!user?.agencyId || user.role !== "official" || disabled !== false) {
    throw new HttpError(422, "unknown_recipient", `no official of this instance has the address ${email}`);
  }
  const expiresAt = typeof body.expiresAt === "string" ? new Date(body.expiresAt) : null;
  const id = await createPartnerCopy({
    ctx,
    origin: {
      instance: peer.instance,
      envelopeId,
      offerId,
      sender: { name: sender!.name, email: String(sender!.email ?? ""), agency: sender!.agency },
    },
    user: { id: user.id, email: user.email, agencyId: user.agencyId },
    title,
    message: typeof body.message === "string" ? body.message.slice(0, 2000) : null,
    registerCode,
    expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : null,
    document: pdf,
  });
  return { status: 201, body: { envelopeId: id } };
}

async function receiveReturn(
  ctx: EnvelopeContext,
  peer: PeerRow,
  body: Record<string, unknown>,
): Promise<FederationAnswer> {
  const offerId = uuid(body, "offerId");
  const recipient = await store.findRecipient(ctx.db, offerId);
  const envelope = recipient ? await store.findEnvelope(ctx.db, recipient.envelope_id) : undefined;
  if (!recipient || !envelope || recipient.instance !== peer.instance || envelope.id !== body.envelopeId) {
    throw new HttpError(404, "offer_unknown", "no envelope offered to this instance has that recipient");
  }
  const partnerRecord = attested(peer, body);
  if (body.outcome === "declined") {
    if (recipient.status === "declined") return { status: 200, body: { status: "declined" } };
    checkOpen(envelope, recipient);
    await recordPartnerDecline({
      ctx,
      envelope,
      recipient,
      reason: String(body.reason ?? ""),
      details: { instance: peer.instance, partnerRecord },
    });
    return { status: 200, body: { status: "declined" } };
  }
  if (body.outcome !== "signed") invalid("`outcome` must be signed or declined");
  const signed = document(body);
  if (recipient.status === "signed") {
    // A repeat after the first was taken: the same revision is in the trail.
    const events = await store.signedEvents(ctx.db, envelope.id);
    if (events.some((e) => e.details?.returnedSha256 === sha256(signed)))
      return { status: 200, body: { status: "signed" } };
  }
  checkOpen(envelope, recipient);
  const details = await checkReturnedRevision(ctx, peer, envelope.current_sha256, recipient, signed);
  await recordPartnerSignature({ ctx, envelope, recipient, document: signed, details: { ...details, partnerRecord } });
  return { status: 200, body: { status: "signed" } };
}

/** The sender's attested trail (federation/attestation.ts), checked against its pinned key; 422 otherwise. */
function attested(peer: PeerRow, body: Record<string, unknown>): unknown {
  if (!verifyAttestation(body.attestation, peer.instance, peer.public_key)) {
    throw new HttpError(422, "return_refused", "the message carries no trail attested by the sending instance's key");
  }
  return body.attestation;
}

/** The recipient's turn is open on a sent envelope; 409 `offer_closed` otherwise (voided, expired, acted). */
function checkOpen(envelope: store.EnvelopeRow, recipient: store.RecipientRow): void {
  if (envelope.status !== "sent" || !["pending", "notified", "viewed"].includes(recipient.status)) {
    throw new HttpError(
      409,
      "offer_closed",
      `the envelope is ${envelope.status} and the recipient ${recipient.status}`,
    );
  }
}

function refuse(why: string): never {
  throw new HttpError(422, "return_refused", `the returned revision is refused: ${why}`);
}

/**
 * `read` run over a revision a partner returned: core's readers throw on what they cannot read (a PdfFormatError
 * for a malformed AcroForm or cross-reference data, a FieldError, a DER error), and that is the partner's input
 * being refused (422 `return_refused`, one line saying what could not be read), not a fault of this instance.
 */
function readPartnerBytes<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const detail = (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 200);
    return refuse(`${what} cannot be read (${detail})`);
  }
}

/**
 * The checks of a returned revision (module comment); the audit details of the signature when they hold, 422
 * `return_refused` otherwise.
 */
async function checkReturnedRevision(
  ctx: EnvelopeContext,
  peer: PeerRow,
  offeredSha256: string,
  recipient: store.RecipientRow,
  signed: Uint8Array,
): Promise<Record<string, unknown>> {
  const email = recipient.email;
  const offered = await getDocument(ctx.db, offeredSha256);
  if (!offered) throw new Error(`document ${offeredSha256} is missing`);
  if (signed.length <= offered.length || !Buffer.from(signed.subarray(0, offered.length)).equals(offered)) {
    refuse("it does not extend the revision offered byte for byte");
  }
  const changes = readPartnerBytes("its changes", () => analyseModifications(signed, offered.length));
  if (!SIGNING_CHANGES.has(changes.level)) refuse(`it changes more than a signature adds (${changes.level})`);
  const before = findSignatures(PdfReader.open(offered)).length;
  const after = readPartnerBytes("its signatures", () => findSignatures(PdfReader.open(signed)));
  if (after.length !== before + 1 || after.at(-1)?.type !== "signature") refuse("it must add exactly one signature");
  const fieldRefusal = await fieldsRefusal(offered, signed, recipient.id, after.at(-1)!.field);
  if (fieldRefusal) refuse(fieldRefusal);
  const anchors = [
    ...platformTrustAnchors(ctx.trustStore),
    ...(await peerTrustAnchors(ctx.db)).filter((a) => a.partner === peer.instance),
  ];
  const report = await validatePdf(signed, {
    trustAnchors: anchors,
    online: { fetch: inProcessTrustFetch(ctx.trustStore, ctx.publicUrl), timeoutMs: 5000 },
  });
  const signature = report.signatures.at(-1)!;
  if (signature.indication !== "TOTAL_PASSED") {
    refuse(
      `its signature is ${signature.indication}${signature.subIndication ? `/${signature.subIndication}` : ""}: ${signature.errors.join("; ")}`,
    );
  }
  // Certificate facts are parsed on first use, so they are read inside the guard too.
  const info = readPartnerBytes("its signer's certificate", () => {
    const c = certificatesInCms(after.at(-1)!.cms)
      .map((der) => Certificate.fromDer(der))
      .find((c) => c.serial.toLowerCase() === signature.signer?.serial.toLowerCase());
    return c && { emails: c.names.emails, country: c.country, subject: c.subject, serial: c.serial };
  });
  if (!info?.emails.some((e) => e.toLowerCase() === email.toLowerCase())) refuse(`it is not signed by ${email}`);
  if (info.country !== peer.territory) refuse(`the signer is of ${info.country}, not of ${peer.territory}`);
  return {
    instance: peer.instance,
    name: /(?:^|,)CN=([^,]+)/.exec(info.subject)?.[1] ?? info.subject,
    country: info.country,
    subject: info.subject,
    certificateSerial: info.serial,
    returnedSha256: sha256(signed),
  };
}

/**
 * Why a returned revision's fields are refused, if they are: the recipient (`owner`, their id in the document) signed
 * outside the signature field placed for them, or filled, added or changed a field of someone else.
 */
async function fieldsRefusal(
  offered: Uint8Array,
  signed: Uint8Array,
  owner: string,
  signatureField: string | undefined,
): Promise<string | undefined> {
  const { readFields } = await import("@khatam/core/forms");
  const before = new Map(readFields(offered).map((f) => [f.name, f]));
  const own = [...before.values()].find((f) => f.recipient === owner && f.kind === "signature");
  if (own && signatureField !== own.name)
    return `the signature is not in the field placed for its signer (${own.name})`;
  for (const f of readPartnerBytes("its form", () => readFields(signed))) {
    if (f.recipient === owner) continue;
    const was = before.get(f.name);
    if (!was) return `it adds the field ${f.name} for another recipient`;
    if (was.value !== f.value || (f.kind === "signature" && f.signed !== was.signed)) {
      return `it fills ${f.name}, a field of another recipient`;
    }
  }
  return undefined;
}

async function receiveCompletion(
  ctx: EnvelopeContext,
  peer: PeerRow,
  body: Record<string, unknown>,
): Promise<FederationAnswer> {
  const envelopeId = uuid(body, "envelopeId");
  const final = document(body);
  const ownerRecord = attested(peer, body);
  const copies = await store.copiesOf(ctx.db, peer.instance, envelopeId);
  if (copies.length === 0) throw new HttpError(404, "offer_unknown", "no copy of that envelope here");
  for (const copy of copies) {
    if (copy.current_sha256 === sha256(final)) continue; // a repeat
    const mine = await getDocument(ctx.db, copy.current_sha256);
    if (!mine || final.length < mine.length || !Buffer.from(final.subarray(0, mine.length)).equals(mine)) {
      throw new HttpError(422, "return_refused", "the final document does not extend the copy signed here");
    }
    await recordFinalDocument({ ctx, copy, document: final, ownerRecord });
  }
  return { status: 200, body: { copies: copies.map((c) => c.id) } };
}

async function receiveWithdrawal(
  ctx: EnvelopeContext,
  peer: PeerRow,
  body: Record<string, unknown>,
): Promise<FederationAnswer> {
  const envelopeId = uuid(body, "envelopeId");
  const outcome = body.outcome;
  if (outcome !== "voided" && outcome !== "expired") invalid("`outcome` must be voided or expired");
  const reason = typeof body.reason === "string" ? body.reason.slice(0, 2000) : null;
  const copies = await store.copiesOf(ctx.db, peer.instance, envelopeId);
  for (const copy of copies) await recordWithdrawal({ ctx, copy, outcome: outcome as "voided" | "expired", reason });
  return { status: 200, body: { copies: copies.map((c) => c.id) } };
}
