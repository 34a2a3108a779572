/**
 * Password sign-in with throttling (OWASP ASVS V2.2.1): failures are rows of `login_failures`, shared by every
 * replica, counted per e-mail address and per client address over a sliding window. Past either limit, attempts are
 * refused with 429 and Retry-After without checking the password (so a guess made while throttled reveals nothing)
 * and without being recorded (so the table holds at most the limit per key and window).
 *
 * Unknown, disabled and password-less accounts take the same path as a wrong password (an Argon2 verification of a
 * dummy hash, the same error), so neither the answer nor its timing tells whether an address has an account.
 *
 * An attempt is reserved before the password is verified (security issue 9.4): under a lock per address, the limits
 * are checked and a failure row written and committed; a success deletes its own row afterwards. Sixty parallel
 * guesses therefore find the limit taken by the first five, not by none of them (Argon2 takes ~50 ms, during which a
 * check-then-record throttle saw no failure at all). The lock is a PostgreSQL advisory lock (PGlite has one
 * connection, which serialises by itself), so the reservation holds across replicas. In addition, at most
 * {@link MAX_CONCURRENT_PER_ACCOUNT} attempts per account run at once in this process.
 */
import type { Db } from "../db/connect.js";
import { HttpError } from "../http/errors.js";
import { dummyHash, verifyPassword } from "./passwords.js";
import type { SecretBox } from "./secret-box.js";
import * as store from "./store.js";
import { consumeTotp } from "./totp.js";

export interface LoginLimits {
  /** Failures allowed per e-mail address within the window (default 5). */
  readonly perEmail: number;
  /** Failures allowed per client IP within the window (default 30). */
  readonly perIp: number;
  /** The sliding window (default 15 minutes). */
  readonly windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perEmail: 5, perIp: 30, windowMs: 15 * 60 * 1000 };

/** Password verifications in flight per account (per process): a third parallel attempt is refused at once. */
export const MAX_CONCURRENT_PER_ACCOUNT = 2;
const inFlight = new Map<string, number>();

export interface LoginAttempt {
  readonly email: string;
  readonly password: string;
  readonly totp?: string;
  readonly ip: string;
}

export interface LoginContext {
  readonly db: Db;
  readonly box: SecretBox;
  readonly limits: LoginLimits;
  /** The clock (tests move it past the window). */
  readonly now: () => Date;
}

/** Signs in: the user's id and whether a second factor was checked, or an HttpError (401 / 429). */
export async function authenticate(
  context: LoginContext,
  attempt: LoginAttempt,
): Promise<{ userId: string; secondFactor: boolean }> {
  const { db } = context;
  const email = attempt.email.trim().toLowerCase();
  const now = context.now();
  return withAccountSlot(email, async () => {
    const reservation = await reserveAttempt(context, email, attempt.ip, now);
    const user = await store.accountForSignIn(db, email);
    const usable = user && !user.disabled && user.password_hash !== null;
    const passwordOk = await verifyPassword(usable ? user.password_hash : await dummyHash(), attempt.password);
    if (!usable || !passwordOk) {
      throw new HttpError(401, "invalid_credentials", "the e-mail address or the password is wrong");
    }
    if (user.totp_secret) {
      if (!attempt.totp) {
        // Not a guess: the password was right. The reservation is released.
        await release(db, reservation);
        throw new HttpError(401, "totp_required", "enter the 6-digit code from your authenticator app");
      }
      if (!(await consumeTotp(db, context.box, user.id, attempt.totp))) {
        throw new HttpError(401, "totp_required", "the code is wrong or was already used; enter the current code");
      }
    }
    // A success forgives the address's earlier failures (not the client address's), its own reservation included.
    await store.forgetFailures(db, email);
    return { userId: user.id, secondFactor: user.totp_secret !== null };
  });
}

/**
 * Checks a password for an action other than signing in (changing it), under the same throttle: a stolen session
 * cannot guess the current password faster than the sign-in form allows.
 */
export async function checkPassword(
  context: LoginContext,
  attempt: { readonly email: string; readonly password: string; readonly ip: string; readonly hash: string | null },
): Promise<boolean> {
  const email = attempt.email.trim().toLowerCase();
  return withAccountSlot(email, async () => {
    const reservation = await reserveAttempt(context, email, attempt.ip, context.now());
    const ok = await verifyPassword(attempt.hash ?? (await dummyHash()), attempt.password);
    if (ok) await release(context.db, reservation);
    return ok;
  });
}

/** Runs `work` if fewer than the cap of attempts for `email` are in flight here; 429 otherwise. */
async function withAccountSlot<T>(email: string, work: () => Promise<T>): Promise<T> {
  const running = inFlight.get(email) ?? 0;
  if (running >= MAX_CONCURRENT_PER_ACCOUNT) throw new ThrottledError(1);
  inFlight.set(email, running + 1);
  try {
    return await work();
  } finally {
    const left = (inFlight.get(email) ?? 1) - 1;
    if (left <= 0) inFlight.delete(email);
    else inFlight.set(email, left);
  }
}

/**
 * Under a lock on the address and the client address (store.lockSignInKeys): refuses when throttled, otherwise
 * records the attempt as a failure and commits. Returns the row's id, which a success deletes.
 */
async function reserveAttempt(context: LoginContext, email: string, ip: string, now: Date): Promise<string> {
  const { db, limits } = context;
  return db.transaction().execute(async (tx) => {
    await store.lockSignInKeys(tx, email, ip);
    await refuseIfThrottled(tx, limits, email, ip, now);
    return store.insertFailure(tx, email, ip, now, new Date(now.getTime() - limits.windowMs));
  });
}

async function release(db: Db, reservation: string): Promise<void> {
  await store.deleteFailure(db, reservation);
}

async function refuseIfThrottled(db: Db, limits: LoginLimits, email: string, ip: string, now: Date): Promise<void> {
  const since = new Date(now.getTime() - limits.windowMs);
  const byEmail = await store.recentFailures(db, { email }, since, limits.perEmail);
  const byIp = await store.recentFailures(db, { ip }, since, limits.perIp);
  // Throttled until the oldest of the last `limit` failures leaves the window.
  let until = 0;
  if (byEmail.length >= limits.perEmail) until = Math.max(until, byEmail.at(-1)!.at.getTime() + limits.windowMs);
  if (byIp.length >= limits.perIp) until = Math.max(until, byIp.at(-1)!.at.getTime() + limits.windowMs);
  if (until > now.getTime()) {
    const seconds = Math.max(1, Math.ceil((until - now.getTime()) / 1000));
    throw new ThrottledError(seconds);
  }
}

/** 429 with the number of seconds to wait (sent as Retry-After, RFC 9110 § 10.2.3). */
export class ThrottledError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, "too_many_attempts", `too many failed sign-ins; try again in ${retryAfterSeconds} s`);
  }
}
