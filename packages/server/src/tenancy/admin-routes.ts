/**
 * Administration of tenants and people, least privilege:
 *
 * | caller | may |
 * | --- | --- |
 * | platform_admin | countries, agencies, any user, any certificate |
 * | agency_admin | users of their own agency (never a platform_admin), their certificates |
 * | official, clerk | nothing here: 403 |
 *
 * An agency administrator asking for a user of another agency gets 404, as if it did not exist: the existence of
 * other tenants' people is not theirs to learn.
 *
 * Routes: `GET|POST /api/admin/countries`, `GET|POST /api/admin/agencies`, `GET|POST /api/admin/users`,
 * `GET|PATCH /api/admin/users/:id`, `POST /api/admin/users/:id/password`, `DELETE /api/admin/users/:id/totp`,
 * `GET|POST /api/admin/users/:id/certificates`, `POST /api/admin/users/:id/certificates/:serial/revoke`.
 */
import type { RevocationReason } from "@khatam/core/pki";
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { type Identity, requireIdentity } from "../auth/identity.js";
import { certificateView } from "../auth/login-routes.js";
import { hashPassword } from "../auth/passwords.js";
import { accountView } from "../auth/schemas.js";
import type { Tx } from "../db/connect.js";
import type { Role } from "../db/schema.js";
import { bindRecipients } from "../envelopes/store.js";
import { HttpError } from "../http/errors.js";
import { TrustStoreError } from "../trust/store.js";
import { type AdminAction, listAdminEvents, recordAdminAction } from "./admin-events.js";
import { issueCertificateForUser } from "./certificates.js";
import {
  type AdminEventsQuery,
  type AdminUserView,
  type AgencyView,
  type CountryView,
  type CreateAgencyBody,
  type CreateCountryBody,
  type CreateUserBody,
  type IssueCertificateBody,
  type ResetPasswordBody,
  type RevokeCertificateBody,
  tenancySchemas,
  type UpdateAgencyBody,
  type UpdateUserBody,
  UUID,
} from "./schemas.js";
import type { UserRow } from "./store.js";
import * as store from "./store.js";

const ADMINS: readonly Role[] = ["platform_admin", "agency_admin"];

function userView(u: UserRow): AdminUserView {
  return { ...accountView(u), agencyId: u.agency_id, disabled: u.disabled, createdAt: u.created_at.toISOString() };
}

/** A job title as stored: trimmed, and none when empty (the column refuses empty text). */
export function jobTitle(given: string | null | undefined): string | null {
  return given?.trim() || null;
}

function normalDomains(domains: readonly string[]): string[] {
  return [...new Set(domains.map((d) => d.toLowerCase()))].sort();
}

export interface TenancyRoutesOptions {
  /** `KHATAM_PUBLIC_URL`, for the links of account notices. */
  readonly publicUrl: string;
}

export const tenancyRoutes: FastifyPluginAsync<TenancyRoutesOptions> = async (app: FastifyInstance, options) => {
  const db = app.db;
  const { publicUrl } = options;
  /** Records an administrator's action on `user` (and e-mails them), in `tx`. */
  const audit = (
    tx: Tx,
    request: FastifyRequest,
    user: Pick<UserRow, "id" | "email" | "agency_id">,
    action: AdminAction["action"],
    details?: Record<string, unknown>,
  ) =>
    recordAdminAction(tx, {
      actor: admin(request),
      ip: request.ip,
      target: { id: user.id, email: user.email, agencyId: user.agency_id },
      action,
      details,
      publicUrl,
    });
  // Default deny for every route of this (encapsulated) plugin, before the body is read or validated; each handler
  // then narrows further (platform administrator only, own agency only).
  app.addHook("onRequest", async (request) => {
    requireIdentity(request, ADMINS);
  });

  const admin = (request: FastifyRequest): Identity => requireIdentity(request, ADMINS);
  const platformAdmin = (request: FastifyRequest): Identity => requireIdentity(request, ["platform_admin"]);

  /** The user `:id` if the caller may administer them; 404 otherwise (see module comment). */
  const managedUser = async (request: FastifyRequest): Promise<UserRow> => {
    const identity = admin(request);
    const { id } = request.params as { id: string };
    if (!UUID.test(id)) throw new HttpError(404, "not_found", "no such user");
    const user = await store.findUser(db, id);
    if (!user) throw new HttpError(404, "not_found", "no such user");
    if (identity.role === "agency_admin" && (user.agency_id === null || user.agency_id !== identity.agencyId)) {
      throw new HttpError(404, "not_found", "no such user");
    }
    return user;
  };

  // ---- countries -------------------------------------------------------------------------------------------------

  app.get("/api/admin/countries", { schema: tenancySchemas.listCountries }, async (request) => {
    const identity = admin(request);
    const countries = await store.listCountries(
      db,
      identity.role === "agency_admin" ? (identity.countryId ?? "") : undefined,
    );
    return countries.map((c): CountryView => ({ id: c.id, isoCode: c.iso_code, names: c.names }));
  });

  app.post("/api/admin/countries", { schema: tenancySchemas.createCountry }, async (request, reply) => {
    platformAdmin(request);
    const body = request.body as CreateCountryBody;
    // A country is a tenant of the national PKI with the same id: its CA must exist.
    try {
      app.trustStore.get(body.id);
    } catch (error) {
      if (error instanceof TrustStoreError) {
        throw new HttpError(400, "unknown_ca", `no CA "${body.id}" in the trust store: create it first`);
      }
      throw error;
    }
    if (!(await store.insertCountry(db, body))) throw new HttpError(409, "exists", `country ${body.id} exists already`);
    return reply.status(201).send({ id: body.id, isoCode: body.isoCode, names: body.names } satisfies CountryView);
  });

  // ---- agencies --------------------------------------------------------------------------------------------------

  app.get("/api/admin/agencies", { schema: tenancySchemas.listAgencies }, async (request) => {
    const identity = admin(request);
    const { country } = request.query as { country?: string };
    const agencies = await store.listAgencies(db, {
      agencyId: identity.role === "agency_admin" ? (identity.agencyId ?? "") : undefined,
      countryId: country,
    });
    return agencies.map(
      (a): AgencyView => ({
        id: a.id,
        countryId: a.country_id,
        names: a.names,
        emailDomains: a.email_domains,
      }),
    );
  });

  app.post("/api/admin/agencies", { schema: tenancySchemas.createAgency }, async (request, reply) => {
    platformAdmin(request);
    const body = request.body as CreateAgencyBody;
    const domains = normalDomains(body.emailDomains ?? []);
    if (!(await store.countryExists(db, body.countryId)))
      throw new HttpError(400, "unknown_country", `no country "${body.countryId}"`);
    const id = crypto.randomUUID();
    await store.insertAgency(db, { id, countryId: body.countryId, names: body.names, domains });
    return reply
      .status(201)
      .send({ id, countryId: body.countryId, names: body.names, emailDomains: domains } satisfies AgencyView);
  });

  // The platform administrator verifies an agency's mail domains (out of band: the agency's own attestation, DNS),
  // and only then do addresses there bind to the agency's accounts.
  app.patch("/api/admin/agencies/:id", { schema: tenancySchemas.updateAgency }, async (request) => {
    platformAdmin(request);
    const { id } = request.params as { id: string };
    if (!UUID.test(id)) throw new HttpError(404, "not_found", "no such agency");
    const domains = normalDomains((request.body as UpdateAgencyBody).emailDomains);
    const updated = await store.setAgencyDomains(db, id, domains);
    if (!updated) throw new HttpError(404, "not_found", "no such agency");
    // Accounts of the agency in these domains now hold what was sent to their addresses.
    const members = await store.agencyMembers(db, id);
    for (const m of members) {
      if (domains.includes(m.email.split("@").pop()!.toLowerCase())) await bindRecipients(db, m.id, m.email);
    }
    return { id, countryId: updated.country_id, emailDomains: domains };
  });

  // ---- users -----------------------------------------------------------------------------------------------------

  app.get("/api/admin/users", { schema: tenancySchemas.listUsers }, async (request) => {
    const identity = admin(request);
    const { agency } = request.query as { agency?: string };
    if (agency && !UUID.test(agency)) return [];
    if (identity.role === "agency_admin" && agency && agency !== identity.agencyId) return [];
    const agencyId = identity.role === "agency_admin" ? (identity.agencyId ?? "") : agency;
    return (await store.listUsers(db, { agencyId })).map(userView);
  });

  app.post("/api/admin/users", { schema: tenancySchemas.createUser }, async (request, reply) => {
    const identity = admin(request);
    const body = request.body as CreateUserBody;
    let agencyId = body.agencyId ?? null;
    if (identity.role === "agency_admin") {
      if (body.role === "platform_admin")
        throw new HttpError(403, "forbidden", "agency administrators cannot create platform administrators");
      agencyId ??= identity.agencyId;
      if (agencyId !== identity.agencyId) throw new HttpError(403, "forbidden", "you administer your own agency only");
    }
    if (body.role === "platform_admin") agencyId = null;
    else if (!agencyId) throw new HttpError(400, "invalid_request", "agencyId is required for this role");
    const domain = body.email.trim().split("@").pop()!.toLowerCase();
    let inVerifiedDomain = false;
    if (agencyId) {
      const domains = await store.agencyDomains(db, agencyId);
      if (!domains) throw new HttpError(400, "unknown_agency", "no such agency");
      inVerifiedDomain = domains.includes(domain);
    }
    // An agency administrator creates accounts only in their agency's verified domains: an account for someone
    // else's address would receive what is sent to that address (security issue 9.3), and a refusal there would
    // tell them which addresses other tenants have.
    if (identity.role === "agency_admin" && !inVerifiedDomain) {
      throw new HttpError(
        403,
        "email_domain_not_verified",
        `${domain} is not a verified domain of your agency; ask a platform administrator to add it`,
      );
    }
    const id = crypto.randomUUID();
    const passwordHash = body.password ? await hashPassword(body.password) : null;
    const inserted = await store.insertUser(db, {
      id,
      email: body.email.trim(),
      displayName: body.displayName,
      jobTitle: jobTitle(body.jobTitle),
      agencyId,
      role: body.role,
      passwordHash,
      locale: body.locale ?? null,
    });
    if (!inserted) throw new HttpError(409, "email_taken", "a user with this e-mail address exists");
    // In a verified domain the address is proved: documents already sent to it now reach this account.
    if (inVerifiedDomain) await bindRecipients(db, id, body.email.trim());
    await db.transaction().execute((tx) =>
      audit(tx, request, { id, email: body.email.trim(), agency_id: agencyId }, "user_created", {
        role: body.role,
      }),
    );
    request.log.info({ userId: id, role: body.role, agencyId }, "user created");
    const row = await store.findUser(db, id);
    return reply.status(201).send(userView(row!));
  });

  app.get("/api/admin/users/:id", { schema: tenancySchemas.getUser }, async (request) =>
    userView(await managedUser(request)),
  );

  app.patch("/api/admin/users/:id", { schema: tenancySchemas.updateUser }, async (request) => {
    const identity = admin(request);
    const user = await managedUser(request);
    const body = request.body as UpdateUserBody;
    // Fastify's validator strips unknown properties after `minProperties` passed: a body of only unknown fields
    // arrives empty.
    if (Object.keys(body).length === 0) {
      throw new HttpError(400, "invalid_request", "give at least one of role, disabled, displayName, jobTitle, locale");
    }
    if (body.role !== undefined && body.role !== user.role) {
      if (body.role === "platform_admin" || user.role === "platform_admin") {
        if (identity.role !== "platform_admin")
          throw new HttpError(403, "forbidden", "only platform administrators change that role");
        throw new HttpError(
          400,
          "invalid_request",
          "create platform administrators as such; agency members keep an agency",
        );
      }
    }
    if (user.id === identity.userId && (body.disabled === true || (body.role && body.role !== user.role))) {
      throw new HttpError(409, "self_change", "ask another administrator to change your own role or disable you");
    }
    // A disabled user, or one whose rights changed, signs in again; their API tokens stop working.
    const endCredentials = body.disabled === true || (body.role !== undefined && body.role !== user.role);
    await db.transaction().execute((tx) =>
      store.updateUser(
        tx,
        user.id,
        {
          ...(body.role !== undefined && { role: body.role }),
          ...(body.disabled !== undefined && { disabled: body.disabled }),
          ...(body.displayName !== undefined && { display_name: body.displayName }),
          ...(body.jobTitle !== undefined && { job_title: jobTitle(body.jobTitle) }),
          ...(body.locale !== undefined && { locale: body.locale }),
        },
        endCredentials,
      ),
    );
    request.log.info({ userId: user.id, changes: Object.keys(body) }, "user changed");
    return userView((await store.findUser(db, user.id))!);
  });

  app.post("/api/admin/users/:id/password", { schema: tenancySchemas.resetPassword }, async (request, reply) => {
    const user = await managedUser(request);
    const { password } = request.body as ResetPasswordBody;
    const hash = await hashPassword(password);
    await db.transaction().execute(async (tx) => {
      // Sessions and API tokens alike (security issue 9.7): made with the old password, they end with it.
      await store.resetPassword(tx, user, hash);
      await audit(tx, request, user, "password_reset");
    });
    request.log.info({ userId: user.id }, "password reset by an administrator");
    return reply.status(204).send();
  });

  app.delete("/api/admin/users/:id/totp", async (request, reply) => {
    const user = await managedUser(request);
    await db.transaction().execute(async (tx) => {
      await store.resetTotp(tx, user.id);
      await audit(tx, request, user, "totp_reset");
    });
    request.log.info({ userId: user.id }, "second factor reset by an administrator");
    return reply.status(204).send();
  });

  // ---- signing certificates --------------------------------------------------------------------------------------

  app.get("/api/admin/users/:id/certificates", { schema: tenancySchemas.listCertificates }, async (request) => {
    const user = await managedUser(request);
    return (await store.certificatesOf(db, user.id)).map((row) => certificateView(app, row));
  });

  app.post("/api/admin/users/:id/certificates", { schema: tenancySchemas.issueCertificate }, async (request, reply) => {
    const user = await managedUser(request);
    const body = request.body as IssueCertificateBody;
    // A device certificate certifies whatever key the CSR holds: from an administrator that would be their own key
    // in the official's name. Officials request one from their own session (POST /api/me/certificates).
    if (body.mode === "device") {
      throw new HttpError(
        403,
        "device_certificate_self_service",
        "an official requests a certificate for a device key from their own session",
      );
    }
    const issued = await issueCertificateForUser({
      db,
      store: app.trustStore,
      keyStore: app.keyStore,
      userId: user.id,
      holder: { mode: "platform", keyType: body.keyType },
    });
    await db
      .transaction()
      .execute((tx) => audit(tx, request, user, "certificate_issued", { ca: issued.caId, serial: issued.serial }));
    request.log.info(
      { userId: user.id, ca: issued.caId, serial: issued.serial, mode: body.mode },
      "signing certificate issued",
    );
    const row = await store.certificateById(db, issued.id);
    return reply.status(201).send(certificateView(app, row));
  });

  app.post(
    "/api/admin/users/:id/certificates/:serial/revoke",
    { schema: tenancySchemas.revokeCertificate },
    async (request) => {
      const user = await managedUser(request);
      const { serial } = request.params as { serial: string };
      const reason: RevocationReason = (request.body as RevokeCertificateBody | undefined)?.reason ?? "unspecified";
      const row = await store.certificateBySerial(db, user.id, serial.toLowerCase());
      if (!row) throw new HttpError(404, "not_found", "this user has no certificate with that serial");
      const revoked = await app.trustStore.revoke(row.ca_id, row.serial, reason);
      await db.transaction().execute((tx) =>
        audit(tx, request, user, "certificate_revoked", {
          ca: row.ca_id,
          serial: row.serial,
          reason: revoked.reason,
        }),
      );
      request.log.info(
        { userId: user.id, ca: row.ca_id, serial: row.serial, reason: revoked.reason },
        "signing certificate revoked",
      );
      return { ...certificateView(app, row), revokedAt: revoked.revokedAt.toISOString(), reason: revoked.reason };
    },
  );

  // ---- the audit trail of administrators' actions -----------------------------------------------------------------

  app.get("/api/admin/events", { schema: tenancySchemas.events }, async (request) => {
    const { user, limit } = request.query as AdminEventsQuery;
    return listAdminEvents(db, admin(request), { user, limit });
  });
};
