/**
 * Identification of the signing certificate (ETSI EN 319 102-1 § 5.2.3, ISC): the certificate the SignerInfo's sid
 * names (RFC 5652 § 5.3), found among the CMS certificates and those the caller supplies (the PDF's DSS), and, when
 * the signer referenced it in a signed signing-certificate-v2 (RFC 5035) or signing-certificate (RFC 2634 § 5.4)
 * attribute, a match of that reference's hash and issuer/serial. Failures yield NO_SIGNING_CERTIFICATE_FOUND.
 */

import { algorithmId, type Certificate } from "../x509/certificate.js";
import { sameName } from "../x509/name.js";
import { type BerNode, equalBytes, expect, integerHex, isContext, isUniversal, octetsOf, UNIVERSAL } from "./ber.js";
import { type Failure, failure } from "./checks.js";
import { digest, type HashName, hashOfDigestOid } from "./crypto.js";
import { detailOf, type Message, message } from "./messages.js";
import { attributeValues, CMS_OID, type SignerIdentifier, type SignerInfoData } from "./signed-data.js";

export interface SigningCertificateResult {
  readonly failure: Failure | null;
  readonly certificate: Certificate | null;
}

const isc = (m: Message): SigningCertificateResult => ({
  failure: failure("ISC", "NO_SIGNING_CERTIFICATE_FOUND", m),
  certificate: null,
});

/** Whether `cert` is the one `sid` names. */
export function matchesSid(cert: Certificate, sid: SignerIdentifier): boolean {
  return sid.kind === "issuerAndSerialNumber"
    ? cert.serial === sid.serial && sameName(cert.issuerDer, sid.issuer)
    : cert.subjectKeyIdentifier === sid.keyIdentifier;
}

export function identifySigningCertificate(
  signerInfo: SignerInfoData,
  candidates: readonly Certificate[],
): SigningCertificateResult {
  const found = candidates.filter((c) => matchesSid(c, signerInfo.sid));
  if (found.length === 0) {
    return isc(
      signerInfo.sid.kind === "issuerAndSerialNumber"
        ? message("isc.notFoundBySerial", { serial: signerInfo.sid.serial })
        : message("isc.notFoundByKeyId", { keyId: signerInfo.sid.keyIdentifier }),
    );
  }
  const v2 = attributeValues(signerInfo.signedAttributes, CMS_OID.signingCertificateV2);
  const v1 = attributeValues(signerInfo.signedAttributes, CMS_OID.signingCertificate);
  const reference = v2 ?? v1;
  if (!reference) return { failure: null, certificate: found[0]! };
  let certId: EssCertId;
  try {
    certId = firstEssCertId(reference[0], v2 ? "SHA-256" : "SHA-1");
  } catch (e) {
    return isc(message("isc.attributeUnreadable", { detail: detailOf(e) }));
  }
  const matching = found.find((c) => equalBytes(digest(certId.hash, c.der), certId.certHash));
  if (!matching) {
    return isc(message("isc.hashMismatch"));
  }
  if (certId.issuerSerial) {
    const { issuer, serial } = certId.issuerSerial;
    if (serial !== matching.serial || (issuer && !sameName(issuer, matching.issuerDer))) {
      return isc(message("isc.issuerSerialMismatch"));
    }
  }
  return { failure: null, certificate: matching };
}

/** ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }. */
interface EssCertId {
  readonly hash: HashName;
  readonly certHash: Uint8Array;
  readonly issuerSerial?: { readonly issuer?: Uint8Array; readonly serial: string };
}

function firstEssCertId(value: BerNode | undefined, defaultHash: HashName): EssCertId {
  const certs = expect(
    expect(value, UNIVERSAL.SEQUENCE, "SigningCertificate").children[0],
    UNIVERSAL.SEQUENCE,
    "certs",
  );
  const fields = expect(certs.children[0], UNIVERSAL.SEQUENCE, "ESSCertID").children;
  let i = 0;
  let hash = defaultHash;
  if (isUniversal(fields[0], UNIVERSAL.SEQUENCE)) {
    const oid = algorithmId(fields[i++]).oid;
    const named = hashOfDigestOid(oid);
    if (!named) throw new Error(`unsupported hash ${oid}`);
    hash = named;
  }
  const certHash = octetsOf(fields[i++], "certHash");
  const issuerSerialNode = fields[i];
  if (!isUniversal(issuerSerialNode, UNIVERSAL.SEQUENCE)) return { hash, certHash };
  const [generalNames, serial] = issuerSerialNode.children;
  // GeneralNames with directoryName [4] EXPLICIT Name (RFC 5280 § 4.2.1.6).
  const directory = expect(generalNames, UNIVERSAL.SEQUENCE, "issuer").children.find((n) => isContext(n, 4));
  return { hash, certHash, issuerSerial: { issuer: directory?.children[0]?.raw, serial: integerHex(serial) } };
}
