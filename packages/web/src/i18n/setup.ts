/** i18next for the browser: every language's messages bundled (they are small), the first language negotiated. */
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { directionOf, LANGUAGES, type Language } from "./languages.js";
import { MESSAGES } from "./resources.js";

export async function setUpI18n(language: Language): Promise<typeof i18next> {
  await i18next.use(initReactI18next).init({
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: MESSAGES[l] }])),
    lng: language,
    supportedLngs: [...LANGUAGES],
    fallbackLng: false,
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  applyToDocument(language);
  return i18next;
}

/** `<html lang dir>` follows the language (CONTRACTS § 5). */
export function applyToDocument(language: Language): void {
  document.documentElement.lang = language;
  document.documentElement.dir = directionOf(language);
}
