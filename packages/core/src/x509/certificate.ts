/**
 * The one reading of an X.509 certificate (RFC 5280 § 4) in the library: signing, the certificate authorities, the
 * validator, the OCSP client and the server all read certificates through {@link Certificate}.
 *
 * ```
 * Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
 *                            signatureValue BIT STRING }
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, serialNumber CertificateSerialNumber,
 *   signature AlgorithmIdentifier, issuer Name, validity Validity, subject Name,
 *   subjectPublicKeyInfo SubjectPublicKeyInfo, issuerUniqueID [1] IMPLICIT UniqueIdentifier OPTIONAL,
 *   subjectUniqueID [2] IMPLICIT UniqueIdentifier OPTIONAL, extensions [3] EXPLICIT Extensions OPTIONAL }
 * ```
 *
 * Built on the BER reader (`validation/ber.ts`), because certificates come from other producers; every part keeps the
 * exact bytes it was read from (signatures, CertIDs and IssuerAndSerialNumber are made over them). {@link
 * Certificate.fromDer} reads the skeleton — what decides whether the bytes are a certificate at all — and each
 * further fact (names as strings, extensions) is parsed the first time it is asked for, once. Certificates are kept
 * by fingerprint, so one seen in several places (a CMS, the DSS, a trust anchor) is parsed once.
 *
 * Writing certificates (the CA issuing) is `pki/certificate.ts`, with an ASN.1 schema library; nothing here loads one,
 * so that the command line's `verify` and the browser stay light.
 */
import { digest } from "#crypto";
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
  toHex,
  UNIVERSAL,
  x509Time,
} from "../validation/ber.js";
import type { AlgorithmId } from "../validation/crypto.js";
import {
  type ConstrainedNames,
  type NameConstraintSet,
  parseNameConstraints,
  rdnsOf,
} from "../validation/name-constraints.js";
import { nameAttribute, rfc4514, sameName } from "./name.js";
import { EXTENSION, OID_AD_CA_ISSUERS, OID_AD_OCSP, OID_COUNTRY } from "./oids.js";

/** keyUsage bits (RFC 5280 § 4.2.1.3), as booleans. */
export interface KeyUsageFacts {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

/** Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (§ 4.1). */
export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue's content: the DER of the extension's own value. */
  readonly value: Uint8Array;
}

/** basicConstraints (§ 4.2.1.9). */
export interface BasicConstraintsFacts {
  readonly ca: boolean;
  readonly pathLength?: number;
}

/** One certificate: its bytes, the parts read from them, and its facts parsed on first use. */
export class Certificate {
  /** The certificate as received. */
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
  /** Serial number, lower-case hex without leading zeros. */
  readonly serial: string;
  /** The serialNumber INTEGER content octets as received (for ESSCertID and CRL comparison). */
  readonly serialBytes: Uint8Array;
  /** The serialNumber INTEGER as received, tag and length included (IssuerAndSerialNumber, RFC 5652 § 10.2.4). */
  readonly serialNumberDer: Uint8Array;
  /** The SubjectPublicKeyInfo as received. */
  readonly spki: Uint8Array;
  /** The subjectPublicKey BIT STRING value (what OCSP issuerKeyHash and key identifiers hash, RFC 6960 § 4.1.1). */
  readonly publicKeyBits: Uint8Array;
  /** The subjectPublicKeyInfo's algorithm (rsaEncryption, id-ecPublicKey with its curve, …). */
  readonly publicKeyAlgorithm: AlgorithmId;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Every extension, in the order of the certificate. */
  readonly extensions: readonly CertificateExtension[];

  readonly #issuer: BerNode;
  readonly #subject: BerNode;
  readonly #facts = new Map<string, unknown>();

  private constructor(der: Uint8Array, fingerprint: string) {
    const root = parseBer(der, "certificate");
    const [tbs, sigAlg, sigValue] = expect(root, UNIVERSAL.SEQUENCE, "Certificate").children;
    const fields = expect(tbs, UNIVERSAL.SEQUENCE, "TBSCertificate").children;
    const f = isContext(fields[0], 0) ? fields.slice(1) : fields;
    const [serial, , issuer, validity, subject, spki] = f;
    const spkiNode = expect(spki, UNIVERSAL.SEQUENCE, "subjectPublicKeyInfo");
    const [notBefore, notAfter] = expect(validity, UNIVERSAL.SEQUENCE, "validity").children;
    this.der = der;
    this.fingerprint = fingerprint;
    this.tbs = tbs!.raw;
    this.signatureAlgorithm = algorithmId(sigAlg);
    this.signatureValue = bitStringBytes(sigValue, "certificate signature");
    this.#issuer = expect(issuer, UNIVERSAL.SEQUENCE, "issuer");
    this.#subject = expect(subject, UNIVERSAL.SEQUENCE, "subject");
    this.issuerDer = this.#issuer.raw;
    this.subjectDer = this.#subject.raw;
    this.serialNumberDer = expect(serial, UNIVERSAL.INTEGER, "serialNumber").raw;
    this.serialBytes = serial!.content;
    this.serial = integerHex(serial, "serialNumber");
    this.spki = spkiNode.raw;
    this.publicKeyAlgorithm = algorithmId(spkiNode.children[0]);
    this.publicKeyBits = bitStringBytes(spkiNode.children[1], "subjectPublicKey");
    this.notBefore = x509Time(notBefore, "notBefore");
    this.notAfter = x509Time(notAfter, "notAfter");
    this.extensions = (f.find((n) => isContext(n, 3))?.children[0]?.children ?? []).map((e) => {
      const x = expect(e, UNIVERSAL.SEQUENCE, "Extension").children;
      return {
        oid: oidOf(x[0], "extnID"),
        critical: isUniversal(x[1], UNIVERSAL.BOOLEAN) && booleanOf(x[1]),
        value: octetsOf(x.at(-1), "extnValue"),
      };
    });
  }

  /**
   * Reads a DER (or BER) certificate; throws an AsnStructureError with a plain message when it is not one. The
   * same bytes give the same object.
   */
  static fromDer(der: Uint8Array): Certificate {
    const known = byBytes.get(der);
    if (known) return known;
    const fingerprint = toHex(digest("SHA-256", der));
    let cert = byFingerprint.get(fingerprint);
    if (!cert) {
      cert = new Certificate(der, fingerprint);
      if (byFingerprint.size > 1000) byFingerprint.clear();
      byFingerprint.set(fingerprint, cert);
    }
    byBytes.set(der, cert);
    return cert;
  }

  /**
   * Parses every fact now, so that a malformed extension is found where the caller handles an unreadable certificate
   * (the validator sets it aside with a warning) rather than later, where nothing expects a throw.
   */
  readAll(): this {
    for (const fact of FACTS) void this[fact];
    return this;
  }

  /** RFC 4514 strings. */
  get issuer(): string {
    return this.#fact("issuer", () => rfc4514(this.#issuer));
  }
  get subject(): string {
    return this.#fact("subject", () => rfc4514(this.#subject));
  }
  /** The subject's countryName, if any. */
  get country(): string | null {
    return this.subjectAttribute(OID_COUNTRY);
  }
  /** Issuer and subject names are the same (§ 6.1: self-issued). */
  get selfIssued(): boolean {
    return this.#fact("selfIssued", () => sameName(this.issuerDer, this.subjectDer));
  }

  /** The value of the first subject attribute of type `oid` (X.520: 2.5.4.3 commonName, …), or null. */
  subjectAttribute(oid: string): string | null {
    return this.#fact(`subject ${oid}`, () => nameAttribute(this.#subject, oid));
  }

  /** The value of the first issuer attribute of type `oid`, or null. */
  issuerAttribute(oid: string): string | null {
    return this.#fact(`issuer ${oid}`, () => nameAttribute(this.#issuer, oid));
  }

  /** Whether the certificate is valid at `time` (RFC 5280 § 4.1.2.5, both ends inclusive). */
  validAt(time: Date): boolean {
    return this.notBefore.getTime() <= time.getTime() && time.getTime() <= this.notAfter.getTime();
  }

  /** The extension with `oid`, if the certificate has it. */
  extension(oid: string): CertificateExtension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  /** OIDs of the extensions marked critical (RFC 5280 § 4.2: one a validator does not recognise fails the path). */
  get criticalExtensions(): readonly string[] {
    return this.#fact("critical", () => this.extensions.filter((e) => e.critical).map((e) => e.oid));
  }

  /** basicConstraints; undefined when the extension is absent. */
  get basicConstraints(): BasicConstraintsFacts | undefined {
    // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
    return this.#extension(EXTENSION.basicConstraints, (bc) => {
      const pathLength = bc.children.find((n) => isUniversal(n, UNIVERSAL.INTEGER));
      return {
        ca: isUniversal(bc.children[0], UNIVERSAL.BOOLEAN) && booleanOf(bc.children[0]),
        pathLength: pathLength ? integerNumber(pathLength, "pathLenConstraint") : undefined,
      };
    });
  }

  /** keyUsage; undefined when the extension is absent (all uses allowed, § 4.2.1.3). */
  get keyUsage(): KeyUsageFacts | undefined {
    return this.#extension(EXTENSION.keyUsage, (ku) => ({
      digitalSignature: namedBit(expect(ku, UNIVERSAL.BIT_STRING, "keyUsage"), 0),
      nonRepudiation: namedBit(ku, 1),
      keyCertSign: namedBit(ku, 5),
      cRLSign: namedBit(ku, 6),
    }));
  }

  /** extKeyUsage purposes; undefined when absent. */
  get extendedKeyUsage(): readonly string[] | undefined {
    return this.#extension(EXTENSION.extKeyUsage, (eku) => eku.children.map((n) => oidOf(n, "KeyPurposeId")));
  }

  /**
   * Whether `candidate` is named as this certificate's issuer: its subject is this issuer name and, when both are
   * present, its subject key identifier is this authority key identifier (RFC 4158 § 3.5.12). The signature is not
   * checked (the validator's path building does that, validation/certificate-path.ts).
   */
  namesIssuer(candidate: Certificate): boolean {
    if (!sameName(this.issuerDer, candidate.subjectDer)) return false;
    const aki = this.authorityKeyIdentifier;
    const ski = candidate.subjectKeyIdentifier;
    return !aki || !ski || aki === ski;
  }

  /** subjectKeyIdentifier (§ 4.2.1.2), hex. */
  get subjectKeyIdentifier(): string | undefined {
    return this.#extension(EXTENSION.subjectKeyIdentifier, (ski) => toHex(octetsOf(ski, "subjectKeyIdentifier")));
  }

  /** The keyIdentifier of authorityKeyIdentifier (§ 4.2.1.1), hex. */
  get authorityKeyIdentifier(): string | undefined {
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] KeyIdentifier OPTIONAL, … }
    return this.#extension(EXTENSION.authorityKeyIdentifier, (aki) => {
      const id = aki.children.find((n) => isContext(n, 0));
      return id ? toHex(id.content) : undefined;
    });
  }

  /** id-pkix-ocsp-nocheck is present (RFC 6960 § 4.2.2.2.1). */
  get ocspNoCheck(): boolean {
    return this.extension(EXTENSION.ocspNoCheck) !== undefined;
  }

  /** Where the issuer answers OCSP requests (AIA id-ad-ocsp, § 4.2.2.1). */
  get ocspUrls(): readonly string[] {
    return this.#accessUrls(OID_AD_OCSP);
  }

  /** Where the issuer's certificate is published (AIA id-ad-caIssuers, RFC 5280 § 4.2.2.1). */
  get caIssuersUrls(): readonly string[] {
    return this.#accessUrls(OID_AD_CA_ISSUERS);
  }

  /** The URIs of the CRL distribution points' full names (§ 4.2.1.13). */
  get crlUrls(): readonly string[] {
    // DistributionPoint ::= SEQUENCE { distributionPoint [0] { fullName [0] IMPLICIT GeneralNames | … } OPTIONAL, … }
    const urls = this.#extension(EXTENSION.cRLDistributionPoints, (crldp) =>
      crldp.children.flatMap((dp) => {
        const name = dp.children.find((n) => isContext(n, 0))?.children[0];
        return isContext(name, 0) ? uris(generalNames(name)) : [];
      }),
    );
    return urls ?? [];
  }

  /** The policy OIDs of certificatePolicies (§ 4.2.1.4); undefined when absent. */
  get policies(): readonly string[] | undefined {
    // PolicyInformation ::= SEQUENCE { policyIdentifier CertPolicyId, policyQualifiers … OPTIONAL }
    return this.#extension(EXTENSION.certificatePolicies, (cp) =>
      cp.children.map((p) => oidOf(expect(p, UNIVERSAL.SEQUENCE, "PolicyInformation").children[0], "CertPolicyId")),
    );
  }

  /** subjectAltName (§ 4.2.1.6); empty when absent. */
  get subjectAltNames(): readonly GeneralName[] {
    return this.#extension(EXTENSION.subjectAltName, generalNames) ?? [];
  }

  /** nameConstraints of a CA certificate (§ 4.2.1.10); undefined when absent. */
  get nameConstraints(): NameConstraintSet | undefined {
    return this.#fact("nameConstraints", () => {
      const value = this.extension(EXTENSION.nameConstraints)?.value;
      return value && parseNameConstraints(value);
    });
  }

  /** The names name constraints apply to (§ 6.1.3 (b)). */
  get names(): ConstrainedNames {
    return this.#fact("names", () => constrainedNames(this.subjectDer, this.subjectAltNames));
  }

  #fact<T>(key: string, compute: () => T): T {
    if (!this.#facts.has(key)) this.#facts.set(key, compute());
    return this.#facts.get(key) as T;
  }

  /** An extension's value parsed by `read`, once; undefined when the certificate does not have it. */
  #extension<T>(oid: string, read: (value: BerNode) => T): T | undefined {
    return this.#fact(oid, () => {
      const value = this.extension(oid)?.value;
      return value && read(parseBer(value, `extension ${oid}`));
    });
  }

  /** AccessDescription ::= SEQUENCE { accessMethod OID, accessLocation GeneralName } (§ 4.2.2.1). */
  #accessUrls(method: string): readonly string[] {
    const aia = this.#extension(EXTENSION.authorityInfoAccess, (aia) => aia.children);
    return this.#fact(`aia ${method}`, () =>
      aia ? uris(aia.filter((a) => oidOf(a.children[0]) === method).map((a) => generalName(a.children[1]!))) : [],
    );
  }
}

/** The lazily parsed facts, which {@link Certificate.readAll} parses at once. */
const FACTS = [
  "issuer",
  "subject",
  "country",
  "selfIssued",
  "criticalExtensions",
  "basicConstraints",
  "keyUsage",
  "extendedKeyUsage",
  "subjectKeyIdentifier",
  "authorityKeyIdentifier",
  "ocspUrls",
  "caIssuersUrls",
  "crlUrls",
  "policies",
  "subjectAltNames",
  "nameConstraints",
  "names",
] as const satisfies readonly (keyof Certificate)[];

const byFingerprint = new Map<string, Certificate>();
const byBytes = new WeakMap<Uint8Array, Certificate>();

const uris = (names: readonly GeneralName[]) =>
  names.flatMap((n) => (n.form === "uniformResourceIdentifier" ? [n.text] : []));

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
    uris: uris(san),
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
