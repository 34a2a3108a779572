/**
 * The data of an ETSI TS 119 612 trusted list, as plain values: what `writeTrustedList` serialises and
 * `parseTrustedList` reads back. Field names follow the clauses of TS 119 612 v2.x (numbers in the comments).
 */

/** The namespace of the trusted list schema (TS 119 612 Annex C; unchanged since v2.1.1). */
export const TSL_NAMESPACE = "http://uri.etsi.org/02231/v2#";
/** The TSLTag attribute value of the root element (§ 5.2.1). */
export const TSL_TAG = "http://uri.etsi.org/19612/TSLTag";
/**
 * TSLVersionIdentifier (§ 5.3.1): "5" in TS 119 612 v2.1.1, "6" from v2.2.1 on (the current v2.3.1/v2.4.1
 * lists carry 6). We write 6 and read both.
 */
export const TSL_VERSION = 6;
/** Historical information period (§ 5.3.12): 65535, "never removed". */
export const HISTORICAL_INFORMATION_PERIOD = 65535;

/**
 * The TSLType of a non-EU list (§ 5.3.3, Annex D.6): `http://uri.etsi.org/TrstSvc/TrustedList/TSLType/CClist`
 * with "CC" replaced by the scheme territory, e.g. `…/TSLType/JPlist`. `EUgeneric` is reserved to EU Member
 * States' lists and `CClistofthelists` to lists of pointers; a national list of trust services outside the EU is
 * the "generic" kind, so it is `CClist`.
 */
export function nonEuTslType(territory: string): string {
  return `http://uri.etsi.org/TrstSvc/TrustedList/TSLType/${territory}list`;
}

/** Status determination approach of a non-EU list (§ 5.3.8, Annex D.6): `…/StatusDetn/CCdetermination`. */
export function nonEuStatusDetermination(territory: string): string {
  return `http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/${territory}determination`;
}

/** Country-specific scheme rules URI (§ 5.3.9): `…/schemerules/CC`. */
export function schemeRulesUri(territory: string): string {
  return `http://uri.etsi.org/TrstSvc/TrustedList/schemerules/${territory}`;
}

/** Service type identifiers (§ 5.5.1) this project lists. */
export const ServiceType = {
  /** CA issuing qualified certificates (§ 5.5.1.1). */
  caQc: "http://uri.etsi.org/TrstSvc/Svctype/CA/QC",
  /** CA issuing public key (non-qualified) certificates (§ 5.5.1.2). */
  caPkc: "http://uri.etsi.org/TrstSvc/Svctype/CA/PKC",
  /** Qualified time-stamping (§ 5.5.1.1). */
  tsaQtst: "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST",
  /** Non-qualified time-stamping (§ 5.5.1.2). */
  tsa: "http://uri.etsi.org/TrstSvc/Svctype/TSA",
  /** OCSP responder for qualified certificates (§ 5.5.1.1). */
  ocspQc: "http://uri.etsi.org/TrstSvc/Svctype/Certstatus/OCSP/QC",
  /** OCSP responder (§ 5.5.1.2). */
  ocsp: "http://uri.etsi.org/TrstSvc/Svctype/Certstatus/OCSP",
} as const;

/** Service statuses (§ 5.5.4, Annex D.5). */
export const ServiceStatus = {
  granted: "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted",
  withdrawn: "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn",
  recognisedAtNationalLevel: "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel",
  deprecatedAtNationalLevel: "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/deprecatedatnationallevel",
} as const;

/** A multilingual character string (§ 5.1.4): language tag (lower case, RFC 5646) → text. `en` is required. */
export type MultilingualString = Readonly<Record<string, string>>;

/** A postal address in one language (§ 5.3.5.1). */
export interface PostalAddress {
  readonly lang: string;
  readonly streetAddress: string;
  readonly locality: string;
  readonly stateOrProvince?: string;
  readonly postalCode?: string;
  /** Two-letter country code (§ 5.1.5). */
  readonly countryName: string;
}

/** Postal addresses (one per language) and electronic addresses (mailto:, https:, tel: URIs) (§ 5.3.5). */
export interface Address {
  readonly postal: readonly PostalAddress[];
  readonly electronic: readonly string[];
}

/** A previous status of a service (§ 5.6). */
export interface ServiceHistoryInstance {
  /** Service type at the time; defaults to the service's current type when written. */
  readonly type?: string;
  /** Service name at the time; defaults to the current name when written. */
  readonly name?: MultilingualString;
  /** Status URI. */
  readonly status: string;
  readonly statusStartingTime: Date;
}

/** One trust service (§ 5.5). */
export interface TrustService {
  /** Service type identifier URI, see {@link ServiceType}. */
  readonly type: string;
  readonly name: MultilingualString;
  /** The service's certificates (DER), all for the same public key (§ 5.5.3). */
  readonly digitalIdentities: readonly Uint8Array[];
  /** Current status URI, see {@link ServiceStatus}. */
  readonly status: string;
  readonly statusStartingTime: Date;
  /** Previous statuses, most recent first (§ 5.5.10). */
  readonly history: readonly ServiceHistoryInstance[];
}

/** A trust service provider (§ 5.4). */
export interface TrustServiceProvider {
  readonly name: MultilingualString;
  readonly tradeName?: MultilingualString;
  readonly address?: Address;
  /** TSP information URIs (§ 5.4.4). */
  readonly informationUris?: readonly string[];
  readonly services: readonly TrustService[];
}

/** The scheme operator (§ 5.3.4, § 5.3.5). */
export interface SchemeOperator {
  readonly name: MultilingualString;
  readonly address: Address;
}

/** A trusted list (§ 5). */
export interface TrustedList {
  readonly schemeOperator: SchemeOperator;
  /** Scheme name (§ 5.3.6); written as `CC:…` per the clause when absent. */
  readonly schemeName?: MultilingualString;
  /** Scheme information URIs (§ 5.3.7). */
  readonly schemeInformationUris?: readonly string[];
  /** Country code of the scheme, e.g. `JP` (§ 5.3.10). */
  readonly schemeTerritory: string;
  /** TSL sequence number (§ 5.3.2), from 1, incremented on every release. */
  readonly sequenceNumber: number;
  readonly issueDate: Date;
  /** Next update (§ 5.3.15); null for a closed list. */
  readonly nextUpdate: Date | null;
  /** TSL type URI (§ 5.3.3); see {@link nonEuTslType}. */
  readonly tslType: string;
  /** Distribution points (§ 5.3.16). */
  readonly distributionPoints?: readonly string[];
  readonly providers: readonly TrustServiceProvider[];
}
