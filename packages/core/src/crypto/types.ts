/**
 * The cryptographic primitives the validation engine needs, as one interface with two implementations: `node.ts`
 * (node:crypto) and `browser.ts` (pure JavaScript). Everything above this seam — the OID tables, the reading of
 * RSASSA-PSS parameters, the algorithm constraints — is shared code.
 *
 * Every operation is synchronous, because the engine digests and verifies synchronously in the middle of its
 * building blocks (WebCrypto's `crypto.subtle` is promise-only, which is why the browser side does not use it).
 */

/** The digest algorithms of RFC 5754 § 2 and RFC 3370 § 2.1 that CMS signatures use. */
export type HashName = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

/** How a signature is computed, read back from its AlgorithmIdentifier. */
export interface SignatureScheme {
  /** ECDSA (DER Ecdsa-Sig-Value, RFC 5753 § 7.2), RSASSA-PKCS1-v1_5 or RSASSA-PSS (RFC 8017 § 8). */
  readonly kind: "ecdsa" | "rsa-pkcs1" | "rsa-pss";
  /** The message hash (for RSASSA-PSS also the MGF1 hash: we accept no other). */
  readonly hash: HashName;
  /** RSASSA-PSS salt length (RFC 4055 § 3.1; DEFAULT 20). */
  readonly saltLength?: number;
}

/** Facts about a public key that the algorithm constraints look at. */
export interface PublicKeyFacts {
  readonly type: "rsa" | "ec" | "other";
  /** Modulus length for RSA, field size for EC. */
  readonly bits: number;
  /** Named curve for EC keys (P-256, P-384, P-521 …). */
  readonly curve?: string;
}

/** An incremental digest: data fed in pieces, the state forkable, as node:crypto's Hash and @noble/hashes' do. */
export interface Hasher {
  /** Feeds `data`; returns the same hasher. */
  update(data: Uint8Array): Hasher;
  /** The digest of everything fed; the hasher cannot be used afterwards. */
  digest(): Uint8Array;
  /**
   * A new hasher in the same state: data shared by two messages (a signature's byte range and the whole file both
   * start with the same bytes) is hashed once, then each continues on its own.
   */
  copy(): Hasher;
}

/** What {@link CryptoProvider.inflate} decoded. */
export interface Inflated {
  /** The decoded bytes: all of them, or those before the damage of a damaged stream (as viewers keep them). */
  readonly bytes: Uint8Array;
  /** The stream decodes to more than the limit it was given; `bytes` is then empty. */
  readonly overLimit?: boolean;
  /** The stream is damaged (bad block, bad checksum, not zlib at all); `bytes` holds what came before. */
  readonly damaged?: boolean;
}

/** AES-CBC without padding (the PDF security handler removes or ignores padding itself). */
export type AesCbc = (
  direction: "encrypt" | "decrypt",
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
) => Uint8Array;

/** What each implementation of `#crypto` exports. */
export interface CryptoProvider {
  /** Digest of the concatenation of `parts`. */
  digest(hash: HashName, ...parts: Uint8Array[]): Uint8Array;
  /** A fresh incremental hasher. */
  createHasher(hash: HashName): Hasher;
  /** Reads a DER SubjectPublicKeyInfo (RFC 5280 § 4.1.2.7); throws if the key is unreadable. */
  publicKeyFacts(spki: Uint8Array): PublicKeyFacts;
  /**
   * Verifies `signature` over `data` with the key in `spki` under `scheme`. Returns false for a wrong signature,
   * a malformed key or signature, or a key that does not fit the scheme; never throws.
   */
  verifySignature(spki: Uint8Array, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): boolean;
  /**
   * {@link verifySignature} over the concatenation of `chunks` (a PDF's byte ranges, signed directly by a SignerInfo
   * without signed attributes), hashed piece by piece rather than copied into one buffer.
   */
  verifySignatureChunks(
    spki: Uint8Array,
    scheme: SignatureScheme,
    chunks: readonly Uint8Array[],
    signature: Uint8Array,
  ): boolean;
  /** MD5 of the concatenation of `parts`: for PDF's RC4 and AES-128 encryption keys only (ISO 32000-2 § 7.6.4.3). */
  md5(...parts: Uint8Array[]): Uint8Array;
  aesCbc: AesCbc;
  /** Decodes zlib data (PDF's FlateDecode), stopping once the output would exceed `limit` bytes. */
  inflate(data: Uint8Array, limit: number): Inflated;
}

/**
 * Both implementations provide every operation (checked when compiling, nothing loaded: callers are type-checked
 * against the one `#crypto` resolves to for them, node.ts, so the browser's would otherwise go unchecked).
 */
type Provides<T extends CryptoProvider> = T;
export type Implementations = [Provides<typeof import("./node.js")>, Provides<typeof import("./browser.js")>];
