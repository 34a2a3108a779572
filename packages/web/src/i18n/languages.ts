/**
 * The application's languages and how one is chosen (CONTRACTS § 5): `?lang=ar|ja|en`, else the user's choice (the
 * language switcher's, kept in localStorage, or the locale of their account), else the browser's Accept-Language
 * (navigator.languages, which Chromium and Firefox derive from the same preference). Pure, unit-tested in Node.
 */
export const LANGUAGES = ["en", "ar", "ja"] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = "en";

/** The key of the switcher's choice in localStorage. */
export const STORAGE_KEY = "khatam.lang";

/** Text direction of `language`: Arabic is written right to left. */
export function directionOf(language: Language): "rtl" | "ltr" {
  return language === "ar" ? "rtl" : "ltr";
}

/** `tag`'s language when it is one of ours (`ar-SA` → `ar`, `ja` → `ja`), else undefined. */
export function supported(tag: string | null | undefined): Language | undefined {
  if (!tag) return undefined;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(primary ?? "") ? (primary as Language) : undefined;
}

export interface LanguageSources {
  /** `?lang=` of the address. */
  readonly query?: string | null;
  /** The switcher's stored choice. */
  readonly stored?: string | null;
  /** The signed-in user's locale (GET /api/me). */
  readonly account?: string | null;
  /** The browser's preferred languages, most preferred first. */
  readonly accepted?: readonly string[];
}

/** The first source that names a supported language, in the order of CONTRACTS § 5. */
export function negotiateLanguage(sources: LanguageSources): Language {
  return (
    supported(sources.query) ??
    supported(sources.stored) ??
    supported(sources.account) ??
    (sources.accepted ?? []).map(supported).find((l) => l !== undefined) ??
    DEFAULT_LANGUAGE
  );
}
