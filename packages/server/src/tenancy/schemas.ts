/**
 * The JSON schemas of the tenancy routes (admin-routes.ts, directory-routes.ts, self-service-routes.ts) and the
 * types inferred from them (clients import them through `api.ts`).
 */
import { PERSON_REVOCATION_REASONS } from "@khatam/core/vocabulary";
import type { FromSchema } from "json-schema-to-ts";
import { accountProperties, certificateView, MIN_PASSWORD_LENGTH, roleSchema } from "../auth/schemas.js";
import { namesView } from "../http/schemas.js";

/** An account's id, a UUID (RFC 9562). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOCALES = ["ar", "ja", "en"] as const;

/** Names as an administrator gives them: English required, each at most 300 characters. */
const namesInput = {
  type: "object",
  required: ["en"],
  additionalProperties: false,
  properties: {
    en: { type: "string", minLength: 1, maxLength: 300 },
    ar: { type: "string", maxLength: 300 },
    ja: { type: "string", maxLength: 300 },
  },
} as const;

/** Mail domains: host names, lower-cased by the route. */
const emailDomains = {
  type: "array",
  maxItems: 50,
  items: {
    type: "string",
    minLength: 3,
    maxLength: 253,
    pattern: "^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$",
  },
} as const;

const countryView = {
  type: "object",
  properties: { id: { type: "string" }, isoCode: { type: "string" }, names: namesView },
  required: ["id", "isoCode", "names"],
  additionalProperties: false,
} as const;

const agencyView = {
  type: "object",
  properties: {
    id: { type: "string" },
    countryId: { type: "string" },
    names: namesView,
    emailDomains: { type: "array", items: { type: "string" }, description: "verified mail domains" },
  },
  required: ["id", "countryId", "names", "emailDomains"],
  additionalProperties: false,
} as const;

/** A user as an administrator sees them. */
const userView = {
  type: "object",
  properties: {
    ...accountProperties,
    agencyId: { type: ["string", "null"] },
    disabled: { type: "boolean" },
    createdAt: { type: "string", format: "date-time" },
  },
  required: [
    "id",
    "email",
    "displayName",
    "jobTitle",
    "agencyId",
    "role",
    "locale",
    "disabled",
    "totpEnrolled",
    "oidcLinked",
    "createdAt",
  ],
  additionalProperties: false,
} as const;

/** An administrator's action on an account (tenancy/admin-events.ts). */
const adminEventView = {
  type: "object",
  properties: {
    id: { type: "string" },
    at: { type: "string", format: "date-time" },
    actor: { type: "string", description: "the administrator's e-mail address" },
    targetUserId: { type: ["string", "null"] },
    action: { type: "string" },
    details: { type: "object", additionalProperties: true },
    ip: { type: ["string", "null"] },
  },
  required: ["id", "at", "actor", "targetUserId", "action", "details", "ip"],
  additionalProperties: false,
} as const;

export const tenancySchemas = {
  listCountries: { response: { 200: { type: "array", items: countryView } } },
  createCountry: {
    body: {
      type: "object",
      required: ["id", "isoCode", "names"],
      properties: {
        id: { type: "string", pattern: "^[a-z]{2,8}$" },
        isoCode: { type: "string", pattern: "^[A-Z]{2}$" },
        names: namesInput,
      },
    },
    response: { 201: countryView },
  },
  listAgencies: { response: { 200: { type: "array", items: agencyView } } },
  createAgency: {
    body: {
      type: "object",
      required: ["countryId", "names"],
      properties: { countryId: { type: "string", maxLength: 8 }, names: namesInput, emailDomains },
    },
    response: { 201: agencyView },
  },
  updateAgency: {
    body: {
      type: "object",
      required: ["emailDomains"],
      additionalProperties: false,
      properties: { emailDomains },
    },
    response: {
      200: {
        type: "object",
        properties: {
          id: { type: "string" },
          countryId: { type: "string" },
          emailDomains: agencyView.properties.emailDomains,
        },
        required: ["id", "countryId", "emailDomains"],
        additionalProperties: false,
      },
    },
  },
  listUsers: { response: { 200: { type: "array", items: userView } } },
  createUser: {
    body: {
      type: "object",
      required: ["email", "displayName", "role"],
      additionalProperties: false,
      properties: {
        email: { type: "string", pattern: "^[^@\\s]+@[^@\\s]+$", maxLength: 320 },
        displayName: { type: "string", minLength: 1, maxLength: 200 },
        jobTitle: { type: "string", maxLength: 200, description: "empty: none" },
        role: roleSchema,
        agencyId: { type: "string", pattern: UUID.source },
        password: { type: "string", minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 },
        locale: { type: "string", enum: LOCALES },
      },
    },
    response: { 201: userView },
  },
  getUser: { response: { 200: userView } },
  updateUser: {
    body: {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      properties: {
        role: roleSchema,
        disabled: { type: "boolean" },
        displayName: { type: "string", minLength: 1, maxLength: 200 },
        jobTitle: { type: ["string", "null"], maxLength: 200, description: "empty or null: none" },
        locale: { type: ["string", "null"], enum: [...LOCALES, null] },
      },
    },
    response: { 200: userView },
  },
  resetPassword: {
    body: {
      type: "object",
      required: ["password"],
      properties: { password: { type: "string", minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 } },
    },
  },
  listCertificates: { response: { 200: { type: "array", items: certificateView } } },
  issueCertificate: {
    body: {
      type: "object",
      required: ["mode"],
      additionalProperties: false,
      properties: {
        mode: { type: "string", enum: ["platform", "device"] },
        csrPem: { type: "string", maxLength: 64 * 1024 },
        keyType: { type: "string", enum: ["P-256", "P-384", "RSA-2048", "RSA-3072"] },
      },
    },
    response: { 201: certificateView },
  },
  revokeCertificate: {
    body: {
      type: "object",
      properties: { reason: { type: "string", enum: PERSON_REVOCATION_REASONS } },
    },
  },
  /** GET /api/admin/events: the administrators' log. */
  events: {
    summary: "Administrators' actions on people's accounts, newest first (an agency administrator: their agency's)",
    tags: ["admin"],
    response: { 200: { type: "array", items: adminEventView } },
    querystring: {
      type: "object",
      additionalProperties: false,
      properties: {
        user: { type: "string", pattern: UUID.source },
        limit: { type: "integer", minimum: 1, maximum: 500, default: 100 },
      },
    },
  },
  /** PATCH /api/me (self-service-routes.ts): what a person may change of their own account. */
  updateOwnProfile: {
    summary: "A person sets their own job title (shown under the name in their visible signatures)",
    tags: ["account"],
    body: {
      type: "object",
      required: ["jobTitle"],
      additionalProperties: false,
      properties: { jobTitle: { type: ["string", "null"], maxLength: 200, description: "empty or null: none" } },
    },
    response: {
      200: {
        type: "object",
        properties: { jobTitle: { type: ["string", "null"] } },
        required: ["jobTitle"],
        additionalProperties: false,
      },
    },
  },
  /** POST /api/me/certificates (self-service-routes.ts). */
  issueDeviceCertificate: {
    summary: "An official obtains a certificate for a key on their own device (PKCS#10 CSR, PEM)",
    tags: ["account"],
    body: {
      type: "object",
      required: ["csrPem"],
      additionalProperties: false,
      properties: { csrPem: { type: "string", minLength: 1, maxLength: 64 * 1024 } },
    },
    response: { 201: certificateView },
  },
  /** GET /api/trust/organizations (directory-routes.ts). */
  organizations: {
    summary:
      "The agencies' names in each language, with their country (to show a certificate's organisation in the reader's language)",
    tags: ["trust"],
    response: {
      200: {
        type: "array",
        items: {
          type: "object",
          properties: {
            country: { type: "string", description: "ISO 3166 alpha-2 code of the agency's country" },
            names: namesView,
          },
          required: ["country", "names"],
          additionalProperties: false,
        },
      },
    },
  },
} as const;

export type CountryView = FromSchema<typeof countryView>;
export type AgencyView = FromSchema<typeof agencyView>;
export type AdminUserView = FromSchema<typeof userView>;
export type CreateCountryBody = FromSchema<typeof tenancySchemas.createCountry.body>;
export type CreateAgencyBody = FromSchema<typeof tenancySchemas.createAgency.body>;
export type UpdateAgencyBody = FromSchema<typeof tenancySchemas.updateAgency.body>;
export type CreateUserBody = FromSchema<typeof tenancySchemas.createUser.body>;
export type UpdateUserBody = FromSchema<typeof tenancySchemas.updateUser.body>;
export type OwnProfileBody = FromSchema<typeof tenancySchemas.updateOwnProfile.body>;
export type ResetPasswordBody = FromSchema<typeof tenancySchemas.resetPassword.body>;
export type RevokeCertificateBody = FromSchema<typeof tenancySchemas.revokeCertificate.body>;
export type AdminEventsQuery = FromSchema<typeof tenancySchemas.events.querystring>;
export type IssueCertificateBody = FromSchema<typeof tenancySchemas.issueCertificate.body>;
export type DeviceCertificateBody = FromSchema<typeof tenancySchemas.issueDeviceCertificate.body>;
/** An agency's names in each language, with its country (GET /api/trust/organizations). */
export type DirectoryOrganization = FromSchema<(typeof tenancySchemas.organizations.response)[200]>[number];
export type AdminEventView = FromSchema<typeof adminEventView>;
