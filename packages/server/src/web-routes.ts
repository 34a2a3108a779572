/**
 * The web application (packages/web, CONTRACTS § 5) served by the platform at `/`: the built files of
 * `packages/web/dist/public`, and `index.html` for every address the application routes itself (`/`, `/login`,
 * `/verify`, `/account/…`, `/envelopes/…`, `/admin/…`, `/register/…`). API routes are registered apart and keep
 * priority; an unknown `/api/…` address still gets the JSON 404 of http-errors.ts, since no catch-all route is
 * registered.
 *
 * Every file goes out with a strict Content-Security-Policy (scripts only from this origin, no inline script; PDF.js
 * may start workers from blob: URLs) and `X-Content-Type-Options: nosniff`.
 *
 * Also here, for the public verification page: `GET /api/trust/anchors`, the platform's national roots as PEM — the
 * trust anchors the browser validates against, the same ones `POST /api/verify` uses (verify/platform-trust.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import { toPem } from "@khatam/core/pki/certificate";
import type { FastifyInstance, FastifyReply } from "fastify";
import { distDirectory } from "./dist-directory.js";
import { organizationDirectory } from "./tenancy/directory.js";

export interface WebRoutesOptions {
  /** The built application (default: packages/web/dist/public beside this package). */
  readonly root?: string;
}

/** Where `npm run build -w @khatam/web` writes the application: packages/web/dist/public. */
export const DEFAULT_WEB_ROOT = join(distDirectory(import.meta.url), "../../web/dist/public");

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Addresses the application routes in the browser; each is answered with index.html. */
export const APP_ROUTES = [
  "/",
  "/login",
  "/verify",
  "/account",
  "/account/*",
  "/envelopes",
  "/envelopes/*",
  "/admin",
  "/admin/*",
  "/register",
  "/register/*",
];

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
};

const anchorsSchema = {
  summary: "The platform's national root certificates: the trust anchors of the public verification page",
  tags: ["verification"],
  response: {
    200: {
      type: "array",
      items: {
        type: "object",
        properties: {
          ca: { type: "string" },
          country: { type: "string" },
          organization: { type: "string" },
          pem: { type: "string" },
        },
        required: ["ca", "country", "organization", "pem"],
      },
    },
  },
} as const;

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

export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions = {}): Promise<void> {
  app.get("/api/trust/anchors", { schema: anchorsSchema }, async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return app.trustStore.ids().map((ca) => {
      const pki = app.trustStore.get(ca);
      return { ca, country: pki.country, organization: pki.organization, pem: toPem(pki.root.certificate) };
    });
  });

  app.get("/api/trust/organizations", { schema: organizationsSchema }, async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return organizationDirectory(app.db);
  });

  const root = options.root ?? DEFAULT_WEB_ROOT;
  if (!existsSync(join(root, "index.html"))) {
    app.log.warn({ root }, "the web application is not built (npm run build -w @khatam/web); not serving it");
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    wildcard: false, // one route per built file: no catch-all to shadow the API's JSON 404
    index: false,
    cacheControl: false, // set below
    setHeaders(res, path) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      // Vite names assets after their content: cache them for good; everything else is checked each time.
      res.setHeader("cache-control", path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
  const page = (_request: unknown, reply: FastifyReply) => reply.sendFile("index.html");
  for (const url of APP_ROUTES) app.get(url, { schema: { hide: true } }, page);
}
