/**
 * The demo federation's countries, agencies and people: data only, so that the server's first lines (server.ts) can
 * name them without loading the rest.
 */
import type { Multilingual, Role } from "../db/schema.js";

export const DEFAULT_DEMO_PASSWORD = "khatam-demo";

export const DEMO_COUNTRIES: readonly { id: string; isoCode: string; names: Multilingual }[] = [
  { id: "jp", isoCode: "JP", names: { en: "Japan", ar: "اليابان", ja: "日本" } },
  { id: "sa", isoCode: "SA", names: { en: "Saudi Arabia", ar: "المملكة العربية السعودية", ja: "サウジアラビア" } },
];

export const DEMO_AGENCIES: readonly { country: string; names: Multilingual }[] = [
  { country: "jp", names: { en: "Digital Agency", ar: "الوكالة الرقمية", ja: "デジタル庁" } },
  {
    country: "sa",
    names: {
      en: "Ministry of Communications and Information Technology (MCIT)",
      ar: "وزارة الاتصالات وتقنية المعلومات",
      ja: "通信情報技術省",
    },
  },
];

export const DEMO_USERS: readonly {
  email: string;
  displayName: string;
  /** Shown under the name in the official's visible signatures (issue 13). */
  jobTitle: string | null;
  country: string;
  role: Role;
  locale: "ar" | "ja" | "en";
  certificate: boolean;
}[] = [
  {
    email: "official@jp.demo",
    displayName: "Hanako Sato",
    jobTitle: "デジタル推進課長",
    country: "jp",
    role: "official",
    locale: "ja",
    certificate: true,
  },
  {
    email: "admin@jp.demo",
    displayName: "Taro Suzuki",
    jobTitle: null,
    country: "jp",
    role: "agency_admin",
    locale: "ja",
    certificate: false,
  },
  {
    email: "official@sa.demo",
    displayName: "Noura Al-Qahtani",
    jobTitle: "مدير إدارة التحول الرقمي",
    country: "sa",
    role: "official",
    locale: "ar",
    certificate: true,
  },
  {
    email: "clerk@sa.demo",
    displayName: "Faisal Al-Harbi",
    jobTitle: null,
    country: "sa",
    role: "clerk",
    locale: "ar",
    certificate: false,
  },
  {
    email: "admin@sa.demo",
    displayName: "Sara Al-Otaibi",
    jobTitle: null,
    country: "sa",
    role: "agency_admin",
    locale: "ar",
    certificate: false,
  },
];
