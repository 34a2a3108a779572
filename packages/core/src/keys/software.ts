/**
 * Software keys: a private key held in this process as a Node `KeyObject`.
 *
 * Used for tests, the demo, and keys that are encrypted at rest when no PKCS#11 token is configured.
 */
import { constants, createPublicKey, generateKeyPair, type KeyObject, sign } from "node:crypto";
import { promisify } from "node:util";
import type { HashAlgorithm, SignatureAlgorithm, Signer } from "./signer.js";

const generateKeyPairAsync = promisify(generateKeyPair);

/** Key types the platform issues and signs with. */
export type KeyType = "P-256" | "P-384" | "P-521" | "RSA-2048" | "RSA-3072" | "RSA-4096";

/** The hash that matches a key's strength (ETSI TS 119 312): SHA-384 for P-384, SHA-512 for P-521, else SHA-256. */
export function defaultHash(key: KeyObject): HashAlgorithm {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === "secp384r1") return "SHA-384";
  if (curve === "secp521r1") return "SHA-512";
  return "SHA-256";
}

/** The signature algorithm a key implies; RSA keys use PKCS#1 v1.5 unless `pss` is asked for. */
export function algorithmFor(
  key: KeyObject,
  options: { hash?: HashAlgorithm; pss?: boolean } = {},
): SignatureAlgorithm {
  const hash = options.hash ?? defaultHash(key);
  switch (key.asymmetricKeyType) {
    case "ec":
      return { kind: "ecdsa", hash };
    case "rsa":
      return options.pss ? { kind: "rsa-pss", hash, saltLength: hashLength(hash) } : { kind: "rsa-pkcs1", hash };
    case "rsa-pss":
      return { kind: "rsa-pss", hash, saltLength: hashLength(hash) };
    default:
      throw new Error(`unsupported key type ${key.asymmetricKeyType}: use an RSA or ECDSA (P-256, P-384, P-521) key`);
  }
}

export function hashLength(hash: HashAlgorithm): number {
  return hash === "SHA-256" ? 32 : hash === "SHA-384" ? 48 : 64;
}

/** A Signer over a private `KeyObject`. Node's ECDSA output is already the DER Ecdsa-Sig-Value CMS wants. */
export function softwareSigner(privateKey: KeyObject, options: { hash?: HashAlgorithm; pss?: boolean } = {}): Signer {
  if (privateKey.type !== "private") throw new Error("a software signer needs a private key");
  const algorithm = algorithmFor(privateKey, options);
  const publicKeySpki = new Uint8Array(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
  const nodeHash = algorithm.hash.replace("-", "").toLowerCase();
  const keyInput =
    algorithm.kind === "rsa-pss"
      ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength }
      : { key: privateKey, dsaEncoding: "der" as const };
  return {
    algorithm,
    publicKeySpki,
    async sign(data) {
      return new Uint8Array(sign(nodeHash, data, keyInput));
    },
  };
}

/** Generates a new software key pair of the given type. */
export async function generateKey(type: KeyType): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  if (type.startsWith("RSA-")) {
    return generateKeyPairAsync("rsa", { modulusLength: Number(type.slice(4)) });
  }
  const namedCurve = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" }[type as "P-256"];
  return generateKeyPairAsync("ec", { namedCurve });
}
