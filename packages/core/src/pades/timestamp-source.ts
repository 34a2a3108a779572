/**
 * Where a signature's time-stamps come from — an RFC 3161 URL or a function (an in-process TSA) — and how large
 * their tokens have been. The /Contents hole must be reserved before the token exists; remembering each source's
 * token size lets it be reserved tightly (smaller files, less to store and transfer) instead of generously every
 * time. A token that outgrows the reservation costs one retry of the revision, never a broken signature.
 */
import { requestTimestamp } from "../cms/timestamp.js";
import type { HashAlgorithm } from "../keys/signer.js";

export type Timestamper = (hash: HashAlgorithm, digest: Uint8Array) => Promise<Uint8Array>;

export interface TimestampSource {
  readonly tsaUrl?: string;
  readonly timestamp?: Timestamper;
}

const byUrl = new Map<string, number>();
const byFunction = new WeakMap<Timestamper, number>();

/** Room for a token from `source`: the largest seen plus a margin, or `fallback` before the first one. */
export function timestampReserve(source: TimestampSource, fallback: number): number {
  const seen = source.timestamp
    ? byFunction.get(source.timestamp)
    : source.tsaUrl
      ? byUrl.get(source.tsaUrl)
      : undefined;
  return seen === undefined ? fallback : seen + 512;
}

/** Obtains a token for `digest` from `source` and remembers its size. */
export async function obtainTimestamp(
  source: TimestampSource,
  hash: HashAlgorithm,
  digest: Uint8Array,
): Promise<Uint8Array> {
  if (!source.timestamp && !source.tsaUrl) throw new Error("no time-stamp authority given");
  const token = source.timestamp
    ? await source.timestamp(hash, digest)
    : (await requestTimestamp(source.tsaUrl!, hash, digest)).token;
  if (source.timestamp) byFunction.set(source.timestamp, Math.max(byFunction.get(source.timestamp) ?? 0, token.length));
  else if (byUrl.size < 1000) byUrl.set(source.tsaUrl!, Math.max(byUrl.get(source.tsaUrl!) ?? 0, token.length));
  return token;
}
