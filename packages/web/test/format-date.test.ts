// Dates in the reader's calendars (CONTRACTS § 5): Gregorian always; Umm al-Qura Hijri beside it for Arabic, the
// Japanese era (令和) for Japanese. Node 20 carries full ICU, the same data browsers use.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { countryName, formatDate, formatNumber } from "../src/lib/format-date.js";

const MARCH_11_2024 = "2024-03-11T03:04:00Z"; // 1 Ramadan 1445 in Umm al-Qura; Reiwa 6 in the Japanese calendar

describe("formatDate", () => {
  test("Arabic: Gregorian date in Arabic and the Umm al-Qura date (1 Ramadan 1445 AH)", () => {
    const d = formatDate(MARCH_11_2024, "ar", { timeZone: "Asia/Riyadh" });
    assert.equal(d.iso, "2024-03-11T03:04:00.000Z");
    assert.match(d.gregorian, /١١ مارس ٢٠٢٤/);
    assert.match(d.gregorian, /٠٦:٠٤/); // 03:04 UTC is 06:04 in Riyadh, in Arabic-Indic digits
    assert.equal(d.national, "١ رمضان ١٤٤٥ هـ");
  });

  test("Japanese: Gregorian date and the Japanese era date (令和6年3月11日)", () => {
    const d = formatDate(MARCH_11_2024, "ja", { timeZone: "Asia/Tokyo" });
    assert.match(d.gregorian, /^2024年3月11日 12:04/);
    assert.equal(d.national, "令和6年3月11日");
  });

  test("Japanese: the era changes on 1 May 2019 (平成31年 → 令和元年)", () => {
    assert.equal(formatDate("2019-04-30T12:00:00Z", "ja", { timeZone: "UTC" }).national, "平成31年4月30日");
    assert.equal(formatDate("2019-05-01T12:00:00Z", "ja", { timeZone: "UTC" }).national, "令和元年5月1日");
  });

  test("English: Gregorian only, no second calendar", () => {
    const d = formatDate(MARCH_11_2024, "en", { timeZone: "UTC" });
    assert.match(d.gregorian, /^11 March 2024 at 03:04/);
    assert.equal(d.national, null);
  });

  test("time: false gives the day alone; the calendar day follows the time zone", () => {
    assert.equal(formatDate("2024-03-10T23:30:00Z", "en", { time: false, timeZone: "UTC" }).gregorian, "10 March 2024");
    assert.equal(
      formatDate("2024-03-10T23:30:00Z", "ar", { time: false, timeZone: "Asia/Riyadh" }).national,
      "١ رمضان ١٤٤٥ هـ",
    );
  });

  test("an invalid date is a RangeError, not 'Invalid Date' on the page", () => {
    assert.throws(() => formatDate("not a date", "en"), RangeError);
  });
});

describe("numbers and countries", () => {
  test("numerals follow the language", () => {
    assert.equal(formatNumber(1234, "ar"), "١٬٢٣٤");
    assert.equal(formatNumber(1234, "ja"), "1,234");
    assert.equal(formatNumber(1234, "en"), "1,234");
  });

  test("countries are named in words, in the reader's language", () => {
    assert.equal(countryName("JP", "ar"), "اليابان");
    assert.equal(countryName("SA", "ja"), "サウジアラビア");
    assert.equal(countryName("sa", "en"), "Saudi Arabia");
  });
});
