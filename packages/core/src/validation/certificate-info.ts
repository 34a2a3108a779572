/**
 * X.509 certificates as the validation checks see them (RFC 5280 § 4): parsed once into plain facts, with the
 * exact bytes that signatures and CertIDs are computed over, so every check is a small function of this data.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  type GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_pe_authorityInfoAccess,
  KeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import {
  type BerNode,
  bitStringBytes,
  expect,
  integerHex,
  isContext,
  oidOf,
  parseBer,
  toHex,
  UNIVERSAL,
} from "./ber.js";
import { type AlgorithmId, digest } from "./crypto.js";
import {
  type ConstrainedNames,
  ipBytes,
  type NameConstraintSet,
  parseNameConstraints,
  rdnsOf,
} from "./name-constraints.js";

/** id-pkix-ocsp-nocheck (RFC 6960 § 4.2.2.2.1), id-kp-timeStamping, id-kp-OCSPSigning (RFC 5280 § 4.2.1.12). */
export const OID_OCSP_NOCHECK = "1.3.6.1.5.5.7.48.1.5";
export const OID_KP_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
export const OID_KP_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";
const OID_AD_OCSP = "1.3.6.1.5.5.7.48.1";

/** keyUsage bits (RFC 5280 § 4.2.1.3), as booleans. */
export interface KeyUsageFacts {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

/** One certificate, parsed once. */
export interface CertificateInfo {
  readonly der: Uint8Array;
  /** SHA-256 of the DER, hex: identity for loops and de-duplication. */
  readonly fingerprint: string;
  /** The TBSCertificate exactly as received: what the issuer signed. */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmId;
  readonly signatureValue: Uint8Array;
  /** Name SEQUENCEs as received. */
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  /** RFC 4514 strings. */
  readonly issuer: string;
  readonly subject: string;
  /** The subject's countryName, if any. */
  readonly country: string | null;
  /** Serial number, lower-case hex without leading zeros. */
  readonly serial: string;
  /** The serialNumber INTEGER content octets as received (for ESSCertID and CRL comparison). */
  readonly serialBytes: Uint8Array;
  readonly spki: Uint8Array;
  /** The subjectPublicKey BIT STRING value (what OCSP issuerKeyHash hashes, RFC 6960 § 4.1.1). */
  readonly publicKeyBits: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectKeyIdentifier?: string;
  readonly authorityKeyIdentifier?: string;
  /** basicConstraints; undefined when the extension is absent. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** keyUsage; undefined when the extension is absent (all uses allowed, § 4.2.1.3). */
  readonly keyUsage?: KeyUsageFacts;
  /** extKeyUsage purposes; undefined when absent. */
  readonly extendedKeyUsage?: readonly string[];
  readonly ocspNoCheck: boolean;
  readonly ocspUrls: readonly string[];
  readonly crlUrls: readonly string[];
  /** Issuer and subject names are the same (§ 6.1: self-issued). */
  readonly selfIssued: boolean;
  /** OIDs of the extensions marked critical (RFC 5280 § 4.2: one a validator does not recognise fails the path). */
  readonly criticalExtensions: readonly string[];
  /** nameConstraints of a CA certificate (§ 4.2.1.10); undefined when absent. */
  readonly nameConstraints?: NameConstraintSet;
  /** The names name constraints apply to (§ 6.1.3 (b)). */
  readonly names: ConstrainedNames;
}

const cache = new Map<string, CertificateInfo>();

/** Parses a DER (or BER) certificate; throws with a plain message when it is not one. */
export function certificateInfo(der: Uint8Array): CertificateInfo {
  const fingerprint = toHex(digest("SHA-256", der));
  const cached = cache.get(fingerprint);
  if (cached) return cached;
  const root = parseBer(der, "certificate");
  const [tbs, sigAlg, sigValue] = expect(root, UNIVERSAL.SEQUENCE, "Certificate").children;
  const fields = expect(tbs, UNIVERSAL.SEQUENCE, "TBSCertificate").children;
  const f = isContext(fields[0], 0) ? fields.slice(1) : fields;
  const [serial, , issuer, , subject, spki] = f;
  const spkiNode = expect(spki, UNIVERSAL.SEQUENCE, "subjectPublicKeyInfo");
  const parsed = AsnConvert.parse(der, Certificate);
  const ext = (oid: string) => parsed.tbsCertificate.extensions?.find((e) => e.extnID === oid)?.extnValue.buffer;
  const bc = ext(id_ce_basicConstraints);
  const basic = bc ? AsnConvert.parse(bc, BasicConstraints) : undefined;
  const ku = ext(id_ce_keyUsage);
  const usage = ku ? AsnConvert.parse(ku, KeyUsage) : undefined;
  const eku = ext(id_ce_extKeyUsage);
  const ski = ext(id_ce_subjectKeyIdentifier);
  const aki = ext(id_ce_authorityKeyIdentifier);
  const akiValue = aki ? AsnConvert.parse(aki, AuthorityKeyIdentifier).keyIdentifier : undefined;
  const aia = ext(id_pe_authorityInfoAccess);
  const crldp = ext(id_ce_cRLDistributionPoints);
  const nc = ext(id_ce_nameConstraints);
  const san = ext(id_ce_subjectAltName);
  const issuerDer = expect(issuer, UNIVERSAL.SEQUENCE, "issuer").raw;
  const subjectDer = expect(subject, UNIVERSAL.SEQUENCE, "subject").raw;
  const info: CertificateInfo = {
    der,
    fingerprint,
    tbs: tbs!.raw,
    signatureAlgorithm: algorithmId(sigAlg),
    signatureValue: bitStringBytes(sigValue, "certificate signature"),
    issuerDer,
    subjectDer,
    issuer: rfc4514(issuer!),
    subject: rfc4514(subject!),
    country: nameAttribute(subject!, "2.5.4.6"),
    serial: integerHex(serial, "serialNumber"),
    serialBytes: serial!.content,
    spki: spkiNode.raw,
    publicKeyBits: bitStringBytes(spkiNode.children[1], "subjectPublicKey"),
    notBefore: parsed.tbsCertificate.validity.notBefore.getTime(),
    notAfter: parsed.tbsCertificate.validity.notAfter.getTime(),
    subjectKeyIdentifier: ski ? toHex(new Uint8Array(AsnConvert.parse(ski, SubjectKeyIdentifier).buffer)) : undefined,
    authorityKeyIdentifier: akiValue ? toHex(new Uint8Array(akiValue.buffer)) : undefined,
    basicConstraints: bc ? { ca: !!basic?.cA, pathLength: basic?.pathLenConstraint } : undefined,
    keyUsage: usage
      ? {
          digitalSignature: (usage.toNumber() & 1) !== 0,
          nonRepudiation: (usage.toNumber() & 2) !== 0,
          keyCertSign: (usage.toNumber() & 32) !== 0,
          cRLSign: (usage.toNumber() & 64) !== 0,
        }
      : undefined,
    extendedKeyUsage: eku ? [...AsnConvert.parse(eku, ExtendedKeyUsage)] : undefined,
    ocspNoCheck: !!ext(OID_OCSP_NOCHECK),
    ocspUrls: aia
      ? AsnConvert.parse(aia, AuthorityInfoAccessSyntax)
          .filter((a) => a.accessMethod === OID_AD_OCSP && a.accessLocation.uniformResourceIdentifier)
          .map((a) => a.accessLocation.uniformResourceIdentifier!)
      : [],
    crlUrls: crldp
      ? AsnConvert.parse(crldp, CRLDistributionPoints).flatMap((dp) =>
          (dp.distributionPoint?.fullName ?? []).flatMap((n) =>
            n.uniformResourceIdentifier ? [n.uniformResourceIdentifier] : [],
          ),
        )
      : [],
    selfIssued: sameName(issuerDer, subjectDer),
    criticalExtensions: (parsed.tbsCertificate.extensions ?? []).filter((e) => e.critical).map((e) => e.extnID),
    nameConstraints: nc ? parseNameConstraints(nc) : undefined,
    names: constrainedNames(subjectDer, san ? AsnConvert.parse(san, SubjectAlternativeName) : []),
  };
  if (cache.size > 1000) cache.clear();
  cache.set(fingerprint, info);
  return info;
}

/** The subject DN's RDNs, and the e-mail addresses (subjectAltName and emailAddress attributes), DNS names, URIs and
 * IP addresses a certificate names. */
function constrainedNames(subjectDer: Uint8Array, san: readonly GeneralName[]): ConstrainedNames {
  const subjectRdns = rdnsOf(subjectDer);
  const emailAttributes = subjectRdns.flatMap((rdn) =>
    rdn
      .split("+")
      .filter((atv) => atv.startsWith("1.2.840.113549.1.9.1="))
      .map((atv) => atv.slice("1.2.840.113549.1.9.1=".length)),
  );
  return {
    subjectRdns,
    emails: [...san.flatMap((n) => (n.rfc822Name ? [n.rfc822Name] : [])), ...emailAttributes],
    dns: san.flatMap((n) => (n.dNSName ? [n.dNSName] : [])),
    uris: san.flatMap((n) => (n.uniformResourceIdentifier ? [n.uniformResourceIdentifier] : [])),
    ips: san.flatMap((n) => {
      const bytes = n.iPAddress ? ipBytes(n.iPAddress) : undefined;
      return bytes ? [bytes] : [];
    }),
  };
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } (RFC 5280 § 4.1.1.2). */
export function algorithmId(node: BerNode | undefined): AlgorithmId {
  const seq = expect(node, UNIVERSAL.SEQUENCE, "AlgorithmIdentifier");
  return { oid: oidOf(seq.children[0]), parameters: seq.children[1]?.raw };
}

/** Name comparison (RFC 5280 § 7.1): byte equality, else the RFC 4514 forms ignoring case and spacing. */
export function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === b.length && a.every((x, i) => x === b[i])) return true;
  try {
    const norm = (n: Uint8Array) => rfc4514(parseBer(n)).toLowerCase().replace(/\s+/g, " ");
    return norm(a) === norm(b);
  } catch {
    return false;
  }
}

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "SERIALNUMBER",
  "2.5.4.97": "organizationIdentifier",
  "2.5.4.4": "SN",
  "2.5.4.42": "GN",
  "1.2.840.113549.1.9.1": "E",
  "0.9.2342.19200300.100.1.25": "DC",
};

function attributeText(value: BerNode): string {
  if (value.tagNumber === 30) {
    // BMPString: UTF-16BE.
    let s = "";
    for (let i = 0; i + 1 < value.content.length; i += 2)
      s += String.fromCharCode((value.content[i]! << 8) | value.content[i + 1]!);
    return s;
  }
  if (value.tagNumber === 20) return String.fromCharCode(...value.content); // TeletexString, read as Latin-1
  return new TextDecoder().decode(value.content);
}

/** RFC 4514 § 2: RDNs last to first, `type=value`, multi-valued RDNs joined with `+`, specials escaped. */
export function rfc4514(name: BerNode): string {
  return [...name.children]
    .reverse()
    .map((rdn) =>
      rdn.children
        .map((atv) => {
          const type = oidOf(atv.children[0]);
          const text = atv.children[1] ? attributeText(atv.children[1]) : "";
          const escaped = text
            .replace(/([\\,+"<>;=])/g, "\\$1")
            .replace(/^([ #])/, "\\$1")
            .replace(/ $/, "\\ ");
          return `${SHORT_NAMES[type] ?? type}=${escaped}`;
        })
        .join("+"),
    )
    .join(",");
}

function nameAttribute(name: BerNode, oid: string): string | null {
  for (const rdn of name.children)
    for (const atv of rdn.children)
      if (oidOf(atv.children[0]) === oid && atv.children[1]) return attributeText(atv.children[1]);
  return null;
}

/** Whether `cert` is valid at `time` (RFC 5280 § 4.1.2.5, both ends inclusive). */
export function validAt(cert: CertificateInfo, time: Date): boolean {
  return cert.notBefore.getTime() <= time.getTime() && time.getTime() <= cert.notAfter.getTime();
}
