/**
 * Officials' platform-held signing keys. A key lives in the platform's {@link KeyStore} (an encrypted PKCS#8 file
 * under the master key, or a non-extractable key pair in the PKCS#11 token when `KHATAM_PKCS11_MODULE` is set),
 * named `user-<user id>-<n>` (token label `khatam-user-<user id>-<n>`); `signing_certificates.key_ref` names it.
 * The database never holds key material.
 */

import { assertKeyMatchesCertificate } from "@khatam/core/keys/match";
import type { Signer } from "@khatam/core/keys/signer";
import type { KeyRef } from "../db/schema.js";
import type { KeyReference, KeyStore } from "../trust-keys.js";

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
