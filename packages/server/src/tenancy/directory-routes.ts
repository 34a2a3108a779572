/**
 * `GET /api/trust/organizations`, public: the agencies' names in each language with their country, so that the
 * verification page shows a certificate's organisation (its O= and C=) in the reader's language.
 */
import type { FastifyPluginAsync } from "fastify";
import { organizationDirectory } from "./directory.js";
import { tenancySchemas } from "./schemas.js";

export const directoryRoutes: FastifyPluginAsync = async (app) => {
  app.get("/api/trust/organizations", { schema: tenancySchemas.organizations }, async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return organizationDirectory(app.db);
  });
};
