/**
 * The JSON schemas of the webhook routes' answers (webhook-routes.ts; its input is checked by hand there, for
 * messages that name the field) and the types inferred from them (clients import them through `api.ts`).
 */
import type { FromSchema } from "json-schema-to-ts";

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

export const webhookSchemas = {
  list: {
    summary: "An agency's webhooks (never their secrets)",
    tags: ["webhooks"],
    response: { 200: { type: "array", items: webhookView } },
  },
  create: {
    summary: "Adds a webhook `{ url, events, agencyId? }`; its secret is in this answer only",
    tags: ["webhooks"],
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

/** A webhook of GET /api/webhooks. */
export type WebhookView = FromSchema<typeof webhookView>;
/** POST /api/webhooks (201): the webhook and its secret. */
export type CreatedWebhook = FromSchema<(typeof webhookSchemas.create.response)[201]>;
