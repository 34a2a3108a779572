/**
 * The HTTP API's types (CONTRACTS § 3) for its clients, inferred from the route schemas (json-schema-to-ts
 * `FromSchema`): the schemas are the one source, checked against the server's code where it builds its answers.
 * Types only: this module compiles to nothing, and the package exports only its declarations
 * (`@khatam/server/api`), so a client imports it with `import type` and ships none of the server.
 */
export type {
  AuditTrailView,
  CompleteSignatureBody,
  CorrectRecipientBody,
  CreatedEnvelope,
  EnvelopeSummary,
  EnvelopeView,
  Inbox,
  InboxQuery,
  PreparedSignature,
  ReasonBody,
  RecipientView,
  RemindedEnvelope,
} from "./envelopes/schemas.js";
export type { Names } from "./http/schemas.js";
