/**
 * JSON Schema pieces that several subsystems' routes share. The route schemas are the one source of the API's
 * shapes: its types are inferred from them (json-schema-to-ts `FromSchema`, types only, nothing at run time) and
 * exported to clients by `api.ts`. Response objects say `required` and `additionalProperties: false` so that the
 * inferred types are exact; Fastify's serializer (fast-json-stringify) writes only the listed properties either way.
 */
import type { FromSchema } from "json-schema-to-ts";

/** Every error answer (http/errors.ts): `{ error: { code, message } }`, the code one of CONTRACTS § 3. */
export const errorView = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" } },
      required: ["code", "message"],
    },
  },
} as const;

/** Names in each language (an agency's, a country's): English always, Arabic and Japanese when given. */
export const namesView = {
  type: "object",
  properties: { en: { type: "string" }, ar: { type: "string" }, ja: { type: "string" } },
  required: ["en"],
  additionalProperties: false,
} as const;

export type Names = FromSchema<typeof namesView>;
export type ErrorBody = FromSchema<typeof errorView>;
