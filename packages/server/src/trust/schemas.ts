/**
 * The JSON schemas of the trust routes' JSON answers (routes.ts; the trust services' own protocols are binary and
 * have none) and the types inferred from them (clients import them through `api.ts`).
 */
import type { FromSchema } from "json-schema-to-ts";

/** A national root the verification page trusts: this platform's, or one of a partner's pinned trusted list. */
const anchorView = {
  type: "object",
  properties: {
    ca: { type: "string" },
    country: { type: "string" },
    organization: { type: "string" },
    pem: { type: "string" },
    partner: { type: "string", description: "the partner instance whose pinned trusted list names this root" },
  },
  required: ["ca", "country", "organization", "pem"],
  additionalProperties: false,
} as const;

export const trustSchemas = {
  anchors: {
    summary: "The platform's national root certificates: the trust anchors of the public verification page",
    tags: ["verification"],
    response: { 200: { type: "array", items: anchorView } },
  },
} as const;

export type PlatformAnchor = FromSchema<typeof anchorView>;
