/** A page's words for an API error (i18n/api-errors.ts), in the reader's language. */
import { apiErrorText } from "../i18n/api-errors.js";
import { useLanguage } from "../language.js";
import { ApiError } from "./api.js";

/** For a page's error handling: the reader's text for an {@link ApiError}'s code, else the page's own fallback. */
export function useApiErrorText(): (error: unknown, fallback: string) => string {
  const language = useLanguage();
  return (error, fallback) => (error instanceof ApiError && apiErrorText(error.code, language)) || fallback;
}
