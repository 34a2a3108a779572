/**
 * Errors over HTTP: every failure is `{ "error": { "code", "message" } }` (CONTRACTS § 3) with a 4xx or 5xx status.
 * Handlers throw {@link HttpError}; Fastify's own client errors (body too large, unsupported media type, bad JSON)
 * are mapped to the same shape; anything else is logged and answered as a 500 without internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** A failure the client caused (or may retry), with a stable machine-readable code. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_request",
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid_request",
  FST_ERR_VALIDATION: "invalid_request",
};

/**
 * Errors the router meets before any handler runs (a malformed percent-encoding in the path, a parameter longer
 * than the router allows): answered in the same JSON shape as every other error.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const code = status === 414 ? "uri_too_long" : "invalid_request";
  reply.status(status).send({ error: { code, message: error.message } });
}

/**
 * Options of @fastify/rate-limit for `max` requests per minute and client address. The plugin throws what the
 * builder returns, so the application's handler answers a 429 like every other error.
 */
export function perMinuteLimit(max: number) {
  return {
    max,
    timeWindow: "1 minute",
    errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) =>
      new HttpError(429, "rate_limited", `too many requests; try again in ${context.after}`) as never,
  };
}

/** Installs the JSON error and not-found handlers on `app`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message } });
    }
    // SQLSTATE class 22 (data exception: NUL in text, numeric out of range, invalid datetime) is a value the client
    // sent that slipped past validation; it is their error, not the server's.
    const sqlState = (error as { code?: unknown }).code;
    if (typeof sqlState === "string" && /^22[0-9A-Z]{3}$/.test(sqlState)) {
      return reply
        .status(400)
        .send({ error: { code: "invalid_request", message: "a value in the request is invalid" } });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = FASTIFY_CODES[error.code] ?? (status === 415 ? "unsupported_media_type" : "invalid_request");
      return reply.status(status).send({ error: { code, message: error.message } });
    }
    request.log.error({ err: error }, "request failed");
    return reply.status(500).send({ error: { code: "internal_error", message: "internal server error" } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: "not_found", message: `no route ${request.method} ${request.url}` } }),
  );
}
