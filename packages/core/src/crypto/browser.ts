/**
 * `#crypto` for browsers (the "browser" condition of package.json "imports", which bundlers such as esbuild and
 * Vite apply): pure JavaScript, synchronous, no node:crypto and no WebCrypto (promise-only, see `types.ts`).
 *
 * Digests: @noble/hashes. ECDSA: @noble/curves (P-256, P-384, P-521; the caller's digest passed with
 * `prehash: false`, because CMS pairs curves and hashes freely, e.g. ecdsa-with-SHA384 on a P-256 key; high-S
 * signatures accepted, as OpenSSL accepts them). RSA: `rsa.ts`, by hand (it says why). Keys: `spki.ts`.
 */
import { cbc } from "@noble/ciphers/aes.js";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { md5 as nobleMd5, sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { Unzlib } from "fflate";
import { digestOf, hasherOf } from "./hasher.js";
import { inflateWith } from "./inflate-js.js";
import { verifyPkcs1v15Hash, verifyPssHash } from "./rsa.js";
import { NAMED_CURVES, readSpki } from "./spki.js";
import type { AesCbc, CryptoProvider, Hasher, HashName, Inflated, PublicKeyFacts } from "./types.js";

const HASHES = { "SHA-1": sha1, "SHA-256": sha256, "SHA-384": sha384, "SHA-512": sha512 } as const;
const ECDSA = { "P-256": p256, "P-384": p384, "P-521": p521 } as const;

export function digest(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  return digestOf(HASHES[hash].create(), parts);
}

export function createHasher(hash: HashName): Hasher {
  return hasherOf(HASHES[hash].create(), (h) => h.clone());
}

export function publicKeyFacts(spki: Uint8Array): PublicKeyFacts {
  const key = readSpki(spki);
  if (key.type === "rsa") return { type: "rsa", bits: key.bits };
  if (key.type === "ec") {
    const curve = NAMED_CURVES[key.curveOid];
    if (!curve) return { type: "ec", bits: 0, curve: key.curveOid };
    ECDSA[curve.name].Point.fromBytes(key.point); // throws for a point not on the curve, as createPublicKey does
    return { type: "ec", bits: curve.bits, curve: curve.name };
  }
  return { type: "other", bits: 0 };
}

export const verifySignature: CryptoProvider["verifySignature"] = (spki, scheme, data, signature) =>
  verifySignatureChunks(spki, scheme, [data], signature);

export const verifySignatureChunks: CryptoProvider["verifySignatureChunks"] = (spki, scheme, chunks, signature) => {
  try {
    const key = readSpki(spki);
    if (scheme.kind === "ecdsa") {
      const curve = key.type === "ec" ? NAMED_CURVES[key.curveOid] : undefined;
      if (key.type !== "ec" || !curve) return false;
      return ECDSA[curve.name].verify(signature, digest(scheme.hash, ...chunks), key.point, {
        prehash: false,
        lowS: false,
        format: "der",
      });
    }
    if (key.type !== "rsa" || (key.pssOnly && scheme.kind !== "rsa-pss")) return false;
    const mHash = digest(scheme.hash, ...chunks);
    return scheme.kind === "rsa-pss"
      ? verifyPssHash(key, scheme.hash, scheme.saltLength ?? 20, mHash, signature, digest)
      : verifyPkcs1v15Hash(key, scheme.hash, mHash, signature);
  } catch {
    return false;
  }
};

export function md5(...parts: Uint8Array[]): Uint8Array {
  return digestOf(nobleMd5.create(), parts);
}

export const aesCbc: AesCbc = (direction, key, iv, data) =>
  direction === "encrypt"
    ? cbc(key, iv, { disablePadding: true }).encrypt(data)
    : cbc(key, iv, { disablePadding: true }).decrypt(data);

export function inflate(data: Uint8Array, limit: number): Inflated {
  return inflateWith(Unzlib, data, limit);
}
