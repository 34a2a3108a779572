/**
 * A country's trust services in one in-memory object: root CA, issuing CA, time-stamp authority and delegated
 * OCSP responder, with the certificate records that the CRL and OCSP answers are drawn from.
 *
 * Durability: none. Every record lives in this object; the server wraps it with storage later. Concurrency:
 * `issue` and `revoke` only touch a Map synchronously after the signature is made, so concurrent calls are safe
 * within one process.
 */
import type { KeyObject } from "node:crypto";
import type { Signer } from "../keys/signer.js";
import { generateKey, type KeyType, softwareSigner } from "../keys/software.js";
import {
  type CertificateAuthority,
  createRootCertificate,
  crossCertify,
  type IssuedCertificate,
  issueCertificate,
  type SubjectKey,
  type ValidityOptions,
} from "./authority.js";
import type { SubjectFields } from "./certificate.js";
import { buildCrl, type RevocationReason, type RevokedEntry } from "./crl.js";
import { type CertificateStatus, createOcspResponder, type OcspResponder } from "./ocsp.js";
import type { EndEntityProfile } from "./profiles.js";
import { respondTimeStamp } from "./tsa.js";

/** The roles that hold a key. */
export type TrustServiceRole = "root" | "issuing" | "tsa" | "ocsp";

/** A key for a role: its signer and, for software keys, the private key (absent for PKCS#11). */
export interface RoleKey {
  readonly signer: Signer;
  readonly privateKey?: KeyObject;
}

/** One trust service's identity: its certificate and the key behind it. */
export interface TrustServiceIdentity extends RoleKey {
  /** DER certificate. */
  readonly certificate: Uint8Array;
  /** Serial number (hex). */
  readonly serial: string;
}

/** How to create a national PKI. */
export interface NationalPkiOptions {
  /** CA id used in URLs, e.g. `jp`. */
  readonly id: string;
  /** ISO 3166 country code, e.g. `JP`. */
  readonly country: string;
  /** The operating organisation, e.g. `Digital Agency`. */
  readonly organization: string;
  /** Key type of software keys (default P-256). */
  readonly keyType?: KeyType;
  /** Base URL written into certificates, e.g. `https://khatam.example`. */
  readonly publicUrl: string;
  /** Creation time (default: now). */
  readonly now?: Date;
  /** Supplies each role's key (e.g. from a PKCS#11 token); default: a fresh software key of `keyType`. */
  readonly keyFor?: (role: TrustServiceRole) => Promise<RoleKey>;
}

/** A certificate the issuing CA has issued, with its revocation state. */
export interface CertificateRecord extends IssuedCertificate {
  readonly profile: EndEntityProfile;
  revoked?: { readonly at: Date; readonly reason: RevocationReason };
}

/** A country's trust services (see module comment). */
export interface NationalPki {
  readonly id: string;
  readonly country: string;
  /** The operating organisation. */
  readonly organization: string;
  /** The number of the last CRL {@link crl} made (0 before the first); a store persists it (RFC 5280 § 5.2.3). */
  readonly crlNumber: number;
  readonly root: TrustServiceIdentity;
  readonly issuing: TrustServiceIdentity;
  readonly tsa: TrustServiceIdentity;
  readonly ocsp: TrustServiceIdentity;
  /** The issuing CA as {@link issueCertificate} takes it. */
  readonly issuingCa: CertificateAuthority;
  /** Issues an end-entity certificate from the issuing CA; `country` defaults to this PKI's. */
  issue(
    profile: EndEntityProfile,
    request: SubjectKey & ValidityOptions & { subject?: SubjectFields },
  ): Promise<IssuedCertificate>;
  /** Revokes a certificate this PKI issued (RFC 5280 § 3.3); throws for an unknown serial. */
  revoke(serial: string, reason?: RevocationReason, at?: Date): void;
  /** The status OCSP reports for a serial. */
  status(serial: string): CertificateStatus;
  /** Every certificate the issuing CA issued. */
  certificates(): readonly CertificateRecord[];
  /** A fresh CRL of the issuing CA (DER), with the next CRL number. */
  crl(options?: { now?: Date; nextUpdate?: Date }): Promise<Uint8Array>;
  /** Answers a DER OCSPRequest through the delegated responder. */
  ocspRespond(requestDer: Uint8Array, now?: Date): Promise<Uint8Array>;
  /** Answers a DER TimeStampReq. */
  timestamp(requestDer: Uint8Array, now?: Date): Promise<Uint8Array>;
  /** Cross-certifies another country's CA under this root (the bridge model). */
  crossCertify(
    foreignCaCertificate: Uint8Array,
    options?: ValidityOptions & { pathLength?: number },
  ): Promise<IssuedCertificate>;
}

/**
 * Creates a national PKI: a root CA (20 years), an issuing CA under it (10 years, pathLen 0), a TSA (10 years)
 * and an OCSP responder (1 year) under the issuing CA.
 */
export async function createNationalPki(options: NationalPkiOptions): Promise<NationalPki> {
  const keyFor =
    options.keyFor ??
    (async () => {
      const { privateKey } = await generateKey(options.keyType ?? "P-256");
      return { signer: softwareSigner(privateKey), privateKey };
    });
  const [rootKey, issuingKey, tsaKey, ocspKey] = await Promise.all(
    (["root", "issuing", "tsa", "ocsp"] as const).map((role) => keyFor(role)),
  );
  const now = options.now;
  const base = { country: options.country, organization: options.organization };

  const rootCert = await createRootCertificate({
    subject: { ...base, commonName: `${options.organization} Root CA` },
    signer: rootKey!.signer,
    now,
  });
  const rootCa: CertificateAuthority = {
    id: `${options.id}-root`,
    certificate: rootCert.der,
    signer: rootKey!.signer,
    publicUrl: options.publicUrl,
  };
  const issuingCert = await issueCertificate(rootCa, {
    profile: "issuing-ca",
    subject: { ...base, commonName: `${options.organization} Issuing CA` },
    spki: issuingKey!.signer.publicKeySpki,
    now,
  });
  const issuingCa: CertificateAuthority = {
    id: options.id,
    certificate: issuingCert.der,
    signer: issuingKey!.signer,
    publicUrl: options.publicUrl,
  };
  const tsaCert = await issueCertificate(issuingCa, {
    profile: "tsa",
    subject: { ...base, commonName: `${options.organization} Time-Stamping Authority` },
    spki: tsaKey!.signer.publicKeySpki,
    now,
  });
  const ocspCert = await issueCertificate(issuingCa, {
    profile: "ocsp",
    subject: { ...base, commonName: `${options.organization} OCSP Responder` },
    spki: ocspKey!.signer.publicKeySpki,
    now,
  });

  return assembleNationalPki({
    id: options.id,
    country: options.country,
    organization: options.organization,
    rootCa,
    issuingCa,
    certificates: { root: rootCert, issuing: issuingCert, tsa: tsaCert, ocsp: ocspCert },
    keys: { root: rootKey!, issuing: issuingKey!, tsa: tsaKey!, ocsp: ocspKey! },
    records: [
      { ...tsaCert, profile: "tsa" },
      { ...ocspCert, profile: "ocsp" },
    ],
    crlNumber: 0,
  });
}

/** Everything a national PKI is made of; {@link createNationalPki} makes it, a store restores it. */
export interface NationalPkiParts {
  readonly id: string;
  readonly country: string;
  readonly organization: string;
  /** The root CA (its `publicUrl` is the one cross-certificates carry). */
  readonly rootCa: CertificateAuthority;
  /** The issuing CA (its `publicUrl` goes into the AIA and CRL DP of what it issues). */
  readonly issuingCa: CertificateAuthority;
  readonly certificates: Readonly<Record<TrustServiceRole, IssuedCertificate>>;
  readonly keys: Readonly<Record<TrustServiceRole, RoleKey>>;
  /** The issuing CA's records, with their revocation state. */
  readonly records: readonly CertificateRecord[];
  /** The last CRL number used. */
  readonly crlNumber: number;
}

/** Builds the {@link NationalPki} object over existing certificates, keys and records (no key is generated). */
export function assembleNationalPki(parts: NationalPkiParts): NationalPki {
  const { rootCa, issuingCa } = parts;
  const { tsa: tsaCert, ocsp: ocspCert } = parts.certificates;
  const { tsa: tsaKey, ocsp: ocspKey } = parts.keys;
  const records = new Map<string, CertificateRecord>();
  for (const record of parts.records) records.set(normalise(record.serial), { ...record });
  let crlNumber = parts.crlNumber;
  let ocspResponder: OcspResponder | undefined;
  const options = { id: parts.id, country: parts.country };

  const identity = (cert: IssuedCertificate, key: RoleKey): TrustServiceIdentity => ({
    certificate: cert.der,
    serial: cert.serial,
    signer: key.signer,
    privateKey: key.privateKey,
  });
  const status = (serial: string): CertificateStatus => {
    const record = records.get(normalise(serial));
    if (!record) return { status: "unknown" };
    if (record.revoked) return { status: "revoked", revokedAt: record.revoked.at, reason: record.revoked.reason };
    return { status: "good" };
  };

  return {
    id: parts.id,
    country: parts.country,
    organization: parts.organization,
    get crlNumber() {
      return crlNumber;
    },
    root: identity(parts.certificates.root, parts.keys.root),
    issuing: identity(parts.certificates.issuing, parts.keys.issuing),
    tsa: identity(tsaCert, tsaKey),
    ocsp: identity(ocspCert, ocspKey),
    issuingCa,
    async issue(profile, request) {
      const subject = request.subject && { country: options.country, ...request.subject };
      const issued = await issueCertificate(issuingCa, { ...request, profile, subject });
      records.set(issued.serial, { ...issued, profile });
      return issued;
    },
    revoke(serial, reason = "unspecified", at = new Date()) {
      const record = records.get(normalise(serial));
      if (!record) throw new Error(`CA ${options.id} has not issued a certificate with serial ${serial}`);
      // Revocation is final (RFC 5280 § 3.3); a second call keeps the first date and reason.
      record.revoked ??= { at: new Date(Math.floor(at.getTime() / 1000) * 1000), reason };
    },
    status,
    certificates: () => [...records.values()],
    async crl(crlOptions = {}) {
      const revoked: RevokedEntry[] = [...records.values()]
        .filter((r) => r.revoked)
        .map((r) => ({ serial: r.serial, revokedAt: r.revoked!.at, reason: r.revoked!.reason }));
      crlNumber += 1;
      return buildCrl(issuingCa.certificate, issuingCa.signer, revoked, {
        crlNumber,
        thisUpdate: crlOptions.now,
        nextUpdate: crlOptions.nextUpdate,
      });
    },
    ocspRespond(requestDer, at) {
      // The certificates and key of this PKI never change, so one responder serves every request.
      ocspResponder ??= createOcspResponder({
        caCertificate: issuingCa.certificate,
        responderCertificate: ocspCert.der,
        signer: ocspKey.signer,
        lookup: status,
      });
      return ocspResponder.respond(requestDer, at);
    },
    timestamp(requestDer, at) {
      return respondTimeStamp(requestDer, { certificate: tsaCert.der, signer: tsaKey.signer, now: at });
    },
    crossCertify(foreignCaCertificate, crossOptions) {
      return crossCertify(rootCa, foreignCaCertificate, crossOptions);
    },
  };
}

/** Serial keys are lower-case hex without leading zeros, whatever the caller typed. */
function normalise(serial: string): string {
  return (
    serial
      .toLowerCase()
      .replace(/^0x/, "")
      .replace(/[^0-9a-f]/g, "")
      .replace(/^(00)+(?=.)/, "") || "0"
  );
}
