/**
 * What officials do for themselves (no administrator involved):
 *
 * - `POST /api/me/certificates` `{ csrPem }`: an official obtains a signing certificate for a key held on their own
 *   device (the web application's WebCrypto key, a smart card). Only the CSR's key is certified; the subject is the
 *   one the platform vouches for (tenancy/certificates.ts: display name, agency, country, e-mail), from the issuing
 *   CA of the official's own country. The private key never reaches the platform (`key_ref` null).
 *
 * - `PATCH /api/me` `{ jobTitle }`: anyone with an account sets their own job title (migration 15; empty or null:
 *   none), the line under the name in their visible signatures. Administrators set it too (PATCH
 *   /api/admin/users/:id); like theirs, the change is logged, not audited (it grants nothing).
 *
 * Certificates: clerks and administrators may not (403): only officials sign. Issuance is the same transaction as an
 * administrator's (issueCertificateForUser), so a crash leaves either the committed row or nothing named by it.
 */
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { requireIdentity } from "../auth/identity.js";
import { certificateView } from "../auth/login-routes.js";
import { HttpError } from "../http/errors.js";
import { noticeToHolder } from "./admin-events.js";
import { jobTitle } from "./admin-routes.js";
import { issueCertificateForUser } from "./certificates.js";
import { type DeviceCertificateBody, type OwnProfileBody, tenancySchemas } from "./schemas.js";
import { certificateById, updateUser } from "./store.js";

export const selfServiceRoutes: FastifyPluginAsync<{ readonly publicUrl: string }> = async (
  app: FastifyInstance,
  options,
) => {
  app.patch("/api/me", { schema: tenancySchemas.updateOwnProfile }, async (request) => {
    const { userId } = requireIdentity(request);
    if (!userId) throw new HttpError(403, "forbidden", "the bootstrap admin token has no account");
    const title = jobTitle((request.body as OwnProfileBody).jobTitle);
    await app.db.transaction().execute((tx) => updateUser(tx, userId, { job_title: title }, false));
    request.log.info({ userId, changes: ["jobTitle"] }, "own profile changed");
    return { jobTitle: title };
  });

  app.post("/api/me/certificates", { schema: tenancySchemas.issueDeviceCertificate }, async (request, reply) => {
    const identity = requireIdentity(request, ["official"]);
    if (!identity.userId) throw new HttpError(403, "forbidden", "the bootstrap admin token has no account");
    // A key certified here signs in the official's name: only a session that passed the second factor may add one
    // (security issue 9.6), so a stolen password alone cannot.
    if (identity.credential !== "session" || !identity.secondFactor) {
      throw new HttpError(
        403,
        "second_factor_required",
        "sign in with your authenticator app's code to have a key on a device certified",
      );
    }
    const { csrPem } = request.body as DeviceCertificateBody;
    const issued = await issueCertificateForUser({
      db: app.db,
      store: app.trustStore,
      keyStore: app.keyStore,
      userId: identity.userId,
      holder: { mode: "device", csrPem },
    });
    request.log.info({ userId: identity.userId, ca: issued.caId, serial: issued.serial }, "device certificate issued");
    // Told by e-mail too: whoever holds the session (a stolen password) cannot add a key to the account unseen.
    await app.db
      .transaction()
      .execute((tx) =>
        noticeToHolder(tx, identity.email, "device_certificate_issued", identity.email, options.publicUrl),
      );
    const row = await certificateById(app.db, issued.id);
    return reply.status(201).send(certificateView(app, row));
  });
};
