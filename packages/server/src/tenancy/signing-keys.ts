/**
 * Officials' platform-held signing keys. A key lives in the platform's {@link KeyStore} (an encrypted PKCS#8 file
 * under the master key, or a non-extractable key pair in the PKCS#11 token when `KHATAM_PKCS11_MODULE` is set),
 * named `user-<user id>-<n>` (token label `khatam-user-<user id>-<n>`); `signing_certificates.key_ref` names it.
 * The database never holds key material.
 */

import { assertKeyMatchesCertificate, type Signer } from "@khatam/core/keys";
import type { KeyRef } from "../db/schema.js";
import type { KeyReference, KeyStore } from "../trust/keys.js";

/** A row of `signing_certificates`, as much of it as signing needs. */
export interface SigningCertificateRow {
  readonly der: Uint8Array;
  readonly key_ref: KeyRef | null;
}

/** The error for a certificate whose key the platform does not hold (it is on the official's device). */
export class DeviceKeyError extends Error {
  override readonly name = "DeviceKeyError";
  constructor() {
    super("this certificate's key is held on the official's device: sign there (external signature)");
  }
}

/** The key-store reference as `signing_certificates.key_ref` stores it. */
export function toKeyRef(reference: KeyReference): KeyRef {
  return reference.kind === "file"
    ? { kind: "software", file: reference.file }
    : { kind: "pkcs11", label: reference.label, id: reference.id };
}

function toKeyReference(ref: KeyRef): KeyReference {
  return ref.kind === "software" ? { kind: "file", file: ref.file } : { kind: "pkcs11", label: ref.label, id: ref.id };
}

/**
 * `app` is the Fastify app (its `keyStore`) or anything holding the key store. The core {@link Signer} over the platform-held key of `row`, checked to match the certificate (throws KeyError
 * KEY_CERTIFICATE_MISMATCH otherwise). Throws {@link DeviceKeyError} when the key is on a device (`key_ref` null).
 * Callers must first establish that the certificate is the signing official's own (`row.user_id`).
 */
export async function signerForCertificate(
  app: { readonly keyStore: KeyStore },
  row: SigningCertificateRow,
): Promise<Signer> {
  if (!row.key_ref) throw new DeviceKeyError();
  const ref = typeof row.key_ref === "string" ? (JSON.parse(row.key_ref) as KeyRef) : row.key_ref;
  const { signer } = await app.keyStore.open(toKeyReference(ref));
  assertKeyMatchesCertificate(signer, row.der);
  return signer;
}

/** What the cache needs of a `signing_certificates` row: its id and its CA and serial (for revocation). */
export interface CachedCertificateRow extends SigningCertificateRow {
  readonly id: string;
  readonly ca_id: string;
  readonly serial: string;
}

/**
 * Opened signers of officials' platform-held keys, by (certificate id, key reference), so that a signature does not
 * decrypt the key file (createPrivateKey) and check it against the certificate every time: both cost about a
 * millisecond each per signature. Keys stay encrypted at rest; the cache holds only what signing needs anyway, the
 * opened key (a KeyObject, or the signer bound to the PKCS#11 session, whose key never leaves the token), in this
 * process's memory, never written anywhere.
 *
 * Bounded (least recently used goes first); an entry is dropped when its certificate is revoked ({@link dropSerial},
 * called by the trust store) and everything when the app closes ({@link clear}). A failed open is not kept.
 */
export class SignerCache {
  readonly #entries = new Map<
    string,
    { readonly ca: string; readonly serial: string; readonly signer: Promise<Signer> }
  >();

  constructor(
    private readonly keyStore: KeyStore,
    private readonly limit = 256,
  ) {}

  /** {@link signerForCertificate}, opened once per certificate and key reference. */
  signerFor(row: CachedCertificateRow): Promise<Signer> {
    if (!row.key_ref) return Promise.reject(new DeviceKeyError());
    const key = `${row.id}\n${typeof row.key_ref === "string" ? row.key_ref : JSON.stringify(row.key_ref)}`;
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key); // re-inserted: the most recently used is last
      this.#entries.set(key, hit);
      return hit.signer;
    }
    const signer = signerForCertificate({ keyStore: this.keyStore }, row);
    const entry = { ca: row.ca_id, serial: row.serial.toLowerCase(), signer };
    this.#entries.set(key, entry);
    signer.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    while (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value!);
    return signer;
  }

  /** Forgets the signers of certificate `serial` of CA `ca` (it was revoked). */
  dropSerial(ca: string, serial: string): void {
    const s = serial.toLowerCase();
    for (const [key, entry] of this.#entries) if (entry.ca === ca && entry.serial === s) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
