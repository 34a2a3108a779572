/**
 * Dates as readers expect them (CONTRACTS § 5): the Gregorian calendar always, and beside it the Umm al-Qura Hijri
 * calendar for Arabic and the Japanese era (令和) for Japanese. One module for every date the application shows, so
 * the calendars never differ between pages. Pure Intl (full ICU in browsers and in Node 20), unit-tested in Node.
 */
import type { Language } from "../i18n/languages.js";

/** BCP 47 locales per language: the Gregorian one, and the national calendar where there is one. */
const LOCALES: Record<Language, { readonly gregorian: string; readonly national: string | null }> = {
  en: { gregorian: "en-GB-u-ca-gregory", national: null },
  ar: { gregorian: "ar-SA-u-ca-gregory", national: "ar-SA-u-ca-islamic-umalqura" },
  ja: { gregorian: "ja-JP-u-ca-gregory", national: "ja-JP-u-ca-japanese" },
};

export interface FormattedDate {
  /** The instant, ISO 8601 (UTC), for `<time datetime>`. */
  readonly iso: string;
  /** Gregorian date (and time with zone, unless `time: false`) in the reader's language. */
  readonly gregorian: string;
  /** The same day in the national calendar (Umm al-Qura for ar, Japanese era for ja), or null (en). */
  readonly national: string | null;
}

export interface FormatDateOptions {
  /** Include the time of day and the time zone (default true). */
  readonly time?: boolean;
  /** IANA time zone; default the reader's own. */
  readonly timeZone?: string;
}

/** Formats `value` for a reader of `language`; throws RangeError for an invalid date. */
export function formatDate(value: Date | string, language: Language, options: FormatDateOptions = {}): FormattedDate {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${String(value)}`);
  const locales = LOCALES[language];
  const day: Intl.DateTimeFormatOptions = {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: options.timeZone,
  };
  const withTime: Intl.DateTimeFormatOptions =
    options.time === false ? day : { ...day, hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  return {
    iso: date.toISOString(),
    gregorian: new Intl.DateTimeFormat(locales.gregorian, withTime).format(date),
    national: locales.national ? new Intl.DateTimeFormat(locales.national, day).format(date) : null,
  };
}

/** A number in the reader's numerals (Arabic-Indic digits for ar-SA). */
export function formatNumber(value: number, language: Language): string {
  return new Intl.NumberFormat(LOCALES[language].gregorian.replace(/-u-.*$/, "")).format(value);
}

/** A country's name in the reader's language from its ISO 3166 code (text, never a flag). */
export function countryName(code: string, language: Language): string {
  try {
    return new Intl.DisplayNames([language], { type: "region" }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}
