/**
 * `GET /api/trust/organizations`, public: the agencies' names in each language with their country, so that the
 * verification page shows a certificate's organisation (its O= and C=) in the reader's language.
 */
import type { FastifyPluginAsync } from "fastify";
import { organizationDirectory } from "./directory.js";

const organizationsSchema = {
  summary:
    "The agencies' names in each language, with their country (to show a certificate's organisation in the reader's language)",
  tags: ["trust"],
  response: {
    200: {
      type: "array",
      items: {
        type: "object",
        properties: {
          country: { type: "string" },
          names: {
            type: "object",
            properties: { en: { type: "string" }, ar: { type: "string" }, ja: { type: "string" } },
          },
        },
        required: ["country", "names"],
      },
    },
  },
} as const;

export const directoryRoutes: FastifyPluginAsync = async (app) => {
  app.get("/api/trust/organizations", { schema: organizationsSchema }, async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return organizationDirectory(app.db);
  });
};
