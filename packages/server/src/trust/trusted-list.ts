/**
 * The platform's trusted list (ETSI TS 119 612, CONTRACTS § 3 `GET /trust/list.xml`) as data: one trust service
 * provider per national PKI the platform operates, each with its root CA and issuing CA (CA/PKC), its time-stamping
 * authority (TSA) and its OCSP responder (Certstatus/OCSP), with their status and status history (§ 5.5.4, § 5.6).
 *
 * This module only builds the {@link TrustedList} value; store.ts decides when a new release is due (sequence
 * number, § 5.3.2), signs it with the scheme operator's key and keeps it.
 *
 * Statuses: a service is `granted` from its certificate's notBefore. A service whose certificate the issuing CA has
 * revoked (a TSA or OCSP responder key retired through the admin API) is `withdrawn` from the revocation time, its
 * `granted` period kept as history; readers then stop taking it as an anchor (trustAnchorsFromTrustedList).
 */
import { createHash } from "node:crypto";
import type { NationalPki, TrustServiceIdentity } from "@khatam/core/pki";
import {
  type Address,
  type MultilingualString,
  nonEuTslType,
  type SchemeOperator,
  ServiceStatus,
  ServiceType,
  type TrustedList,
  type TrustService,
  type TrustServiceProvider,
} from "@khatam/core/trust";
import { Certificate } from "@khatam/core/x509";

/** How long a release is announced to be current (§ 5.3.15: at most 6 months after the issue date). */
export const TRUSTED_LIST_VALIDITY_MONTHS = 6;

/** Names and addresses of the national trust service providers the demo federation knows, in their languages. */
interface ProviderProfile {
  readonly name: MultilingualString;
  readonly tradeName?: MultilingualString;
  readonly address: Omit<Address, "electronic"> & { readonly electronic: readonly string[] };
  /** "Root CA", "Issuing CA", "Time-Stamping Authority", "OCSP Responder" in the provider's language. */
  readonly serviceNames: Readonly<Record<string, Readonly<Record<ServiceKind, string>>>>;
}

type ServiceKind = "root" | "issuing" | "tsa" | "ocsp";

const PROVIDERS: Readonly<Record<string, ProviderProfile>> = {
  "JP/Digital Agency": {
    name: { en: "Digital Agency", ja: "デジタル庁" },
    address: {
      postal: [
        {
          lang: "en",
          streetAddress: "Tokyo Garden Terrace Kioicho 19F, 1-3 Kioicho",
          locality: "Chiyoda-ku, Tokyo",
          postalCode: "102-0094",
          countryName: "JP",
        },
        {
          lang: "ja",
          streetAddress: "紀尾井町1-3 東京ガーデンテラス紀尾井町19階",
          locality: "東京都千代田区",
          postalCode: "102-0094",
          countryName: "JP",
        },
      ],
      electronic: ["https://www.digital.go.jp/en/"],
    },
    serviceNames: {
      ja: { root: "ルート認証局", issuing: "発行認証局", tsa: "タイムスタンプ局", ocsp: "OCSPレスポンダ" },
    },
  },
  "SA/MCIT": {
    name: { en: "Ministry of Communications and Information Technology", ar: "وزارة الاتصالات وتقنية المعلومات" },
    tradeName: { en: "MCIT", ar: "وزارة الاتصالات" },
    address: {
      postal: [
        { lang: "en", streetAddress: "King Abdulaziz Road", locality: "Riyadh", countryName: "SA" },
        { lang: "ar", streetAddress: "طريق الملك عبدالعزيز", locality: "الرياض", countryName: "SA" },
      ],
      electronic: ["https://www.mcit.gov.sa/en"],
    },
    serviceNames: {
      ar: {
        root: "سلطة التصديق الجذرية",
        issuing: "سلطة التصديق المصدرة",
        tsa: "سلطة الختم الزمني",
        ocsp: "خدمة التحقق من حالة الشهادات",
      },
    },
  },
};

const ENGLISH: Readonly<Record<ServiceKind, string>> = {
  root: "Root CA",
  issuing: "Issuing CA",
  tsa: "Time-Stamping Authority",
  ocsp: "OCSP Responder",
};

/** What the list says about one PKI: its provider entry with four services. */
export function trustServiceProvider(pki: NationalPki, publicUrl: string): TrustServiceProvider {
  const profile = PROVIDERS[`${pki.country}/${pki.organization}`];
  const base = publicUrl.replace(/\/+$/, "");
  const caUrl = `${base}/pki/${encodeURIComponent(pki.id)}/`;
  const serviceName = (kind: ServiceKind): MultilingualString => {
    const names: Record<string, string> = { en: `${pki.organization} ${ENGLISH[kind]}` };
    for (const [lang, local] of Object.entries(profile?.serviceNames ?? {})) {
      names[lang] = `${profile!.name[lang] ?? pki.organization} ${local[kind]}`;
    }
    return names;
  };
  const service = (kind: ServiceKind, type: string, identity: TrustServiceIdentity): TrustService => {
    const record = pki.certificates().find((r) => r.serial === identity.serial);
    const granted = Certificate.fromDer(identity.certificate).notBefore;
    if (record?.revoked) {
      return {
        type,
        name: serviceName(kind),
        digitalIdentities: [identity.certificate],
        status: ServiceStatus.withdrawn,
        statusStartingTime: record.revoked.at,
        history: [{ status: ServiceStatus.granted, statusStartingTime: granted }],
      };
    }
    return {
      type,
      name: serviceName(kind),
      digitalIdentities: [identity.certificate],
      status: ServiceStatus.granted,
      statusStartingTime: granted,
      history: [],
    };
  };
  return {
    name: profile?.name ?? { en: pki.organization },
    ...(profile?.tradeName && { tradeName: profile.tradeName }),
    address: profile
      ? { postal: profile.address.postal, electronic: [...profile.address.electronic, caUrl] }
      : {
          postal: [{ lang: "en", streetAddress: pki.organization, locality: pki.country, countryName: pki.country }],
          electronic: [caUrl],
        },
    informationUris: [caUrl],
    services: [
      service("root", ServiceType.caPkc, pki.root),
      service("issuing", ServiceType.caPkc, pki.issuing),
      service("tsa", ServiceType.tsa, pki.tsa),
      service("ocsp", ServiceType.ocsp, pki.ocsp),
    ],
  };
}

/**
 * The scheme operator: the organisation of the platform's first CA (the one that runs this instance, e.g. Japan's
 * Digital Agency in the demo), reachable at the platform's address.
 */
export function schemeOperator(first: NationalPki, publicUrl: string): SchemeOperator {
  const profile = PROVIDERS[`${first.country}/${first.organization}`];
  const base = publicUrl.replace(/\/+$/, "");
  const host = new URL(base).hostname;
  return {
    name: profile?.name ?? { en: first.organization },
    address: {
      postal: profile?.address.postal ?? [
        { lang: "en", streetAddress: first.organization, locality: first.country, countryName: first.country },
      ],
      electronic: [`mailto:trusted-list@${host}`, `${base}/trust/`],
    },
  };
}

/** The list's content without its release data (sequence number, dates): what decides whether a release is due. */
export interface TrustedListContent {
  readonly schemeOperator: SchemeOperator;
  readonly schemeTerritory: string;
  readonly distributionPoints: readonly string[];
  readonly providers: readonly TrustServiceProvider[];
}

/** The content for the PKIs in `pkis` (in creation order; the first one's country is the scheme territory). */
export function trustedListContent(pkis: readonly NationalPki[], publicUrl: string): TrustedListContent {
  const first = pkis[0];
  if (!first) throw new Error("no CA has been created yet");
  return {
    schemeOperator: schemeOperator(first, publicUrl),
    schemeTerritory: first.country,
    distributionPoints: [`${publicUrl.replace(/\/+$/, "")}/trust/list.xml`],
    providers: pkis.map((pki) => trustServiceProvider(pki, publicUrl)),
  };
}

/** SHA-256 (hex) of the content, certificates and dates included: equal digests mean an identical list. */
export function contentDigest(content: TrustedListContent): string {
  const json = JSON.stringify(content, function (this: unknown, key: string, value: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString("base64");
    if (raw instanceof Date) return raw.toISOString();
    return value;
  });
  return createHash("sha256").update(json).digest("hex");
}

/** A release of the list: the content with its sequence number and dates (§ 5.3.2, § 5.3.14, § 5.3.15). */
export function trustedListRelease(
  content: TrustedListContent,
  release: { sequenceNumber: number; issueDate: Date; nextUpdate: Date },
): TrustedList {
  const territory = content.schemeTerritory;
  return {
    schemeOperator: content.schemeOperator,
    schemeName: { en: `${territory}:Trusted list of the Khatam trust services federation` },
    schemeTerritory: territory,
    tslType: nonEuTslType(territory),
    sequenceNumber: release.sequenceNumber,
    issueDate: release.issueDate,
    nextUpdate: release.nextUpdate,
    distributionPoints: content.distributionPoints,
    providers: content.providers,
  };
}

/** `months` calendar months after `from`. */
export function addMonths(from: Date, months: number): Date {
  const date = new Date(from);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date;
}
