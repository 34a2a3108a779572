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
import { digestAlgorithmDer } from "../cms/algorithm-identifiers.js";
import {
  certificateParts,
  children,
  content,
  DerError,
  octetString,
  readOid,
  readTlv,
  sequence,
  TAG,
  type Tlv,
} from "../cms/der.js";
import { sha } from "../cms/hash.js";
import { digestAlgorithmIdentifier } from "./algorithms.js";
import { certificateSpki, findExtension, parseCertificate, parseSpki } from "./certificate.js";
import { OID_AD_CA_ISSUERS, OID_AD_OCSP } from "./profiles.js";

/**
 * URLs the certificate names for OCSP (AIA id-ad-ocsp) and CRLs (CRL distribution points), http(s) only.
 *
 * Read by walking the DER (cms/der.ts): this runs for every certificate of every chain when a signature is made
 * B-LT, and parsing whole certificates with the schema library cost milliseconds per signature. Input the walker
 * cannot read (BER from some producers) falls back to the schema parser, which is more lenient.
 */
export function revocationUrls(certDer: Uint8Array): { ocsp: string[]; crl: string[] } {
  let facts: CertificateFacts;
  try {
    facts = certificateFacts(certDer);
  } catch (e) {
    if (e instanceof DerError) return revocationUrlsBySchema(certDer);
    throw e;
  }
  return { ocsp: [...facts.ocsp], crl: [...facts.crl] };
}

/** URLs of the certificate's issuer certificate (AIA id-ad-caIssuers, RFC 5280 § 4.2.2.1), http(s) only. */
export function caIssuersUrls(certDer: Uint8Array): string[] {
  try {
    return [...certificateFacts(certDer).caIssuers];
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
  }
  const aia = findExtension(parseCertificate(certDer), id_pe_authorityInfoAccess);
  if (!aia) return [];
  const urls: string[] = [];
  for (const ad of AsnConvert.parse(aia.extnValue, AuthorityInfoAccessSyntax)) {
    const uri = ad.accessLocation.uniformResourceIdentifier;
    if (ad.accessMethod === OID_AD_CA_ISSUERS && uri && /^https?:/i.test(uri)) urls.push(uri);
  }
  return urls;
}

/**
 * An OCSPRequest for one certificate, with a SHA-1 CertID (what every responder understands, § 4.3), written as
 * DER by concatenation: OCSPRequest { TBSRequest { requestList { Request { CertID } } } }. The issuer name hashed is
 * the certificate's own issuer field and the key hash covers the issuer's subjectPublicKey bits (§ 4.1.1).
 */
export function ocspRequest(certDer: Uint8Array, issuerDer: Uint8Array): Uint8Array {
  let certId: Uint8Array;
  try {
    const cert = certificateFacts(certDer);
    const issuer = certificateFacts(issuerDer);
    certId = sequence(
      digestAlgorithmDer("SHA-1"),
      octetString(sha("SHA-1", cert.issuer)),
      octetString(sha("SHA-1", issuer.publicKeyBits)),
      cert.serial,
    );
  } catch (e) {
    if (e instanceof DerError) return ocspRequestBySchema(certDer, issuerDer);
    throw e;
  }
  return sequence(sequence(sequence(sequence(certId))));
}

/** What revocation needs of a certificate, read once per distinct certificate (see {@link certificateFacts}). */
interface CertificateFacts {
  /** The issuer Name, exact DER. */
  readonly issuer: Uint8Array;
  /** The serialNumber INTEGER TLV, exact DER. */
  readonly serial: Uint8Array;
  /** The subjectPublicKey BIT STRING's bits (without the unused-bits octet). */
  readonly publicKeyBits: Uint8Array;
  readonly ocsp: readonly string[];
  readonly crl: readonly string[];
  readonly caIssuers: readonly string[];
}

// A few dozen certificates at most take part in a platform's signatures (roots, issuing CAs, TSAs, responders,
// signers); the cache is bounded so that validating many foreign documents cannot grow it without end.
const FACTS_LIMIT = 256;
const factsCache = new Map<string, CertificateFacts>();

/** {@link CertificateFacts} by walking the DER; cached by the certificate's bytes. Throws DerError on bad input. */
function certificateFacts(der: Uint8Array): CertificateFacts {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  const cached = factsCache.get(key);
  if (cached) return cached;
  const facts = readCertificateFacts(der);
  if (factsCache.size >= FACTS_LIMIT) factsCache.delete(factsCache.keys().next().value!);
  factsCache.set(key, facts);
  return facts;
}

const OID_AIA = "1.3.6.1.5.5.7.1.1";
const OID_CRL_DP = "2.5.29.31";
const URI_TAG = 0x86; // GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String

function readCertificateFacts(der: Uint8Array): CertificateFacts {
  const parts = certificateParts(der);
  const tbs = children(der, readTlv(der))[0]!;
  const fields = children(der, tbs);
  const spki = readTlv(parts.spki);
  const bits = children(parts.spki, spki)[1];
  if (!bits || bits.tag !== TAG.BIT_STRING || bits.end <= bits.contentStart)
    throw new DerError("bad SubjectPublicKeyInfo");
  const ocsp: string[] = [];
  const crl: string[] = [];
  const caIssuers: string[] = [];
  const uri = (t: Tlv): string | undefined => {
    if (t.tag !== URI_TAG) return undefined;
    const s = Buffer.from(content(der, t)).toString("latin1");
    return /^https?:/i.test(s) ? s : undefined;
  };
  const extensions = fields.find((f) => f.tag === 0xa3); // [3] EXPLICIT Extensions
  for (const ext of extensions ? children(der, children(der, extensions)[0] ?? extensions) : []) {
    const parts = children(der, ext);
    const id = readOid(der, parts[0]!);
    const value = parts.at(-1)!;
    if (value.tag !== TAG.OCTET_STRING) throw new DerError("bad extension");
    if (id === OID_AIA) {
      // AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod, accessLocation GeneralName }
      for (const ad of children(der, readTlv(der, value.contentStart, value.end))) {
        const [method, location] = children(der, ad);
        const u = location && uri(location);
        if (!method || !u) continue;
        const m = readOid(der, method);
        if (m === OID_AD_OCSP) ocsp.push(u);
        else if (m === OID_AD_CA_ISSUERS) caIssuers.push(u);
      }
    } else if (id === OID_CRL_DP) {
      // CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } }
      for (const point of children(der, readTlv(der, value.contentStart, value.end))) {
        const name = children(der, point).find((t) => t.tag === 0xa0);
        const fullName = name && children(der, name).find((t) => t.tag === 0xa0);
        for (const g of fullName ? children(der, fullName) : []) {
          const u = uri(g);
          if (u) crl.push(u);
        }
      }
    }
  }
  return {
    issuer: parts.issuer,
    serial: parts.serial,
    publicKeyBits: parts.spki.subarray(bits.contentStart + 1, bits.end),
    ocsp,
    crl,
    caIssuers,
  };
}

function revocationUrlsBySchema(certDer: Uint8Array): { ocsp: string[]; crl: string[] } {
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

function ocspRequestBySchema(certDer: Uint8Array, issuerDer: Uint8Array): Uint8Array {
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

/** Whether a DER OCSPResponse says `successful` (responseStatus ENUMERATED 0, RFC 6960 § 4.2.1). */
function ocspSuccessful(body: Uint8Array): boolean {
  try {
    const status = children(body, readTlv(body))[0];
    return !!status && status.tag === 0x0a && status.end === status.contentStart + 1 && body[status.contentStart] === 0;
  } catch (e) {
    if (e instanceof DerError)
      return AsnConvert.parse(body, OCSPResponse).responseStatus === OCSPResponseStatus.successful;
    throw e;
  }
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
      if (ocspSuccessful(body)) return body;
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
