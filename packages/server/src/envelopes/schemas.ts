/**
 * The JSON schemas of the envelope routes (routes.ts): Fastify validates requests and serializes responses with
 * them, @fastify/swagger describes them in the OpenAPI document, and the API's types are inferred from them (the
 * types at the end; clients import them through `api.ts`).
 */
import type { FromSchema } from "json-schema-to-ts";
import { INSTANCE_ID } from "../federation/instance-id.js";
import { errorView as error, namesView } from "../http/schemas.js";
import { INBOX_PAGE } from "./reading.js";

const idParams = { type: "object", properties: { id: { type: "string" } }, required: ["id"] } as const;

const recipientView = {
  type: "object",
  properties: {
    email: { type: "string" },
    role: { type: "string", enum: ["signer", "approver", "viewer"] },
    order: { type: "integer" },
    status: { type: "string", enum: ["pending", "notified", "viewed", "signed", "approved", "declined"] },
    actedAt: { type: ["string", "null"], format: "date-time" },
    declineReason: { type: ["string", "null"] },
    signatureField: { type: ["string", "null"] },
    name: { type: ["string", "null"], description: "the bound account's display name (GET /api/envelopes/:id)" },
    instance: { type: "string", description: "the partner instance the recipient signs on (federation)" },
  },
  required: ["email", "role", "order", "status", "actedAt", "declineReason", "signatureField"],
  additionalProperties: false,
} as const;

const fieldKinds = ["signature", "initials", "date", "name", "title", "text", "checkbox"] as const;
const pdfRect = {
  type: "array",
  items: { type: "number" },
  minItems: 4,
  maxItems: 4,
  description: "x1, y1, x2, y2 in the page's default user space (PDF points, origin of the page's crop box)",
} as const;

/** A field placed for a signer (issue 13.1; envelopes/fields.ts). */
const fieldView = {
  type: "object",
  properties: {
    name: { type: "string", description: "the AcroForm field's name: r<n>.signature or r<n>.<kind>.<k>" },
    recipient: { type: "string", description: "the recipient's e-mail" },
    kind: { type: "string", enum: fieldKinds },
    page: { type: "integer", minimum: 1 },
    rect: pdfRect,
    label: { type: ["string", "null"] },
    required: { type: "boolean" },
  },
  required: ["name", "recipient", "kind", "page", "rect", "label", "required"],
  additionalProperties: false,
} as const;

/** Largest coordinate accepted (ISO 32000-2 Annex C: implementations need not handle user space beyond ±32767). */
const MAX_COORDINATE = 32767;

/**
 * A field as the creation request's `meta.fields` gives it (issue 13.1), the type clients build it with
 * (`FieldInputBody`). `meta` is JSON inside multipart, so it is checked by routes.ts (uploadMeta, below), not by
 * Fastify.
 */
const fieldInput = {
  type: "object",
  properties: {
    recipient: {
      anyOf: [{ type: "integer", minimum: 0 }, { type: "string" }],
      description: "the recipient's index in `recipients` (from 0) or their e-mail",
    },
    kind: { type: "string", enum: fieldKinds },
    page: { type: "integer", minimum: 1, maximum: 100_000 },
    rect: { ...pdfRect, items: { type: "number", minimum: -MAX_COORDINATE, maximum: MAX_COORDINATE } },
    label: { type: ["string", "null"], maxLength: 200 },
    required: { type: ["boolean", "null"] },
  },
  required: ["recipient", "kind", "page", "rect"],
  additionalProperties: false,
} as const;

/** Routing orders are small integers; a larger one (1e308) would overflow the database's integer column. */
const MAX_ROUTING_ORDER = 1000;
/** Text without control characters (PostgreSQL refuses NUL, and no title holds one). */
const NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f]*$";

/**
 * The `meta` part of POST /api/envelopes (a JSON text in a multipart form, so not Fastify's body): checked by
 * routes.ts with the routes' own validator. What a schema cannot say (a date that parses, a rectangle with an area)
 * is checked there too.
 */
export const uploadMeta = {
  type: "object",
  properties: {
    title: { type: "string", maxLength: 500, pattern: NO_CONTROL_CHARACTERS },
    recipients: {
      type: "array",
      items: {
        type: "object",
        properties: {
          email: { type: "string" },
          role: { type: "string", enum: ["signer", "approver", "viewer"] },
          order: { type: "integer", minimum: 1, maximum: MAX_ROUTING_ORDER, default: 1 },
          instance: {
            type: ["string", "null"],
            pattern: INSTANCE_ID.source,
            description: "the partner instance the recipient signs on (federation)",
          },
        },
        required: ["email", "role"],
        additionalProperties: false,
      },
    },
    expiresAt: { type: ["string", "null"], description: "ISO 8601" },
    reminderEveryHours: { type: ["number", "null"], minimum: 1, maximum: 24 * 365 },
    message: { type: ["string", "null"], maxLength: 2000 },
    // At most 500 fields (core allows more; a form for officials has tens).
    fields: { type: ["array", "null"], maxItems: 500, items: fieldInput },
  },
  required: ["title", "recipients"],
  additionalProperties: false,
} as const;

/** What a signer sends with their signature (issue 13.2): values for their fields and the look of the signature. */
const signingChoices = {
  type: "object",
  description:
    "Optional. `fill`: values for the signer's own fields by name (text, or true/false for a checkbox). `mark`: " +
    "how the signature looks — typed (the name set in the shipped font), drawn (a PNG from the pen) or image (an " +
    "uploaded PNG or JPEG), base64, at most 1 MiB and 4096 px a side. `seal` (Japanese officials): generated from " +
    "the family name (at most four characters, set vertically) or an image. Used when the sender placed a " +
    "signature field for the signer; without one the signature stays invisible and only an empty body is accepted.",
  properties: {
    // No type per value: the validator would coerce true into "true" (text) or "true" into true (checkbox);
    // envelopes/fields.ts parseSigningChoices checks each value as it is.
    fill: { type: "object", additionalProperties: { description: "text, or true/false for a checkbox" } },
    mark: {
      type: "object",
      properties: { kind: { type: "string", enum: ["typed", "drawn", "image"] }, image: { type: "string" } },
      required: ["kind"],
      additionalProperties: false,
    },
    seal: {
      type: "object",
      properties: {
        kind: { type: "string", enum: ["generated", "image"] },
        familyName: { type: "string" },
        image: { type: "string" },
      },
      required: ["kind"],
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

const envelopeView = {
  type: "object",
  properties: {
    id: { type: "string", format: "uuid" },
    title: { type: "string" },
    status: { type: "string", enum: ["draft", "sent", "completed", "declined", "expired", "voided"] },
    agencyId: { type: "string" },
    registerCode: { type: "string" },
    originalSha256: { type: "string" },
    documentSha256: { type: "string" },
    createdAt: { type: "string", format: "date-time" },
    sentAt: { type: ["string", "null"] },
    completedAt: { type: ["string", "null"] },
    expiresAt: { type: ["string", "null"] },
    currentOrder: { type: ["integer", "null"] },
    message: { type: ["string", "null"], description: "the sender's message to the recipients" },
    version: { type: "integer" },
    signingMs: { type: "integer", description: "server-side time of the signature (sign, time-stamp, B-LT/B-LTA)" },
    recipients: { type: "array", items: recipientView },
    fields: { type: "array", items: fieldView, description: "the fields placed for the signers (absent: none)" },
    origin: {
      type: "object",
      description: "on a partner's copy: the owning instance, its envelope id and the sender there",
      properties: {
        instance: { type: "string" },
        envelopeId: { type: "string" },
        sender: {
          type: "object",
          properties: {
            name: { type: "string" },
            email: { type: "string" },
            agency: { type: "object", additionalProperties: { type: "string" } },
          },
          required: ["name", "email", "agency"],
          additionalProperties: false,
        },
      },
      required: ["instance", "envelopeId", "sender"],
      additionalProperties: false,
    },
    sender: {
      type: "object",
      description: "who sent it (GET /api/envelopes/:id)",
      properties: {
        name: { type: ["string", "null"] },
        email: { type: ["string", "null"] },
        agency: {
          type: "object",
          properties: {
            id: { type: "string" },
            names: { ...namesView, type: ["object", "null"] },
          },
          required: ["id", "names"],
          additionalProperties: false,
        },
      },
      required: ["name", "email", "agency"],
      additionalProperties: false,
    },
  },
  required: [
    "id",
    "title",
    "status",
    "agencyId",
    "registerCode",
    "originalSha256",
    "documentSha256",
    "createdAt",
    "sentAt",
    "completedAt",
    "expiresAt",
    "currentOrder",
    "version",
    "message",
    "recipients",
  ],
  additionalProperties: false,
} as const;

const summary = {
  type: "object",
  properties: {
    id: { type: "string" },
    title: { type: "string" },
    status: { type: "string", enum: ["draft", "sent", "completed", "declined", "expired", "voided"] },
    createdAt: { type: "string", format: "date-time" },
    sentAt: { type: ["string", "null"], format: "date-time" },
    completedAt: { type: ["string", "null"], format: "date-time" },
    expiresAt: { type: ["string", "null"], format: "date-time" },
    next: {
      type: "array",
      description: "whose turn it is: the open signers and approvers of the current routing order (empty unless sent)",
      items: {
        type: "object",
        properties: { email: { type: "string" }, role: { type: "string", enum: ["signer", "approver"] } },
        required: ["email", "role"],
        additionalProperties: false,
      },
    },
    progress: {
      type: "object",
      description: "of the signers and approvers, how many have acted",
      properties: { done: { type: "integer" }, total: { type: "integer" } },
      required: ["done", "total"],
      additionalProperties: false,
    },
  },
  required: ["id", "title", "status", "createdAt", "sentAt", "completedAt", "expiresAt", "next", "progress"],
  additionalProperties: false,
} as const;

/** GET /api/register/:code (verify/routes.ts): the completed envelope a register code names, and its signers. */
export const registerEntryView = {
  type: "object",
  properties: {
    id: { type: "string" },
    title: { type: "string" },
    status: { type: "string" },
    completedAt: { type: ["string", "null"] },
    documentSha256: { type: "string" },
    originalSha256: { type: "string" },
    signers: {
      type: "array",
      items: {
        type: "object",
        properties: { name: { type: "string" }, country: { type: "string" }, signedAt: { type: "string" } },
        required: ["name", "country", "signedAt"],
        additionalProperties: false,
      },
    },
  },
  required: ["id", "title", "status", "completedAt", "documentSha256", "originalSha256", "signers"],
  additionalProperties: false,
} as const;

const cursorOrNull = { type: ["string", "null"] } as const;

/** A reason given in words (declining, voiding): one schema, so both routes take and document the same. */
const reasonBody = {
  type: "object",
  properties: { reason: { type: "string", minLength: 1, maxLength: 2000 } },
  required: ["reason"],
  additionalProperties: false,
} as const;

export const envelopeSchemas = {
  create: {
    summary: "Create an envelope (multipart: `file` = the PDF, `meta` = JSON)",
    description:
      'Multipart form data: `file` (application/pdf, at most 25 MB) and `meta`, a JSON text `{ "title", ' +
      '"recipients": [{ "email", "role": "signer"|"approver"|"viewer", "order", "instance"? }], "expiresAt"?, ' +
      '"reminderEveryHours"?, "message"?, "fields"? }` (message: at most 2000 characters, sent to the recipients ' +
      'with the invitation; fields: `[{ "recipient", "kind", "page", "rect", "label"?, "required"? }]`, recipient ' +
      "being the index in `recipients` (from 0) or the e-mail, kind one of signature, initials, date, name, title, " +
      "text, checkbox, rect [x1, y1, x2, y2] in PDF points; only signers on this instance get fields, and a signer " +
      "with fields gets exactly one signature field). The caller's agency owns the envelope. A PDF without " +
      "signatures gets its register line stamped on page 1; the fields are added as an incremental update after " +
      "it. 422 with field_page_missing, field_off_page, field_overlaps_signature, field_recipient_unknown, " +
      "field_recipient_not_signer or field_signature_missing when a field cannot be placed.",
    tags: ["envelopes"],
    consumes: ["multipart/form-data"],
    response: {
      201: {
        type: "object",
        properties: { id: { type: "string" }, registerCode: { type: "string" } },
        required: ["id", "registerCode"],
        additionalProperties: false,
      },
      400: error,
      413: error,
      415: error,
      422: error,
    },
  },
  send: {
    summary: "Send a draft: notifies the first routing order's recipients",
    tags: ["envelopes"],
    params: idParams,
    response: { 200: envelopeView, 404: error, 409: error },
  },
  sign: {
    summary: "Sign (signers, with their platform-held certificate) or approve (approvers) — when it is your turn",
    tags: ["envelopes"],
    params: idParams,
    body: signingChoices,
    response: { 200: envelopeView, 400: error, 403: error, 404: error, 409: error, 422: error },
  },
  prepare: {
    summary: "Device-key signature, step 1: the signed attributes for your device to sign",
    tags: ["envelopes"],
    params: idParams,
    body: signingChoices,
    response: {
      200: {
        type: "object",
        properties: {
          sessionId: { type: "string" },
          signedAttributes: { type: "string", description: "base64 DER; sign it (hashing with the algorithm's hash)" },
          algorithm: { type: "object", additionalProperties: true },
          expiresAt: { type: "string" },
        },
        required: ["sessionId", "signedAttributes", "algorithm", "expiresAt"],
        additionalProperties: false,
      },
      400: error,
      403: error,
      404: error,
      409: error,
      422: error,
    },
  },
  complete: {
    summary: "Device-key signature, step 2: the signature value (base64; ECDSA as r||s or DER)",
    tags: ["envelopes"],
    params: idParams,
    body: {
      type: "object",
      properties: { sessionId: { type: "string" }, signatureValue: { type: "string", maxLength: 4096 } },
      required: ["sessionId", "signatureValue"],
      additionalProperties: false,
    },
    response: { 200: envelopeView, 400: error, 404: error, 409: error },
  },
  decline: {
    summary: "Decline, with a reason: ends the envelope",
    tags: ["envelopes"],
    params: idParams,
    body: reasonBody,
    response: { 200: envelopeView, 404: error, 409: error },
  },
  void: {
    summary: "Void (cancel) a sent envelope, with a reason: nobody can act on it any more; those it reached are told",
    tags: ["envelopes"],
    params: idParams,
    body: reasonBody,
    response: { 200: envelopeView, 400: error, 403: error, 404: error, 409: error },
  },
  correctRecipient: {
    summary: "Correct a recipient's address before they act; if it was their turn, the new address is invited",
    tags: ["envelopes"],
    params: {
      type: "object",
      properties: { id: { type: "string", format: "uuid" }, email: { type: "string", minLength: 3, maxLength: 320 } },
      required: ["id", "email"],
    },
    body: {
      type: "object",
      properties: { email: { type: "string", minLength: 3, maxLength: 320 } },
      required: ["email"],
      additionalProperties: false,
    },
    response: { 200: envelopeView, 400: error, 403: error, 404: error, 409: error },
  },
  remind: {
    summary: "Remind now whoever may act (at most once in 10 minutes per envelope)",
    tags: ["envelopes"],
    params: idParams,
    response: {
      200: {
        ...envelopeView,
        properties: { ...envelopeView.properties, reminded: { type: "array", items: { type: "string" } } },
        required: [...envelopeView.required, "reminded"],
      },
      403: error,
      404: error,
      409: error,
      429: error,
    },
  },
  get: {
    summary: "The envelope and its recipients",
    tags: ["envelopes"],
    params: idParams,
    response: { 200: envelopeView, 404: error },
  },
  list: {
    summary: "Inbox: waiting for me, in progress in my agency, finished — newest first, a page of each",
    description:
      "Three lists, each a page of `limit` envelopes (default 50, at most 200), newest first, with the recipients " +
      "whose turn it is (`next`). `nextCursor.<list>` is null at the end of a list; otherwise pass it as `cursor` " +
      "for the next page of that list (only that list is then filled). `tab` asks for one list only.",
    tags: ["envelopes"],
    querystring: {
      type: "object",
      properties: {
        tab: { type: "string", enum: ["waiting", "sent", "completed"] },
        limit: { type: "integer", minimum: 1, maximum: INBOX_PAGE.max, default: INBOX_PAGE.default },
        cursor: { type: "string", minLength: 1, maxLength: 200 },
      },
      additionalProperties: false,
    },
    response: {
      200: {
        type: "object",
        properties: {
          waiting: { type: "array", items: summary },
          sent: { type: "array", items: summary },
          completed: { type: "array", items: summary },
          nextCursor: {
            type: "object",
            properties: { waiting: cursorOrNull, sent: cursorOrNull, completed: cursorOrNull },
            required: ["waiting", "sent", "completed"],
            additionalProperties: false,
          },
        },
        required: ["waiting", "sent", "completed", "nextCursor"],
        additionalProperties: false,
      },
      400: error,
    },
  },
  document: {
    summary:
      "The current PDF (application/pdf); a recipient's first read records `viewed`; `?disposition=inline` is the " +
      "page's preview (no `downloaded` event)",
    tags: ["envelopes"],
    params: idParams,
    querystring: {
      type: "object",
      properties: { disposition: { type: "string", enum: ["inline", "attachment"] } },
    },
    produces: ["application/pdf"],
    response: { 404: error },
  },
  audit: {
    summary:
      "The audit trail (each event with the previous hash and its own); `?format=pdf`: certificate of completion",
    tags: ["envelopes"],
    params: idParams,
    querystring: { type: "object", properties: { format: { type: "string", enum: ["json", "pdf"] } } },
    response: {
      200: {
        type: "object",
        properties: {
          envelopeId: { type: "string" },
          chain: {
            type: "object",
            description: "the hash chain's check: intact (`length` events), or the first event that breaks it and why",
            properties: {
              valid: { type: "boolean" },
              length: { type: "integer" },
              seq: { type: "integer" },
              reason: { type: "string" },
            },
            required: ["valid"],
            additionalProperties: false,
          },
          events: {
            type: "array",
            items: {
              type: "object",
              properties: {
                seq: { type: "integer" },
                type: { type: "string" },
                actorUserId: { type: ["string", "null"] },
                actorEmail: { type: ["string", "null"] },
                ip: { type: ["string", "null"] },
                at: { type: "string" },
                documentSha256: { type: ["string", "null"] },
                details: { type: "object", additionalProperties: true },
                prevHash: { type: "string" },
                hash: { type: "string" },
              },
              required: [
                "seq",
                "type",
                "actorUserId",
                "actorEmail",
                "ip",
                "at",
                "documentSha256",
                "details",
                "prevHash",
                "hash",
              ],
              additionalProperties: false,
            },
          },
        },
        required: ["envelopeId", "chain", "events"],
        additionalProperties: false,
      },
      404: error,
    },
  },
} as const;

/** An envelope and its recipients (GET /api/envelopes/:id, and the answer of every action on it). */
export type EnvelopeView = FromSchema<typeof envelopeView>;
/** The `meta` part of POST /api/envelopes, as validated. */
export type UploadMeta = FromSchema<typeof uploadMeta>;
/** A recipient of an {@link EnvelopeView}. */
export type RecipientView = FromSchema<typeof recipientView>;

/** A field placed for a signer, as GET /api/envelopes/:id returns it. */
export type FieldView = FromSchema<typeof fieldView>;
/** A field of the creation request's `meta.fields`. */
export type FieldInputBody = FromSchema<typeof fieldInput>;
/** What a field is for: signature, initials, date, name, title, text, checkbox. */
export type FieldKind = (typeof fieldKinds)[number];

export type SigningChoicesBody = FromSchema<typeof signingChoices>;
/** A row of the inbox (GET /api/envelopes). */
export type EnvelopeSummary = FromSchema<typeof summary>;
/** GET /api/envelopes: a page of each list, and per list the cursor of its next page (null at its end). */
export type Inbox = FromSchema<(typeof envelopeSchemas.list.response)[200]>;
/** The query of GET /api/envelopes. */
export type InboxQuery = FromSchema<typeof envelopeSchemas.list.querystring>;
/** POST /api/envelopes (201). */
export type CreatedEnvelope = FromSchema<(typeof envelopeSchemas.create.response)[201]>;
/** POST /api/envelopes/:id/sign/prepare: what the device key signs. */
export type PreparedSignature = FromSchema<(typeof envelopeSchemas.prepare.response)[200]>;
/** The body of POST /api/envelopes/:id/sign/complete. */
export type CompleteSignatureBody = FromSchema<typeof envelopeSchemas.complete.body>;
/** The body of POST /api/envelopes/:id/decline and /void. */
export type ReasonBody = FromSchema<typeof envelopeSchemas.decline.body>;
/** The body of PATCH /api/envelopes/:id/recipients/:email. */
export type CorrectRecipientBody = FromSchema<typeof envelopeSchemas.correctRecipient.body>;
/** POST /api/envelopes/:id/remind: the envelope, and the addresses reminded. */
export type RemindedEnvelope = FromSchema<(typeof envelopeSchemas.remind.response)[200]>;
/** GET /api/register/:code. */
export type RegisterEntry = FromSchema<typeof registerEntryView>;
/** GET /api/envelopes/:id/audit (JSON). */
export type AuditTrailView = FromSchema<(typeof envelopeSchemas.audit.response)[200]>;
