/**
 * Revocation status of one certificate (RFC 6960 OCSP, RFC 5280 § 5 CRLs; ETSI EN 319 102-1 § 5.2.5 revocation
 * freshness and § 5.2.6 step on revocation). Sources, in order: OCSP responses and CRLs supplied with the signature
 * (the PDF's DSS, the CMS `crls` field, Adobe's revocation-info-archival attribute), then, when the caller allows
 * network access, OCSP through the certificate's AIA and the CRL at its distribution point.
 *
 * A piece of revocation data counts only when it verifies: an OCSP response signed by the issuer or by a responder
 * the issuer certified with id-kp-OCSPSigning (RFC 6960 § 4.2.2.2), naming the certificate by a CertID over the
 * issuer's name and key; a CRL issued and signed by the certificate's issuer. It speaks for a time T (the best
 * signature time) when it was issued no later than the validation time and either after T (revocation is final,
 * so later data shows the status at T) or with a nextUpdate not before T. A "revoked" answer counts whenever issued.
 */
import { BasicOCSPResponse, CertID, OCSPRequest, OCSPResponse, Request, TBSRequest } from "@peculiar/asn1-ocsp";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, CertificateList } from "@peculiar/asn1-x509";
import { type BerNode, bitStringBytes, equalBytes, isContext, isUniversal, parseBer, toHex, UNIVERSAL } from "./ber.js";
import {
  algorithmId,
  type CertificateInfo,
  certificateInfo,
  OID_KP_OCSP_SIGNING,
  sameName,
  validAt,
} from "./certificate-info.js";
import { signedBy } from "./certificate-path.js";
import { digest, hashOfDigestOid, signatureScheme, verifySignature } from "./crypto.js";
import type { RevocationReport } from "./report.js";

/** Tolerated clock difference between us and a responder. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** How long data without nextUpdate speaks for (RFC 6960 § 4.2.2.1: newer data is always available). */
const NO_NEXT_UPDATE_MS = 24 * 3600 * 1000;

export interface RevocationSources {
  readonly ocspResponses: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
  /** Certificates that may have signed a response (responders' certificates besides those in the response). */
  readonly certificates: readonly CertificateInfo[];
  readonly validationTime: Date;
  readonly online?: { readonly fetch: typeof fetch; readonly timeoutMs?: number };
}

export interface RevocationStatus {
  readonly status: "good" | "revoked" | "unknown";
  readonly source: RevocationReport["source"];
  readonly revokedAt?: Date;
  /** When the deciding data was issued (OCSP thisUpdate, CRL thisUpdate). */
  readonly issuedAt?: Date;
  /** Why data was set aside, for the report. */
  readonly notes: readonly string[];
}

/** One verified statement about the certificate. */
interface Statement {
  readonly status: "good" | "revoked";
  readonly revokedAt?: Date;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

/** The status of `cert` (issued by `issuer`) at `time`. */
export async function revocationStatus(
  cert: CertificateInfo,
  issuer: CertificateInfo,
  time: Date,
  sources: RevocationSources,
): Promise<RevocationStatus> {
  const notes: string[] = [];
  const embedded: { statement: Statement; source: RevocationReport["source"] }[] = [];
  for (const der of sources.ocspResponses) {
    const s = readOcsp(der, cert, issuer, sources, notes);
    if (s) embedded.push({ statement: s, source: "embedded-ocsp" });
  }
  for (const der of sources.crls) {
    const s = readCrl(der, cert, issuer, notes);
    if (s) embedded.push({ statement: s, source: "embedded-crl" });
  }
  const decided = decide(embedded, time, sources.validationTime);
  if (decided) return { ...decided, notes };
  if (sources.online) {
    const online = await fetchOnline(cert, issuer, sources, notes);
    const fetched = decide(online, time, sources.validationTime);
    if (fetched) return { ...fetched, notes };
  }
  if (embedded.length > 0) notes.push(`the revocation data for ${cert.subject} is too old for ${time.toISOString()}`);
  return { status: "unknown", source: "none", notes };
}

function decide(
  statements: readonly { statement: Statement; source: RevocationReport["source"] }[],
  time: Date,
  validationTime: Date,
): Omit<RevocationStatus, "notes"> | undefined {
  const issued = statements.filter((s) => s.statement.thisUpdate.getTime() <= validationTime.getTime() + CLOCK_SKEW_MS);
  const revoked = issued
    .filter((s) => s.statement.status === "revoked")
    .sort((a, b) => a.statement.revokedAt!.getTime() - b.statement.revokedAt!.getTime())[0];
  if (revoked) {
    return {
      status: "revoked",
      source: revoked.source,
      revokedAt: revoked.statement.revokedAt,
      issuedAt: revoked.statement.thisUpdate,
    };
  }
  const good = issued.find(({ statement: s }) => {
    const until = s.nextUpdate?.getTime() ?? s.thisUpdate.getTime() + NO_NEXT_UPDATE_MS;
    return s.thisUpdate.getTime() >= time.getTime() - CLOCK_SKEW_MS || until >= time.getTime();
  });
  return good ? { status: "good", source: good.source, issuedAt: good.statement.thisUpdate } : undefined;
}

/**
 * A DER OCSPResponse parsed once: a document's DSS responses are consulted for every certificate of every
 * signature and time-stamp, so each is decoded once per validation (keyed by the bytes object itself).
 */
const ocspParses = new WeakMap<Uint8Array, { basic: BasicOCSPResponse; tree: BerNode } | "unreadable" | undefined>();

function parseOcsp(der: Uint8Array): { basic: BasicOCSPResponse; tree: BerNode } | "unreadable" | undefined {
  if (ocspParses.has(der)) return ocspParses.get(der);
  let result: { basic: BasicOCSPResponse; tree: BerNode } | "unreadable" | undefined;
  try {
    const response = AsnConvert.parse(der, OCSPResponse);
    if (response.responseStatus !== 0 || !response.responseBytes) result = undefined;
    else {
      const basicDer = new Uint8Array(response.responseBytes.response.buffer);
      result = { basic: AsnConvert.parse(basicDer, BasicOCSPResponse), tree: parseBer(basicDer, "BasicOCSPResponse") };
    }
  } catch {
    result = "unreadable";
  }
  ocspParses.set(der, result);
  return result;
}

/** Reads a DER OCSPResponse and returns what it verifiably says about `cert`, or undefined. */
function readOcsp(
  der: Uint8Array,
  cert: CertificateInfo,
  issuer: CertificateInfo,
  sources: RevocationSources,
  notes: string[],
): Statement | undefined {
  const parsed = parseOcsp(der);
  if (parsed === "unreadable") {
    notes.push("an OCSP response is unreadable and was ignored");
    return undefined;
  }
  if (!parsed) return undefined;
  const { basic, tree } = parsed;
  const single = basic.tbsResponseData.responses.find((r) => certIdMatches(r.certID, cert, issuer));
  if (!single) return undefined;
  const [tbs, sigAlg, sigValue, certsNode] = tree.children;
  const embeddedCerts = isContext(certsNode, 0)
    ? (certsNode.children[0]?.children ?? []).flatMap((c) => {
        try {
          return [certificateInfo(c.raw)];
        } catch {
          return [];
        }
      })
    : [];
  const responderId: BerNode | undefined = tbs!.children.find((c) => isContext(c, 1) || isContext(c, 2));
  const responders = [issuer, ...embeddedCerts, ...sources.certificates].filter((c) => {
    if (!responderId) return false;
    if (isContext(responderId, 1))
      return !!responderId.children[0] && sameName(c.subjectDer, responderId.children[0].raw);
    const keyHash = responderId.children[0]?.content ?? new Uint8Array(0);
    return equalBytes(digest("SHA-1", c.publicKeyBits), keyHash);
  });
  const producedAt = basic.tbsResponseData.producedAt;
  let scheme: ReturnType<typeof signatureScheme>;
  try {
    scheme = signatureScheme(algorithmId(sigAlg));
  } catch (e) {
    notes.push(`an OCSP response for ${cert.subject} uses ${(e as Error).message}`);
    return undefined;
  }
  const signature = bitStringBytes(sigValue, "OCSP signature");
  const authorised = responders.find((r) => {
    if (!verifySignature(r.spki, scheme, tbs!.raw, signature)) return false;
    if (equalBytes(r.spki, issuer.spki)) return true;
    // RFC 6960 § 4.2.2.2: a delegated responder is certified by the issuer for id-kp-OCSPSigning.
    return signedBy(r, issuer) && !!r.extendedKeyUsage?.includes(OID_KP_OCSP_SIGNING) && validAt(r, producedAt);
  });
  if (!authorised) {
    notes.push(`an OCSP response for ${cert.subject} is not signed by its issuer or an authorised responder`);
    return undefined;
  }
  const status = single.certStatus;
  if (status.unknown !== undefined) return undefined;
  return {
    status: status.revoked ? "revoked" : "good",
    revokedAt: status.revoked?.revocationTime,
    thisUpdate: single.thisUpdate,
    nextUpdate: single.nextUpdate,
  };
}

/** CertID (RFC 6960 § 4.1.1): hashes of the issuer's name and key, and the serial number. */
function certIdMatches(id: CertID, cert: CertificateInfo, issuer: CertificateInfo): boolean {
  const hash = hashOfDigestOid(id.hashAlgorithm.algorithm);
  if (!hash) return false;
  return (
    toHex(new Uint8Array(id.serialNumber)).replace(/^(00)+(?=.)/, "") === cert.serial &&
    equalBytes(new Uint8Array(id.issuerNameHash.buffer), digest(hash, issuer.subjectDer)) &&
    equalBytes(new Uint8Array(id.issuerKeyHash.buffer), digest(hash, issuer.publicKeyBits))
  );
}

/** Reads a DER CRL and returns what it verifiably says about `cert`, or undefined when it is not the issuer's. */
function readCrl(
  der: Uint8Array,
  cert: CertificateInfo,
  issuer: CertificateInfo,
  notes: string[],
): Statement | undefined {
  let crl: CertificateList;
  let tree: ReturnType<typeof parseBer>;
  try {
    crl = AsnConvert.parse(der, CertificateList);
    tree = parseBer(der, "CRL");
  } catch {
    notes.push("a CRL is unreadable and was ignored");
    return undefined;
  }
  const [tbs, sigAlg, sigValue] = tree.children;
  const fields = tbs?.children ?? [];
  const issuerNode = fields[isUniversal(fields[0], UNIVERSAL.INTEGER) ? 2 : 1];
  if (!issuerNode || !sameName(issuerNode.raw, issuer.subjectDer)) return undefined;
  try {
    const scheme = signatureScheme(algorithmId(sigAlg));
    if (!verifySignature(issuer.spki, scheme, tbs!.raw, bitStringBytes(sigValue))) {
      notes.push(`a CRL naming ${issuer.subject} as issuer does not verify with its key`);
      return undefined;
    }
  } catch (e) {
    notes.push(`a CRL of ${issuer.subject}: ${(e as Error).message}`);
    return undefined;
  }
  if (issuer.keyUsage && !issuer.keyUsage.cRLSign) {
    notes.push(`${issuer.subject} may not sign CRLs (keyUsage lacks cRLSign)`);
    return undefined;
  }
  const entry = crl.tbsCertList.revokedCertificates?.find(
    (r) => toHex(new Uint8Array(r.userCertificate)).replace(/^(00)+(?=.)/, "") === cert.serial,
  );
  return {
    status: entry ? "revoked" : "good",
    revokedAt: entry?.revocationDate.getTime(),
    thisUpdate: crl.tbsCertList.thisUpdate.getTime(),
    nextUpdate: crl.tbsCertList.nextUpdate?.getTime(),
  };
}

/** A DER OCSPRequest for one certificate, CertID with SHA-1 as every responder supports (RFC 5019 § 2.1.1). */
export function ocspRequest(cert: CertificateInfo, issuer: CertificateInfo): Uint8Array {
  const certId = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: "1.3.14.3.2.26", parameters: null }),
    issuerNameHash: new OctetString(digest("SHA-1", issuer.subjectDer)),
    issuerKeyHash: new OctetString(digest("SHA-1", issuer.publicKeyBits)),
    serialNumber: cert.serialBytes.slice().buffer,
  });
  const request = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certId })] }) });
  return new Uint8Array(AsnConvert.serialize(request));
}

async function fetchOnline(
  cert: CertificateInfo,
  issuer: CertificateInfo,
  sources: RevocationSources,
  notes: string[],
): Promise<{ statement: Statement; source: RevocationReport["source"] }[]> {
  const online = sources.online!;
  // Called detached: a browser's window.fetch throws "Illegal invocation" when called as a method of another object.
  const fetchFn = online.fetch;
  const timeout = online.timeoutMs ?? 10_000;
  for (const url of cert.ocspUrls) {
    try {
      const response = await fetchFn(url, {
        method: "POST",
        headers: { "content-type": "application/ocsp-request", accept: "application/ocsp-response" },
        body: ocspRequest(cert, issuer) as BodyInit,
        signal: AbortSignal.timeout(timeout),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const s = readOcsp(new Uint8Array(await response.arrayBuffer()), cert, issuer, sources, notes);
      if (s) return [{ statement: s, source: "online-ocsp" }];
      notes.push(`the OCSP responder ${url} gave no usable answer for ${cert.subject}`);
    } catch (e) {
      notes.push(`the OCSP responder ${url} could not be reached: ${(e as Error).message}`);
    }
  }
  for (const url of cert.crlUrls) {
    if (!/^https?:/i.test(url)) continue;
    try {
      const response = await fetchFn(url, { signal: AbortSignal.timeout(timeout) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const s = readCrl(new Uint8Array(await response.arrayBuffer()), cert, issuer, notes);
      if (s) return [{ statement: s, source: "online-crl" }];
      notes.push(`the CRL at ${url} does not speak for ${cert.subject}`);
    } catch (e) {
      notes.push(`the CRL at ${url} could not be fetched: ${(e as Error).message}`);
    }
  }
  return [];
}
