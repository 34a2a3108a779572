/**
 * The CMS SignedData of a signature or a time-stamp token (RFC 5652 § 5), read once into plain data for the
 * checks, tolerating BER (indefinite lengths, constructed OCTET STRINGs) as other producers write it.
 *
 *   ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
 *   SignedData ::= SEQUENCE { version, digestAlgorithms SET OF, encapContentInfo EncapsulatedContentInfo,
 *                             certificates [0] IMPLICIT CertificateSet OPTIONAL,
 *                             crls [1] IMPLICIT RevocationInfoChoices OPTIONAL, signerInfos SET OF SignerInfo }
 *   SignerInfo ::= SEQUENCE { version, sid SignerIdentifier, digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL,
 *                             signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL }
 */
import { OID } from "../cms/signed-data.js";
import { algorithmId } from "../x509/certificate.js";
import {
  AsnStructureError,
  asSetOf,
  type BerNode,
  expect,
  integerHex,
  isContext,
  isUniversal,
  octetsOf,
  oidOf,
  parseBer,
  toHex,
  UNIVERSAL,
} from "./ber.js";
import type { AlgorithmId } from "./crypto.js";

/** The CMS object identifiers, from their one table. */
export const CMS_OID = OID;

/** Attribute ::= SEQUENCE { attrType OID, attrValues SET OF AttributeValue } (RFC 5652 § 5.3). */
export interface CmsAttribute {
  readonly oid: string;
  readonly values: readonly BerNode[];
}

/** SignerIdentifier (RFC 5652 § 5.3): issuer and serial, or a subject key identifier. */
export type SignerIdentifier =
  | { readonly kind: "issuerAndSerialNumber"; readonly issuer: Uint8Array; readonly serial: string }
  | { readonly kind: "subjectKeyIdentifier"; readonly keyIdentifier: string };

export interface SignerInfoData {
  readonly sid: SignerIdentifier;
  readonly digestAlgorithm: AlgorithmId;
  /** The signed attributes re-tagged as SET OF, byte for byte otherwise: what the signature covers. */
  readonly signedAttributesDer?: Uint8Array;
  readonly signedAttributes: readonly CmsAttribute[];
  readonly signatureAlgorithm: AlgorithmId;
  readonly signature: Uint8Array;
  readonly unsignedAttributes: readonly CmsAttribute[];
}

export interface SignedDataContent {
  readonly version: number;
  readonly eContentType: string;
  /** The encapsulated content; undefined for a detached signature. */
  readonly eContent?: Uint8Array;
  /** Certificates (DER) from the CertificateSet; other certificate formats are skipped. */
  readonly certificates: readonly Uint8Array[];
  /** CRLs (DER) from RevocationInfoChoices. */
  readonly crls: readonly Uint8Array[];
  /** OCSP responses carried as OtherRevocationInfoFormat id-ri-ocsp-response (RFC 5940 § 2.1). */
  readonly ocspResponses: readonly Uint8Array[];
  readonly signerInfos: readonly SignerInfoData[];
}

/** Reads a ContentInfo holding SignedData; throws {@link AsnStructureError} with a plain message otherwise. */
export function parseSignedData(bytes: Uint8Array): SignedDataContent {
  const contentInfo = expect(parseBer(bytes, "the CMS ContentInfo"), UNIVERSAL.SEQUENCE, "ContentInfo");
  const [type, explicit] = contentInfo.children;
  if (oidOf(type, "contentType") !== CMS_OID.signedData) {
    throw new AsnStructureError("the CMS ContentInfo does not hold SignedData");
  }
  if (!isContext(explicit, 0)) throw new AsnStructureError("the CMS ContentInfo has no content");
  const fields = expect(explicit.children[0], UNIVERSAL.SEQUENCE, "SignedData").children;
  const [version, digestAlgorithms, encap, ...rest] = fields;
  expect(digestAlgorithms, UNIVERSAL.SET, "SignedData digestAlgorithms");
  const encapFields = expect(encap, UNIVERSAL.SEQUENCE, "encapContentInfo").children;
  const eContentType = oidOf(encapFields[0], "eContentType");
  const eContentNode = encapFields[1];
  const eContent = isContext(eContentNode, 0) ? octetsOf(eContentNode.children[0], "eContent") : undefined;
  const certificates: Uint8Array[] = [];
  const crls: Uint8Array[] = [];
  const ocspResponses: Uint8Array[] = [];
  let signerInfosNode: BerNode | undefined;
  for (const node of rest) {
    if (isContext(node, 0)) {
      for (const c of node.children) if (isUniversal(c, UNIVERSAL.SEQUENCE)) certificates.push(c.raw);
    } else if (isContext(node, 1)) {
      for (const c of node.children) {
        if (isUniversal(c, UNIVERSAL.SEQUENCE)) crls.push(c.raw);
        else if (isContext(c, 1) && c.children.length === 2 && oidOf(c.children[0]) === CMS_OID.ocspResponseRevInfo) {
          ocspResponses.push(c.children[1]!.raw);
        }
      }
    } else if (isUniversal(node, UNIVERSAL.SET)) {
      signerInfosNode = node;
    }
  }
  if (!signerInfosNode) throw new AsnStructureError("SignedData has no signerInfos");
  return {
    version: Number.parseInt(integerHex(version, "SignedData version"), 16),
    eContentType,
    eContent,
    certificates,
    crls,
    ocspResponses,
    signerInfos: signerInfosNode.children.map(parseSignerInfo),
  };
}

function parseSignerInfo(node: BerNode): SignerInfoData {
  const f = expect(node, UNIVERSAL.SEQUENCE, "SignerInfo").children;
  let i = 1; // skip version
  const sidNode = f[i++];
  let sid: SignerIdentifier;
  if (isUniversal(sidNode, UNIVERSAL.SEQUENCE)) {
    const [issuer, serial] = sidNode.children;
    sid = {
      kind: "issuerAndSerialNumber",
      issuer: expect(issuer, UNIVERSAL.SEQUENCE, "sid issuer").raw,
      serial: integerHex(serial, "sid serialNumber"),
    };
  } else if (isContext(sidNode, 0)) {
    const ski = sidNode.constructed ? octetsOf(sidNode.children[0]) : sidNode.content;
    sid = { kind: "subjectKeyIdentifier", keyIdentifier: toHex(ski) };
  } else {
    throw new AsnStructureError("SignerInfo has no signer identifier");
  }
  const digestAlgorithm = algorithmId(f[i++]);
  let signedAttributesDer: Uint8Array | undefined;
  let signedAttributes: CmsAttribute[] = [];
  if (isContext(f[i], 0)) {
    signedAttributesDer = asSetOf(f[i]!);
    signedAttributes = attributes(f[i++]!);
  }
  const signatureAlgorithm = algorithmId(f[i++]);
  const signature = octetsOf(f[i++], "SignerInfo signature");
  const unsignedAttributes = isContext(f[i], 1) ? attributes(f[i]!) : [];
  return {
    sid,
    digestAlgorithm,
    signedAttributesDer,
    signedAttributes,
    signatureAlgorithm,
    signature,
    unsignedAttributes,
  };
}

function attributes(node: BerNode): CmsAttribute[] {
  return node.children.map((a) => {
    const [type, values] = expect(a, UNIVERSAL.SEQUENCE, "Attribute").children;
    return { oid: oidOf(type, "attribute type"), values: expect(values, UNIVERSAL.SET, "attribute values").children };
  });
}

/** The values of an attribute, or undefined when the attribute is absent. */
export function attributeValues(list: readonly CmsAttribute[], oid: string): readonly BerNode[] | undefined {
  return list.find((a) => a.oid === oid)?.values;
}
