/**
 * Webhook signatures, in the scheme Stripe made common, so receivers can reuse what they know:
 *
 * ```
 * Khatam-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key = the webhook secret as UTF-8, message = "<t>.<body>")>
 * ```
 *
 * The body is the exact bytes of the POST (verify before parsing JSON). The timestamp is inside the MAC, so a
 * captured delivery cannot be replayed after the tolerance window; within the window, receivers dedupe by the
 * `Khatam-Delivery` header (the outbox id), which also absorbs the worker's at-least-once redeliveries. A header may
 * carry several `v1=` values (e.g. while a secret is being rotated); one match suffices.
 *
 * This file has no dependency beyond node:crypto, so a receiver written in TypeScript can copy or import it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The `Khatam-Signature` header value for `body` sent at `unixSeconds`. */
export function signWebhook(secret: string, body: string | Uint8Array, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${mac(secret, unixSeconds, body)}`;
}

/**
 * Whether `header` (a `Khatam-Signature` value) is a valid signature of `body` with `secret`, made no more than
 * `toleranceSec` seconds from `nowMs` (either side, for clock skew). Malformed headers are simply invalid.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string | Uint8Array,
  toleranceSec = 300,
  nowMs = Date.now(),
): boolean {
  if (!header) return false;
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return false;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (t !== undefined || !/^\d{1,12}$/.test(value)) return false;
      t = Number(value);
    } else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) {
      candidates.push(value);
    }
  }
  if (t === undefined || candidates.length === 0) return false;
  if (Math.abs(nowMs / 1000 - t) > toleranceSec) return false;
  const expected = Buffer.from(mac(secret, t, body), "hex");
  let ok = false;
  for (const c of candidates) ok = timingSafeEqual(expected, Buffer.from(c, "hex")) || ok;
  return ok;
}

function mac(secret: string, t: number, body: string | Uint8Array): string {
  return createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(`${t}.`)
    .update(typeof body === "string" ? Buffer.from(body, "utf8") : body)
    .digest("hex");
}
