/**
 * X.509 certificates as the validation checks see them (RFC 5280 § 4): parsed once into plain facts, with the
 * exact bytes that signatures and CertIDs are computed over, so every check is a small function of this data.
 */
import {
  type BerNode,
  bitStringBytes,
  booleanOf,
  expect,
  type GeneralName,
  generalName,
  generalNames,
  integerHex,
  integerNumber,
  isContext,
  isUniversal,
  namedBit,
  octetsOf,
  oidOf,
  parseBer,
  stringOf,
  toHex,
  UNIVERSAL,
  x509Time,
} from "./ber.js";
import { type AlgorithmId, digest } from "./crypto.js";
import { type ConstrainedNames, type NameConstraintSet, parseNameConstraints, rdnsOf } from "./name-constraints.js";

/** id-pkix-ocsp-nocheck (RFC 6960 § 4.2.2.2.1), id-kp-timeStamping, id-kp-OCSPSigning (RFC 5280 § 4.2.1.12). */
export const OID_OCSP_NOCHECK = "1.3.6.1.5.5.7.48.1.5";
export const OID_KP_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
export const OID_KP_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";
const OID_AD_OCSP = "1.3.6.1.5.5.7.48.1";
const OID_AD_CA_ISSUERS = "1.3.6.1.5.5.7.48.2";
/** Extensions read here (RFC 5280 § 4.2.1 and § 4.2.2). */
const EXT = {
  authorityKeyIdentifier: "2.5.29.35",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  cRLDistributionPoints: "2.5.29.31",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
} as const;

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
  /** Where the issuer's certificate is published (AIA id-ad-caIssuers, RFC 5280 § 4.2.2.1). */
  readonly caIssuersUrls: readonly string[];
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
  const [serial, , issuer, validity, subject, spki] = f;
  const spkiNode = expect(spki, UNIVERSAL.SEQUENCE, "subjectPublicKeyInfo");
  const [notBefore, notAfter] = expect(validity, UNIVERSAL.SEQUENCE, "validity").children;
  // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (§ 4.1).
  const extensions = (f.find((n) => isContext(n, 3))?.children[0]?.children ?? []).map((e) => {
    const x = expect(e, UNIVERSAL.SEQUENCE, "Extension").children;
    return {
      oid: oidOf(x[0], "extnID"),
      critical: isUniversal(x[1], UNIVERSAL.BOOLEAN) && booleanOf(x[1]),
      value: octetsOf(x.at(-1), "extnValue"),
    };
  });
  const ext = (oid: string) => {
    const value = extensions.find((e) => e.oid === oid)?.value;
    return value && parseBer(value, `extension ${oid}`);
  };
  const bc = ext(EXT.basicConstraints);
  const ku = ext(EXT.keyUsage);
  const eku = ext(EXT.extKeyUsage);
  const ski = ext(EXT.subjectKeyIdentifier);
  const aki = ext(EXT.authorityKeyIdentifier)?.children.find((n) => isContext(n, 0));
  const aia = ext(EXT.authorityInfoAccess);
  const crldp = ext(EXT.cRLDistributionPoints);
  const nc = extensions.find((e) => e.oid === EXT.nameConstraints)?.value;
  const san = ext(EXT.subjectAltName);
  const issuerDer = expect(issuer, UNIVERSAL.SEQUENCE, "issuer").raw;
  const subjectDer = expect(subject, UNIVERSAL.SEQUENCE, "subject").raw;
  const uris = (names: readonly GeneralName[]) =>
    names.flatMap((n) => (n.form === "uniformResourceIdentifier" ? [n.text] : []));
  const accessUrls = (method: string) =>
    aia
      ? uris(aia.children.filter((a) => oidOf(a.children[0]) === method).map((a) => generalName(a.children[1]!)))
      : [];
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
    notBefore: x509Time(notBefore, "notBefore"),
    notAfter: x509Time(notAfter, "notAfter"),
    subjectKeyIdentifier: ski ? toHex(octetsOf(ski, "subjectKeyIdentifier")) : undefined,
    authorityKeyIdentifier: aki ? toHex(aki.content) : undefined,
    // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
    basicConstraints: bc
      ? {
          ca: isUniversal(bc.children[0], UNIVERSAL.BOOLEAN) && booleanOf(bc.children[0]),
          pathLength: ((n) => (n ? integerNumber(n, "pathLenConstraint") : undefined))(
            bc.children.find((n) => isUniversal(n, UNIVERSAL.INTEGER)),
          ),
        }
      : undefined,
    keyUsage: ku
      ? {
          digitalSignature: namedBit(expect(ku, UNIVERSAL.BIT_STRING, "keyUsage"), 0),
          nonRepudiation: namedBit(ku, 1),
          keyCertSign: namedBit(ku, 5),
          cRLSign: namedBit(ku, 6),
        }
      : undefined,
    extendedKeyUsage: eku ? eku.children.map((n) => oidOf(n, "KeyPurposeId")) : undefined,
    ocspNoCheck: extensions.some((e) => e.oid === OID_OCSP_NOCHECK),
    // AccessDescription ::= SEQUENCE { accessMethod OID, accessLocation GeneralName }
    ocspUrls: accessUrls(OID_AD_OCSP),
    caIssuersUrls: accessUrls(OID_AD_CA_ISSUERS),
    // DistributionPoint ::= SEQUENCE { distributionPoint [0] { fullName [0] IMPLICIT GeneralNames | … } OPTIONAL, … }
    crlUrls: crldp
      ? crldp.children.flatMap((dp) => {
          const name = dp.children.find((n) => isContext(n, 0))?.children[0];
          return isContext(name, 0) ? uris(generalNames(name)) : [];
        })
      : [],
    selfIssued: sameName(issuerDer, subjectDer),
    criticalExtensions: extensions.filter((e) => e.critical).map((e) => e.oid),
    nameConstraints: nc ? parseNameConstraints(nc) : undefined,
    names: constrainedNames(subjectDer, san ? generalNames(san) : []),
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
    emails: [...san.flatMap((n) => (n.form === "rfc822Name" ? [n.text] : [])), ...emailAttributes],
    dns: san.flatMap((n) => (n.form === "dNSName" ? [n.text] : [])),
    uris: san.flatMap((n) => (n.form === "uniformResourceIdentifier" ? [n.text] : [])),
    ips: san.flatMap((n) =>
      n.form === "iPAddress" && (n.bytes.length === 4 || n.bytes.length === 16) ? [n.bytes] : [],
    ),
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
  const na = normalisedName(a);
  return na !== undefined && na === normalisedName(b);
}

/** The compared form of a name, kept per byte array: the same certificates' names are compared over and over. */
const normalisedNames = new WeakMap<Uint8Array, string | undefined>();

function normalisedName(name: Uint8Array): string | undefined {
  if (normalisedNames.has(name)) return normalisedNames.get(name);
  let norm: string | undefined;
  try {
    norm = rfc4514(parseBer(name)).toLowerCase().replace(/\s+/g, " ");
  } catch {
    norm = undefined;
  }
  normalisedNames.set(name, norm);
  return norm;
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

/** RFC 4514 § 2: RDNs last to first, `type=value`, multi-valued RDNs joined with `+`, specials escaped. */
export function rfc4514(name: BerNode): string {
  return [...name.children]
    .reverse()
    .map((rdn) =>
      rdn.children
        .map((atv) => {
          const type = oidOf(atv.children[0]);
          const text = atv.children[1] ? stringOf(atv.children[1]) : "";
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
      if (oidOf(atv.children[0]) === oid && atv.children[1]) return stringOf(atv.children[1]);
  return null;
}

/** Whether `cert` is valid at `time` (RFC 5280 § 4.1.2.5, both ends inclusive). */
export function validAt(cert: CertificateInfo, time: Date): boolean {
  return cert.notBefore.getTime() <= time.getTime() && time.getTime() <= cert.notAfter.getTime();
}
