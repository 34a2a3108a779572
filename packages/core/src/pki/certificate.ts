/**
 * Writing X.509 v3 certificates (RFC 5280 § 4): names, serial numbers, key identifiers, extensions and the signing
 * of a TBSCertificate through the abstract {@link Signer}, so that the issuing key may live in a PKCS#11 token.
 * Encoding goes through the ASN.1 schema library; reading a certificate is `x509/certificate.ts`, the library's one
 * reader, which this module uses too.
 */
import { createHash, randomBytes } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AttributeTypeAndValue,
  AttributeValue,
  Certificate as CertificateModel,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import type { Signer } from "../keys/signer.js";
import { bitStringBytes, parseBer } from "../validation/ber.js";
import {
  OID_COMMON_NAME,
  OID_COUNTRY,
  OID_ORGANIZATION,
  OID_ORGANIZATION_IDENTIFIER,
  OID_ORGANIZATIONAL_UNIT,
  OID_SERIAL_NUMBER,
} from "../x509/oids.js";
import { signatureAlgorithmIdentifier } from "./algorithms.js";

/** The subject of a certificate as the platform asks for it; the e-mail goes in subjectAltName (§ 4.2.1.6). */
export interface SubjectFields {
  /** C: ISO 3166 two-letter country code. */
  readonly country?: string;
  /** O */
  readonly organization?: string;
  /** OU */
  readonly organizationalUnit?: string;
  /** organizationIdentifier (ETSI EN 319 412-1 § 5.1.4), e.g. `NTRJP-1234567890123` for an agency seal. */
  readonly organizationIdentifier?: string;
  /** serialNumber: a person's or seal's stable identifier (ETSI EN 319 412-2 § 4.2.4). */
  readonly serialNumber?: string;
  /** CN */
  readonly commonName?: string;
  /** rfc822Name in subjectAltName; RFC 5280 § 4.1.2.6 deprecates emailAddress in the DN. */
  readonly email?: string;
}

/**
 * Builds a Name (RFC 5280 § 4.1.2.4), one attribute per RDN, most general first (C, O, OU, …, CN). Country and
 * serialNumber are PrintableString as X.520 requires; the rest UTF8String, which § 4.1.2.4 mandates for new names.
 */
export function buildName(fields: SubjectFields): Name {
  const rdns: RelativeDistinguishedName[] = [];
  const add = (type: string, value: string | undefined, printable = false) => {
    if (value === undefined || value === "") return;
    const attributeValue = new AttributeValue(printable ? { printableString: value } : { utf8String: value });
    rdns.push(new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: attributeValue })]));
  };
  if (fields.country !== undefined && !/^[A-Z]{2}$/.test(fields.country)) {
    throw new Error(`country must be an ISO 3166 two-letter code, not "${fields.country}"`);
  }
  add(OID_COUNTRY, fields.country, true);
  add(OID_ORGANIZATION, fields.organization);
  add(OID_ORGANIZATIONAL_UNIT, fields.organizationalUnit);
  add(OID_ORGANIZATION_IDENTIFIER, fields.organizationIdentifier);
  add(OID_SERIAL_NUMBER, fields.serialNumber, true);
  add(OID_COMMON_NAME, fields.commonName);
  if (rdns.length === 0) throw new Error("a subject needs at least one attribute");
  return new Name(rdns);
}

/**
 * A fresh certificate serial number: 16 random bytes, positive and without a leading zero byte, so that it is
 * exactly 16 octets in DER (RFC 5280 § 4.1.2.2 allows up to 20; unpredictable serials, CA/B BR § 7.1, defeat
 * chosen-prefix collisions).
 */
export function randomSerialNumber(): Uint8Array {
  const serial = new Uint8Array(randomBytes(16));
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}

/** A serial number as lower-case hex without leading zero bytes: the key the platform files certificates under. */
export function serialHex(serial: ArrayBuffer | Uint8Array): string {
  let bytes = new Uint8Array(serial);
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return Buffer.from(bytes).toString("hex");
}

/** The two's-complement INTEGER content octets for a serial given in hex (inverse of {@link serialHex}). */
export function serialFromHex(hex: string): Uint8Array {
  const clean = hex
    .toLowerCase()
    .replace(/^0x/, "")
    .replace(/[^0-9a-f]/g, "");
  const padded = clean.length % 2 ? `0${clean}` : clean;
  const bytes = Buffer.from(padded, "hex");
  return bytes[0]! & 0x80 ? new Uint8Array([0, ...bytes]) : new Uint8Array(bytes);
}

/**
 * Key identifier per RFC 5280 § 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value (without tag,
 * length and unused-bits octet) of a DER SubjectPublicKeyInfo. The same value identifies the key in OCSP
 * responderID byKey (RFC 6960 § 4.2.1).
 */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const subjectPublicKey = bitStringBytes(parseBer(spki, "SubjectPublicKeyInfo").children[1], "subjectPublicKey");
  return new Uint8Array(createHash("sha1").update(subjectPublicKey).digest());
}

/**
 * A Name (read from a certificate, e.g. `Certificate.subjectDer`) in the schema library's model, to be written
 * into a new structure: the issuer of a certificate or CRL, a TSA's name in TSTInfo.
 */
export function nameFromDer(der: Uint8Array): Name {
  return AsnConvert.parse(der, Name);
}

/** Wraps an extension value (RFC 5280 § 4.1: extnValue is the DER of the value, in an OCTET STRING). */
export function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** What goes into a TBSCertificate (RFC 5280 § 4.1.2); the signature field comes from the signer. */
export interface TbsCertificateFields {
  readonly serialNumber: Uint8Array;
  readonly issuer: Name;
  readonly subject: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly extensions: readonly Extension[];
}

/**
 * Builds the TBSCertificate, has `signer` sign its DER and returns the Certificate DER (RFC 5280 § 4.1.1).
 * The signature field inside the TBS and the outer signatureAlgorithm are the same value, as § 4.1.1.2 requires.
 */
export async function signCertificate(fields: TbsCertificateFields, signer: Signer): Promise<Uint8Array> {
  const signature = signatureAlgorithmIdentifier(signer.algorithm);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: fields.serialNumber.slice().buffer,
    signature,
    issuer: fields.issuer,
    validity: new Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: fields.subject,
    subjectPublicKeyInfo: AsnConvert.parse(fields.subjectPublicKeyInfo, SubjectPublicKeyInfo),
    extensions: new Extensions([...fields.extensions]),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const value = await signer.sign(tbsDer);
  const cert = new CertificateModel({
    tbsCertificate: tbs,
    signatureAlgorithm: signature,
    signatureValue: value.slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(cert));
}

export { toPem } from "../cms/pem-armour.js";

/** Reads the first PEM block with `label` (or any label), returning its DER. */
export function fromPem(pem: string, label?: string): Uint8Array {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!match || (label && match[1] !== label)) throw new Error(`no PEM ${label ?? ""} block found`.replace("  ", " "));
  return new Uint8Array(Buffer.from(match[2]!.replace(/\s+/g, ""), "base64"));
}
