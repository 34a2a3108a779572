/**
 * An OCSP responder (RFC 6960): reads an OCSPRequest, answers with a BasicOCSPResponse signed by the CA itself or
 * by a delegated responder whose certificate is included (§ 4.2.2.2).
 *
 *   OCSPResponse ::= SEQUENCE { responseStatus OCSPResponseStatus, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
 *   BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
 *                                    signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 */
import { createHash } from "node:crypto";
import {
  BasicOCSPResponse,
  type CertID,
  CertStatus,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from "@peculiar/asn1-ocsp";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { Certificate, CRLReason, type Extension } from "@peculiar/asn1-x509";
import type { Signer } from "../keys/signer.js";
import { type AnyHashAlgorithm, hashFromOid, nodeHashName, signatureAlgorithmIdentifier } from "./algorithms.js";
import { certificateSpki, keyIdentifier, parseCertificate, parseSpki, serialHex } from "./certificate.js";
import { type RevocationReason, revocationReasonCode } from "./crl.js";

/** The status of one certificate as the CA's records know it (RFC 6960 § 2.2). */
export interface CertificateStatus {
  readonly status: "good" | "revoked" | "unknown";
  /** For `revoked`: when. */
  readonly revokedAt?: Date;
  /** For `revoked`: why (omitted from the response when unspecified). */
  readonly reason?: RevocationReason;
}

/** Looks a serial number (lower-case hex, see `serialHex`) up in the CA's records. */
export type StatusLookup = (serialHex: string) => CertificateStatus | Promise<CertificateStatus>;

/** An OCSP responder for the certificates one CA issued. */
export interface OcspResponderOptions {
  /** The CA whose certificates this responder speaks for. */
  readonly caCertificate: Uint8Array;
  /** The delegated responder's certificate (EKU id-kp-OCSPSigning, issued by the CA); omit when the CA signs. */
  readonly responderCertificate?: Uint8Array;
  /** Signs with the responder's key (or the CA's when there is no delegated responder). */
  readonly signer: Signer;
  readonly lookup: StatusLookup;
  /** Response time (default: now). */
  readonly now?: Date;
  /** How long a response may be cached: nextUpdate = thisUpdate + this (default one day). */
  readonly validityMs?: number;
}

/** The non-successful OCSPResponseStatus values (§ 4.2.1); they carry no responseBytes. */
export type OcspErrorStatus = "malformedRequest" | "internalError" | "tryLater" | "sigRequired" | "unauthorized";

/** A DER OCSPResponse that only states an error status (RFC 6960 § 2.3, § 4.2.1). */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new OCSPResponse({ responseStatus: OCSPResponseStatus[status] })));
}

/** Parses a DER OCSPRequest (§ 4.1.1). Throws on anything that is not one. */
export function parseOcspRequest(der: Uint8Array): OCSPRequest {
  const request = AsnConvert.parse(der, OCSPRequest);
  if (request.tbsRequest.requestList.length === 0)
    throw new Error("an OCSP request must name at least one certificate");
  return request;
}

const DEFAULT_VALIDITY_MS = 24 * 3600 * 1000;
/** RFC 8954 § 2.1: a nonce is 1 to 32 octets. */
const MAX_NONCE_LENGTH = 32;

/**
 * Answers a DER OCSPRequest with a DER OCSPResponse; never throws for bad input:
 * - unreadable request, or a nonce outside RFC 8954's 1–32 octets: `malformedRequest`;
 * - no CertID names our CA (issuerNameHash and issuerKeyHash, § 4.1.1, with SHA-1 or SHA-2): `unauthorized`
 *   (RFC 5019 § 2.2.3: we cannot answer authoritatively);
 * - otherwise one SingleResponse per CertID (good, revoked with time and reason, or unknown for another issuer
 *   or a serial we never issued), the nonce echoed (§ 4.4.1), responderID byKey, signed by `options.signer`.
 */
export async function respondOcsp(requestDer: Uint8Array, options: OcspResponderOptions): Promise<Uint8Array> {
  let request: OCSPRequest;
  try {
    request = parseOcspRequest(requestDer);
  } catch {
    return ocspErrorResponse("malformedRequest");
  }
  const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === id_pkix_ocsp_nonce);
  if (nonce && !validNonce(nonce)) return ocspErrorResponse("malformedRequest");

  const ca = parseCertificate(options.caCertificate);
  const matcher = issuerMatcher(ca);
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const nextUpdate = new Date(now.getTime() + (options.validityMs ?? DEFAULT_VALIDITY_MS));
  let anyOurs = false;
  const responses: SingleResponse[] = [];
  for (const { reqCert } of request.tbsRequest.requestList) {
    const ours = matcher(reqCert);
    anyOurs ||= ours;
    const known = ours ? await options.lookup(serialHex(reqCert.serialNumber)) : { status: "unknown" as const };
    responses.push(new SingleResponse({ certID: reqCert, certStatus: certStatus(known), thisUpdate: now, nextUpdate }));
  }
  if (!anyOurs) return ocspErrorResponse("unauthorized");

  const responderCert = options.responderCertificate ? parseCertificate(options.responderCertificate) : ca;
  const tbsResponseData = new ResponseData({
    // § 4.2.2.3: byKey is the SHA-1 of the responder's public key BIT STRING, the same value as its SKI method (1).
    responderID: new ResponderID({ byKey: new OctetString(keyIdentifier(certificateSpki(responderCert))) }),
    producedAt: now,
    responses,
    responseExtensions: nonce ? [nonce] : undefined,
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbsResponseData));
  const signatureAlgorithm = signatureAlgorithmIdentifier(options.signer.algorithm);
  const signature = await options.signer.sign(tbsDer);
  const basic = new BasicOCSPResponse({
    tbsResponseData,
    signatureAlgorithm,
    signature: signature.slice().buffer,
    // § 4.2.2.2: a delegated responder's certificate travels with the response so clients can check it.
    certs: options.responderCertificate ? [AsnConvert.parse(options.responderCertificate, Certificate)] : undefined,
  });
  const response = new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes: new ResponseBytes({
      responseType: id_pkix_ocsp_basic,
      response: new OctetString(AsnConvert.serialize(basic)),
    }),
  });
  return new Uint8Array(AsnConvert.serialize(response));
}

function certStatus(known: CertificateStatus): CertStatus {
  switch (known.status) {
    case "good":
      return new CertStatus({ good: null });
    case "revoked": {
      const reason = known.reason ?? "unspecified";
      return new CertStatus({
        revoked: new RevokedInfo({
          revocationTime: new Date(Math.floor((known.revokedAt ?? new Date(0)).getTime() / 1000) * 1000),
          revocationReason: reason === "unspecified" ? undefined : new CRLReason(revocationReasonCode(reason)),
        }),
      });
    }
    default:
      return new CertStatus({ unknown: null });
  }
}

/**
 * Whether a CertID names `ca` as issuer (§ 4.1.1): issuerNameHash is the hash of the DER issuer name,
 * issuerKeyHash the hash of the issuer's public key BIT STRING value, both with the CertID's hashAlgorithm.
 */
function issuerMatcher(ca: Certificate): (certId: CertID) => boolean {
  const nameDer = new Uint8Array(AsnConvert.serialize(ca.tbsCertificate.subject));
  const keyBits = new Uint8Array(parseSpki(certificateSpki(ca)).subjectPublicKey);
  const cache = new Map<AnyHashAlgorithm, { name: Buffer; key: Buffer }>();
  return (certId) => {
    const hash = hashFromOid(certId.hashAlgorithm.algorithm);
    if (!hash) return false;
    let expected = cache.get(hash);
    if (!expected) {
      const h = nodeHashName(hash);
      expected = { name: createHash(h).update(nameDer).digest(), key: createHash(h).update(keyBits).digest() };
      cache.set(hash, expected);
    }
    return (
      expected.name.equals(new Uint8Array(certId.issuerNameHash.buffer)) &&
      expected.key.equals(new Uint8Array(certId.issuerKeyHash.buffer))
    );
  };
}

/** The nonce extension's value is an OCTET STRING (§ 4.4.1) of 1 to 32 octets (RFC 8954 § 2.1). */
function validNonce(nonce: Extension): boolean {
  try {
    const value = AsnConvert.parse(nonce.extnValue.buffer, OctetString);
    return value.byteLength >= 1 && value.byteLength <= MAX_NONCE_LENGTH;
  } catch {
    return false;
  }
}
