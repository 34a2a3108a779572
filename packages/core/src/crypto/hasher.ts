/**
 * What the two implementations of `#crypto` share above their platforms' hash objects (node:crypto's Hash,
 * @noble/hashes' instances, which feed, finish and fork alike): the incremental {@link Hasher} and the digest of
 * parts, so that each implementation says only which object it hashes with.
 */
import type { Hasher } from "./types.js";

/** A platform's hash object: fed in pieces, finished once. */
interface PlatformHash {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

/**
 * A digest as a plain Uint8Array: node:crypto's is a Buffer, which `deepEqual` and JSON tell apart from the
 * browser's (a copy of 20 to 64 bytes).
 */
const plain = (d: Uint8Array): Uint8Array =>
  Object.getPrototypeOf(d) === Uint8Array.prototype ? d : new Uint8Array(d);

/** The digest of the concatenation of `parts`, fed to `h` one by one. */
export function digestOf(h: PlatformHash, parts: readonly Uint8Array[]): Uint8Array {
  for (const p of parts) h.update(p);
  return plain(h.digest());
}

/** `h` as a {@link Hasher}; `fork` copies its state (node:crypto's `copy`, @noble's `clone`). */
export function hasherOf<H extends PlatformHash>(h: H, fork: (h: H) => H): Hasher {
  const hasher: Hasher = {
    update(data) {
      h.update(data);
      return hasher;
    },
    digest: () => plain(h.digest()),
    copy: () => hasherOf(fork(h), fork),
  };
  return hasher;
}
