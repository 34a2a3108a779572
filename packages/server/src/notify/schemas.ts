/**
 * The JSON schemas of the webhook routes (webhook-routes.ts) and the types inferred from them (clients import them
 * through `api.ts`).
 */
import type { FromSchema } from "json-schema-to-ts";
import { WEBHOOK_EVENTS } from "./webhook-events.js";

const webhookView = {
  type: "object",
  properties: {
    id: { type: "string" },
    url: { type: "string" },
    events: { type: "array", items: { type: "string" } },
    active: { type: "boolean" },
    createdAt: { type: "string", format: "date-time" },
  },
  required: ["id", "url", "events", "active", "createdAt"],
  additionalProperties: false,
} as const;

/** An event name (`envelope.signed`), or `*` for all of them, including ones added later. */
const EVENT_NAME = "^(\\*|[a-z][a-z_]*(\\.[a-z][a-z_]*)+)$";

const webhookBody = {
  type: "object",
  properties: {
    url: { type: "string", maxLength: 2048, description: "https (or http) URL of a publicly routable host" },
    events: {
      type: "array",
      minItems: 1,
      maxItems: 32,
      items: { type: "string", maxLength: 64, pattern: EVENT_NAME },
      description: `the events to receive (${WEBHOOK_EVENTS.join(", ")}) or "*"`,
    },
    agencyId: { type: "string", description: "the agency (a platform administrator's request only)" },
  },
  required: ["url", "events"],
  additionalProperties: false,
} as const;

export const webhookSchemas = {
  list: {
    summary: "An agency's webhooks (never their secrets)",
    tags: ["webhooks"],
    response: { 200: { type: "array", items: webhookView } },
  },
  create: {
    summary: "Adds a webhook `{ url, events, agencyId? }`; its secret is in this answer only",
    tags: ["webhooks"],
    body: webhookBody,
    response: {
      201: {
        type: "object",
        properties: {
          id: { type: "string" },
          url: { type: "string" },
          events: { type: "array", items: { type: "string" } },
          secret: { type: "string", description: "signs the deliveries (webhook-signature.ts); shown this once" },
        },
        required: ["id", "url", "events", "secret"],
        additionalProperties: false,
      },
    },
  },
} as const;

/** POST /api/webhooks. */
export type WebhookBody = FromSchema<typeof webhookBody>;
/** A webhook of GET /api/webhooks. */
export type WebhookView = FromSchema<typeof webhookView>;
/** POST /api/webhooks (201): the webhook and its secret. */
export type CreatedWebhook = FromSchema<(typeof webhookSchemas.create.response)[201]>;
