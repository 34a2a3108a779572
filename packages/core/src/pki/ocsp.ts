/**
 * An OCSP responder (RFC 6960): reads an OCSPRequest, answers with a BasicOCSPResponse signed by the CA itself or
 * by a delegated responder whose certificate is included (§ 4.2.2.2).
 *
 * The response is written as DER directly and the request read by walking its DER, because a responder answers
 * the same few shapes thousands of times a second: everything that depends only on the CA and the responder
 * (issuer name and key hashes for each CertID hash, responderID, the certs field, the signature
 * AlgorithmIdentifier) is computed once by {@link createOcspResponder}. The structures written (§ 4.2.1):
 *
 *   OCSPResponse ::= SEQUENCE { responseStatus OCSPResponseStatus (ENUMERATED),
 *                               responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
 *   ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER (id-pkix-ocsp-basic), response OCTET STRING }
 *   BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
 *                                    signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
 *   ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1 (omitted), responderID ResponderID
 *                               (byKey [2] EXPLICIT OCTET STRING), producedAt GeneralizedTime,
 *                               responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT Extensions OPTIONAL }
 *   SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
 *                                 nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] … OPTIONAL }
 *   CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
 *   RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
 *
 * GeneralizedTime is written "YYYYMMDDHHMMSSZ" (RFC 5280 § 4.1.2.5.2: no fractional seconds); the request's nonce
 * extension (id-pkix-ocsp-nonce) is echoed byte for byte in responseExtensions (§ 4.4.1), and so is each CertID.
 */
import { createHash } from "node:crypto";
import { OCSPRequest } from "@peculiar/asn1-ocsp";
import { AsnConvert } from "@peculiar/asn1-schema";
import { DIGEST_OIDS, signatureAlgorithmDer } from "../cms/algorithm-identifiers.js";
import { children, octetString, oid, readOid, readTlv, sequence, TAG, type Tlv, tlv } from "../cms/der.js";
import type { Signer } from "../keys/signer.js";
import { Certificate } from "../x509/certificate.js";
import { type AnyHashAlgorithm, nodeHashName } from "./algorithms.js";
import { serialHex } from "./certificate.js";
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

/** What an OCSP responder answers with; fixed for the life of a {@link createOcspResponder} responder. */
export interface OcspResponderConfig {
  /** The CA whose certificates this responder speaks for. */
  readonly caCertificate: Uint8Array;
  /** The delegated responder's certificate (EKU id-kp-OCSPSigning, issued by the CA); omit when the CA signs. */
  readonly responderCertificate?: Uint8Array;
  /** Signs with the responder's key (or the CA's when there is no delegated responder). */
  readonly signer: Signer;
  readonly lookup: StatusLookup;
  /** How long a response may be cached: nextUpdate = thisUpdate + this (default one day). */
  readonly validityMs?: number;
}

/** An OCSP responder for the certificates one CA issued. */
export interface OcspResponderOptions extends OcspResponderConfig {
  /** Response time (default: now). */
  readonly now?: Date;
}

/** A responder with everything that depends only on its certificates and key computed once. */
export interface OcspResponder {
  /** Answers a DER OCSPRequest with a DER OCSPResponse (see {@link respondOcsp}); never throws for bad input. */
  respond(requestDer: Uint8Array, now?: Date): Promise<Uint8Array>;
}

/** The non-successful OCSPResponseStatus values (§ 4.2.1); they carry no responseBytes. */
export type OcspErrorStatus = "malformedRequest" | "internalError" | "tryLater" | "sigRequired" | "unauthorized";

const STATUS_CODES: Readonly<Record<OcspErrorStatus, number>> = {
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
};

/** A DER OCSPResponse that only states an error status (RFC 6960 § 2.3, § 4.2.1). */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  return Uint8Array.of(TAG.SEQUENCE, 3, 0x0a, 1, STATUS_CODES[status]);
}

/** Parses a DER OCSPRequest (§ 4.1.1) into a schema object. Throws on anything that is not one. */
export function parseOcspRequest(der: Uint8Array): OCSPRequest {
  const request = AsnConvert.parse(der, OCSPRequest);
  if (request.tbsRequest.requestList.length === 0)
    throw new Error("an OCSP request must name at least one certificate");
  return request;
}

const DEFAULT_VALIDITY_MS = 24 * 3600 * 1000;
/** RFC 8954 § 2.1: a nonce is 1 to 32 octets. */
const MAX_NONCE_LENGTH = 32;
const OID_PKIX_OCSP_NONCE = "1.3.6.1.5.5.7.48.1.2";
const OID_PKIX_OCSP_BASIC = "1.3.6.1.5.5.7.48.1.1";
const SUCCESSFUL = Uint8Array.of(0x0a, 1, 0);
const GOOD = Uint8Array.of(0x80, 0);
const UNKNOWN = Uint8Array.of(0x82, 0);
const EMPTY = new Uint8Array(0);

/** One CertID of a request, as its exact DER and its parts. */
interface RequestedCert {
  readonly der: Uint8Array;
  readonly hashOid: string;
  readonly nameHash: Uint8Array;
  readonly keyHash: Uint8Array;
  /** The serialNumber INTEGER's content octets. */
  readonly serial: Uint8Array;
}

class MalformedRequest extends Error {}

function expect(t: Tlv | undefined, tag: number): Tlv {
  if (!t || t.tag !== tag) throw new MalformedRequest("unexpected element in OCSP request");
  return t;
}

/**
 * Reads an OCSPRequest (§ 4.1.1) by walking its DER:
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, requestorName [1] EXPLICIT GeneralName OPTIONAL,
 *                             requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *   CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
 *                         issuerKeyHash OCTET STRING, serialNumber INTEGER }
 * Returns the CertIDs and the nonce Extension's DER (if any); throws for anything else.
 */
function readRequest(der: Uint8Array): { certs: RequestedCert[]; nonce?: Uint8Array } {
  const top = expect(readTlv(der), TAG.SEQUENCE);
  const [tbsTlv, sigTlv, ...rest] = children(der, top);
  const tbs = expect(tbsTlv, TAG.SEQUENCE);
  if ((sigTlv && sigTlv.tag !== 0xa0) || rest.length) throw new MalformedRequest("unexpected element in OCSPRequest");
  const fields = children(der, tbs);
  let i = 0;
  if (fields[i]?.tag === 0xa0) i++; // version
  if (fields[i]?.tag === 0xa1) i++; // requestorName
  const list = expect(fields[i++], TAG.SEQUENCE);
  const extsTlv = fields[i]?.tag === 0xa2 ? fields[i++] : undefined;
  if (i !== fields.length) throw new MalformedRequest("unexpected element in TBSRequest");

  const certs: RequestedCert[] = [];
  for (const request of children(der, list)) {
    const [certIdTlv, singleExts, ...more] = children(der, expect(request, TAG.SEQUENCE));
    const certId = expect(certIdTlv, TAG.SEQUENCE);
    if ((singleExts && singleExts.tag !== 0xa0) || more.length)
      throw new MalformedRequest("unexpected element in Request");
    const [alg, name, key, serial, ...extra] = children(der, certId);
    if (extra.length) throw new MalformedRequest("unexpected element in CertID");
    const [algOid] = children(der, expect(alg, TAG.SEQUENCE));
    certs.push({
      der: der.subarray(certId.start, certId.end),
      hashOid: readOid(der, expect(algOid, TAG.OID)),
      nameHash: der.subarray(expect(name, TAG.OCTET_STRING).contentStart, name!.end),
      keyHash: der.subarray(expect(key, TAG.OCTET_STRING).contentStart, key!.end),
      serial: der.subarray(expect(serial, TAG.INTEGER).contentStart, serial!.end),
    });
  }
  if (certs.length === 0) throw new MalformedRequest("an OCSP request must name at least one certificate");

  let nonce: Uint8Array | undefined;
  if (extsTlv) {
    const [extsSeq] = children(der, extsTlv);
    for (const ext of children(der, expect(extsSeq, TAG.SEQUENCE))) {
      const parts = children(der, expect(ext, TAG.SEQUENCE));
      const extnId = readOid(der, expect(parts[0], TAG.OID));
      const value = expect(parts[parts.length - 1], TAG.OCTET_STRING);
      if (parts.length === 3) expect(parts[1], TAG.BOOLEAN);
      else if (parts.length !== 2) throw new MalformedRequest("bad Extension");
      if (extnId !== OID_PKIX_OCSP_NONCE || nonce) continue;
      // RFC 8954 § 2.1: the extnValue is an OCTET STRING of 1 to 32 octets.
      const inner = readTlv(der, value.contentStart, value.end);
      const length = inner.end - inner.contentStart;
      if (inner.tag !== TAG.OCTET_STRING || length < 1 || length > MAX_NONCE_LENGTH)
        throw new MalformedRequest("the nonce must be an OCTET STRING of 1 to 32 octets");
      nonce = der.subarray(ext.start, ext.end);
    }
  }
  return { certs, nonce };
}

/** GeneralizedTime "YYYYMMDDHHMMSSZ" (UTC, whole seconds). */
function generalizedTime(date: Date): Uint8Array {
  const s = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ (years 0000–9999)
  const text = s.slice(0, 4) + s.slice(5, 7) + s.slice(8, 10) + s.slice(11, 13) + s.slice(14, 16) + s.slice(17, 19);
  const out = new Uint8Array(17);
  out[0] = TAG.GENERALIZED_TIME;
  out[1] = 15;
  for (let i = 0; i < 14; i++) out[2 + i] = text.charCodeAt(i);
  out[16] = 0x5a; // Z
  return out;
}

const wholeSeconds = (d: Date): number => Math.floor(d.getTime() / 1000) * 1000;

function certStatusDer(known: CertificateStatus): Uint8Array {
  switch (known.status) {
    case "good":
      return GOOD;
    case "revoked": {
      const reason = known.reason ?? "unspecified";
      const time = generalizedTime(new Date(wholeSeconds(known.revokedAt ?? new Date(0))));
      if (reason === "unspecified") return tlv(0xa1, time);
      return tlv(0xa1, time, tlv(0xa0, Uint8Array.of(0x0a, 1, revocationReasonCode(reason))));
    }
    default:
      return UNKNOWN;
  }
}

/**
 * A responder for `config`: parses the certificates and derives the fixed parts of every response once. The
 * certificates, key and lookup are fixed; build a new responder when they change.
 */
export function createOcspResponder(config: OcspResponderConfig): OcspResponder {
  const ca = Certificate.fromDer(config.caCertificate);
  const caKeyBits = ca.publicKeyBits;
  // § 4.1.1: issuerNameHash is the hash of the DER issuer name, issuerKeyHash of the issuer's public key BIT STRING
  // value, with the CertID's hashAlgorithm; SHA-1 and SHA-2 are accepted.
  const issuerHashes = new Map<string, { name: Buffer; key: Buffer }>();
  for (const [hash, hashOid] of Object.entries(DIGEST_OIDS)) {
    const h = nodeHashName(hash as AnyHashAlgorithm);
    issuerHashes.set(hashOid, {
      name: createHash(h).update(ca.subjectDer).digest(),
      key: createHash(h).update(caKeyBits).digest(),
    });
  }
  const responderKeyBits = config.responderCertificate
    ? Certificate.fromDer(config.responderCertificate).publicKeyBits
    : caKeyBits;
  // § 4.2.2.3: byKey is the SHA-1 of the responder's public key BIT STRING, the same value as its SKI method (1).
  const responderId = tlv(0xa2, octetString(new Uint8Array(createHash("sha1").update(responderKeyBits).digest())));
  const signatureAlgorithm = signatureAlgorithmDer(config.signer.algorithm);
  // § 4.2.2.2: a delegated responder's certificate travels with the response so clients can check it.
  const certs = config.responderCertificate ? tlv(0xa0, sequence(config.responderCertificate)) : EMPTY;
  const basicOid = oid(OID_PKIX_OCSP_BASIC);
  const validityMs = config.validityMs ?? DEFAULT_VALIDITY_MS;
  const ours = (c: RequestedCert): boolean => {
    const expected = issuerHashes.get(c.hashOid);
    return !!expected && expected.name.equals(c.nameHash) && expected.key.equals(c.keyHash);
  };
  // The times of the last second answered, reused while requests arrive within it.
  let timesFor = Number.NaN;
  let times: { now: Uint8Array; next: Uint8Array } = { now: EMPTY, next: EMPTY };

  return {
    async respond(requestDer, at) {
      let request: ReturnType<typeof readRequest>;
      try {
        request = readRequest(requestDer);
      } catch {
        return ocspErrorResponse("malformedRequest");
      }
      const nowMs = wholeSeconds(at ?? new Date());
      if (nowMs !== timesFor) {
        times = {
          now: generalizedTime(new Date(nowMs)),
          next: tlv(0xa0, generalizedTime(new Date(nowMs + validityMs))),
        };
        timesFor = nowMs;
      }
      const { now, next } = times;
      let anyOurs = false;
      const singles: Uint8Array[] = [];
      for (const c of request.certs) {
        const isOurs = ours(c);
        anyOurs ||= isOurs;
        const known = isOurs ? await config.lookup(serialHex(c.serial)) : { status: "unknown" as const };
        singles.push(sequence(c.der, certStatusDer(known), now, next));
      }
      if (!anyOurs) return ocspErrorResponse("unauthorized");

      const tbs = sequence(
        responderId,
        now,
        sequence(...singles),
        request.nonce ? tlv(0xa1, sequence(request.nonce)) : EMPTY,
      );
      const signature = await config.signer.sign(tbs);
      const basic = sequence(tbs, signatureAlgorithm, tlv(TAG.BIT_STRING, Uint8Array.of(0), signature), certs);
      return sequence(SUCCESSFUL, tlv(0xa0, sequence(basicOid, octetString(basic))));
    },
  };
}

/** Responders made by {@link respondOcsp}, per CA certificate array, reused while the inputs are the same. */
const cached = new WeakMap<
  Uint8Array,
  { config: OcspResponderConfig; ca: Buffer; rc?: Buffer; responder: OcspResponder }
>();

/**
 * Answers a DER OCSPRequest with a DER OCSPResponse; never throws for bad input:
 * - unreadable request, or a nonce outside RFC 8954's 1–32 octets: `malformedRequest`;
 * - no CertID names our CA (issuerNameHash and issuerKeyHash, § 4.1.1, with SHA-1 or SHA-2): `unauthorized`
 *   (RFC 5019 § 2.2.3: we cannot answer authoritatively);
 * - otherwise one SingleResponse per CertID (good, revoked with time and reason, or unknown for another issuer
 *   or a serial we never issued), the nonce echoed (§ 4.4.1), responderID byKey, signed by `options.signer`.
 *
 * A server answering many requests should hold a {@link createOcspResponder} responder instead; this reuses one
 * while it is called with the same certificates, signer, lookup and validity.
 */
export async function respondOcsp(requestDer: Uint8Array, options: OcspResponderOptions): Promise<Uint8Array> {
  const hit = cached.get(options.caCertificate);
  const c = hit?.config;
  let responder: OcspResponder;
  if (
    hit &&
    c!.signer === options.signer &&
    c!.lookup === options.lookup &&
    c!.validityMs === options.validityMs &&
    hit.ca.equals(options.caCertificate) &&
    (options.responderCertificate ? !!hit.rc?.equals(options.responderCertificate) : !hit.rc)
  ) {
    responder = hit.responder;
  } else {
    const { now: _now, ...config } = options;
    responder = createOcspResponder(config);
    cached.set(options.caCertificate, {
      config,
      ca: Buffer.from(options.caCertificate),
      rc: options.responderCertificate && Buffer.from(options.responderCertificate),
      responder,
    });
  }
  return responder.respond(requestDer, options.now);
}
