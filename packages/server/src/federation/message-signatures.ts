/**
 * How instances authenticate what they say to each other: HTTP Message Signatures (RFC 9421) made with the instance
 * keys — ECDSA P-256, algorithm `ecdsa-p256-sha256`, `keyid` the key's fingerprint — over the message's components
 * and a Content-Digest (RFC 9530) that binds the body. The library `http-message-signatures` builds and parses the
 * signature base; this module fixes the profile (which components, which parameters, how old a signature may be) so
 * that every federation message is signed and checked the same way.
 *
 * A signature carries `created` and `expires` and the tag `khatam-federation`; a verifier refuses one created more
 * than {@link MAX_AGE_S} ago or in the future (beyond {@link CLOCK_SKEW_S}), so a recorded message cannot be played
 * back later. Requests also carry a `nonce`, which the receiver remembers for the signature's lifetime (replay within
 * the window).
 */
import { createHash, createPublicKey, randomBytes } from "node:crypto";
import { derToP1363 } from "@khatam/core/keys";
import { createVerifier, httpbis, type SigningKey, type VerifyConfig } from "http-message-signatures";
import type { InstanceKey } from "../trust/store.js";

export const SIGNATURE_TAG = "khatam-federation";
const ALGORITHM = "ecdsa-p256-sha256";
/** How long a signature is good for: long enough for a slow link, short enough that a recording goes stale. */
export const MAX_AGE_S = 300;
/** Clocks of two governments' machines disagree a little. */
export const CLOCK_SKEW_S = 60;

/** A refused federation message; the message says why, in one line. */
export class MessageSignatureError extends Error {
  override readonly name = "MessageSignatureError";
}

/** SHA-256 of a SubjectPublicKeyInfo, lower-case hex: how instances name each other's keys. */
export function keyFingerprint(spki: Uint8Array): string {
  return createHash("sha256").update(spki).digest("hex");
}

/** RFC 9530 Content-Digest of a body, SHA-256. */
export function contentDigest(body: Uint8Array): string {
  return `sha-256=:${createHash("sha256").update(body).digest("base64")}:`;
}

function signingKey(instance: InstanceKey): SigningKey {
  return {
    id: keyFingerprint(instance.publicKey),
    alg: ALGORITHM,
    // The key store's signers return the DER Ecdsa-Sig-Value that CMS carries; RFC 9421 § 3.3.4 wants r || s.
    sign: async (data) => Buffer.from(derToP1363(await instance.key.signer.sign(data), 32)),
  };
}

type Headers = Record<string, string>;

/** The headers of a signed response: the given ones plus Content-Digest, Signature-Input and Signature. */
export async function signResponse(
  instance: InstanceKey,
  status: number,
  headers: Headers,
  body: Uint8Array,
): Promise<Headers> {
  const message = { status, headers: { ...lower(headers), "content-digest": contentDigest(body) } };
  const signed = await httpbis.signMessage(
    {
      key: signingKey(instance),
      fields: ["@status", "content-type", "content-digest"],
      params: ["created", "expires", "keyid", "alg", "tag"],
      paramValues: { tag: SIGNATURE_TAG },
    },
    message,
  );
  return signed.headers as Headers;
}

/** The headers of a signed request: the given ones plus Content-Digest, Signature-Input and Signature. */
export async function signRequest(
  instance: InstanceKey,
  method: string,
  url: string,
  headers: Headers,
  body: Uint8Array,
): Promise<Headers> {
  const message = { method, url, headers: { ...lower(headers), "content-digest": contentDigest(body) } };
  const signed = await httpbis.signMessage(
    {
      key: signingKey(instance),
      // The path, not the whole URI: a partner reaches this instance by whatever address its administrator gave;
      // the addressee is bound by the signed `khatam-to` header instead.
      fields: ["@method", "@path", "content-type", "content-digest", "idempotency-key", "khatam-to"],
      params: ["created", "expires", "nonce", "keyid", "alg", "tag"],
      paramValues: { tag: SIGNATURE_TAG, nonce: randomBytes(16).toString("base64url") },
    },
    message,
  );
  return signed.headers as Headers;
}

/** What a verified signature says about itself. */
export interface VerifiedSignature {
  readonly keyFingerprint: string;
  readonly created: Date;
  readonly nonce?: string;
}

/**
 * Checks a signed message — a response (`status`) or a request (`method`, `url`) — against the public keys the
 * caller trusts (by fingerprint): the body's Content-Digest, then a signature by one of those keys over the
 * profile's components, tagged for the federation, fresh. Throws {@link MessageSignatureError} otherwise.
 */
export async function verifyMessage(
  message: { status: number } | { method: string; url: string },
  headers: Record<string, string | string[] | undefined>,
  body: Uint8Array,
  trusted: (fingerprint: string) => Uint8Array | undefined,
): Promise<VerifiedSignature> {
  const plain: Headers = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) plain[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  const digest = plain["content-digest"];
  if (!digest) throw new MessageSignatureError("the message has no Content-Digest");
  if (digest !== contentDigest(body)) throw new MessageSignatureError("the body does not match its Content-Digest");
  const isRequest = "method" in message;
  let verified: VerifiedSignature | undefined;
  let ok: boolean | null;
  const config: VerifyConfig = {
    keyLookup: async (params) => {
      const fingerprint = typeof params.keyid === "string" ? params.keyid : "";
      const spki = params.tag === SIGNATURE_TAG && params.alg === ALGORITHM ? trusted(fingerprint) : undefined;
      if (!spki || keyFingerprint(spki) !== fingerprint) return null;
      const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
      const verify = createVerifier(key, ALGORITHM);
      return {
        id: fingerprint,
        algs: [ALGORITHM],
        verify: async (data, signature, parameters) => {
          const good = await verify(data, signature, parameters);
          if (good) {
            verified = {
              keyFingerprint: fingerprint,
              created: parameters?.created instanceof Date ? parameters.created : new Date(0),
              nonce: typeof parameters?.nonce === "string" ? parameters.nonce : undefined,
            };
          }
          return good;
        },
      };
    },
    requiredParams: isRequest ? ["created", "expires", "keyid", "alg", "nonce"] : ["created", "expires", "keyid"],
    requiredFields: isRequest
      ? ["@method", "@path", "content-type", "content-digest", "idempotency-key", "khatam-to"]
      : ["@status", "content-type", "content-digest"],
    maxAge: MAX_AGE_S,
    tolerance: CLOCK_SKEW_S,
  };
  try {
    ok = isRequest
      ? await httpbis.verifyMessage(config, { method: message.method, url: message.url, headers: plain })
      : await httpbis.verifyMessage(config, { status: message.status, headers: plain });
  } catch (e) {
    throw new MessageSignatureError(`the message signature is not acceptable: ${(e as Error).message}`);
  }
  if (ok !== true || !verified) {
    throw new MessageSignatureError("the message carries no valid signature by a trusted instance key");
  }
  return verified;
}

function lower(headers: Headers): Headers {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
