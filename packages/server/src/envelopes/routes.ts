/**
 * HTTP routes of the envelope workflow (CONTRACTS § 3). Thin: each handler authenticates, reads its input (the
 * JSON schema beside it does the shape checks) and calls one domain function (routing.ts, acting.ts, reading.ts); coded
 * {@link EnvelopeError}s become `{ error: { code, message } }` with the status {@link httpStatusOf} gives.
 */
import multipart from "@fastify/multipart";
import contentDisposition from "content-disposition";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireIdentity } from "../auth/identity.js";
import { HttpError } from "../http/errors.js";
import { jsonValidator, validationMessage } from "../http/json-validator.js";
import { completeSignature, declineEnvelope, prepareSignature, signEnvelope } from "./acting.js";
import type { Caller, EnvelopeContext, SignerResolver } from "./context.js";
import { EnvelopeError, httpStatusOf } from "./errors.js";
import { type FieldInput, normaliseFields, parseSigningChoices } from "./fields.js";
import { auditTrail, completionCertificate, getEnvelope, listInbox, readDocument } from "./reading.js";
import {
  correctRecipient,
  createEnvelope,
  type RecipientInput,
  remindNow,
  sendEnvelope,
  voidEnvelope,
} from "./routing.js";
import {
  type AuditTrailView,
  type CompleteSignatureBody,
  type CorrectRecipientBody,
  envelopeSchemas,
  type InboxQuery,
  type ReasonBody,
  type UploadMeta,
  uploadMeta,
} from "./schemas.js";

/** Largest PDF accepted for an envelope. */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export interface EnvelopeRoutesOptions {
  readonly publicUrl: string;
  readonly signerFor: SignerResolver;
  readonly maxUploadBytes?: number;
}

export async function envelopeRoutes(app: FastifyInstance, options: EnvelopeRoutesOptions): Promise<void> {
  const maxUpload = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  await app.register(multipart, { limits: { fileSize: maxUpload, files: 1, fields: 4, fieldSize: 256 * 1024 } });
  const ctx: EnvelopeContext = {
    db: app.db,
    trustStore: app.trustStore,
    publicUrl: options.publicUrl,
    signerFor: options.signerFor,
    documents: app.documentPool,
  };

  // Domain errors to HTTP; everything else to the application's handler.
  app.setErrorHandler((err, _request, _reply) => {
    if (err instanceof EnvelopeError) throw new HttpError(httpStatusOf(err.code), err.code, err.message);
    throw err;
  });

  app.post("/api/envelopes", { schema: envelopeSchemas.create }, async (request, reply) => {
    const caller = callerOf(request);
    const { pdf, meta } = await readUpload(request);
    const created = await createEnvelope({ ctx, caller, pdf, ...meta });
    return reply.status(201).send(created);
  });

  app.get<{ Querystring: InboxQuery }>("/api/envelopes", { schema: envelopeSchemas.list }, async (request) =>
    listInbox({ ctx, caller: callerOf(request), ...request.query }),
  );

  app.get<{ Params: { id: string } }>("/api/envelopes/:id", { schema: envelopeSchemas.get }, async (request) =>
    getEnvelope({ ctx, caller: callerOf(request), envelopeId: request.params.id }),
  );

  app.post<{ Params: { id: string } }>("/api/envelopes/:id/send", { schema: envelopeSchemas.send }, async (request) =>
    sendEnvelope({ ctx, caller: callerOf(request), envelopeId: request.params.id }),
  );

  // The signer's choices may carry a drawn or uploaded mark and a seal image (each at most 1 MiB before base64).
  const signingBodyLimit = 4 * 1024 * 1024;
  // The choices are optional: a request without a body (as before fields) is an empty object to the schema.
  const emptyBody = async (request: FastifyRequest) => {
    if (request.body === undefined || request.body === null) request.body = {};
  };
  app.post<{ Params: { id: string } }>(
    "/api/envelopes/:id/sign",
    { schema: envelopeSchemas.sign, bodyLimit: signingBodyLimit, preValidation: emptyBody },
    async (request) =>
      signEnvelope({
        ctx,
        caller: callerOf(request),
        envelopeId: request.params.id,
        choices: parseSigningChoices(request.body),
      }),
  );

  app.post<{ Params: { id: string } }>(
    "/api/envelopes/:id/sign/prepare",
    { schema: envelopeSchemas.prepare, bodyLimit: signingBodyLimit, preValidation: emptyBody },
    async (request) =>
      prepareSignature({
        ctx,
        caller: callerOf(request),
        envelopeId: request.params.id,
        choices: parseSigningChoices(request.body),
      }),
  );

  app.post<{ Params: { id: string }; Body: CompleteSignatureBody }>(
    "/api/envelopes/:id/sign/complete",
    { schema: envelopeSchemas.complete },
    async (request) => {
      const value = request.body.signatureValue;
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
        throw new EnvelopeError("invalid_request", "signatureValue must be base64");
      }
      return completeSignature({
        ctx,
        caller: callerOf(request),
        envelopeId: request.params.id,
        sessionId: request.body.sessionId,
        signatureValue: new Uint8Array(
          Buffer.from(value, value.includes("-") || value.includes("_") ? "base64url" : "base64"),
        ),
      });
    },
  );

  app.post<{ Params: { id: string }; Body: ReasonBody }>(
    "/api/envelopes/:id/decline",
    { schema: envelopeSchemas.decline },
    async (request) =>
      declineEnvelope({ ctx, caller: callerOf(request), envelopeId: request.params.id, reason: request.body.reason }),
  );

  app.post<{ Params: { id: string }; Body: ReasonBody }>(
    "/api/envelopes/:id/void",
    { schema: envelopeSchemas.void },
    async (request) =>
      voidEnvelope({ ctx, caller: callerOf(request), envelopeId: request.params.id, reason: request.body.reason }),
  );

  app.patch<{ Params: { id: string; email: string }; Body: CorrectRecipientBody }>(
    "/api/envelopes/:id/recipients/:email",
    { schema: envelopeSchemas.correctRecipient },
    async (request) =>
      correctRecipient({
        ctx,
        caller: callerOf(request),
        envelopeId: request.params.id,
        email: request.params.email,
        newEmail: request.body.email,
      }),
  );

  app.post<{ Params: { id: string } }>(
    "/api/envelopes/:id/remind",
    { schema: envelopeSchemas.remind },
    async (request) => remindNow({ ctx, caller: callerOf(request), envelopeId: request.params.id }),
  );

  app.get<{ Params: { id: string }; Querystring: { disposition?: "inline" | "attachment" } }>(
    "/api/envelopes/:id/document",
    { schema: envelopeSchemas.document },
    async (request, reply) => {
      // `?disposition=inline`: the page's preview, which is a view (recorded once, as `viewed`), not a download.
      const inline = request.query.disposition === "inline";
      const document = await readDocument({
        ctx,
        caller: callerOf(request),
        envelopeId: request.params.id,
        purpose: inline ? "preview" : "download",
      });
      return reply
        .type("application/pdf")
        .header("content-disposition", pdfDisposition(`${document.title}.pdf`, inline ? "inline" : "attachment"))
        .header("etag", `"${document.sha256}"`)
        .send(Buffer.from(document.bytes));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format?: "json" | "pdf" } }>(
    "/api/envelopes/:id/audit",
    { schema: envelopeSchemas.audit },
    async (request, reply) => {
      const trail = await auditTrail({ ctx, caller: callerOf(request), envelopeId: request.params.id });
      if (request.query.format === "pdf") {
        const pdf = await completionCertificate({
          ctx,
          caller: callerOf(request),
          envelopeId: trail.envelope.id,
          keyStore: app.keyStore,
        });
        return reply
          .type("application/pdf")
          .header("content-disposition", pdfDisposition(`certificate-of-completion-${trail.envelope.id}.pdf`))
          .send(Buffer.from(pdf));
      }
      return { envelopeId: trail.envelope.id, chain: trail.chain, events: trail.events } satisfies AuditTrailView;
    },
  );
}

function callerOf(request: FastifyRequest): Caller {
  const identity = requireIdentity(request);
  return { ...identity, ip: request.ip };
}

/** What the upload's `meta` asks for, checked. */
interface Upload {
  title: string;
  recipients: RecipientInput[];
  expiresAt?: Date;
  reminderEveryHours?: number;
  message?: string;
  fields?: FieldInput[];
}

/** Reads the multipart upload: the PDF in `file` and the JSON in `meta`, each checked. */
async function readUpload(request: FastifyRequest): Promise<{ pdf: Uint8Array; meta: Upload }> {
  if (!request.isMultipart()) {
    throw new EnvelopeError("unsupported_media_type", "send multipart/form-data with `file` and `meta`");
  }
  let pdf: Uint8Array | undefined;
  let metaText: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === "file") {
        if (part.fieldname !== "file") {
          await part.toBuffer();
          continue;
        }
        pdf = new Uint8Array(await part.toBuffer());
      } else if (part.fieldname === "meta") {
        metaText = String(part.value);
      }
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "FST_REQ_FILE_TOO_LARGE" || code === "FST_FILES_LIMIT" || code === "FST_PARTS_LIMIT") {
      throw new EnvelopeError("payload_too_large", `the PDF is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
    }
    // A truncated or malformed multipart body (busboy: "Unexpected end of form", bad boundary) is the client's.
    throw new EnvelopeError("invalid_request", "the multipart body is malformed or truncated");
  }
  if (!pdf) throw new EnvelopeError("invalid_request", "the form has no `file` part");
  if (metaText === undefined) throw new EnvelopeError("invalid_request", "the form has no `meta` part");
  return { pdf, meta: parseMeta(metaText) };
}

const validateMeta = jsonValidator<UploadMeta>(uploadMeta);

/** `meta` checked against its schema (uploadMeta; the routes' validator, without coercion: http/json-validator.ts). */
function parseMeta(text: string): Upload {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new EnvelopeError("invalid_request", "`meta` is not valid JSON");
  }
  if (!validateMeta(m)) throw new EnvelopeError("invalid_request", validationMessage("meta", validateMeta));
  let expiresAt: Date | undefined;
  if (m.expiresAt !== undefined && m.expiresAt !== null) {
    expiresAt = new Date(m.expiresAt);
    if (Number.isNaN(expiresAt.getTime()))
      throw new EnvelopeError("invalid_request", "meta/expiresAt must be an ISO 8601 date");
  }
  const message = m.message?.trim();
  const hours = m.reminderEveryHours;
  return {
    title: m.title,
    recipients: m.recipients.map((r) => ({
      email: r.email,
      role: r.role,
      order: r.order,
      ...(typeof r.instance === "string" && { instance: r.instance }),
    })),
    ...(expiresAt && { expiresAt }),
    ...(typeof hours === "number" && { reminderEveryHours: Math.round(hours) }),
    ...(message && { message }),
    ...(m.fields && { fields: normaliseFields(m.fields) }),
  };
}

/**
 * Content-Disposition with the title as the file name in any script (RFC 6266 `filename*`, RFC 5987 UTF-8) and an
 * ASCII fallback for old clients; path separators and control characters removed, length bounded.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f/\\]+/g;

export function pdfDisposition(name: string, type: "inline" | "attachment" = "attachment"): string {
  const clean = name.replace(UNSAFE_IN_NAMES, " ").trim().slice(0, 150) || "document.pdf";
  const fallback = clean.replace(/[^\x20-\x7e]+/g, "_").replace(/["%]/g, "_");
  return contentDisposition(clean, { type, fallback });
}
