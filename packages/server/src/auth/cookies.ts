/**
 * Cookies written by the auth routes (RFC 6265): HttpOnly, SameSite=Lax, Path=/, and Secure when the platform is
 * served over https, so a session token is never sent in clear nor readable by scripts.
 */
import type { FastifyReply, FastifyRequest } from "fastify";

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. Omitted: a browser-session cookie. */
  readonly maxAge?: number;
  readonly secure: boolean;
  readonly path?: string;
}

/** Appends a Set-Cookie header (several may be set on one reply). */
export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path ?? "/"}`, "HttpOnly", "SameSite=Lax"];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  if (options.secure) parts.push("Secure");
  const previous = reply.getHeader("set-cookie");
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
  reply.header("set-cookie", [...list, parts.join("; ")]);
}

export function clearCookie(reply: FastifyReply, name: string, options: { secure: boolean; path?: string }): void {
  setCookie(reply, name, "", { ...options, maxAge: 0 });
}

/** The value of cookie `name` in the request, if any. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) {
      try {
        return decodeURIComponent(v.join("="));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
