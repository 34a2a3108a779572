/**
 * The abstract signer: anything that can produce a signature value over the DER of the CMS signed attributes.
 *
 * A software key, a PKCS#11 token or a browser-held WebCrypto key all implement this, so the private key never
 * has to be where the PDF is (ETSI EN 319 142-1 puts no constraint on where the signature value is computed).
 */

/** The hash functions PAdES baseline signatures use (ETSI TS 119 312 recommends the SHA-2 family). */
export type HashAlgorithm = "SHA-256" | "SHA-384" | "SHA-512";

/** How the signature value is computed; determines the CMS `signatureAlgorithm` (RFC 5754, RFC 4056). */
export type SignatureAlgorithm =
  | { readonly kind: "ecdsa"; readonly hash: HashAlgorithm }
  | { readonly kind: "rsa-pkcs1"; readonly hash: HashAlgorithm }
  | { readonly kind: "rsa-pss"; readonly hash: HashAlgorithm; readonly saltLength: number };

export interface Signer {
  /** The algorithm `sign` applies; the document digest uses the same hash. */
  readonly algorithm: SignatureAlgorithm;
  /** SubjectPublicKeyInfo (DER) of the key, used to refuse a certificate that does not match it. */
  readonly publicKeySpki: Uint8Array;
  /**
   * Signs `data` (hashing it with `algorithm.hash` first). Returns the value as CMS carries it: for ECDSA the DER
   * `Ecdsa-Sig-Value` SEQUENCE { r, s } (RFC 5753), not the IEEE P1363 r||s that WebCrypto produces.
   * Implementations may be called concurrently.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
}
