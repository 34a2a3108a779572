/**
 * Officials' signing certificates (profile `official`, ETSI EN 319 412-2 natural person), issued by the issuing CA
 * of the official's own country, with the subject the platform vouches for: CN = display name, O = agency (English
 * name), C = country, e-mail in subjectAltName. A CSR's own subject is ignored; only its key is certified.
 *
 * Two ways to hold the key:
 * - `platform`: generated in the platform's key store (signing-keys.ts), `key_ref` names it;
 * - `device`: the official's CSR (smart card, browser, HSM of their own); the key never reaches the platform and
 *   `key_ref` is null.
 *
 * Crash at each step (platform mode): the key is made durable, then the certificate is issued (durable in the
 * trust store), then the row is committed. A crash before the commit leaves a key named for an unused `<n>` (the
 * retry's key replaces a software file of the same name; a token object is left orphaned, its id named nowhere) and,
 * after issuance, an issued certificate that nobody holds: it appears in the CA's public directory and can be
 * revoked there. The row is never committed without its certificate and key.
 */
import type { KeyType } from "@khatam/core/keys";
import { InvalidCertificationRequestError, type IssuedCertificate, type SubjectFields } from "@khatam/core/pki";
import { Certificate } from "@khatam/core/x509";
import type { Db, Tx } from "../db/connect.js";
import type { KeyRef, Multilingual } from "../db/schema.js";
import { HttpError } from "../http/errors.js";
import type { KeyStore } from "../trust/keys.js";
import { type TrustStore, TrustStoreError } from "../trust/store.js";
import { toKeyRef } from "./signing-keys.js";
import * as tenancy from "./store.js";

export type KeyHolder =
  | { readonly mode: "platform"; readonly keyType?: KeyType }
  | { readonly mode: "device"; readonly csrPem: string };

export interface IssueForUserOptions {
  readonly db: Db;
  readonly store: TrustStore;
  readonly keyStore: KeyStore;
  readonly userId: string;
  readonly holder: KeyHolder;
}

/** The new `signing_certificates` row. */
export interface IssuedSigningCertificate {
  readonly id: string;
  readonly caId: string;
  readonly serial: string;
  readonly subject: string;
  readonly notAfter: Date;
  readonly der: Uint8Array;
  readonly keyRef: KeyRef | null;
}

/** Issues an `official` certificate to user `userId` (an official) from their country's CA (see module comment). */
export function issueCertificateForUser(options: IssueForUserOptions): Promise<IssuedSigningCertificate> {
  return options.db.transaction().execute((tx) => issueCertificateInTransaction(tx, options));
}

/** {@link issueCertificateForUser} inside the caller's transaction (the demo seed). */
export async function issueCertificateInTransaction(
  tx: Tx,
  options: Omit<IssueForUserOptions, "db">,
): Promise<IssuedSigningCertificate> {
  const { store, keyStore, userId, holder } = options;
  {
    // The row lock serialises issuances for one user, so `<n>` is never taken twice.
    const user = await tenancy.lockCertificateHolder(tx, userId);
    if (!user) throw new HttpError(404, "not_found", "no such user");
    if (user.role !== "official") {
      throw new HttpError(409, "not_a_signer", `only officials sign; this user is a ${user.role}`);
    }
    if (user.disabled) throw new HttpError(409, "user_disabled", "the user is disabled");
    const subject: SubjectFields = {
      country: user.iso_code,
      organization: (user.names as Multilingual).en,
      commonName: user.display_name,
      email: user.email,
    };
    let issued: IssuedCertificate;
    let keyRef: KeyRef | null = null;
    try {
      if (holder.mode === "platform") {
        const count = await tenancy.certificateCount(tx, userId);
        const { key, reference } = await keyStore.createNamed(`user-${userId}-${count + 1}`, holder.keyType ?? "P-256");
        keyRef = toKeyRef(reference);
        issued = await store.issue(user.ca_id, "official", { spki: key.signer.publicKeySpki, subject });
      } else {
        issued = await store.issue(user.ca_id, "official", { csr: holder.csrPem, subject });
      }
    } catch (error) {
      if (error instanceof InvalidCertificationRequestError) throw new HttpError(400, "invalid_csr", error.message);
      if (error instanceof TrustStoreError) throw new HttpError(409, error.code, error.message);
      throw error;
    }
    const rfc4514 = Certificate.fromDer(issued.der).subject;
    const id = crypto.randomUUID();
    await tenancy.insertSigningCertificate(tx, {
      id,
      user_id: userId,
      agency_id: user.agency_id,
      ca_id: user.ca_id,
      serial: issued.serial,
      profile: "official",
      subject: rfc4514,
      not_after: issued.notAfter,
      der: issued.der,
      keyRef,
    });
    return {
      id,
      caId: user.ca_id,
      serial: issued.serial,
      subject: rfc4514,
      notAfter: issued.notAfter,
      der: issued.der,
      keyRef,
    };
  }
}
