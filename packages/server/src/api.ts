/**
 * The HTTP API's types (CONTRACTS § 3) for its clients, inferred from the route schemas (json-schema-to-ts
 * `FromSchema`): the schemas are the one source, checked against the server's code where it builds its answers.
 * Types only: this module compiles to nothing, and the package exports only its declarations
 * (`@khatam/server/api`), so a client imports it with `import type` and ships none of the server.
 */
export type { CertificateView, EmailVerificationAnswer, LoginBody, Me, Role } from "./auth/schemas.js";
export type { EnvelopeErrorCode } from "./envelopes/errors.js";
export type {
  AuditTrailView,
  CompleteSignatureBody,
  CorrectRecipientBody,
  CreatedEnvelope,
  EnvelopeSummary,
  EnvelopeView,
  FieldInputBody,
  FieldKind,
  FieldView,
  Inbox,
  InboxQuery,
  PreparedSignature,
  ReasonBody,
  RecipientView,
  RegisterEntry,
  RemindedEnvelope,
  SigningChoicesBody,
  UploadMeta,
} from "./envelopes/schemas.js";
export type { InstanceIdentity, Partner, PeerRequest, PeerView } from "./federation/schemas.js";
export type { ErrorBody, Names } from "./http/schemas.js";
export type { CreatedWebhook, WebhookView } from "./notify/schemas.js";
export type {
  AdminUserView,
  AgencyView,
  CountryView,
  CreateAgencyBody,
  CreateCountryBody,
  CreateUserBody,
  DeviceCertificateBody,
  DirectoryOrganization,
  IssueCertificateBody,
  UpdateAgencyBody,
  UpdateUserBody,
} from "./tenancy/schemas.js";
export type { PlatformAnchor } from "./trust/schemas.js";
