/**
 * Format checking (ETSI EN 319 102-1 § 5.2.2, FC) of a PAdES signature's or time-stamp token's CMS: one
 * SignerInfo, detached content for a signature and an encapsulated TSTInfo for a token, signed attributes with
 * content-type and message-digest (RFC 5652 § 5.3, § 11), and the PAdES baseline rules of ETSI EN 319 142-1 § 6.3
 * on signing-time and signing-certificate(-v2). Failures yield FORMAT_FAILURE. A signature without signed attributes
 * passes (with a warning) unless its SubFilter is ETSI.CAdES.detached.
 */
import { isUniversal, oidOf, UNIVERSAL } from "./ber.js";
import { type Failure, failure } from "./checks.js";
import { type Message, message } from "./messages.js";
import { attributeValues, CMS_OID, type SignedDataContent, type SignerInfoData } from "./signed-data.js";

/** What the CMS is expected to be. */
export interface FormatExpectation {
  /** A PAdES signature (detached, id-data) or an RFC 3161 token (id-ct-TSTInfo encapsulated). */
  readonly kind: "signature" | "timestamp";
  /**
   * The signature dictionary's /SubFilter: `ETSI.CAdES.detached` makes signing-certificate(-v2) mandatory
   * (EN 319 142-1 § 6.3); for `adbe.pkcs7.detached` and unknown producers its absence is only a warning.
   */
  readonly subFilter?: string;
}

export interface FormatResult {
  readonly failure: Failure | null;
  readonly warnings: Message[];
  /** The one SignerInfo, when the structure allows going on. */
  readonly signerInfo?: SignerInfoData;
}

const fc = (m: Message): FormatResult => ({
  failure: failure("FC", "FORMAT_FAILURE", m),
  warnings: [],
});

export function checkFormat(sd: SignedDataContent, expected: FormatExpectation): FormatResult {
  const warnings: Message[] = [];
  if (sd.signerInfos.length !== 1) {
    return fc(message("fc.signerInfoCount", { count: sd.signerInfos.length }));
  }
  const si = sd.signerInfos[0]!;
  if (expected.kind === "signature") {
    if (sd.eContent !== undefined) return fc(message("fc.encapsulatedContent"));
    if (sd.eContentType !== CMS_OID.data) {
      return fc(message("fc.eContentType", { type: sd.eContentType }));
    }
  } else {
    if (sd.eContentType !== CMS_OID.tstInfo) return fc(message("fc.tokenNotTstInfo"));
    if (!sd.eContent) return fc(message("fc.tokenNoTstInfo"));
  }
  if (!si.signedAttributesDer) {
    // RFC 5652 § 5.4 allows a SignerInfo that signs the content directly; legacy adbe.pkcs7.detached producers
    // (old Acrobat, iText) write them. CAdES (ETSI.CAdES.detached) and time-stamp tokens require signed attributes.
    if (expected.kind === "signature" && expected.subFilter !== "ETSI.CAdES.detached") {
      warnings.push(message("fc.noSignedAttributesLegacy"));
      return { failure: null, warnings, signerInfo: si };
    }
    return fc(message("fc.noSignedAttributes"));
  }

  const contentType = attributeValues(si.signedAttributes, CMS_OID.contentType);
  if (contentType?.length !== 1 || !isUniversal(contentType[0], UNIVERSAL.OID)) {
    return fc(message("fc.contentTypeAttribute"));
  }
  if (oidOf(contentType[0]) !== sd.eContentType) {
    return fc(message("fc.contentTypeMismatch"));
  }
  const messageDigest = attributeValues(si.signedAttributes, CMS_OID.messageDigest);
  if (messageDigest?.length !== 1 || !isUniversal(messageDigest[0], UNIVERSAL.OCTET_STRING)) {
    return fc(message("fc.messageDigestAttribute"));
  }
  for (const oid of [CMS_OID.contentType, CMS_OID.messageDigest, CMS_OID.signingCertificateV2]) {
    if (si.signedAttributes.filter((a) => a.oid === oid).length > 1) {
      return fc(message("fc.duplicateAttribute", { oid }));
    }
  }
  if (expected.kind === "signature" && attributeValues(si.signedAttributes, CMS_OID.signingTime)) {
    // EN 319 142-1 § 6.3 (PAdES baseline): the signing-time attribute shall not be present; the time goes in /M.
    warnings.push(message("fc.signingTimeAttribute"));
  }
  const hasSigningCertificate =
    !!attributeValues(si.signedAttributes, CMS_OID.signingCertificateV2) ||
    !!attributeValues(si.signedAttributes, CMS_OID.signingCertificate);
  if (!hasSigningCertificate) {
    if (expected.kind === "signature" && expected.subFilter === "ETSI.CAdES.detached") {
      return fc(message("fc.signingCertificateRequired"));
    }
    warnings.push(message("fc.signingCertificateMissing"));
  }
  return { failure: null, warnings, signerInfo: si };
}
