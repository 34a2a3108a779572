/**
 * Dates as readers expect them (CONTRACTS § 5): the Gregorian calendar always, and beside it the Umm al-Qura Hijri
 * calendar for Arabic and the Japanese era (令和) for Japanese. One module for every date the application shows, so
 * the calendars never differ between pages, and the same calendars as the dates in a visible signature (core's
 * `calendarDates`). Pure Intl (full ICU in browsers and in Node 20), unit-tested in Node.
 */
import { CALENDAR_LOCALES, type CalendarDates, type CalendarOptions, calendarDates } from "@khatam/core/vocabulary";
import type { Language } from "../i18n/languages.js";

/** The calendars themselves live in core (`appearance/calendars.ts`), shared with the visible signature's dates. */
export type FormattedDate = CalendarDates;
export type FormatDateOptions = CalendarOptions;

/** Formats `value` for a reader of `language`; throws RangeError for an invalid date. */
export function formatDate(value: Date | string, language: Language, options: FormatDateOptions = {}): FormattedDate {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${String(value)}`);
  return calendarDates(date, language, options);
}

/** A number in the reader's numerals (Arabic-Indic digits for ar-SA). */
export function formatNumber(value: number, language: Language): string {
  return new Intl.NumberFormat(CALENDAR_LOCALES[language].gregorian.replace(/-u-.*$/, "")).format(value);
}

/** A country's name in the reader's language from its ISO 3166 code (text, never a flag). */
export function countryName(code: string, language: Language): string {
  try {
    return new Intl.DisplayNames([language], { type: "region" }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}
