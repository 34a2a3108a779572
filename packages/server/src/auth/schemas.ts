/**
 * The JSON schemas of the account routes (login-routes.ts, address-verification.ts, tenancy's certificate routes)
 * and the types inferred from them (clients import them through `api.ts`).
 */
import type { FromSchema } from "json-schema-to-ts";
import { namesView } from "../http/schemas.js";

/** Shortest password an account may have. */
export const MIN_PASSWORD_LENGTH = 8;

/** What an API token may do (security issue 9.7). */
export const SCOPES = ["read", "sign", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** An account's role (tenancy: who may do what). */
export const roleSchema = {
  type: "string",
  enum: ["platform_admin", "agency_admin", "official", "clerk"],
} as const;

/** A signing certificate as the API shows it (GET /api/me, the certificate routes), with its live status. */
export const certificateView = {
  type: "object",
  properties: {
    id: { type: "string" },
    ca: { type: "string", description: "the issuing CA (the official's country)" },
    serial: { type: "string" },
    profile: { type: "string" },
    subject: { type: "string" },
    notAfter: { type: "string", format: "date-time" },
    status: { type: "string", description: "from the CA: good, revoked, or unknown when the CA is gone" },
    keyHolder: {
      type: "string",
      enum: ["platform", "device"],
      description: "where the private key is: held by the platform, or on the official's device",
    },
    pem: { type: "string" },
  },
  required: ["id", "ca", "serial", "profile", "subject", "notAfter", "status", "keyHolder", "pem"],
  additionalProperties: false,
} as const;

/** An account as the API shows it, to its holder (GET /api/me) and to administrators (tenancy's user view). */
export const accountProperties = {
  id: { type: "string" },
  email: { type: "string" },
  displayName: { type: "string" },
  jobTitle: { type: ["string", "null"], description: "shown under the name in the person's visible signatures" },
  role: roleSchema,
  locale: { type: ["string", "null"], enum: ["ar", "ja", "en", null] },
  totpEnrolled: { type: "boolean" },
  oidcLinked: { type: "boolean" },
} as const;

/** The columns of an account that {@link accountProperties} shows. */
interface AccountRow {
  readonly id: string;
  readonly email: string;
  readonly display_name: string;
  readonly job_title: string | null;
  readonly role: FromSchema<typeof roleSchema>;
  readonly locale: "ar" | "ja" | "en" | null;
  readonly totp_secret: string | null;
  readonly oidc_subject: string | null;
}

/** {@link accountProperties} of an account row: the secrets are never shown, only whether they are set. */
export function accountView(u: AccountRow) {
  return {
    id: u.id,
    email: u.email,
    displayName: u.display_name,
    jobTitle: u.job_title,
    role: u.role,
    locale: u.locale,
    totpEnrolled: u.totp_secret !== null,
    oidcLinked: u.oidc_subject !== null,
  };
}

/** GET /api/me: who the caller is; the bootstrap admin token has only `email` and `role`, and no agency. */
export const meView = {
  type: "object",
  properties: {
    user: {
      type: "object",
      properties: {
        ...accountProperties,
        secondFactor: { type: "boolean", description: "whether this session passed the second factor" },
      },
      required: ["email", "role"],
      additionalProperties: false,
    },
    agency: {
      type: ["object", "null"],
      properties: { id: { type: "string" }, names: namesView },
      required: ["id", "names"],
      additionalProperties: false,
    },
    country: {
      type: ["object", "null"],
      properties: { id: { type: "string" }, isoCode: { type: "string" }, names: namesView },
      required: ["id", "isoCode", "names"],
      additionalProperties: false,
    },
    certificates: { type: "array", items: certificateView },
  },
  required: ["user", "agency", "country"],
  additionalProperties: false,
} as const;

export const meSchema = {
  summary: "Who the caller is: their account, agency, country and signing certificates",
  tags: ["account"],
  response: { 200: meView },
} as const;

export const loginSchema = {
  body: {
    type: "object",
    required: ["email", "password"],
    additionalProperties: false,
    properties: {
      // No control characters: PostgreSQL refuses NUL in text, and no address holds one.
      email: { type: "string", minLength: 1, maxLength: 320, pattern: "^[^\\u0000-\\u001f\\u007f]+$" },
      password: { type: "string", maxLength: 1024 },
      totp: { type: "string", maxLength: 16 },
    },
  },
} as const;

/** An API token as listed (never the token itself). */
const tokenView = {
  type: "object",
  properties: {
    id: { type: "string" },
    label: { type: ["string", "null"] },
    scopes: { type: "array", items: { type: "string", enum: SCOPES } },
    createdAt: { type: "string", format: "date-time" },
    expiresAt: { type: ["string", "null"], format: "date-time" },
    lastUsedAt: { type: ["string", "null"], format: "date-time" },
  },
  required: ["id", "label", "scopes", "createdAt", "expiresAt", "lastUsedAt"],
  additionalProperties: false,
} as const;

/** A second factor being enrolled: its seed, to be confirmed with a first code. */
const totpEnrolment = {
  type: "object",
  properties: {
    secret: { type: "string", description: "base32 seed, for manual entry" },
    otpauthUri: { type: "string", description: "otpauth://totp/Khatam:<email>?secret=…&issuer=Khatam, for a QR code" },
  },
  required: ["secret", "otpauthUri"],
  additionalProperties: false,
} as const;

/** The sign-in and account routes (login-routes.ts). */
export const accountSchemas = {
  totpEnroll: {
    summary: "Starts (or replaces) the second factor: a new TOTP seed, active once confirmed",
    tags: ["account"],
    response: { 200: totpEnrolment },
  },
  totpConfirm: {
    summary: "Confirms the second factor with a first code from the authenticator app",
    tags: ["account"],
    response: {
      200: {
        type: "object",
        properties: { enrolled: { type: "boolean" } },
        required: ["enrolled"],
        additionalProperties: false,
      },
    },
    body: {
      type: "object",
      required: ["code"],
      properties: { code: { type: "string", maxLength: 16 } },
    },
  },
  listTokens: {
    summary: "The caller's API tokens (never the tokens themselves)",
    tags: ["account"],
    response: { 200: { type: "array", items: tokenView } },
  },
  createToken: {
    summary: "A new API token; the token is in this answer only",
    tags: ["account"],
    response: {
      201: {
        type: "object",
        properties: { ...tokenView.properties, token: { type: "string", description: "shown this once" } },
        required: [...tokenView.required, "token"],
        additionalProperties: false,
      },
    },
    body: {
      type: "object",
      required: ["label"],
      properties: {
        label: { type: "string", minLength: 1, maxLength: 200 },
        expiresInDays: { type: "integer", minimum: 1, maximum: 3650 },
        // Default: read and sign, plus admin for administrators (what the account could do before scopes).
        scopes: { type: "array", minItems: 1, uniqueItems: true, items: { type: "string", enum: SCOPES } },
      },
    },
  },
  changePassword: {
    body: {
      type: "object",
      required: ["currentPassword", "newPassword"],
      properties: {
        currentPassword: { type: "string", maxLength: 1024 },
        newPassword: { type: "string", minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 },
      },
    },
  },
} as const;

/** POST /api/me/email-verification: 202 `{ verified: false, sent: true }` (a link is on its way) or 200. */
const verificationAnswer = {
  type: "object",
  properties: { verified: { type: "boolean" }, sent: { type: "boolean" } },
  required: ["verified"],
  additionalProperties: false,
} as const;

export const emailVerificationSchema = {
  tags: ["account"],
  response: { 200: verificationAnswer, 202: verificationAnswer },
} as const;

export type Role = FromSchema<typeof roleSchema>;
export type CertificateView = FromSchema<typeof certificateView>;
export type Me = FromSchema<typeof meView>;
export type LoginBody = FromSchema<typeof loginSchema.body>;
export type EmailVerificationAnswer = FromSchema<typeof verificationAnswer>;
export type TotpConfirmBody = FromSchema<typeof accountSchemas.totpConfirm.body>;
export type CreateTokenBody = FromSchema<typeof accountSchemas.createToken.body>;
export type ChangePasswordBody = FromSchema<typeof accountSchemas.changePassword.body>;
export type TokenView = FromSchema<typeof tokenView>;
export type CreatedToken = FromSchema<(typeof accountSchemas.createToken.response)[201]>;
export type TotpEnrolment = FromSchema<typeof totpEnrolment>;
