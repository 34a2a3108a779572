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
import { octetString, oid, sequence, tlv } from "../cms/der.js";
import { algorithmId, Certificate } from "../x509/certificate.js";
import { sameName } from "../x509/name.js";
import { OID_KP_OCSP_SIGNING } from "../x509/oids.js";
import {
  AsnStructureError,
  type BerNode,
  bitStringBytes,
  equalBytes,
  expect,
  generalizedTime,
  integerHex,
  isContext,
  isUniversal,
  octetsOf,
  oidOf,
  parseBer,
  toHex,
  UNIVERSAL,
  x509Time,
} from "./ber.js";
import { signedBy } from "./certificate-path.js";
import { digest, hashOfDigestOid, signatureScheme, verifySignature } from "./crypto.js";
import { dateParam, detailOf, type Message, message } from "./messages.js";
import type { RevocationReport } from "./report.js";

/** Tolerated clock difference between us and a responder. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** How long data without nextUpdate speaks for (RFC 6960 § 4.2.2.1: newer data is always available). */
const NO_NEXT_UPDATE_MS = 24 * 3600 * 1000;

export interface RevocationSources {
  readonly ocspResponses: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
  /** Certificates that may have signed a response (responders' certificates besides those in the response). */
  readonly certificates: readonly Certificate[];
  readonly validationTime: Date;
  readonly online?: { readonly fetch: typeof fetch; readonly timeoutMs?: number };
}

export interface RevocationStatus {
  readonly status: "good" | "revoked" | "unknown";
  readonly source: RevocationReport["source"];
  readonly revokedAt?: Date;
  /** The reason was certificateHold (RFC 5280 § 5.3.1): suspended, not finally revoked. */
  readonly onHold?: boolean;
  /** When the deciding data was issued (OCSP thisUpdate, CRL thisUpdate). */
  readonly issuedAt?: Date;
  /** Why data was set aside, for the report. */
  readonly notes: readonly Message[];
}

/** One verified statement about the certificate. */
interface Statement {
  readonly status: "good" | "revoked";
  readonly revokedAt?: Date;
  readonly onHold?: boolean;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

/** The status of `cert` (issued by `issuer`) at `time`. */
export async function revocationStatus(
  cert: Certificate,
  issuer: Certificate,
  time: Date,
  sources: RevocationSources,
): Promise<RevocationStatus> {
  const notes: Message[] = [];
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
  if (embedded.length > 0) notes.push(message("rev.tooOld", { subject: cert.subject, time: dateParam(time) }));
  return { status: "unknown", source: "none", notes };
}

function decide(
  statements: readonly { statement: Statement; source: RevocationReport["source"] }[],
  time: Date,
  validationTime: Date,
): Omit<RevocationStatus, "notes"> | undefined {
  const issued = statements.filter((s) => s.statement.thisUpdate.getTime() <= validationTime.getTime() + CLOCK_SKEW_MS);
  // A final revocation outranks everything; a hold (certificateHold) is lifted by newer data that says good
  // (RFC 5280 § 5.3.1: the entry is removed from later CRLs when the suspension ends).
  const newestGood = Math.max(
    -Infinity,
    ...issued.filter((s) => s.statement.status === "good").map((s) => s.statement.thisUpdate.getTime()),
  );
  const counts = (s: { statement: Statement }) => !s.statement.onHold || s.statement.thisUpdate.getTime() >= newestGood;
  const byTime = (a: { statement: Statement }, b: { statement: Statement }) =>
    a.statement.revokedAt!.getTime() - b.statement.revokedAt!.getTime();
  const revokedAll = issued.filter((s) => s.statement.status === "revoked" && counts(s));
  const revoked = revokedAll.filter((s) => !s.statement.onHold).sort(byTime)[0] ?? revokedAll.sort(byTime)[0];
  if (revoked) {
    return {
      status: "revoked",
      source: revoked.source,
      revokedAt: revoked.statement.revokedAt,
      onHold: revoked.statement.onHold,
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
 * A BasicOCSPResponse (RFC 6960 § 4.2.1), read with the BER reader: the fields the checks below use, and the tree
 * (the signature is verified over tbsResponseData as received).
 */
export interface BasicOcsp {
  readonly tree: BerNode;
  readonly producedAt: Date;
  readonly responses: readonly SingleResponse[];
}

/** SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate, nextUpdate [0] EXPLICIT OPTIONAL, … }. */
export interface SingleResponse {
  readonly certId: OcspCertId;
  readonly status: "good" | "revoked" | "unknown";
  readonly revokedAt?: Date;
  /** RevokedInfo's revocationReason was certificateHold (6). */
  readonly onHold?: boolean;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

/** CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING, serialNumber }. */
export interface OcspCertId {
  readonly hashOid: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  /** The serial's content octets in hex, as written. */
  readonly serialHex: string;
}

/**
 * A DER OCSPResponse parsed once: a document's DSS responses are consulted for every certificate of every
 * signature and time-stamp, so each is decoded once per validation (keyed by the bytes object itself).
 */
const ocspParses = new WeakMap<Uint8Array, BasicOcsp | "unreadable" | undefined>();

function parseOcsp(der: Uint8Array): BasicOcsp | "unreadable" | undefined {
  if (ocspParses.has(der)) return ocspParses.get(der);
  let result: BasicOcsp | "unreadable" | undefined;
  try {
    result = readOcspResponse(der);
  } catch {
    result = "unreadable";
  }
  ocspParses.set(der, result);
  return result;
}

const ENUMERATED = 10;

/**
 * OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL },
 * ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING } (RFC 6960 § 4.2.1). Undefined for a
 * response that is not successful or carries no bytes; throws for a malformed one. Exported for the tests, which
 * compare it with a schema-based ASN.1 decoder.
 */
export function readOcspResponse(der: Uint8Array): BasicOcsp | undefined {
  const response = expect(parseBer(der, "OCSPResponse"), UNIVERSAL.SEQUENCE, "OCSPResponse");
  const [statusNode, bytesNode] = response.children;
  if (!isUniversal(statusNode, ENUMERATED) || statusNode.content.length === 0) {
    throw new AsnStructureError("responseStatus is missing");
  }
  const status = statusNode.content.reduce((n, b) => n * 256 + b, 0);
  if (bytesNode !== undefined && !isContext(bytesNode, 0)) throw new AsnStructureError("unexpected field");
  if (status !== 0 || !bytesNode) return undefined;
  const responseBytes = expect(bytesNode.children[0], UNIVERSAL.SEQUENCE, "ResponseBytes");
  expect(responseBytes.children[0], UNIVERSAL.OID, "responseType");
  const basicDer = octetsOf(responseBytes.children[1], "response");
  const tree = expect(parseBer(basicDer, "BasicOCSPResponse"), UNIVERSAL.SEQUENCE, "BasicOCSPResponse");
  const [tbs, sigAlg, sigValue, certs] = tree.children;
  expect(sigAlg, UNIVERSAL.SEQUENCE, "signatureAlgorithm");
  expect(sigValue, UNIVERSAL.BIT_STRING, "signature");
  if (certs !== undefined && !isContext(certs, 0)) throw new AsnStructureError("unexpected field after signature");
  const fields = expect(tbs, UNIVERSAL.SEQUENCE, "tbsResponseData").children;
  let i = isContext(fields[0], 0) ? 1 : 0; // version [0] EXPLICIT DEFAULT v1
  const responderId = fields[i++];
  if (!isContext(responderId, 1) && !isContext(responderId, 2)) throw new AsnStructureError("responderID is missing");
  const producedAt = generalizedTime(fields[i++], "producedAt");
  const responses = expect(fields[i++], UNIVERSAL.SEQUENCE, "responses").children.map(singleResponse);
  return { tree, producedAt, responses };
}

function singleResponse(node: BerNode): SingleResponse {
  const [certIdNode, statusNode, thisUpdateNode, ...rest] = expect(node, UNIVERSAL.SEQUENCE, "SingleResponse").children;
  const [alg, nameHash, keyHash, serial] = expect(certIdNode, UNIVERSAL.SEQUENCE, "certID").children;
  const certId: OcspCertId = {
    hashOid: algorithmId(expect(alg, UNIVERSAL.SEQUENCE, "hashAlgorithm")).oid,
    issuerNameHash: octetsOf(nameHash, "issuerNameHash"),
    issuerKeyHash: octetsOf(keyHash, "issuerKeyHash"),
    serialHex: toHex(expect(serial, UNIVERSAL.INTEGER, "serialNumber").content),
  };
  // CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL };
  // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }.
  let status: SingleResponse["status"];
  let revokedAt: Date | undefined;
  let onHold = false;
  if (isContext(statusNode, 0)) status = "good";
  else if (isContext(statusNode, 2)) status = "unknown";
  else if (isContext(statusNode, 1) && statusNode.constructed) {
    status = "revoked";
    revokedAt = generalizedTime(statusNode.children[0], "revocationTime");
    const reason = statusNode.children.find((n) => isContext(n, 0))?.children[0];
    // CRLReason ::= ENUMERATED (tag 10); certificateHold (6).
    onHold = !!reason && reason.tagNumber === 10 && reason.content.length === 1 && reason.content[0] === 6;
  } else throw new AsnStructureError("certStatus is missing");
  const thisUpdate = generalizedTime(thisUpdateNode, "thisUpdate");
  const next = rest.find((n) => isContext(n, 0));
  const nextUpdate = next ? generalizedTime(next.children[0], "nextUpdate") : undefined;
  return { certId, status, revokedAt, ...(onHold && { onHold }), thisUpdate, nextUpdate };
}

/** Reads a DER OCSPResponse and returns what it verifiably says about `cert`, or undefined. */
function readOcsp(
  der: Uint8Array,
  cert: Certificate,
  issuer: Certificate,
  sources: RevocationSources,
  notes: Message[],
): Statement | undefined {
  const parsed = parseOcsp(der);
  if (parsed === "unreadable") {
    notes.push(message("rev.ocspUnreadable"));
    return undefined;
  }
  if (!parsed) return undefined;
  const { tree, producedAt } = parsed;
  const single = parsed.responses.find((r) => certIdMatches(r.certId, cert, issuer));
  if (!single) return undefined;
  const [tbs, sigAlg, sigValue, certsNode] = tree.children;
  const embeddedCerts = isContext(certsNode, 0)
    ? (certsNode.children[0]?.children ?? []).flatMap((c) => {
        try {
          return [Certificate.fromDer(c.raw).readAll()];
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
  let scheme: ReturnType<typeof signatureScheme>;
  try {
    scheme = signatureScheme(algorithmId(sigAlg));
  } catch (e) {
    notes.push(message("rev.ocspAlgorithm", { subject: cert.subject, detail: detailOf(e) }));
    return undefined;
  }
  const signature = bitStringBytes(sigValue, "OCSP signature");
  const authorised = responders.find((r) => {
    if (!responderSigned(der, r, () => verifySignature(r.spki, scheme, tbs!.raw, signature))) return false;
    if (equalBytes(r.spki, issuer.spki)) return true;
    // RFC 6960 § 4.2.2.2: a delegated responder is certified by the issuer for id-kp-OCSPSigning.
    return signedBy(r, issuer) && !!r.extendedKeyUsage?.includes(OID_KP_OCSP_SIGNING) && r.validAt(producedAt);
  });
  if (!authorised) {
    notes.push(message("rev.ocspNotAuthorised", { subject: cert.subject }));
    return undefined;
  }
  if (single.status === "unknown") return undefined;
  return {
    status: single.status,
    revokedAt: single.revokedAt,
    onHold: single.onHold,
    thisUpdate: single.thisUpdate,
    nextUpdate: single.nextUpdate,
  };
}

/**
 * Whether `responder`'s key signed the response `der`. Validation asks it of one response each time it checks the
 * certificate the response covers — for a B-LTA signature's signer, six times (the signature, its time-stamps and the
 * archive time-stamp, each at its own time) — and the answer depends only on the bytes and the key: it is worked out
 * once per response (the validation's own bytes object, as `parseOcsp` keys its parses) and responder.
 */
const responseSignatures = new WeakMap<Uint8Array, Map<Certificate, boolean>>();

function responderSigned(der: Uint8Array, responder: Certificate, verify: () => boolean): boolean {
  const byResponder = responseSignatures.get(der) ?? new Map<Certificate, boolean>();
  responseSignatures.set(der, byResponder);
  const known = byResponder.get(responder);
  if (known !== undefined) return known;
  const signed = verify();
  byResponder.set(responder, signed);
  return signed;
}

/** CertID (RFC 6960 § 4.1.1): hashes of the issuer's name and key, and the serial number. */
function certIdMatches(id: OcspCertId, cert: Certificate, issuer: Certificate): boolean {
  const hash = hashOfDigestOid(id.hashOid);
  if (!hash) return false;
  return (
    id.serialHex.replace(/^(00)+(?=.)/, "") === cert.serial &&
    equalBytes(id.issuerNameHash, digest(hash, issuer.subjectDer)) &&
    equalBytes(id.issuerKeyHash, digest(hash, issuer.publicKeyBits))
  );
}

/** Reads a DER CRL and returns what it verifiably says about `cert`, or undefined when it is not the issuer's. */
function readCrl(der: Uint8Array, cert: Certificate, issuer: Certificate, notes: Message[]): Statement | undefined {
  let tree: ReturnType<typeof parseBer>;
  try {
    tree = parseBer(der, "CRL");
    expect(tree, UNIVERSAL.SEQUENCE, "CertificateList");
    expect(tree.children[0], UNIVERSAL.SEQUENCE, "TBSCertList");
  } catch {
    notes.push(message("rev.crlUnreadable"));
    return undefined;
  }
  const [tbs, sigAlg, sigValue] = tree.children;
  const fields = tbs?.children ?? [];
  const issuerNode = fields[isUniversal(fields[0], UNIVERSAL.INTEGER) ? 2 : 1];
  if (!issuerNode || !sameName(issuerNode.raw, issuer.subjectDer)) return undefined;
  try {
    const scheme = signatureScheme(algorithmId(sigAlg));
    if (!verifySignature(issuer.spki, scheme, tbs!.raw, bitStringBytes(sigValue))) {
      notes.push(message("rev.crlSignature", { issuer: issuer.subject }));
      return undefined;
    }
  } catch (e) {
    notes.push(message("rev.crlProblem", { issuer: issuer.subject, detail: detailOf(e) }));
    return undefined;
  }
  if (issuer.keyUsage && !issuer.keyUsage.cRLSign) {
    notes.push(message("rev.crlNoCrlSign", { issuer: issuer.subject }));
    return undefined;
  }
  // TBSCertList (RFC 5280 § 5.1): version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0].
  let list: { entry?: BerNode; revokedAt?: Date; onHold: boolean; thisUpdate: Date; nextUpdate?: Date };
  try {
    const rest = fields.slice(fields.indexOf(issuerNode) + 1);
    const thisUpdate = x509Time(rest[0], "thisUpdate");
    const timed = isUniversal(rest[1], UNIVERSAL.UTC_TIME) || isUniversal(rest[1], UNIVERSAL.GENERALIZED_TIME);
    const nextUpdate = timed ? x509Time(rest[1], "nextUpdate") : undefined;
    const revoked = rest[timed ? 2 : 1];
    const entries = isUniversal(revoked, UNIVERSAL.SEQUENCE) ? revoked.children : [];
    const entry = entries.find((e) => integerHex(e.children[0], "userCertificate") === cert.serial);
    const revokedAt = entry ? x509Time(entry.children[1], "revocationDate") : undefined;
    // The entry's reasonCode extension (RFC 5280 § 5.3.1): certificateHold (6) is a suspension.
    const extensions = entry?.children.find((n) => isUniversal(n, UNIVERSAL.SEQUENCE))?.children ?? [];
    const reason = extensions.find((e) => oidOf(e.children[0]) === "2.5.29.21")?.children.at(-1);
    const reasonCode = reason ? octetsOf(reason) : undefined;
    const onHold = !!reasonCode && reasonCode.at(-1) === 6 && reasonCode[0] === 0x0a;
    list = { entry, revokedAt, onHold, thisUpdate, nextUpdate };
  } catch {
    notes.push(message("rev.crlUnreadable"));
    return undefined;
  }
  return {
    status: list.entry ? "revoked" : "good",
    revokedAt: list.revokedAt,
    onHold: list.onHold,
    thisUpdate: list.thisUpdate,
    nextUpdate: list.nextUpdate,
  };
}

/**
 * A DER OCSPRequest for one certificate, CertID with SHA-1 as every responder supports (RFC 5019 § 2.1.1):
 * OCSPRequest ::= SEQUENCE { tbsRequest SEQUENCE { requestList SEQUENCE OF Request SEQUENCE { reqCert CertID } } }
 * (RFC 6960 § 4.1.1), the serial number's content octets as the certificate has them.
 */
export function ocspRequest(cert: Certificate, issuer: Certificate): Uint8Array {
  const certId = sequence(
    sequence(oid("1.3.14.3.2.26"), Uint8Array.of(0x05, 0x00)),
    octetString(digest("SHA-1", issuer.subjectDer)),
    octetString(digest("SHA-1", issuer.publicKeyBits)),
    tlv(UNIVERSAL.INTEGER, cert.serialBytes),
  );
  return sequence(sequence(sequence(sequence(certId))));
}

async function fetchOnline(
  cert: Certificate,
  issuer: Certificate,
  sources: RevocationSources,
  notes: Message[],
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
      notes.push(message("rev.ocspNoAnswer", { url, subject: cert.subject }));
    } catch (e) {
      notes.push(message("rev.ocspUnreachable", { url, detail: detailOf(e) }));
    }
  }
  for (const url of cert.crlUrls) {
    if (!/^https?:/i.test(url)) continue;
    try {
      const response = await fetchFn(url, { signal: AbortSignal.timeout(timeout) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const s = readCrl(new Uint8Array(await response.arrayBuffer()), cert, issuer, notes);
      if (s) return [{ statement: s, source: "online-crl" }];
      notes.push(message("rev.crlNotForCertificate", { url, subject: cert.subject }));
    } catch (e) {
      notes.push(message("rev.crlUnreachable", { url, detail: detailOf(e) }));
    }
  }
  return [];
}
