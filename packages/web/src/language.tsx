/**
 * The current language: negotiated at start (languages.ts), changed by `?lang=` in the address, by the switcher
 * (which also stores the choice) and, when the reader has made no choice, by the signed-in account's locale.
 */
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router-dom";
import { LANGUAGES, type Language, negotiateLanguage, STORAGE_KEY, supported } from "./i18n/languages.js";
import { applyToDocument } from "./i18n/setup.js";
import { useSession } from "./session.js";

export function storedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled
  }
}

function storeLanguage(language: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/** The language the reader reads now. */
export function useLanguage(): Language {
  const { i18n } = useTranslation();
  return supported(i18n.resolvedLanguage ?? i18n.language) ?? "en";
}

/** Keeps i18next and `<html lang dir>` on the negotiated language as the address and the session change. */
export function useLanguageNegotiation(): void {
  const { i18n } = useTranslation();
  const { search } = useLocation();
  const { me } = useSession();
  useEffect(() => {
    // An explicit `?lang=` is the reader's choice: kept for the next pages and through sign-in, which drop it.
    const asked = supported(new URLSearchParams(search).get("lang") ?? "");
    if (asked && storedLanguage() !== asked) storeLanguage(asked);
    const language = negotiateLanguage({
      query: new URLSearchParams(search).get("lang"),
      stored: storedLanguage(),
      account: me?.user.locale,
      accepted: navigator.languages,
    });
    if (i18n.language !== language) void i18n.changeLanguage(language);
    applyToDocument(language);
  }, [search, me, i18n]);
}

/** Links to the page in each language, each name in its own language; the chosen one is stored. */
export function LanguageSwitcher() {
  const { t } = useTranslation();
  const current = useLanguage();
  const { pathname, search } = useLocation();
  const href = (language: Language) => {
    const params = new URLSearchParams(search);
    params.set("lang", language);
    return `${pathname}?${params.toString()}`;
  };
  return (
    <nav className="language-switcher" aria-label={t("language.label")}>
      <ul>
        {LANGUAGES.map((language) => (
          <li key={language}>
            {language === current ? (
              <span aria-current="true" lang={language}>
                {t(`language.${language}`)}
              </span>
            ) : (
              <Link to={href(language)} lang={language} hrefLang={language} onClick={() => storeLanguage(language)}>
                {t(`language.${language}`)}
              </Link>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}
