/**
 * Hashing through one door, so that signing (Node) and validation (Node or browser) share code. The digest comes
 * from `#crypto`: node:crypto in Node, @noble/hashes in a browser bundle (see `crypto/types.ts`).
 */
import { createHasher, digest } from "#crypto";
import type { Hasher, HashName } from "../crypto/types.js";

export type { Hasher, HashName };

/** Digest of the concatenation of `parts`. */
export function sha(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  return digest(hash, ...parts);
}

/** An incremental hasher (`update`, `digest`, `copy` to fork the state), from `#crypto` like {@link sha}. */
export function hasher(hash: HashName): Hasher {
  return createHasher(hash);
}
