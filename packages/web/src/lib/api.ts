/**
 * Calls to the platform's API (CONTRACTS § 3) from the page's own origin: the session cookie goes with every request
 * (same-origin), errors arrive as `{ error: { code, message } }` and are thrown as {@link ApiError}. The API's types
 * are the server's, inferred from its route schemas (`@khatam/server/api`, types only).
 */
import type { CertificateView, ErrorBody, Me as MeView } from "@khatam/server/api";

/** A non-2xx answer of the API, or no answer at all (status 0, code "network"). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from a Retry-After header (429), when given. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** Fetches `path` and parses JSON; throws {@link ApiError}. */
export async function apiJson<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set("accept", "application/json");
  if (json !== undefined) headers.set("content-type", "application/json");
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: "same-origin",
      ...rest,
      headers,
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  } catch (e) {
    throw new ApiError(0, "network", e instanceof Error ? e.message : String(e));
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    // Any answer may come from before the API (a proxy, a gateway): its body is not trusted to have the shape.
    const error = (body as Partial<ErrorBody> | undefined)?.error as Partial<ErrorBody["error"]> | undefined;
    const retry = Number(response.headers.get("retry-after"));
    throw new ApiError(
      response.status,
      error?.code ?? "http_error",
      error?.message ?? `HTTP ${response.status}`,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
  return body as T;
}

/** GET /api/me: who the caller is (server: auth/schemas.ts). */
export type Me = MeView;
/** A signing certificate of GET /api/me (and of the certificate routes). */
export type Certificate = CertificateView;
