/**
 * CAdES signed data for PAdES (RFC 5652 § 5; ETSI EN 319 122-1 § 5.2; ETSI EN 319 142-1 § 5.1 and 6.3):
 * detached (no eContent), the signed attributes content-type, message-digest and signing-certificate-v2 in DER
 * order, no signing-time (PAdES puts the claimed time in the signature dictionary's /M), and the certificate chain.
 */

import { equalBytes } from "../crypto/bytes.js";
import type { Signer } from "../keys/signer.js";
import { Certificate } from "../x509/certificate.js";
import { digestAlgorithmDer, signatureAlgorithmDer } from "./algorithm-identifiers.js";
import { integer, octetString, oid, sequence, setOf, tlv } from "./der.js";
import { type HashName, sha } from "./hash.js";

/** Object identifiers of RFC 5652 § 11, RFC 5035 § 3, RFC 3161 App. A, RFC 5940 and Adobe's revocation archival. */
export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  /** id-aa-ets-contentTimestamp (ETSI EN 319 122-1 § 5.2.8): a time-stamp over the content, taken before signing. */
  contentTimeStamp: "1.2.840.113549.1.9.16.2.20",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  revocationInfoArchival: "1.2.840.113583.1.1.8",
  ocspResponseRevInfo: "1.3.6.1.5.5.7.16.2",
} as const;

/** Attribute ::= SEQUENCE { attrType OID, attrValues SET OF AttributeValue } (RFC 5652 § 5.3). */
export function attribute(type: string, ...values: Uint8Array[]): Uint8Array {
  return sequence(oid(type), setOf(values));
}

/**
 * SigningCertificateV2 (RFC 5035 § 3) with one ESSCertIDv2 naming the signer's certificate by hash and by
 * issuer and serial. The hash algorithm is omitted when it is SHA-256, its DEFAULT (DER forbids encoding defaults).
 */
export function signingCertificateV2(cert: Certificate, hash: HashName): Uint8Array {
  // The same signer signs document after document (a folder, a bulk issuance): the attribute depends only on the
  // certificate and the hash, so it is built once per pair (Certificate.fromDer returns one object per certificate).
  const byHash = essCertIds.get(cert) ?? new Map<HashName, Uint8Array>();
  essCertIds.set(cert, byHash);
  const value = byHash.get(hash) ?? essCertIdV2(cert, hash);
  byHash.set(hash, value);
  return value;
}

const essCertIds = new WeakMap<Certificate, Map<HashName, Uint8Array>>();

function essCertIdV2(cert: Certificate, hash: HashName): Uint8Array {
  const certHash = octetString(sha(hash, cert.der));
  // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber } with directoryName [4] EXPLICIT Name.
  const issuerSerial = sequence(sequence(tlv(0xa4, cert.issuerDer)), cert.serialNumberDer);
  const id =
    hash === "SHA-256" ? sequence(certHash, issuerSerial) : sequence(digestAlgorithmDer(hash), certHash, issuerSerial);
  return sequence(sequence(id));
}

export interface SignedDataOptions {
  /** Digest of the signed content (for PAdES: of the /ByteRange), computed with `signer.algorithm.hash`. */
  readonly contentDigest: Uint8Array;
  readonly signer: Signer;
  /** The signer's certificate (DER). */
  readonly certificate: Uint8Array;
  /** Further certificates to embed: issuing CAs, optionally the root (DER). */
  readonly chain?: readonly Uint8Array[];
  /** The eContentType; id-data for PAdES, id-ct-TSTInfo for a time-stamp token. */
  readonly contentType?: string;
  /** Encapsulated content (a TSTInfo); absent for detached signatures. */
  readonly content?: Uint8Array;
  /** Embed the certificates (default); a TSA leaves its own out unless the request asked (RFC 3161 § 2.4.1). */
  readonly includeCertificates?: boolean;
  /** Further signed attributes (DER Attribute SEQUENCEs). */
  readonly extraSignedAttributes?: readonly Uint8Array[];
}

/** The parts of a SignerInfo after signing, from which the ContentInfo is assembled (and re-assembled with a TST). */
export interface SignedParts {
  readonly options: SignedDataOptions;
  /** The signed attributes as the SET that was signed. */
  readonly signedAttributes: Uint8Array;
  /** The signature value. */
  readonly signature: Uint8Array;
}

/** Computes the signed attributes and the signature value over them (RFC 5652 § 5.4). */
export async function signAttributes(options: SignedDataOptions): Promise<SignedParts> {
  const signedAttributes = signedAttributesFor(options, options.signer.algorithm.hash);
  const signature = await options.signer.sign(signedAttributes);
  return { options, signedAttributes, signature };
}

/**
 * The signed attributes as the SET OF that is signed: content-type, message-digest, signing-certificate-v2 (and any
 * extra ones), in DER order. What an external signer (a browser, a remote HSM) is given to sign.
 */
export function signedAttributesFor(
  options: Omit<SignedDataOptions, "signer">,
  hash: Signer["algorithm"]["hash"],
): Uint8Array {
  const cert = Certificate.fromDer(options.certificate);
  return setOf([
    attribute(OID.contentType, oid(options.contentType ?? OID.data)),
    attribute(OID.messageDigest, octetString(options.contentDigest)),
    attribute(OID.signingCertificateV2, signingCertificateV2(cert, hash)),
    ...(options.extraSignedAttributes ?? []),
  ]);
}

/**
 * Assembles ContentInfo { id-signedData, SignedData } around signed parts, with optional unsigned attributes
 * (such as the signature time-stamp of PAdES B-T).
 */
export function assembleSignedData(parts: SignedParts, unsignedAttributes: readonly Uint8Array[] = []): Uint8Array {
  const { options, signedAttributes, signature } = parts;
  const cert = Certificate.fromDer(options.certificate);
  const hash = options.signer.algorithm.hash;
  const digestAlg = digestAlgorithmDer(hash);
  const certs = [options.certificate, ...(options.chain ?? [])];
  const unique = certs.filter((c, i) => certs.findIndex((d) => equalBytes(c, d)) === i);
  const signerInfo = sequence(
    integer(1),
    sequence(cert.issuerDer, cert.serialNumberDer), // sid: IssuerAndSerialNumber (version 1)
    digestAlg,
    tlv(0xa0, signedAttributes.subarray(headerLength(signedAttributes))), // [0] IMPLICIT SET
    signatureAlgorithmDer(options.signer.algorithm),
    octetString(signature),
    ...(unsignedAttributes.length ? [tlv(0xa1, ...sortedSetContent(unsignedAttributes))] : []),
  );
  const encap = options.content
    ? sequence(oid(options.contentType ?? OID.data), tlv(0xa0, octetString(options.content)))
    : sequence(oid(options.contentType ?? OID.data));
  const signedData = sequence(
    integer(options.contentType && options.contentType !== OID.data ? 3 : 1),
    setOf([digestAlg]),
    encap,
    ...(options.includeCertificates === false ? [] : [tlv(0xa0, ...unique)]), // [0] IMPLICIT CertificateSet
    setOf([signerInfo]),
  );
  return sequence(oid(OID.signedData), tlv(0xa0, signedData));
}

function sortedSetContent(elements: readonly Uint8Array[]): Uint8Array[] {
  const set = setOf([...elements]);
  return [set.subarray(headerLength(set))];
}

function headerLength(t: Uint8Array): number {
  return t[1]! & 0x80 ? 2 + (t[1]! & 0x7f) : 2;
}
