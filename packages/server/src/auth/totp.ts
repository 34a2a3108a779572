/**
 * Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps, as every authenticator app reads an
 * `otpauth://` URI). Seeds are stored sealed ({@link SecretBox}); each accepted code's time step is recorded, and a
 * code is accepted only for a later step than the last one, so an observed code cannot be replayed (RFC 6238 § 5.2).
 */

import { generateSecret, generateURI, verify } from "otplib";
import type { Db } from "../db/connect.js";
import type { TotpEnrolment } from "./schemas.js";
import type { SecretBox } from "./secret-box.js";
import { consumeTotpStep, totpSecret } from "./store.js";

/** Codes one step either side of now are accepted (clock drift, RFC 6238 § 5.2 recommends at most one). */
const TOLERANCE_SECONDS = 30;

/** A fresh seed for `email`, not yet active (stored as the user's pending secret by the caller). */
export function newTotpSecret(email: string, issuer = "Khatam"): TotpEnrolment {
  const secret = generateSecret();
  return { secret, otpauthUri: generateURI({ issuer, label: email, secret }) };
}

/** The time step of `code` if it is valid for `secret` now, else undefined. */
export async function totpStep(secret: string, code: string, now = Date.now()): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  try {
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(now / 1000),
      epochTolerance: TOLERANCE_SECONDS,
    });
    return result.valid ? Math.floor(now / 1000 / 30) + result.delta : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks `code` against the user's active seed and consumes its time step (one conditional UPDATE, so two
 * concurrent logins with the same code cannot both succeed). True when the code was valid and not used before.
 */
export async function consumeTotp(db: Db, box: SecretBox, userId: string, code: string): Promise<boolean> {
  const sealed = await totpSecret(db, userId);
  if (!sealed) return false;
  const secret = await box.open("totp-secret", sealed);
  if (!secret) return false;
  const step = await totpStep(secret, code);
  if (step === undefined) return false;
  return consumeTotpStep(db, userId, step);
}
