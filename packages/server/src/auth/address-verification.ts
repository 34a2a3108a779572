/**
 * Proving an e-mail address (security issue 9.3): a recipient is bound to an account only through an address the
 * account has proved. Addresses in an agency's verified domains are proved by the platform administrator's check
 * of the domain; any other address by a link sent to it:
 *
 * - `POST /api/me/email-verification` e-mails the signed-in user a link, in their language, valid for 24 hours;
 * - `GET /api/auth/verify-email?token=…` (the link) marks the address proved, binds the recipients named by it that
 *   no account holds yet, and sends the browser to `/account?addressVerified=1` (or `=0` when the link is bad).
 *
 * The token is the user id, the address and an expiry sealed with the master key (auth/secret-box.ts): it cannot be
 * forged, and it stops working if the account's address changes.
 */
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { HttpError } from "../http/errors.js";
import { enqueueEmail } from "../notify/outbox.js";
import { recipientLocale, renderEmail } from "../notify/templates.js";
import { type AddressBinder, requireIdentity } from "./identity.js";
import { type EmailVerificationAnswer, emailVerificationSchema } from "./schemas.js";
import type { SecretBox } from "./secret-box.js";
import { addressOf, markAddressVerified } from "./store.js";

const LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface AddressVerificationOptions {
  readonly box: SecretBox;
  readonly publicUrl: string;
  /**
   * Gives an account the envelopes addressed to an address it has just proved (envelopes' bindRecipients), passed
   * in by app.ts so that sign-in does not depend on the envelopes that depend on it.
   */
  readonly bindAddress: AddressBinder;
  /** The clock (tests). */
  readonly now?: () => Date;
}

interface Claim {
  readonly u: string;
  readonly e: string;
  readonly x: number;
}

export const addressVerificationRoutes: FastifyPluginAsync<AddressVerificationOptions> = async (
  app: FastifyInstance,
  options,
) => {
  const now = () => options.now?.() ?? new Date();
  const base = options.publicUrl.replace(/\/+$/, "");

  app.post("/api/me/email-verification", { schema: emailVerificationSchema }, async (request, reply) => {
    const identity = requireIdentity(request);
    if (!identity.userId) throw new HttpError(403, "forbidden", "the bootstrap admin token has no account");
    const user = await addressOf(app.db, identity.userId);
    if (user.email_verified_at) return reply.send({ verified: true } satisfies EmailVerificationAnswer);
    const claim: Claim = { u: identity.userId, e: user.email.toLowerCase(), x: now().getTime() + LINK_LIFETIME_MS };
    const token = await options.box.seal("email-verification", JSON.stringify(claim));
    const url = `${base}/api/auth/verify-email?token=${encodeURIComponent(token)}`;
    await app.db.transaction().execute(async (tx) => {
      const locale = await recipientLocale(tx, user.email);
      await enqueueEmail(tx, renderEmail({ kind: "verify-address", url }, { to: user.email, locale, publicUrl: base }));
    });
    request.log.info({ userId: identity.userId }, "address verification sent");
    return reply.status(202).send({ verified: false, sent: true } satisfies EmailVerificationAnswer);
  });

  app.get("/api/auth/verify-email", { schema: { tags: ["account"] } }, async (request, reply) => {
    const { token } = request.query as { token?: unknown };
    const claim = typeof token === "string" && token.length < 2048 ? await open(options.box, token) : undefined;
    if (!claim || claim.x < now().getTime()) return reply.redirect("/account?addressVerified=0", 302);
    const verified = await app.db.transaction().execute(async (tx) => {
      const user = await markAddressVerified(tx, claim.u, claim.e, now());
      if (user) await options.bindAddress(tx, user.id, user.email);
      return !!user;
    });
    if (verified) request.log.info({ userId: claim.u }, "address verified");
    return reply.redirect(`/account?addressVerified=${verified ? 1 : 0}`, 302);
  });
};

async function open(box: SecretBox, token: string): Promise<Claim | undefined> {
  const plain = await box.open("email-verification", token);
  if (!plain) return undefined;
  try {
    const claim = JSON.parse(plain) as Claim;
    return typeof claim.u === "string" && typeof claim.e === "string" && typeof claim.x === "number"
      ? claim
      : undefined;
  } catch {
    return undefined;
  }
}
