/**
 * Passwords, hashed with Argon2id (RFC 9106) through @node-rs/argon2: memory-hard, with a per-hash salt, in the PHC
 * string format so parameters can be raised later without breaking old hashes.
 */
import { hash, verify } from "@node-rs/argon2";

/** OWASP's Argon2id baseline (19 MiB, 2 passes, 1 lane). */
const PARAMETERS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMETERS);
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against when the user does not exist, so timing does not reveal it. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomUUID());
  return dummy;
}
