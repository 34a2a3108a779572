/** Names stored in several languages (agencies, countries): the reader's language, else English. */
import type { Language } from "../i18n/languages.js";

export function localName(
  names: { readonly [language: string]: string | undefined } | null | undefined,
  language: Language,
): string {
  return names?.[language] || names?.en || Object.values(names ?? {})[0] || "";
}
