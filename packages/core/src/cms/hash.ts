/**
 * Hashing through one door, so that signing (Node) and validation (Node or browser) can share code. Node's
 * `createHash` is synchronous and fast; the browser build of validation substitutes WebCrypto.
 */
import { createHash } from "node:crypto";

export type HashName = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

const NODE_NAMES: Record<HashName, string> = {
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

/** Digest of the concatenation of `parts`. */
export function sha(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(NODE_NAMES[hash]);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
