/**
 * Writes an ETSI TS 119 612 trusted list (XML, Annex B/C) and signs it with an enveloped XAdES signature
 * (§ 5.7, Annex B): one ds:Reference with URI="" and the transforms enveloped-signature then exclusive
 * canonicalisation, exc-c14n for SignedInfo, the signer's certificate (and no chain) in KeyInfo, and
 * xades:SigningCertificateV2 and SigningTime in the signed properties (XAdES baseline B-B, EN 319 132-1).
 *
 * The signature value comes from an abstract {@link Signer} (software key or HSM), see ./xml-signature.ts.
 */
import { ECParameters } from "@peculiar/asn1-ecc";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SignedXml } from "xadesjs";
import { equalBytes } from "../crypto/bytes.js";
import type { Signer } from "../keys/signer.js";
import { keyIdentifier } from "../pki/certificate.js";
import { Certificate } from "../x509/certificate.js";
import {
  type Address,
  HISTORICAL_INFORMATION_PERIOD,
  type MultilingualString,
  nonEuStatusDetermination,
  schemeRulesUri,
  type TrustedList,
  type TrustService,
  type TrustServiceProvider,
  TSL_NAMESPACE,
  TSL_TAG,
  TSL_VERSION,
} from "./trusted-list-model.js";
import {
  EXC_C14N,
  ensureXmlCrypto,
  escapeXml,
  parseXmlSafely,
  serializeXml,
  signerCryptoKey,
} from "./xml-signature.js";

const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";

export interface TrustedListSigningOptions {
  /** The scheme operator's key. */
  readonly signer: Signer;
  /**
   * The scheme operator's TL-signing certificate (DER), matching `signer`. Only this certificate goes into
   * ds:KeyInfo: TS 119 612 § 5.7.1 forbids adding the rest of its chain.
   */
  readonly certificate: Uint8Array;
  /** xades:SigningTime (default: now). */
  readonly signingTime?: Date;
}

/** Serialises `list` (TS 119 612 v2, TSLVersionIdentifier 6) and signs it; returns the XML document. */
export async function writeTrustedList(list: TrustedList, options: TrustedListSigningOptions): Promise<string> {
  checkList(list);
  const cert = Certificate.fromDer(options.certificate);
  if (!equalBytes(cert.spki, options.signer.publicKeySpki)) {
    throw new Error("the trusted list signing certificate does not certify the signer's key");
  }
  const unsigned = unsignedXml(list);
  const doc = parseXmlSafely(unsigned);

  ensureXmlCrypto();
  const { oid, parameters } = cert.publicKeyAlgorithm;
  let curveOid: string | undefined;
  if (oid === OID_EC_PUBLIC_KEY && parameters) curveOid = AsnConvert.parse(parameters, ECParameters).namedCurve;
  const key = signerCryptoKey(options.signer, curveOid);
  const hash = options.signer.algorithm.hash;
  const certificateB64 = base64(options.certificate);
  const signed = new SignedXml();
  signed.XmlSignature.SignedInfo.CanonicalizationMethod.Algorithm = EXC_C14N;
  await signed.Sign(key.algorithm as Algorithm, key, doc, {
    references: [{ uri: "", hash, transforms: ["enveloped", "exc-c14n"] }],
    x509: [certificateB64],
    signingCertificateV2: { certificate: certificateB64, digestAlgorithm: hash },
    signingTime: { value: options.signingTime ?? new Date() },
  });
  const signature = signed.GetXml();
  if (!signature) throw new Error("xadesjs produced no ds:Signature");
  // Nothing else may be added to the list now: the enveloped-signature transform removes only the Signature.
  doc.documentElement.appendChild(doc.importNode(signature, true));
  const xml = serializeXml(doc).replace(/^<\?xml[^?]*\?>\s*/, "");
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`;
}

/** The list without its signature, as indented XML. */
function unsignedXml(list: TrustedList): string {
  const w = new XmlWriter();
  const territory = list.schemeTerritory;
  w.open("TrustServiceStatusList", {
    xmlns: TSL_NAMESPACE,
    Id: `TSL-${territory}-${list.sequenceNumber}`,
    TSLTag: TSL_TAG,
  });
  w.open("SchemeInformation");
  w.leaf("TSLVersionIdentifier", String(TSL_VERSION));
  w.leaf("TSLSequenceNumber", String(list.sequenceNumber));
  w.leaf("TSLType", list.tslType);
  names(w, "SchemeOperatorName", list.schemeOperator.name);
  address(w, "SchemeOperatorAddress", list.schemeOperator.address);
  names(w, "SchemeName", list.schemeName ?? { en: `${territory}:Trusted list of ${territory}` });
  uris(w, "SchemeInformationURI", list.schemeInformationUris ?? webAddresses(list.schemeOperator.address));
  w.leaf("StatusDeterminationApproach", nonEuStatusDetermination(territory));
  uris(w, "SchemeTypeCommunityRules", [schemeRulesUri(territory)]);
  w.leaf("SchemeTerritory", territory);
  w.leaf("HistoricalInformationPeriod", String(HISTORICAL_INFORMATION_PERIOD));
  w.leaf("ListIssueDateTime", dateTime(list.issueDate));
  if (list.nextUpdate) {
    w.open("NextUpdate");
    w.leaf("dateTime", dateTime(list.nextUpdate));
    w.close("NextUpdate");
  } else {
    w.empty("NextUpdate");
  }
  if (list.distributionPoints?.length) {
    w.open("DistributionPoints");
    for (const uri of list.distributionPoints) w.leaf("URI", uri);
    w.close("DistributionPoints");
  }
  w.close("SchemeInformation");
  // § 5.3.18: absent when no TSP is listed.
  if (list.providers.length > 0) {
    w.open("TrustServiceProviderList");
    for (const provider of list.providers) tsp(w, provider, list);
    w.close("TrustServiceProviderList");
  }
  w.close("TrustServiceStatusList");
  return w.toString();
}

function tsp(w: XmlWriter, provider: TrustServiceProvider, list: TrustedList): void {
  w.open("TrustServiceProvider");
  w.open("TSPInformation");
  names(w, "TSPName", provider.name);
  if (provider.tradeName) names(w, "TSPTradeName", provider.tradeName);
  // TSPAddress and TSPInformationURI are mandatory in the schema; a TSP run by the scheme operator itself
  // (the national PKI) is reachable at the operator's addresses (the same substitution § 5.4.3 makes).
  const tspAddress = provider.address ?? list.schemeOperator.address;
  address(w, "TSPAddress", tspAddress);
  uris(
    w,
    "TSPInformationURI",
    provider.informationUris ?? list.schemeInformationUris ?? webAddresses(list.schemeOperator.address),
  );
  w.close("TSPInformation");
  w.open("TSPServices");
  for (const service of provider.services) tspService(w, service);
  w.close("TSPServices");
  w.close("TrustServiceProvider");
}

function tspService(w: XmlWriter, service: TrustService): void {
  w.open("TSPService");
  w.open("ServiceInformation");
  w.leaf("ServiceTypeIdentifier", service.type);
  names(w, "ServiceName", service.name);
  digitalIdentity(w, "X509Certificate", service.digitalIdentities);
  w.leaf("ServiceStatus", service.status);
  w.leaf("StatusStartingTime", dateTime(service.statusStartingTime));
  w.close("ServiceInformation");
  if (service.history.length > 0) {
    // § 5.6.3: a history instance identifies the service by X509SKI, with no certificate.
    const ski = subjectKeyIdentifier(service.digitalIdentities[0]!);
    const history = [...service.history].sort(
      (a, b) => b.statusStartingTime.getTime() - a.statusStartingTime.getTime(),
    );
    w.open("ServiceHistory");
    for (const instance of history) {
      w.open("ServiceHistoryInstance");
      w.leaf("ServiceTypeIdentifier", instance.type ?? service.type);
      names(w, "ServiceName", instance.name ?? service.name);
      digitalIdentity(w, "X509SKI", [ski]);
      w.leaf("ServicePreviousStatus", instance.status);
      w.leaf("StatusStartingTime", dateTime(instance.statusStartingTime));
      w.close("ServiceHistoryInstance");
    }
    w.close("ServiceHistory");
  }
  w.close("TSPService");
}

/** ServiceDigitalIdentity (§ 5.5.3): one DigitalId per value, each the base64 of a certificate or a key identifier. */
function digitalIdentity(w: XmlWriter, kind: "X509Certificate" | "X509SKI", values: readonly Uint8Array[]): void {
  w.open("ServiceDigitalIdentity");
  for (const value of values) {
    w.open("DigitalId");
    w.leaf(kind, base64(value));
    w.close("DigitalId");
  }
  w.close("ServiceDigitalIdentity");
}

function names(w: XmlWriter, element: string, value: MultilingualString): void {
  w.open(element);
  for (const [lang, text] of Object.entries(value)) w.leaf("Name", text, { "xml:lang": lang });
  w.close(element);
}

function uris(w: XmlWriter, element: string, values: readonly string[]): void {
  w.open(element);
  for (const uri of values) w.leaf("URI", uri, { "xml:lang": "en" });
  w.close(element);
}

function address(w: XmlWriter, element: string, value: Address): void {
  w.open(element);
  w.open("PostalAddresses");
  for (const postal of value.postal) {
    w.open("PostalAddress", { "xml:lang": postal.lang });
    w.leaf("StreetAddress", postal.streetAddress);
    w.leaf("Locality", postal.locality);
    if (postal.stateOrProvince !== undefined) w.leaf("StateOrProvince", postal.stateOrProvince);
    if (postal.postalCode !== undefined) w.leaf("PostalCode", postal.postalCode);
    w.leaf("CountryName", postal.countryName);
    w.close("PostalAddress");
  }
  w.close("PostalAddresses");
  uris(w, "ElectronicAddress", value.electronic);
  w.close(element);
}

function webAddresses(value: Address): string[] {
  const web = value.electronic.filter((uri) => /^https?:/i.test(uri));
  if (web.length === 0) throw new Error("the scheme operator needs a web-site URI among its electronic addresses");
  return web;
}

/** Refuses what TS 119 612 forbids and what could not be read back. */
function checkList(list: TrustedList): void {
  const fail = (why: string): never => {
    throw new Error(`invalid trusted list: ${why}`);
  };
  if (!/^[A-Z]{2,5}$/.test(list.schemeTerritory)) fail(`scheme territory ${list.schemeTerritory} (§ 5.1.5)`);
  if (!Number.isSafeInteger(list.sequenceNumber) || list.sequenceNumber < 1) fail("sequence number < 1 (§ 5.3.2)");
  if (!list.tslType) fail("no TSL type (§ 5.3.3)");
  checkNames(list.schemeOperator.name, "scheme operator name", fail);
  if (list.schemeOperator.address.postal.length === 0) fail("no postal address of the scheme operator (§ 5.3.5.1)");
  if (!list.schemeOperator.address.electronic.some((u) => u.startsWith("mailto:"))) {
    fail("no e-mail (mailto:) address of the scheme operator (§ 5.3.5.2)");
  }
  if (list.nextUpdate && list.nextUpdate.getTime() <= list.issueDate.getTime()) fail("next update before issue date");
  for (const provider of list.providers) {
    checkNames(provider.name, "TSP name", fail);
    if (provider.services.length === 0) fail("a TSP without services (§ 5.4.6)");
    for (const service of provider.services) {
      checkNames(service.name, "service name", fail);
      if (service.digitalIdentities.length === 0) fail("a service without a certificate (§ 5.5.3)");
      const keys = service.digitalIdentities.map((der) => base64(Certificate.fromDer(der).spki));
      if (new Set(keys).size !== 1) fail("the certificates of one service certify different keys (§ 5.5.3)");
      for (const instance of service.history) {
        if (instance.statusStartingTime.getTime() > service.statusStartingTime.getTime()) {
          fail("a previous status starts after the current one (§ 5.5.10)");
        }
      }
    }
  }
}

function checkNames(value: MultilingualString, what: string, fail: (why: string) => never): void {
  if (!value.en) fail(`${what} has no English ("en") version (§ 5.1.4)`);
  for (const lang of Object.keys(value)) if (!/^[a-z]{2,3}(-[a-z0-9]+)*$/.test(lang)) fail(`language tag ${lang}`);
}

/** The certificate's subjectKeyIdentifier, else RFC 5280 § 4.2.1.2 method (1). */
function subjectKeyIdentifier(der: Uint8Array): Uint8Array {
  const cert = Certificate.fromDer(der);
  const ski = cert.subjectKeyIdentifier;
  return ski === undefined ? keyIdentifier(cert.spki) : new Uint8Array(Buffer.from(ski, "hex"));
}

/** § 5.1.3: UTC, no fraction of a second. */
function dateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error("invalid trusted list: an invalid date");
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** Minimal indented XML writer; every text and attribute value goes through {@link escapeXml}. */
class XmlWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  open(name: string, attributes: Record<string, string> = {}): void {
    this.lines.push(`${this.indent()}<${name}${attrs(attributes)}>`);
    this.depth++;
  }

  close(name: string): void {
    this.depth--;
    this.lines.push(`${this.indent()}</${name}>`);
  }

  empty(name: string): void {
    this.lines.push(`${this.indent()}<${name}/>`);
  }

  leaf(name: string, text: string, attributes: Record<string, string> = {}): void {
    this.lines.push(`${this.indent()}<${name}${attrs(attributes)}>${escapeXml(text)}</${name}>`);
  }

  toString(): string {
    return this.lines.join("\n");
  }

  private indent(): string {
    return "  ".repeat(this.depth);
  }
}

function attrs(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join("");
}
