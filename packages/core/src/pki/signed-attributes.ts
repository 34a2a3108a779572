/**
 * CMS signed attributes shared by the time-stamp authority and CAdES signing: content-type and message-digest
 * (RFC 5652 § 11.1, § 11.2), signing-certificate-v2 (RFC 5035 § 3), and their DER encoding as a SET OF.
 *
 *   SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies SEQUENCE OF PolicyInformation OPTIONAL }
 *   ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
 *                              certHash Hash, issuerSerial IssuerSerial OPTIONAL }
 *   IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
 */
import { createHash } from "node:crypto";
import { Attribute } from "@peculiar/asn1-cms";
import {
  AsnArray,
  AsnConvert,
  AsnIntegerArrayBufferConverter,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  OctetString,
} from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, GeneralName } from "@peculiar/asn1-x509";
import type { HashAlgorithm } from "../keys/signer.js";
import { digestAlgorithmIdentifier, nodeHashName } from "./algorithms.js";
import { parseCertificate } from "./certificate.js";

/** Attribute OIDs: id-contentType, id-messageDigest (RFC 5652 § 11), id-aa-signingCertificateV2 (RFC 5035 § 3). */
export const OID_CONTENT_TYPE = "1.2.840.113549.1.9.3";
export const OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
export const OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47";

/** IssuerSerial (RFC 5035 § 4). */
export class IssuerSerial {
  @AsnProp({ type: GeneralName, repeated: "sequence" })
  public issuer: GeneralName[] = [];

  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  public serialNumber = new ArrayBuffer(0);

  constructor(params: Partial<IssuerSerial> = {}) {
    Object.assign(this, params);
  }
}

/** ESSCertIDv2 (RFC 5035 § 4); hashAlgorithm is left out for SHA-256, its DEFAULT, as DER requires. */
export class EssCertIdV2 {
  @AsnProp({ type: AlgorithmIdentifier, optional: true })
  public hashAlgorithm?: AlgorithmIdentifier;

  @AsnProp({ type: OctetString })
  public certHash = new OctetString();

  @AsnProp({ type: IssuerSerial, optional: true })
  public issuerSerial?: IssuerSerial;

  constructor(params: Partial<EssCertIdV2> = {}) {
    Object.assign(this, params);
  }
}

/** SEQUENCE OF ESSCertIDv2. */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: EssCertIdV2 })
export class EssCertIdV2s extends AsnArray<EssCertIdV2> {
  constructor(items?: EssCertIdV2[]) {
    super(items);
    Object.setPrototypeOf(this, EssCertIdV2s.prototype);
  }
}

/** SigningCertificateV2 (RFC 5035 § 3); the optional policies are not used by us. */
export class SigningCertificateV2 {
  @AsnProp({ type: EssCertIdV2s })
  public certs = new EssCertIdV2s();

  constructor(params: Partial<SigningCertificateV2> = {}) {
    Object.assign(this, params);
  }
}

/** A CMS Attribute with one DER value. */
export function attribute(attrType: string, value: ArrayBuffer): Attribute {
  return new Attribute({ attrType, attrValues: [value] });
}

/** content-type attribute (RFC 5652 § 11.1). */
export function contentTypeAttribute(contentType: string): Attribute {
  return attribute(OID_CONTENT_TYPE, AsnConvert.serialize(new AsnObjectIdentifier(contentType)));
}

/** message-digest attribute (RFC 5652 § 11.2): the digest of the encapsulated (or detached) content. */
export function messageDigestAttribute(digest: Uint8Array): Attribute {
  return attribute(OID_MESSAGE_DIGEST, AsnConvert.serialize(new OctetString(digest)));
}

/**
 * signing-certificate-v2 attribute (RFC 5035 § 3) naming `certificate` by its hash and issuer/serial, which
 * binds the signer's certificate into the signature (required by RFC 5816 for time-stamp tokens with SHA-2 and by
 * ETSI EN 319 122-1 § 5.2.2.3 for CAdES).
 */
export function signingCertificateV2Attribute(certificate: Uint8Array, hash: HashAlgorithm = "SHA-256"): Attribute {
  const cert = parseCertificate(certificate);
  const id = new EssCertIdV2({
    hashAlgorithm: hash === "SHA-256" ? undefined : digestAlgorithmIdentifier(hash),
    certHash: new OctetString(createHash(nodeHashName(hash)).update(certificate).digest()),
    issuerSerial: new IssuerSerial({
      issuer: [new GeneralName({ directoryName: cert.tbsCertificate.issuer })],
      serialNumber: cert.tbsCertificate.serialNumber,
    }),
  });
  const value = new SigningCertificateV2({ certs: new EssCertIdV2s([id]) });
  return attribute(OID_SIGNING_CERTIFICATE_V2, AsnConvert.serialize(value));
}

/**
 * Puts attributes in DER order (X.690 § 11.6: a SET OF's elements sorted by their encodings as octet strings, the
 * shorter padded with trailing zeros) and returns them with the DER of the SET OF, the bytes a SignerInfo
 * signature covers (RFC 5652 § 5.4). The ASN.1 serializers keep the given order, so this sort is ours to do.
 */
export function derSortedAttributes(attributes: readonly Attribute[]): { sorted: Attribute[]; der: Uint8Array } {
  const encoded = attributes.map((a) => ({ a, der: new Uint8Array(AsnConvert.serialize(a)) }));
  encoded.sort((x, y) => compareDer(x.der, y.der));
  const body = Buffer.concat(encoded.map((e) => e.der));
  return {
    sorted: encoded.map((e) => e.a),
    der: new Uint8Array(Buffer.concat([Buffer.from([0x31]), derLength(body.length), body])),
  };
}

function compareDer(x: Uint8Array, y: Uint8Array): number {
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** An OBJECT IDENTIFIER as a standalone ASN.1 value (the content-type attribute's value). */
@AsnType({ type: AsnTypeTypes.Choice })
class AsnObjectIdentifier {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  public value: string;

  constructor(value = "") {
    this.value = value;
  }
}
