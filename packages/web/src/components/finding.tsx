/**
 * A validator finding (core `validation/messages.ts`: an id and its parameters) in the reader's language. Each
 * parameter — a certificate's name, a URL, a PDF locator — is isolated with `<bdi>` so that Latin names inside an
 * Arabic sentence keep their order; numbers take the reader's numerals and dates the reader's calendars.
 */
import { ar, type Catalogue, en, ja, type Message, messageParts } from "@khatam/core/vocabulary";
import { Fragment, type ReactNode } from "react";
import type { Language } from "../i18n/languages.js";
import { useLanguage } from "../language.js";
import { formatNumber } from "../lib/format-date.js";
import { DateTime } from "./date-time.js";

const CATALOGUES: Record<Language, Catalogue> = { en, ar, ja };

/** How each language separates the items of a list parameter. */
const LIST_SEPARATOR: Record<Language, string> = { en: "; ", ar: "؛ ", ja: "、" };

export function FindingText({ message }: { readonly message: Message }) {
  const language = useLanguage();
  return <>{parts(message, language)}</>;
}

function parts(message: Message, language: Language): ReactNode[] {
  return messageParts(message, CATALOGUES[language]).map((p, i) => {
    const key = `${i}`;
    if ("text" in p) return <Fragment key={key}>{p.text}</Fragment>;
    if ("value" in p)
      return <bdi key={key}>{typeof p.value === "number" ? formatNumber(p.value, language) : p.value}</bdi>;
    if ("date" in p) return <DateTime key={key} value={p.date} />;
    if ("list" in p)
      return (
        <Fragment key={key}>
          {p.list.map((m, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a list parameter's items have no identity but their place
            <Fragment key={j}>
              {j > 0 && LIST_SEPARATOR[language]}
              {parts(m, language)}
            </Fragment>
          ))}
        </Fragment>
      );
    return <Fragment key={key}>{parts(p.message, language)}</Fragment>;
  });
}
