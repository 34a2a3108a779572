/**
 * A time-stamp authority (RFC 3161, with RFC 5816's ESSCertIDv2): reads a TimeStampReq and answers with a
 * TimeStampResp whose token is a CMS SignedData over a TSTInfo, signed through the TSA's {@link Signer}.
 *
 *   TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
 *   TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, accuracy OPTIONAL,
 *                          ordering DEFAULT FALSE, nonce OPTIONAL, tsa [0] GeneralName OPTIONAL, extensions [1] OPTIONAL }
 */

import { SignedData } from "@peculiar/asn1-cms";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Accuracy, TimeStampReq, TimeStampResp, TSTInfo } from "@peculiar/asn1-tsp";
import { GeneralName, type Name } from "@peculiar/asn1-x509";
import { integer, sequence, tlv } from "../cms/der.js";
import { sha } from "../cms/hash.js";
import { assembleSignedData, OID, signAttributes } from "../cms/signed-data.js";
import type { Signer } from "../keys/signer.js";
import { Certificate } from "../x509/certificate.js";
import { hashFromOid, hashOutputLength } from "./algorithms.js";
import { nameFromDer, randomSerialNumber, serialHex } from "./certificate.js";

/** id-etsi-tsp-baseline-ts-policy (ETSI EN 319 421 § 5.2): the best-practices time-stamp policy, our default. */
export const OID_BASELINE_TS_POLICY = "0.4.0.2023.1.1";

/** The TSA's configuration. */
export interface TimeStampAuthorityOptions {
  /** The TSA certificate (EKU id-kp-timeStamping, critical). */
  readonly certificate: Uint8Array;
  /** Signs with the TSA key; its hash is also the token's digest algorithm. */
  readonly signer: Signer;
  /** TSA policy OID (default {@link OID_BASELINE_TS_POLICY}). */
  readonly policy?: string;
  /** Time to stamp (default: now); whole seconds, with an accuracy of one second. */
  readonly now?: Date;
}

/** Why a request was refused: the PKIFailureInfo bit (RFC 3161 § 2.4.2) and a message for the client. */
export class TimeStampRejection extends Error {
  override readonly name = "TimeStampRejection";
  constructor(
    readonly failInfo: FailureInfo,
    message: string,
  ) {
    super(message);
  }
}

/** The hashes we accept in a message imprint; SHA-1 is refused (ETSI TS 119 312 § 6.2: not for new stamps). */
const ACCEPTED_HASHES = new Set(["SHA-256", "SHA-384", "SHA-512"]);

/**
 * Parses and checks a DER TimeStampReq (RFC 3161 § 2.4.1). Throws {@link TimeStampRejection}: badDataFormat for
 * unreadable input or a digest of the wrong length, badAlg for a hash we do not accept, unacceptedPolicy for a
 * policy other than ours, unacceptedExtension for any extension (we support none).
 */
export function parseTimeStampRequest(der: Uint8Array, policy = OID_BASELINE_TS_POLICY): TimeStampReq {
  let request: TimeStampReq;
  try {
    request = AsnConvert.parse(der, TimeStampReq);
  } catch (error) {
    throw new TimeStampRejection("badDataFormat", `not a TimeStampReq: ${(error as Error).message}`);
  }
  if (request.version !== 1)
    throw new TimeStampRejection("badRequest", `unsupported TimeStampReq version ${request.version}`);
  const hash = hashFromOid(request.messageImprint.hashAlgorithm.algorithm);
  if (!hash || !ACCEPTED_HASHES.has(hash)) {
    throw new TimeStampRejection(
      "badAlg",
      `unsupported message imprint hash ${request.messageImprint.hashAlgorithm.algorithm}: use SHA-256, SHA-384 or SHA-512`,
    );
  }
  if (request.messageImprint.hashedMessage.byteLength !== hashOutputLength(hash)) {
    throw new TimeStampRejection("badDataFormat", `the message imprint is not a ${hash} digest`);
  }
  if (request.reqPolicy !== undefined && request.reqPolicy !== policy) {
    throw new TimeStampRejection("unacceptedPolicy", `this TSA only issues under policy ${policy}`);
  }
  if (request.extensions && request.extensions.length > 0) {
    throw new TimeStampRejection("unacceptedExtension", "this TSA supports no request extensions");
  }
  return request;
}

/**
 * Answers a DER TimeStampReq with a DER TimeStampResp; never throws for bad input (a refusal is a response with
 * status rejection and its failInfo, § 2.4.2). A granted response carries a token (§ 2.4.2, RFC 5652 § 5):
 * SignedData v3, eContentType id-ct-TSTInfo, TSTInfo with our policy, a fresh serial, genTime, accuracy, the
 * request's messageImprint and nonce copied, tsa naming us; one SignerInfo with DER-sorted signed attributes
 * content-type, message-digest and signing-certificate-v2; the TSA certificate included when certReq is set.
 */
export async function respondTimeStamp(
  requestDer: Uint8Array,
  options: TimeStampAuthorityOptions,
): Promise<Uint8Array> {
  const policy = options.policy ?? OID_BASELINE_TS_POLICY;
  let request: TimeStampReq;
  try {
    request = parseTimeStampRequest(requestDer, policy);
  } catch (error) {
    if (error instanceof TimeStampRejection) return rejection(error.failInfo, error.message);
    throw error;
  }
  const token = await timeStampToken(request, { ...options, policy });
  return sequence(sequence(integer(0)), token); // TimeStampResp { status granted, timeStampToken }
}

/**
 * PKIFailureInfo bits as RFC 3161 § 2.4.2 numbers them. (@peculiar/asn1-tsp's flags are shifted by one position,
 * so they are not used for encoding.)
 */
export const FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;

export type FailureInfo = keyof typeof FAILURE_BITS;

/** A TimeStampResp refusing the request (RFC 3161 § 2.4.2): status rejection, the reason, the failInfo bit. */
export function rejection(failInfo: FailureInfo, message: string): Uint8Array {
  const bit = FAILURE_BITS[failInfo];
  // DER named BIT STRING: no trailing zero bits, so the last byte is the one holding our bit.
  const bits = new Uint8Array(Math.floor(bit / 8) + 1);
  bits[bits.length - 1] = 0x80 >> (bit % 8);
  const bitString = tlv(0x03, Uint8Array.of(7 - (bit % 8)), bits);
  const text = sequence(tlv(0x0c, new TextEncoder().encode(message)));
  return sequence(sequence(integer(2), text, bitString));
}

async function timeStampToken(
  request: TimeStampReq,
  options: TimeStampAuthorityOptions & { policy: string },
): Promise<Uint8Array> {
  const tsaSubject = subjectOf(options.certificate);
  const tstInfo = new TSTInfo({
    policy: options.policy,
    messageImprint: request.messageImprint,
    serialNumber: randomSerialNumber().buffer as ArrayBuffer,
    // Whole seconds, so the one-second accuracy bounds the true time on both sides (§ 2.4.2).
    genTime: new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000),
    accuracy: new Accuracy({ seconds: 1 }),
    nonce: request.nonce,
    tsa: new GeneralName({ directoryName: tsaSubject }),
  });
  const tstInfoDer = new Uint8Array(AsnConvert.serialize(tstInfo));
  // The token is CMS signed data like any signature: the one CMS signer, with eContent (SignedData v3).
  const parts = await signAttributes({
    contentDigest: sha(options.signer.algorithm.hash, tstInfoDer),
    signer: options.signer,
    certificate: options.certificate,
    contentType: OID.tstInfo,
    content: tstInfoDer,
    includeCertificates: Boolean(request.certReq),
  });
  return assembleSignedData(parts);
}

// The TSA's subject name by certificate object: a TSA answers every request with the same certificate, and parsing it
// with the schema library for each token cost about a millisecond.
const subjects = new WeakMap<Uint8Array, Name>();

function subjectOf(certificate: Uint8Array): Name {
  let subject = subjects.get(certificate);
  if (!subject) {
    subject = nameFromDer(Certificate.fromDer(certificate).subjectDer);
    subjects.set(certificate, subject);
  }
  return subject;
}

/** The serial number of the token inside a granted TimeStampResp, for logging and audit (hex). */
export function timeStampSerial(responseDer: Uint8Array): string | undefined {
  const response = AsnConvert.parse(responseDer, TimeStampResp);
  if (!response.timeStampToken) return undefined;
  const signedData = AsnConvert.parse(response.timeStampToken.content, SignedData);
  const content = signedData.encapContentInfo.eContent?.single;
  if (!content) return undefined;
  return serialHex(AsnConvert.parse(content.buffer, TSTInfo).serialNumber);
}
