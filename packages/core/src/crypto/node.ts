/**
 * `#crypto` for Node (the "default" condition of package.json "imports"): node:crypto, native and fast.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  createVerify,
  type KeyObject,
  verify,
} from "node:crypto";
import { createRequire } from "node:module";
import { digestOf, hasherOf } from "./hasher.js";
import { inflateWith } from "./inflate-js.js";
import type { AesCbc, CryptoProvider, Hasher, HashName, Inflated, PublicKeyFacts, SignatureScheme } from "./types.js";

const NODE_NAMES: Record<HashName, string> = {
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

export function digest(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  return digestOf(createHash(NODE_NAMES[hash]), parts);
}

export function createHasher(hash: HashName): Hasher {
  return hasherOf(createHash(NODE_NAMES[hash]), (h) => h.copy());
}

const CURVES: Record<string, { name: string; bits: number }> = {
  prime256v1: { name: "P-256", bits: 256 },
  secp384r1: { name: "P-384", bits: 384 },
  secp521r1: { name: "P-521", bits: 521 },
};

/** Public keys decoded once: a validation checks many signatures by the same few CA and responder keys. */
const keys = new Map<string, KeyObject>();

function keyObject(spki: Uint8Array): KeyObject {
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString("base64");
  let key = keys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    if (keys.size >= 1000) keys.delete(keys.keys().next().value!);
    keys.set(id, key);
  }
  return key;
}

export function publicKeyFacts(spki: Uint8Array): PublicKeyFacts {
  const key = keyObject(spki);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "rsa-pss") {
    return { type: "rsa", bits: details.modulusLength ?? 0 };
  }
  if (key.asymmetricKeyType === "ec") {
    const curve = CURVES[details.namedCurve ?? ""];
    return { type: "ec", bits: curve?.bits ?? 0, curve: curve?.name ?? details.namedCurve };
  }
  return { type: "other", bits: 0 };
}

export const verifySignature: CryptoProvider["verifySignature"] = (spki, scheme, data, signature) => {
  try {
    const options = verifyOptions(spki, scheme);
    return !!options && verify(NODE_NAMES[scheme.hash], data, options, signature);
  } catch {
    return false;
  }
};

export const verifySignatureChunks: CryptoProvider["verifySignatureChunks"] = (spki, scheme, chunks, signature) => {
  try {
    const options = verifyOptions(spki, scheme);
    if (!options) return false;
    const verifier = createVerify(NODE_NAMES[scheme.hash]);
    for (const chunk of chunks) verifier.update(chunk);
    return verifier.verify(options, signature);
  } catch {
    return false;
  }
};

/** The key and padding for `scheme`, or undefined when the key does not fit it. */
function verifyOptions(spki: Uint8Array, scheme: SignatureScheme) {
  const key = keyObject(spki);
  const isRsa = key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "rsa-pss";
  if ((scheme.kind === "ecdsa") !== (key.asymmetricKeyType === "ec") || (scheme.kind !== "ecdsa" && !isRsa)) {
    return undefined;
  }
  return scheme.kind === "rsa-pss"
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength ?? 20 }
    : scheme.kind === "rsa-pkcs1"
      ? { key, padding: constants.RSA_PKCS1_PADDING }
      : { key, dsaEncoding: "der" as const };
}

export function md5(...parts: Uint8Array[]): Uint8Array {
  return digestOf(createHash("md5"), parts);
}

export const aesCbc: AesCbc = (direction, key, iv, data) => {
  const cipher = `aes-${key.length * 8}-cbc`;
  const c = direction === "encrypt" ? createCipheriv(cipher, key, iv) : createDecipheriv(cipher, key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
};

const requireLazily = createRequire(import.meta.url);

/**
 * zlib's native inflate. A stream zlib refuses (truncated, damaged, a wrong checksum) is decoded again by fflate,
 * which keeps the bytes before the damage as viewers do: the same answer as the browser's, at native speed for the
 * sound streams that nearly every document holds.
 */
export function inflate(data: Uint8Array, limit: number): Inflated {
  try {
    // Loaded on first use: zlib brings Node's streams with it, which a document without compressed streams (and
    // every short `khatam verify` of one) need not pay for.
    const { inflateSync } = requireLazily("node:zlib") as typeof import("node:zlib");
    const out = inflateSync(data, { maxOutputLength: Math.max(1, limit + 1) });
    if (out.length > limit) return { bytes: new Uint8Array(0), overLimit: true };
    return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      return { bytes: new Uint8Array(0), overLimit: true };
    }
    return inflateWith((requireLazily("fflate") as typeof import("fflate")).Unzlib, data, limit);
  }
}
