/**
 * Verification for the public (issue item 7): `POST /api/verify` validates any PDF against the platform's trust
 * (every country's root; revocation from the document's DSS, or else asked of the platform's own OCSP responders in
 * process — never of an address the document names) and answers the report of CONTRACTS § 4; `GET
 * /api/register/:code` looks up the completed envelope a printed register code names. No sign-in; rate-limited per
 * client address.
 */
import rateLimit from "@fastify/rate-limit";
import { PolicyError, parsePolicy, type ValidationPolicy } from "@khatam/core/verify";
import type { FastifyInstance } from "fastify";
import { EnvelopeError } from "../envelopes/errors.js";
import { registerEntry } from "../envelopes/reading.js";
import { registerEntryView } from "../envelopes/schemas.js";
import { peerTrustAnchors } from "../federation/peers.js";
import { HttpError, perMinuteLimit } from "../http/errors.js";
import { errorView as error } from "../http/schemas.js";
import { inProcessTrustFetch, platformTrustAnchors } from "../trust/in-process.js";

/** The `policy` parameter as a validation policy, or 400 saying what is wrong with it. */
function policyOf(text: string): ValidationPolicy {
  try {
    return parsePolicy(JSON.parse(text));
  } catch (e) {
    if (e instanceof PolicyError || e instanceof SyntaxError)
      throw new HttpError(400, "invalid_policy", `policy: ${(e as Error).message}`);
    throw e;
  }
}

export const MAX_VERIFY_BYTES = 50 * 1024 * 1024;

export interface VerifyRoutesOptions {
  readonly publicUrl: string;
  /** Requests per minute and client address (default 30). */
  readonly perMinute?: number;
}

const report = {
  type: "object",
  description: "The validation report (CONTRACTS § 4)",
  properties: {
    verdict: { type: "string", enum: ["VALID", "INVALID", "INDETERMINATE"] },
    sha256: { type: "string" },
    signatures: { type: "array", items: { type: "object", additionalProperties: true } },
  },
  required: ["verdict", "sha256", "signatures"],
} as const;

const schemas = {
  verify: {
    summary: "Validate a PDF's signatures against the platform's trust (body: the PDF, application/pdf)",
    tags: ["verification"],
    consumes: ["application/pdf"],
    querystring: {
      type: "object",
      properties: {
        policy: {
          type: "string",
          maxLength: 8192,
          description:
            'A validation policy as JSON (docs/policy.md): { "constraints": { "<check id>": "FAIL" | "WARN" | "IGNORE" } }',
        },
      },
    },
    response: { 200: report, 400: error, 413: error, 415: error, 429: error },
  },
  register: {
    summary: "The completed envelope a register code (printed on its page 1) names",
    tags: ["verification"],
    params: { type: "object", properties: { code: { type: "string", maxLength: 64 } }, required: ["code"] },
    response: { 200: registerEntryView, 404: error },
  },
} as const;

export async function verifyRoutes(app: FastifyInstance, options: VerifyRoutesOptions): Promise<void> {
  await app.register(rateLimit, perMinuteLimit(options.perMinute ?? 30));
  app.addContentTypeParser("application/pdf", { parseAs: "buffer", bodyLimit: MAX_VERIFY_BYTES }, (_r, body, done) =>
    done(null, body),
  );
  const trustFetch = inProcessTrustFetch(app.trustStore, options.publicUrl);

  // The document is validated in a worker thread (validation-pool.ts): a hostile file costs one thread for at most
  // the pool's deadline, never the event loop.
  app.post<{ Querystring: { policy?: string } }>(
    "/api/verify",
    { schema: schemas.verify, bodyLimit: MAX_VERIFY_BYTES },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new HttpError(415, "unsupported_media_type", "send the PDF as application/pdf");
      const policy = request.query.policy === undefined ? undefined : policyOf(request.query.policy);
      try {
        const anchors = [...platformTrustAnchors(app.trustStore), ...(await peerTrustAnchors(app.db))];
        return await app.verifyPool.verify(new Uint8Array(body), anchors, trustFetch, { policy });
      } catch (e) {
        if (e instanceof HttpError && e.statusCode === 503) reply.header("retry-after", "5");
        throw e;
      }
    },
  );

  app.get<{ Params: { code: string } }>("/api/register/:code", { schema: schemas.register }, async (request) => {
    try {
      return await registerEntry({ db: app.db, code: request.params.code });
    } catch (e) {
      if (e instanceof EnvelopeError) throw new HttpError(404, "not_found", e.message);
      throw e;
    }
  });
}
