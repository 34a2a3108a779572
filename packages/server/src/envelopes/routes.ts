/**
 * HTTP routes of the envelope workflow (CONTRACTS § 3). Thin: each handler authenticates, reads its input (the
 * JSON schema beside it does the shape checks) and calls one domain function (routing.ts, acting.ts, reading.ts); coded
 * {@link EnvelopeError}s become `{ error: { code, message } }` with the status {@link httpStatusOf} gives.
 */
import multipart from "@fastify/multipart";
import contentDisposition from "content-disposition";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireIdentity } from "../auth/identity.js";
import { INSTANCE_ID } from "../federation/instance-id.js";
import { HttpError } from "../http/errors.js";
import { completeSignature, declineEnvelope, prepareSignature, signEnvelope } from "./acting.js";
import type { Caller, EnvelopeContext, SignerResolver } from "./context.js";
import { EnvelopeError, httpStatusOf } from "./errors.js";
import { type FieldInput, parseFields, parseSigningChoices } from "./fields.js";
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

interface UploadMeta {
  title: string;
  recipients: RecipientInput[];
  expiresAt?: Date;
  reminderEveryHours?: number;
  message?: string;
  fields?: FieldInput[];
}

/** Reads the multipart upload: the PDF in `file` and the JSON in `meta`, each checked. */
async function readUpload(request: FastifyRequest): Promise<{ pdf: Uint8Array; meta: UploadMeta }> {
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

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Routing orders are small integers; a larger one (1e308) would overflow the database's integer column. */
const MAX_ROUTING_ORDER = 1000;

function parseMeta(text: string): UploadMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new EnvelopeError("invalid_request", "`meta` is not valid JSON");
  }
  const bad = (why: string): never => {
    throw new EnvelopeError("invalid_request", `meta: ${why}`);
  };
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) bad("must be an object");
  const m = raw as Record<string, unknown>;
  if (typeof m.title !== "string" || m.title.length > 500 || CONTROL_CHARACTERS.test(m.title)) {
    bad("`title` must be a string of at most 500 characters without control characters");
  }
  if (!Array.isArray(m.recipients)) bad("`recipients` must be an array");
  const recipients = (m.recipients as unknown[]).map((r, i) => {
    if (!r || typeof r !== "object") return bad(`recipient ${i + 1} must be an object`);
    const x = r as Record<string, unknown>;
    if (typeof x.email !== "string") bad(`recipient ${i + 1}: \`email\` must be a string`);
    if (x.role !== "signer" && x.role !== "approver" && x.role !== "viewer") {
      bad(`recipient ${i + 1}: \`role\` must be signer, approver or viewer`);
    }
    const order = x.order ?? 1;
    if (!Number.isInteger(order) || (order as number) < 1 || (order as number) > MAX_ROUTING_ORDER) {
      bad(`recipient ${i + 1}: \`order\` must be a whole number from 1 to ${MAX_ROUTING_ORDER}`);
    }
    if (
      x.instance !== undefined &&
      x.instance !== null &&
      (typeof x.instance !== "string" || !INSTANCE_ID.test(x.instance))
    ) {
      bad(`recipient ${i + 1}: \`instance\` must be a partner instance's id`);
    }
    return {
      email: x.email as string,
      role: x.role as RecipientInput["role"],
      order: order as number,
      ...(typeof x.instance === "string" && { instance: x.instance }),
    };
  });
  let expiresAt: Date | undefined;
  if (m.expiresAt !== undefined && m.expiresAt !== null) {
    expiresAt = new Date(String(m.expiresAt));
    if (Number.isNaN(expiresAt.getTime())) bad("`expiresAt` must be an ISO 8601 date");
  }
  const message = typeof m.message === "string" ? m.message.trim() : undefined;
  if (m.message !== undefined && m.message !== null && (typeof m.message !== "string" || m.message.length > 2000)) {
    bad("`message` must be a string of at most 2000 characters");
  }
  const hours = m.reminderEveryHours;
  if (hours !== undefined && hours !== null && (typeof hours !== "number" || !(hours >= 1) || hours > 24 * 365)) {
    bad("`reminderEveryHours` must be a number of hours ≥ 1");
  }
  return {
    title: m.title as string,
    recipients,
    ...(expiresAt && { expiresAt }),
    ...(typeof hours === "number" && { reminderEveryHours: Math.round(hours) }),
    ...(message && { message }),
    ...(m.fields !== undefined && m.fields !== null && { fields: parseFields(m.fields) }),
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
