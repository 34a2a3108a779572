/**
 * The web application (packages/web, CONTRACTS § 5) served by the platform at `/`: the built files of
 * `packages/web/dist/public`, and `index.html` for every address the application routes itself (`/`, `/login`,
 * `/verify`, `/account/…`, `/envelopes/…`, `/admin/…`, `/register/…`). API routes are registered apart and keep
 * priority; an unknown `/api/…` address still gets the JSON 404 of http/errors.ts, since no catch-all route is
 * registered.
 *
 * Every file goes out with a strict Content-Security-Policy (scripts only from this origin, no inline script; PDF.js
 * may start workers from blob: URLs) and `X-Content-Type-Options: nosniff`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { distDirectory } from "../dist-directory.js";

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

export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions = {}): Promise<void> {
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
