/**
 * An agency's webhooks over HTTP:
 *
 * | method, path | who | what |
 * | --- | --- | --- |
 * | `GET /api/webhooks` | agency_admin; platform_admin with `?agencyId=` | `[{ id, url, events, active, createdAt }]` (never the secret) |
 * | `POST /api/webhooks` `{ url, events, agencyId? }` | same (platform_admin names `agencyId`) | 201 `{ id, url, events, secret }`: the secret is shown this once |
 * | `DELETE /api/webhooks/:id` | same | 204; 404 when it belongs to another agency |
 *
 * Deliveries are signed with the secret (webhook-signature.ts) and sent by the outbox worker (delivery.ts). A
 * webhook deleted while deliveries are pending: they are dropped, not sent. The secret is stored sealed with the
 * master key (webhook-secrets.ts), never in clear.
 *
 * A URL whose host resolves to an address that is not publicly routable (loopback, private, link-local, metadata
 * services, …) or to the platform itself is refused with 400 `webhook_address_refused` (webhook-target.ts, SSRF);
 * the operator's allow-list (`KHATAM_WEBHOOK_ALLOW`) admits on-premises receivers. The worker checks again at
 * every delivery, so a URL accepted here and re-pointed in DNS later is refused then.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { requireIdentity } from "../auth/identity.js";
import type { SecretBox } from "../auth/secret-box.js";
import type { Db } from "../db/connect.js";
import { HttpError } from "../http/errors.js";
import { type CreatedWebhook, type WebhookBody, type WebhookView, webhookSchemas } from "./schemas.js";
import * as store from "./store.js";
import { sealWebhookSecret } from "./webhook-secrets.js";
import { parseWebhookUrl, WebhookAddressRefused, type WebhookTargets } from "./webhook-target.js";

export interface WebhookRoutesOptions {
  readonly db: Db;
  /** Seals the secrets (the application's secret box). */
  readonly box: SecretBox;
  /** Where webhooks may point (the application's, with its allow-list; shared with the outbox worker). */
  readonly targets: WebhookTargets;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_WEBHOOKS_PER_AGENCY = 20;

export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, { db, box, targets }) => {
  /** The agency the caller administers (platform_admin: the one named). */
  function agencyOf(request: FastifyRequest, named: unknown): string {
    const id = requireIdentity(request, ["agency_admin", "platform_admin"]);
    if (id.role === "platform_admin") {
      if (typeof named !== "string" || !UUID.test(named)) {
        throw new HttpError(400, "invalid_request", "agencyId (a UUID) is required for a platform administrator");
      }
      return named;
    }
    if (!id.agencyId) throw new HttpError(403, "forbidden", "you belong to no agency");
    return id.agencyId;
  }

  app.get("/api/webhooks", { schema: webhookSchemas.list }, async (request) => {
    const agencyId = agencyOf(request, (request.query as Record<string, unknown>)?.agencyId);
    const rows = await store.webhooksOf(db, agencyId);
    return rows.map(
      (r): WebhookView => ({
        id: r.id,
        url: r.url,
        events: r.events,
        active: r.active,
        createdAt: r.created_at.toISOString(),
      }),
    );
  });

  app.post(
    "/api/webhooks",
    {
      schema: webhookSchemas.create,
      // Before the body's validation: who may is answered first (401, 403), and a lone event name is refused rather
      // than made a list of one by the validator's coercion.
      preValidation: async (request) => {
        requireIdentity(request, ["agency_admin", "platform_admin"]);
        const events = (request.body as { events?: unknown } | undefined)?.events;
        if (events !== undefined && !Array.isArray(events)) {
          throw new HttpError(400, "invalid_request", "events must be a list of event names");
        }
      },
    },
    async (request, reply) => {
      const body = request.body as WebhookBody;
      const agencyId = agencyOf(request, body.agencyId);
      const { url, events } = body;
      let parsed: URL;
      try {
        parsed = parseWebhookUrl(url);
      } catch (e) {
        throw new HttpError(400, "invalid_request", (e as Error).message);
      }
      if (!(await store.agencyExists(db, agencyId))) throw new HttpError(404, "not_found", "no such agency");
      // Last, as it may wait for DNS: every address the host resolves to must be a permitted destination.
      try {
        await targets.check(parsed);
      } catch (e) {
        if (e instanceof WebhookAddressRefused) throw new HttpError(400, e.code, e.message);
        throw e;
      }
      const id = randomUUID();
      const secret = `whsec_${randomBytes(32).toString("base64url")}`;
      const sealed = await sealWebhookSecret(box, secret);
      const unique = [...new Set(events)];
      const inserted = await store.insertWebhook(
        db,
        { id, agencyId, url, sealedSecret: sealed },
        unique,
        MAX_WEBHOOKS_PER_AGENCY,
      );
      if (!inserted) {
        throw new HttpError(409, "too_many_webhooks", `an agency may have at most ${MAX_WEBHOOKS_PER_AGENCY} webhooks`);
      }
      request.log.info({ webhookId: id, agencyId }, "webhook created");
      return reply.status(201).send({ id, url, events: unique, secret } satisfies CreatedWebhook);
    },
  );

  app.delete("/api/webhooks/:id", async (request, reply) => {
    const identity = requireIdentity(request, ["agency_admin", "platform_admin"]);
    const { id } = request.params as { id: string };
    const notFound = new HttpError(404, "not_found", "no such webhook");
    if (!UUID.test(id)) throw notFound;
    if (identity.role !== "platform_admin" && !identity.agencyId) throw notFound;
    const deleted = await store.deleteWebhook(
      db,
      id,
      identity.role === "platform_admin" ? undefined : (identity.agencyId as string),
    );
    if (!deleted) throw notFound;
    request.log.info({ webhookId: id }, "webhook deleted");
    return reply.status(204).send();
  });
};
