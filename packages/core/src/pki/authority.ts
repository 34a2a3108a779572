/**
 * Certificate authorities: the self-signed root, issuing CAs, end-entity certificates for a public key or a
 * PKCS#10 request, and cross-certificates between countries' CAs (the bridge model of RFC 4158 § 1.5.2).
 *
 * A CA is its certificate plus a {@link Signer}; nothing here touches the private key.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import type { Name } from "@peculiar/asn1-x509";
import { equalBytes } from "../crypto/bytes.js";
import type { Signer } from "../keys/signer.js";
import { Certificate } from "../x509/certificate.js";
import {
  buildName,
  nameFromDer,
  randomSerialNumber,
  type SubjectFields,
  serialHex,
  signCertificate,
} from "./certificate.js";
import { verifyCertificationRequest } from "./csr.js";
import { addYears, type CertificateProfile, DEFAULT_VALIDITY_YEARS, profileExtensions } from "./profiles.js";

/** A CA able to issue: its certificate, the signer over its key, and where its services are published. */
export interface CertificateAuthority {
  /** Short id used in URLs, e.g. `jp` (the issuing CA) or `jp-root`. */
  readonly id: string;
  /** The CA's certificate (DER). */
  readonly certificate: Uint8Array;
  /** Signs with the CA's private key, wherever it lives. */
  readonly signer: Signer;
  /** Base URL written into the AIA and CRL DP of certificates this CA issues, e.g. `https://khatam.example`. */
  readonly publicUrl: string;
}

/** A certificate just issued. */
export interface IssuedCertificate {
  /** DER certificate. */
  readonly der: Uint8Array;
  /** Serial number as lower-case hex ({@link serialHex}). */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** When a certificate is valid: by default from `now` for the profile's {@link DEFAULT_VALIDITY_YEARS}. */
export interface ValidityOptions {
  /** Issuance time (default: the current time). Certificate times have whole seconds. */
  readonly now?: Date;
  /** Lifetime in years, overriding the profile default. */
  readonly years?: number;
  /** Explicit end, overriding `years`. Still cut at the issuer's notAfter. */
  readonly notAfter?: Date;
}

/** The key to certify: a DER SubjectPublicKeyInfo, a public KeyObject, or a PKCS#10 request (DER or PEM). */
export type SubjectKey = { readonly spki: Uint8Array | KeyObject } | { readonly csr: Uint8Array | string };

/** What to put in a certificate a CA issues. */
export type IssueRequest = SubjectKey &
  ValidityOptions & {
    readonly profile: CertificateProfile;
    /** The subject; for a CSR, omit it to use the subject the requester asked for. */
    readonly subject?: SubjectFields;
    /** basicConstraints pathLenConstraint for CA profiles. */
    readonly pathLength?: number;
  };

/**
 * Creates a self-signed root CA certificate (RFC 5280 § 3.2, § 6.1: a trust anchor), 20 years by default.
 * Its issuer equals its subject and its AKI its SKI, which is how path builders recognise it.
 */
export async function createRootCertificate(
  options: { subject: SubjectFields; signer: Signer } & ValidityOptions,
): Promise<IssuedCertificate> {
  return createSelfSignedCertificate({ ...options, profile: "root-ca" });
}

/**
 * A self-signed certificate of `profile`: a root CA, or a trusted-list signer (ETSI TS 119 612 § 5.7.1), whose
 * trust comes from relying parties holding the certificate itself rather than from a path to a CA.
 */
export async function createSelfSignedCertificate(
  options: { subject: SubjectFields; signer: Signer; profile: "root-ca" | "tl-signer" } & ValidityOptions,
): Promise<IssuedCertificate> {
  const subject = buildName(options.subject);
  const { notBefore, notAfter } = validityPeriod(options.profile, options);
  const spki = options.signer.publicKeySpki;
  const serialNumber = randomSerialNumber();
  const der = await signCertificate(
    {
      serialNumber,
      issuer: subject,
      subject,
      notBefore,
      notAfter,
      subjectPublicKeyInfo: spki,
      extensions: profileExtensions(options.profile, { subjectSpki: spki, issuerSpki: spki, pathLength: undefined }),
    },
    options.signer,
  );
  return { der, serial: serialHex(serialNumber), notBefore, notAfter };
}

/**
 * Issues a certificate under `issuer` (RFC 5280 § 4.1): an issuing CA, an end entity, or a cross-certificate.
 * For a CSR the self-signature is verified first (throws InvalidCertificationRequestError). The validity is cut
 * at the issuer's notAfter, because a certificate cannot outlive the CA that vouches for it (§ 6.1.3 (a)(2)).
 */
export async function issueCertificate(
  issuer: CertificateAuthority,
  request: IssueRequest,
): Promise<IssuedCertificate> {
  let spki: Uint8Array;
  let subject: Name;
  if ("csr" in request) {
    const verified = verifyCertificationRequest(request.csr);
    spki = verified.subjectPublicKeyInfo;
    subject = request.subject ? buildName(request.subject) : verified.subject;
  } else {
    spki = spkiBytes(request.spki);
    if (!request.subject) throw new Error("a subject is required when certifying a bare public key");
    subject = buildName(request.subject);
  }
  return issueFor(issuer, request.profile, subject, spki, request, request.subject?.email, request.pathLength);
}

/**
 * Cross-certifies another country's CA (RFC 5280 § 3.2, RFC 4158 § 1.5.2): a CA certificate with that CA's
 * subject and public key, issued by `issuer`. A relying party that trusts `issuer`'s root can then build a path to
 * the foreign CA's certificates. The foreign CA's pathLenConstraint is kept unless `pathLength` is given.
 */
export async function crossCertify(
  issuer: CertificateAuthority,
  foreignCaCertificate: Uint8Array,
  options: ValidityOptions & { pathLength?: number } = {},
): Promise<IssuedCertificate> {
  const foreign = Certificate.fromDer(foreignCaCertificate);
  const basic = foreign.basicConstraints;
  if (!basic?.ca) throw new Error("only a CA certificate can be cross-certified");
  const pathLength = options.pathLength ?? basic.pathLength;
  return issueFor(issuer, "cross-ca", nameFromDer(foreign.subjectDer), foreign.spki, options, undefined, pathLength);
}

async function issueFor(
  issuer: CertificateAuthority,
  profile: CertificateProfile,
  subject: Name,
  spki: Uint8Array,
  validity: ValidityOptions,
  email: string | undefined,
  pathLength: number | undefined,
): Promise<IssuedCertificate> {
  if (profile === "root-ca" || profile === "tl-signer") {
    throw new Error(`a ${profile} certificate is self-signed: use createSelfSignedCertificate`);
  }
  const issuerCert = Certificate.fromDer(issuer.certificate);
  const issuerSpki = issuerCert.spki;
  if (!equalBytes(issuerSpki, issuer.signer.publicKeySpki)) {
    throw new Error(`the signer of CA ${issuer.id} does not hold the key of its certificate`);
  }
  const issuerNotAfter = issuerCert.notAfter;
  const period = validityPeriod(profile, validity);
  if (period.notBefore >= issuerNotAfter) throw new Error(`CA ${issuer.id} has expired`);
  const notAfter = new Date(Math.min(period.notAfter.getTime(), issuerNotAfter.getTime()));
  const serialNumber = randomSerialNumber();
  const der = await signCertificate(
    {
      serialNumber,
      issuer: nameFromDer(issuerCert.subjectDer),
      subject,
      notBefore: period.notBefore,
      notAfter,
      subjectPublicKeyInfo: spki,
      extensions: profileExtensions(profile, {
        subjectSpki: spki,
        issuerSpki,
        publicUrl: issuer.publicUrl,
        caId: issuer.id,
        email,
        pathLength,
      }),
    },
    issuer.signer,
  );
  return { der, serial: serialHex(serialNumber), notBefore: period.notBefore, notAfter };
}

function validityPeriod(profile: CertificateProfile, options: ValidityOptions): { notBefore: Date; notAfter: Date } {
  const notBefore = wholeSeconds(options.now ?? new Date());
  const notAfter = wholeSeconds(
    options.notAfter ?? addYears(notBefore, options.years ?? DEFAULT_VALIDITY_YEARS[profile]),
  );
  if (notAfter <= notBefore) throw new Error("notAfter must be later than the issuance time");
  return { notBefore, notAfter };
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function spkiBytes(key: Uint8Array | KeyObject): Uint8Array {
  if (key instanceof Uint8Array) return key;
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
}
