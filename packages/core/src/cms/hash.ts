/**
 * Hashing through one door, so that signing (Node) and validation (Node or browser) share code. The digest comes
 * from `#crypto`: node:crypto in Node, @noble/hashes in a browser bundle (see `crypto/types.ts`).
 */
import { digest } from "#crypto";
import type { HashName } from "../crypto/types.js";

export type { HashName };

/** Digest of the concatenation of `parts`. */
export function sha(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  return digest(hash, ...parts);
}
