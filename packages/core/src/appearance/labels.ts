/**
 * The words a visible signature shows, in the reader's language (the signer's locale). Exported through
 * `@khatam/core/vocabulary`, so the web app can show the same words beside its preview.
 */
import type { CalendarLanguage } from "./calendars.js";

export interface AppearanceLabels {
  readonly signedBy: string;
  readonly date: string;
  readonly issuer: string;
  readonly title: string;
  readonly agency: string;
  readonly country: string;
  readonly seal: string;
}

export const APPEARANCE_LABELS: Record<CalendarLanguage, AppearanceLabels> = {
  en: {
    signedBy: "Signed by",
    date: "Date",
    issuer: "Certificate issued by",
    title: "Title",
    agency: "Agency",
    country: "Country",
    seal: "Seal",
  },
  ar: {
    signedBy: "وقّعه",
    date: "التاريخ",
    issuer: "جهة إصدار الشهادة",
    title: "المسمى الوظيفي",
    agency: "الجهة",
    country: "الدولة",
    seal: "الختم",
  },
  ja: {
    signedBy: "署名者",
    date: "日付",
    issuer: "証明書の発行者",
    title: "役職",
    agency: "機関",
    country: "国",
    seal: "印影",
  },
};
