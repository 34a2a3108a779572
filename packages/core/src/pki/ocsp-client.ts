/**
 * The client side of revocation (RFC 6960 § 4.1 requests, RFC 5280 § 4.2.1.13 distribution points,
 * § 4.2.2.1 authority information access): asking the services a certificate names about its status, for
 * validation and for embedding the answers in a PDF's DSS (B-LT).
 */

import { CertID, OCSPRequest, OCSPResponse, OCSPResponseStatus, Request, TBSRequest } from "@peculiar/asn1-ocsp";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AuthorityInfoAccessSyntax,
  CRLDistributionPoints,
  id_ce_cRLDistributionPoints,
  id_pe_authorityInfoAccess,
} from "@peculiar/asn1-x509";
import { sha } from "../cms/hash.js";
import { digestAlgorithmIdentifier } from "./algorithms.js";
import { certificateSpki, findExtension, parseCertificate, parseSpki } from "./certificate.js";
import { OID_AD_CA_ISSUERS, OID_AD_OCSP } from "./profiles.js";

/** URLs the certificate names for OCSP (AIA id-ad-ocsp) and CRLs (CRL distribution points), http(s) only. */
export function revocationUrls(certDer: Uint8Array): { ocsp: string[]; crl: string[] } {
  const cert = parseCertificate(certDer);
  const ocsp: string[] = [];
  const crl: string[] = [];
  const aia = findExtension(cert, id_pe_authorityInfoAccess);
  if (aia) {
    for (const ad of AsnConvert.parse(aia.extnValue, AuthorityInfoAccessSyntax)) {
      const uri = ad.accessLocation.uniformResourceIdentifier;
      if (ad.accessMethod === OID_AD_OCSP && uri && /^https?:/i.test(uri)) ocsp.push(uri);
    }
  }
  const dp = findExtension(cert, id_ce_cRLDistributionPoints);
  if (dp) {
    for (const point of AsnConvert.parse(dp.extnValue, CRLDistributionPoints)) {
      for (const name of point.distributionPoint?.fullName ?? []) {
        const uri = name.uniformResourceIdentifier;
        if (uri && /^https?:/i.test(uri)) crl.push(uri);
      }
    }
  }
  return { ocsp, crl };
}

/** URLs of the certificate's issuer certificate (AIA id-ad-caIssuers, RFC 5280 § 4.2.2.1), http(s) only. */
export function caIssuersUrls(certDer: Uint8Array): string[] {
  const aia = findExtension(parseCertificate(certDer), id_pe_authorityInfoAccess);
  if (!aia) return [];
  const urls: string[] = [];
  for (const ad of AsnConvert.parse(aia.extnValue, AuthorityInfoAccessSyntax)) {
    const uri = ad.accessLocation.uniformResourceIdentifier;
    if (ad.accessMethod === OID_AD_CA_ISSUERS && uri && /^https?:/i.test(uri)) urls.push(uri);
  }
  return urls;
}

/** An OCSPRequest for one certificate, with a SHA-1 CertID (what every responder understands, § 4.3). */
export function ocspRequest(certDer: Uint8Array, issuerDer: Uint8Array): Uint8Array {
  const cert = parseCertificate(certDer);
  const issuer = parseCertificate(issuerDer);
  const issuerKey = new Uint8Array(parseSpki(certificateSpki(issuer)).subjectPublicKey);
  const certId = new CertID({
    hashAlgorithm: digestAlgorithmIdentifier("SHA-1"),
    issuerNameHash: new OctetString(sha("SHA-1", new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.issuer)))),
    issuerKeyHash: new OctetString(sha("SHA-1", issuerKey)),
    serialNumber: cert.tbsCertificate.serialNumber,
  });
  const req = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certId })] }) });
  return new Uint8Array(AsnConvert.serialize(req));
}

/** Fetches an OCSP response for `cert` from the first responder that answers `successful`; undefined if none. */
export async function fetchOcsp(
  certDer: Uint8Array,
  issuerDer: Uint8Array,
  fetchFn: typeof fetch,
  timeoutMs = 10_000,
): Promise<Uint8Array | undefined> {
  for (const url of revocationUrls(certDer).ocsp) {
    try {
      const res = await fetchFn(url, {
        method: "POST",
        headers: { "content-type": "application/ocsp-request" },
        body: ocspRequest(certDer, issuerDer) as BodyInit,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) continue;
      const body = new Uint8Array(await res.arrayBuffer());
      if (AsnConvert.parse(body, OCSPResponse).responseStatus === OCSPResponseStatus.successful) return body;
    } catch {
      // try the next responder, then the CRL
    }
  }
  return undefined;
}

/** Fetches the first CRL a certificate's distribution points serve; undefined if none answers. */
export async function fetchCrl(
  certDer: Uint8Array,
  fetchFn: typeof fetch,
  timeoutMs = 10_000,
): Promise<Uint8Array | undefined> {
  for (const url of revocationUrls(certDer).crl) {
    try {
      const res = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (res.ok) return new Uint8Array(await res.arrayBuffer());
    } catch {
      // try the next distribution point
    }
  }
  return undefined;
}
