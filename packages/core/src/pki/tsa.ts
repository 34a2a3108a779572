/**
 * A time-stamp authority (RFC 3161, with RFC 5816's ESSCertIDv2): reads a TimeStampReq and answers with a
 * TimeStampResp whose token is a CMS SignedData over a TSTInfo, signed through the TSA's {@link Signer}.
 *
 *   TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
 *   TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, accuracy OPTIONAL,
 *                          ordering DEFAULT FALSE, nonce OPTIONAL, tsa [0] GeneralName OPTIONAL, extensions [1] OPTIONAL }
 */
import { createHash } from "node:crypto";
import {
  CertificateChoices,
  CertificateSet,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  id_signedData,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from "@peculiar/asn1-cms";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  Accuracy,
  id_ct_tstInfo,
  PKIFailureInfo,
  PKIFailureInfoFlags,
  PKIFreeText,
  PKIStatus,
  PKIStatusInfo,
  TimeStampReq,
  TimeStampResp,
  TimeStampToken,
  TSTInfo,
} from "@peculiar/asn1-tsp";
import { GeneralName } from "@peculiar/asn1-x509";
import type { Signer } from "../keys/signer.js";
import {
  digestAlgorithmIdentifier,
  hashFromOid,
  hashOutputLength,
  nodeHashName,
  signatureAlgorithmIdentifier,
} from "./algorithms.js";
import { parseCertificate, randomSerialNumber, serialHex } from "./certificate.js";
import {
  contentTypeAttribute,
  derSortedAttributes,
  messageDigestAttribute,
  signingCertificateV2Attribute,
} from "./signed-attributes.js";

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
    readonly failInfo: keyof typeof PKIFailureInfoFlags,
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
  const response = new TimeStampResp({
    status: new PKIStatusInfo({ status: PKIStatus.granted }),
    timeStampToken: token,
  });
  return new Uint8Array(AsnConvert.serialize(response));
}

/** A TimeStampResp refusing the request (RFC 3161 § 2.4.2). */
export function rejection(failInfo: keyof typeof PKIFailureInfoFlags, message: string): Uint8Array {
  const status = new PKIStatusInfo({
    status: PKIStatus.rejection,
    statusString: new PKIFreeText([message]),
    failInfo: new PKIFailureInfo(PKIFailureInfoFlags[failInfo]),
  });
  return new Uint8Array(AsnConvert.serialize(new TimeStampResp({ status })));
}

async function timeStampToken(
  request: TimeStampReq,
  options: TimeStampAuthorityOptions & { policy: string },
): Promise<TimeStampToken> {
  const tsaCert = parseCertificate(options.certificate);
  const hash = options.signer.algorithm.hash;
  const tstInfo = new TSTInfo({
    policy: options.policy,
    messageImprint: request.messageImprint,
    serialNumber: randomSerialNumber().buffer as ArrayBuffer,
    // Whole seconds, so the one-second accuracy bounds the true time on both sides (§ 2.4.2).
    genTime: new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000),
    accuracy: new Accuracy({ seconds: 1 }),
    nonce: request.nonce,
    tsa: new GeneralName({ directoryName: tsaCert.tbsCertificate.subject }),
  });
  const tstInfoDer = new Uint8Array(AsnConvert.serialize(tstInfo));
  const { sorted, der: signedAttrsDer } = derSortedAttributes([
    contentTypeAttribute(id_ct_tstInfo),
    messageDigestAttribute(createHash(nodeHashName(hash)).update(tstInfoDer).digest()),
    signingCertificateV2Attribute(options.certificate, hash),
  ]);
  const signature = await options.signer.sign(signedAttrsDer);
  const signerInfo = new SignerInfo({
    version: 1, // issuerAndSerialNumber (RFC 5652 § 5.3)
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: tsaCert.tbsCertificate.issuer,
        serialNumber: tsaCert.tbsCertificate.serialNumber,
      }),
    }),
    digestAlgorithm: digestAlgorithmIdentifier(hash),
    signedAttrs: sorted,
    signatureAlgorithm: signatureAlgorithmIdentifier(options.signer.algorithm),
    signature: new OctetString(signature),
  });
  const signedData = new SignedData({
    version: 3, // eContentType is not id-data (RFC 5652 § 5.1)
    digestAlgorithms: new DigestAlgorithmIdentifiers([digestAlgorithmIdentifier(hash)]),
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType: id_ct_tstInfo,
      eContent: new EncapsulatedContent({ single: new OctetString(tstInfoDer) }),
    }),
    // § 2.4.1: the TSA's certificate only when asked for it.
    certificates: request.certReq ? new CertificateSet([new CertificateChoices({ certificate: tsaCert })]) : undefined,
    signerInfos: new SignerInfos([signerInfo]),
  });
  return new TimeStampToken({ contentType: id_signedData, content: AsnConvert.serialize(signedData) });
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
