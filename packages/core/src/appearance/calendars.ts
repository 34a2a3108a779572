/**
 * Dates as readers expect them: the Gregorian calendar always, and beside it the reader's own — the Umm al-Qura
 * Hijri calendar for Arabic (the civil calendar of Saudi Arabia) and the Japanese era (令和) for Japanese. Pure
 * Intl with ICU's calendars (full ICU in Node 20 and in browsers), no fonts: exported through
 * `@khatam/core/vocabulary` too, so the web app and the signature appearance format a date the same way.
 */
export type CalendarLanguage = "ar" | "ja" | "en";

/** BCP 47 locales per language: the Gregorian one, and the national calendar where there is one. */
export const CALENDAR_LOCALES: Record<
  CalendarLanguage,
  { readonly gregorian: string; readonly national: string | null }
> = {
  en: { gregorian: "en-GB-u-ca-gregory", national: null },
  ar: { gregorian: "ar-SA-u-ca-gregory", national: "ar-SA-u-ca-islamic-umalqura" },
  ja: { gregorian: "ja-JP-u-ca-gregory", national: "ja-JP-u-ca-japanese" },
};

export interface CalendarDates {
  /** The instant, ISO 8601 (UTC). */
  readonly iso: string;
  /** Gregorian date (and time with zone, unless `time: false`) in the reader's language. */
  readonly gregorian: string;
  /** The same day in the national calendar (Umm al-Qura for ar, Japanese era for ja), or null (en). */
  readonly national: string | null;
}

export interface CalendarOptions {
  /** Include the time of day and the time zone (default true). */
  readonly time?: boolean;
  /** IANA time zone; default the runtime's own. */
  readonly timeZone?: string;
}

/** Formatters by locale and options: constructing an Intl.DateTimeFormat costs far more than formatting with one. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    if (formatters.size > 256) formatters.clear();
    f = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

/** Formats `date` for a reader of `language`; throws RangeError for an invalid date. */
export function calendarDates(date: Date, language: CalendarLanguage, options: CalendarOptions = {}): CalendarDates {
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${String(date)}`);
  const locales = CALENDAR_LOCALES[language];
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
    gregorian: formatter(locales.gregorian, withTime).format(date),
    national: locales.national ? formatter(locales.national, day).format(date) : null,
  };
}
