/**
 * Reads ETSI TS 119 612 trusted lists: parses them into a {@link TrustedList}, checks their enveloped XAdES
 * signature (§ 5.7, Annex B), and turns the listed CA and TSA services into trust anchors.
 *
 * No Node-only APIs: this runs in the browser too (validation side).
 */
import { ECParameters } from "@peculiar/asn1-ecc";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SignedXml } from "xadesjs";
import { equalBytes } from "../crypto/bytes.js";
import { Certificate } from "../x509/certificate.js";
import {
  type Address,
  type MultilingualString,
  type PostalAddress,
  type ServiceHistoryInstance,
  ServiceStatus,
  ServiceType,
  type TrustedList,
  type TrustService,
  type TrustServiceProvider,
  TSL_NAMESPACE,
} from "./trusted-list-model.js";
import {
  childElements,
  DS_NAMESPACE,
  ENVELOPED_SIGNATURE,
  ensureXmlCrypto,
  NAMED_CURVES,
  parseXmlSafely,
  XADES_NAMESPACE,
  XmlInputError,
} from "./xml-signature.js";

export * from "./trusted-list-model.js";

/** A trusted list that cannot be used, with a one-line reason. */
export class TrustedListError extends Error {
  override name = "TrustedListError";
}

/** A parsed service, with what the reader could not understand. */
export interface ParsedTrustService extends TrustService {
  /** The service has a ServiceInformationExtension marked critical, which this reader does not implement. */
  readonly unrecognisedCriticalExtension?: boolean;
}

const XML_NS = "http://www.w3.org/XML/1998/namespace";

/** Parses a trusted list (no signature check). Throws {@link TrustedListError} with a one-line reason. */
export function parseTrustedList(xml: string | Uint8Array): TrustedList {
  return readList(loadDocument(xml));
}

export interface TrustedListVerification {
  readonly valid: boolean;
  /** The certificate (DER) whose key made the signature, as identified by xades:SigningCertificateV2. */
  readonly signerCertificate?: Uint8Array;
  readonly errors: string[];
}

/**
 * Checks the enveloped signature of a trusted list: exactly one ds:Signature, a child of the root; a reference
 * with URI="" (the whole document) whose transforms are only enveloped-signature and canonicalisation; the
 * XAdES signed properties referenced, with a SigningCertificate(V2) digest naming a certificate of ds:KeyInfo;
 * every digest and the signature value correct with that certificate's key; and, with `expectedSigner`, that
 * certificate among them (byte for byte: the certificates a LOTL or a bilateral agreement publishes).
 */
export async function verifyTrustedList(
  xml: string | Uint8Array,
  options: { expectedSigner?: readonly Uint8Array[] } = {},
): Promise<TrustedListVerification> {
  let doc: Document;
  try {
    doc = loadDocument(xml);
  } catch (e) {
    return { valid: false, errors: [(e as Error).message] };
  }
  return verifyDocument(doc, options.expectedSigner);
}

/** A trust anchor taken from a trusted list. */
export interface TrustedListAnchor {
  readonly certificate: Uint8Array;
  readonly source?: string;
}

/** Service types whose certificates are trust anchors: CAs and time-stamping authorities. */
const ANCHOR_TYPES: ReadonlySet<string> = new Set([
  ServiceType.caQc,
  ServiceType.caPkc,
  ServiceType.tsaQtst,
  ServiceType.tsa,
  "http://uri.etsi.org/TrstSvc/Svctype/NationalRootCA-QC",
  "http://uri.etsi.org/TrstSvc/Svctype/TSA/TSS-QC",
  "http://uri.etsi.org/TrstSvc/Svctype/TSA/TSS-AdESQCandQES",
]);

/**
 * Current statuses that mean "approved": granted and recognisedatnationallevel (§ 5.5.4), and the positive
 * statuses of lists older than the 2016 migration (Annex J).
 */
const APPROVED_STATUSES: ReadonlySet<string> = new Set([
  ServiceStatus.granted,
  ServiceStatus.recognisedAtNationalLevel,
  "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision",
  "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionincessation",
  "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited",
  "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/setbynationallaw",
]);

/**
 * The trust anchors a trusted list provides: the certificates of its CA and TSA services whose current status
 * is approved (granted, recognised at national level…), withdrawn or deprecated services excluded, as well as
 * services with a critical extension this reader does not understand. With `requireSignature` (default), the
 * list's signature must be valid. Throws an Error with a one-line message otherwise.
 */
export async function trustAnchorsFromTrustedList(
  xml: Uint8Array,
  options: { source?: string; requireSignature?: boolean; expectedSigner?: readonly Uint8Array[] } = {},
): Promise<TrustedListAnchor[]> {
  const where = options.source ? `${options.source}: ` : "";
  let doc: Document;
  let list: TrustedList;
  try {
    doc = loadDocument(xml);
    list = readList(doc);
  } catch (e) {
    throw new TrustedListError(`${where}${(e as Error).message}`);
  }
  if (options.requireSignature ?? true) {
    const result = await verifyDocument(doc, options.expectedSigner);
    if (!result.valid) {
      throw new TrustedListError(`${where}trusted list signature is not valid: ${result.errors.join("; ")}`);
    }
  }
  const anchors: TrustedListAnchor[] = [];
  const seen = new Set<string>();
  for (const provider of list.providers) {
    for (const service of provider.services as readonly ParsedTrustService[]) {
      if (!ANCHOR_TYPES.has(service.type) || !APPROVED_STATUSES.has(service.status)) continue;
      if (service.unrecognisedCriticalExtension) continue;
      for (const certificate of service.digitalIdentities) {
        const key = toBase64(certificate);
        if (seen.has(key)) continue;
        seen.add(key);
        anchors.push(options.source === undefined ? { certificate } : { certificate, source: options.source });
      }
    }
  }
  return anchors;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

function loadDocument(xml: string | Uint8Array): Document {
  let doc: Document;
  try {
    doc = parseXmlSafely(xml);
  } catch (e) {
    if (e instanceof XmlInputError) throw new TrustedListError(`not a trusted list: ${e.message}`);
    throw e;
  }
  const root = doc.documentElement;
  if (root.localName !== "TrustServiceStatusList" || root.namespaceURI !== TSL_NAMESPACE) {
    const found = root.namespaceURI ? `{${root.namespaceURI}}${root.localName}` : root.localName;
    throw new TrustedListError(
      `not an ETSI TS 119 612 trusted list: the root element is ${found}, not {${TSL_NAMESPACE}}TrustServiceStatusList`,
    );
  }
  return doc;
}

function readList(doc: Document): TrustedList {
  const root = doc.documentElement;
  const scheme = one(root, "SchemeInformation");
  const version = integer(one(scheme, "TSLVersionIdentifier"));
  if (version !== 5 && version !== 6) {
    throw new TrustedListError(`unsupported TSLVersionIdentifier ${version} (TS 119 612 v2 lists carry 5 or 6)`);
  }
  const extensions = optional(scheme, "SchemeExtensions");
  if (extensions && hasCriticalExtension(extensions)) {
    throw new TrustedListError("the list has a critical scheme extension this reader does not implement (§ 5.3.17)");
  }
  const nextUpdateElement = one(scheme, "NextUpdate");
  const nextUpdateValue = optional(nextUpdateElement, "dateTime");
  const providerList = optional(root, "TrustServiceProviderList");
  const schemeInformationUri = optional(scheme, "SchemeInformationURI");
  const distributionPoints = optional(scheme, "DistributionPoints");
  return {
    schemeOperator: {
      name: multilingual(one(scheme, "SchemeOperatorName")),
      address: readAddress(one(scheme, "SchemeOperatorAddress")),
    },
    schemeName: multilingual(one(scheme, "SchemeName")),
    ...(schemeInformationUri ? { schemeInformationUris: all(schemeInformationUri, "URI").map(text) } : {}),
    schemeTerritory: text(one(scheme, "SchemeTerritory")),
    sequenceNumber: integer(one(scheme, "TSLSequenceNumber")),
    issueDate: date(one(scheme, "ListIssueDateTime")),
    nextUpdate: nextUpdateValue ? date(nextUpdateValue) : null,
    tslType: text(one(scheme, "TSLType")),
    ...(distributionPoints ? { distributionPoints: all(distributionPoints, "URI").map(text) } : {}),
    providers: providerList ? all(providerList, "TrustServiceProvider").map(readProvider) : [],
  };
}

function readProvider(element: Element): TrustServiceProvider {
  const info = one(element, "TSPInformation");
  const tradeName = optional(info, "TSPTradeName");
  const address = optional(info, "TSPAddress");
  const informationUri = optional(info, "TSPInformationURI");
  return {
    name: multilingual(one(info, "TSPName")),
    ...(tradeName ? { tradeName: multilingual(tradeName) } : {}),
    ...(address ? { address: readAddress(address) } : {}),
    ...(informationUri ? { informationUris: all(informationUri, "URI").map(text) } : {}),
    services: all(one(element, "TSPServices"), "TSPService").map(readService),
  };
}

function readService(element: Element): ParsedTrustService {
  const info = one(element, "ServiceInformation");
  const historyElement = optional(element, "ServiceHistory");
  const history: ServiceHistoryInstance[] = historyElement
    ? all(historyElement, "ServiceHistoryInstance").map((instance) => ({
        type: text(one(instance, "ServiceTypeIdentifier")),
        name: multilingual(one(instance, "ServiceName")),
        status: text(one(instance, "ServicePreviousStatus")),
        statusStartingTime: date(one(instance, "StatusStartingTime")),
      }))
    : [];
  const extensions = optional(info, "ServiceInformationExtensions");
  const critical = extensions ? hasCriticalExtension(extensions) : false;
  return {
    type: text(one(info, "ServiceTypeIdentifier")),
    name: multilingual(one(info, "ServiceName")),
    digitalIdentities: all(one(info, "ServiceDigitalIdentity"), "DigitalId").flatMap((id) =>
      all(id, "X509Certificate").map((c) => certificateBytes(text(c))),
    ),
    status: text(one(info, "ServiceStatus")),
    statusStartingTime: date(one(info, "StatusStartingTime")),
    history,
    ...(critical ? { unrecognisedCriticalExtension: true } : {}),
  };
}

function readAddress(element: Element): Address {
  const postal: PostalAddress[] = all(one(element, "PostalAddresses"), "PostalAddress").map((p) => {
    const state = optional(p, "StateOrProvince");
    const postalCode = optional(p, "PostalCode");
    return {
      lang: p.getAttributeNS(XML_NS, "lang") ?? "",
      streetAddress: text(one(p, "StreetAddress")),
      locality: text(one(p, "Locality")),
      ...(state ? { stateOrProvince: text(state) } : {}),
      ...(postalCode ? { postalCode: text(postalCode) } : {}),
      countryName: text(one(p, "CountryName")),
    };
  });
  return { postal, electronic: all(one(element, "ElectronicAddress"), "URI").map(text) };
}

function multilingual(element: Element): MultilingualString {
  const out: Record<string, string> = {};
  for (const name of all(element, "Name")) {
    const lang = name.getAttributeNS(XML_NS, "lang");
    if (!lang) throw new TrustedListError(`${element.localName}: a Name without xml:lang`);
    out[lang] = text(name);
  }
  return out;
}

function hasCriticalExtension(element: Element): boolean {
  return all(element, "Extension").some((e) => /^(true|1)$/.test(e.getAttribute("Critical") ?? ""));
}

/** The element children of `parent` named `name` in the TSL namespace. */
function all(parent: Element, name: string): Element[] {
  return childElements(parent, TSL_NAMESPACE, name);
}

function optional(parent: Element, name: string): Element | undefined {
  const found = all(parent, name);
  if (found.length > 1) throw new TrustedListError(`${parent.localName} has ${found.length} ${name} elements`);
  return found[0];
}

function one(parent: Element, name: string): Element {
  const found = optional(parent, name);
  if (!found) throw new TrustedListError(`${parent.localName} has no ${name} element`);
  return found;
}

function text(element: Element): string {
  return (element.textContent ?? "").trim();
}

function integer(element: Element): number {
  const value = text(element);
  if (!/^\d{1,15}$/.test(value)) throw new TrustedListError(`${element.localName} is not an integer: ${value}`);
  return Number(value);
}

function date(element: Element): Date {
  const value = text(element);
  const parsed = new Date(value);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) || Number.isNaN(parsed.getTime())) {
    throw new TrustedListError(`${element.localName} is not an ISO 8601 date-time: ${value}`);
  }
  return parsed;
}

function certificateBytes(b64: string): Uint8Array {
  const der = fromBase64(b64);
  try {
    Certificate.fromDer(der);
  } catch {
    throw new TrustedListError("an X509Certificate of the list is not a DER certificate");
  }
  return der;
}

function fromBase64(value: string): Uint8Array {
  const compact = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new TrustedListError("invalid base64 in the list");
  }
  const binary = atob(compact);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

// ---------------------------------------------------------------------------------------------------------
// Signature

const CANONICALISATIONS: ReadonlySet<string> = new Set([
  "http://www.w3.org/2001/10/xml-exc-c14n#",
  "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
  "http://www.w3.org/2006/12/xml-c14n11",
]);
const SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties";

const SIGNATURE_METHODS: Readonly<Record<string, { kind: "ecdsa" | "rsa"; hash: string }>> = {
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": { kind: "ecdsa", hash: "SHA-256" },
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": { kind: "ecdsa", hash: "SHA-384" },
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": { kind: "ecdsa", hash: "SHA-512" },
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": { kind: "rsa", hash: "SHA-256" },
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": { kind: "rsa", hash: "SHA-384" },
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": { kind: "rsa", hash: "SHA-512" },
};

const DIGEST_METHODS: Readonly<Record<string, string>> = {
  "http://www.w3.org/2001/04/xmlenc#sha256": "SHA-256",
  "http://www.w3.org/2001/04/xmldsig-more#sha384": "SHA-384",
  "http://www.w3.org/2001/04/xmlenc#sha512": "SHA-512",
};

async function verifyDocument(
  doc: Document,
  expectedSigner: readonly Uint8Array[] | undefined,
): Promise<TrustedListVerification> {
  const errors: string[] = [];
  const invalid = (why: string, signerCertificate?: Uint8Array): TrustedListVerification => ({
    valid: false,
    ...(signerCertificate ? { signerCertificate } : {}),
    errors: [...errors, why],
  });
  const root = doc.documentElement;
  const signatures = Array.from(doc.getElementsByTagNameNS(DS_NAMESPACE, "Signature"));
  if (signatures.length === 0) return invalid("the list is not signed (no ds:Signature)");
  if (signatures.length > 1) return invalid(`the list has ${signatures.length} ds:Signature elements, not one`);
  const signature = signatures[0]!;
  if (signature.parentNode !== root) return invalid("the ds:Signature is not a child of TrustServiceStatusList");

  // The references, checked on the DOM itself (not on what a library makes of it).
  const signedInfo = dsChild(signature, "SignedInfo");
  if (!signedInfo) return invalid("ds:SignedInfo is missing");
  const canonicalization = dsChild(signedInfo, "CanonicalizationMethod")?.getAttribute("Algorithm") ?? "";
  if (!CANONICALISATIONS.has(canonicalization))
    return invalid(`unsupported SignedInfo canonicalisation ${canonicalization}`);
  const methodUri = dsChild(signedInfo, "SignatureMethod")?.getAttribute("Algorithm") ?? "";
  const method = SIGNATURE_METHODS[methodUri];
  if (!method) return invalid(`unsupported signature algorithm ${methodUri || "(none)"}`);
  const references = dsChildren(signedInfo, "Reference");
  const documentReferences = references.filter((r) => r.hasAttribute("URI") && r.getAttribute("URI") === "");
  if (documentReferences.length !== 1) {
    return invalid('the signature has no single reference with URI="" covering the whole list');
  }
  const transforms = dsChildren(dsChild(documentReferences[0]!, "Transforms") ?? signature, "Transform").map(
    (t) => t.getAttribute("Algorithm") ?? "",
  );
  if (transforms[0] !== ENVELOPED_SIGNATURE) {
    return invalid("the whole-list reference does not start with the enveloped-signature transform");
  }
  if (!transforms.slice(1).every((t) => CANONICALISATIONS.has(t))) {
    return invalid(`the whole-list reference has a transform other than canonicalisation: ${transforms.join(", ")}`);
  }
  const signedPropertiesElements = Array.from(signature.getElementsByTagNameNS(XADES_NAMESPACE, "SignedProperties"));
  if (signedPropertiesElements.length !== 1) return invalid("no xades:SignedProperties (XAdES-BES) in the signature");
  const signedPropertiesId = signedPropertiesElements[0]!.getAttribute("Id") ?? "";
  for (const reference of references) {
    if (reference === documentReferences[0]) continue;
    const uri = reference.getAttribute("URI") ?? "";
    if (
      reference.getAttribute("Type") !== SIGNED_PROPERTIES_TYPE ||
      !signedPropertiesId ||
      uri !== `#${signedPropertiesId}`
    ) {
      return invalid(`unexpected reference ${uri} (only the list and the XAdES signed properties may be signed)`);
    }
  }
  if (references.length !== 2) return invalid("the XAdES signed properties are not referenced from ds:SignedInfo");
  for (const reference of references) {
    const digestUri = dsChild(reference, "DigestMethod")?.getAttribute("Algorithm") ?? "";
    if (!DIGEST_METHODS[digestUri]) return invalid(`unsupported digest algorithm ${digestUri || "(none)"}`);
  }

  // The signing certificate: the KeyInfo certificate whose digest xades:SigningCertificate(V2) carries.
  const keyInfo = dsChild(signature, "KeyInfo");
  const keyInfoCertificates = keyInfo
    ? Array.from(keyInfo.getElementsByTagNameNS(DS_NAMESPACE, "X509Certificate")).map((e) => {
        try {
          return fromBase64(e.textContent ?? "");
        } catch {
          return new Uint8Array();
        }
      })
    : [];
  if (keyInfoCertificates.length === 0) return invalid("no X509Certificate in ds:KeyInfo");
  const certDigests = Array.from(signedPropertiesElements[0]!.getElementsByTagNameNS(XADES_NAMESPACE, "CertDigest"));
  if (certDigests.length === 0) return invalid("no xades:SigningCertificateV2 in the signed properties");
  let signerCertificate: Uint8Array | undefined;
  for (const certDigest of certDigests) {
    const hash = DIGEST_METHODS[dsChild(certDigest, "DigestMethod")?.getAttribute("Algorithm") ?? ""];
    const value = dsChild(certDigest, "DigestValue")?.textContent ?? "";
    if (!hash) continue;
    for (const candidate of keyInfoCertificates) {
      const digest = new Uint8Array(await crypto.subtle.digest(hash, candidate as Uint8Array<ArrayBuffer>));
      if (toBase64(digest) === value.replace(/\s+/g, "")) signerCertificate = candidate;
    }
  }
  if (!signerCertificate) {
    return invalid("xades:SigningCertificateV2 does not match any certificate of ds:KeyInfo");
  }

  let publicKey: CryptoKey;
  let importAlgorithm: Algorithm & Record<string, unknown>;
  try {
    const cert = Certificate.fromDer(signerCertificate);
    const hash = { name: method.hash };
    if (method.kind === "ecdsa") {
      const parameters = cert.publicKeyAlgorithm.parameters;
      const curve = parameters && NAMED_CURVES[AsnConvert.parse(parameters, ECParameters).namedCurve ?? ""];
      if (!curve) return invalid("the signing certificate's key is not on P-256, P-384 or P-521", signerCertificate);
      importAlgorithm = { name: "ECDSA", namedCurve: curve, hash };
    } else {
      importAlgorithm = { name: "RSASSA-PKCS1-v1_5", hash };
    }
    publicKey = await crypto.subtle.importKey("spki", cert.spki as Uint8Array<ArrayBuffer>, importAlgorithm, true, [
      "verify",
    ]);
  } catch (e) {
    return invalid(`cannot use the signing certificate's key: ${(e as Error).message}`, signerCertificate);
  }

  ensureXmlCrypto();
  let ok: boolean;
  try {
    const signed = new SignedXml(doc);
    signed.LoadXml(signature);
    // xmldsigjs re-imports a public key with this algorithm; give it the curve it would otherwise lack.
    signed.Algorithm = importAlgorithm;
    ok = await signed.Verify(publicKey);
  } catch (e) {
    const message = (e as Error).message.split("\n")[0]!;
    const digest = /Invalid digest for uri '([^']*)'/.exec(message);
    if (digest) {
      const part = digest[1] === "" ? "the list" : `the signed part ${digest[1]}`;
      return invalid(`${part} was changed after signing (digest mismatch)`, signerCertificate);
    }
    return invalid(message, signerCertificate);
  }
  if (!ok) return invalid("the signature value does not verify with the signing certificate's key", signerCertificate);
  if (expectedSigner && !expectedSigner.some((c) => equalBytes(c, signerCertificate!))) {
    return invalid("the list is signed by a certificate other than the expected scheme operator's", signerCertificate);
  }
  return { valid: true, signerCertificate, errors };
}

/** The element children of `parent` named `name` in the XML signature namespace. */
function dsChildren(parent: Element, name: string): Element[] {
  return childElements(parent, DS_NAMESPACE, name);
}

function dsChild(parent: Element, name: string): Element | undefined {
  return dsChildren(parent, name)[0];
}
