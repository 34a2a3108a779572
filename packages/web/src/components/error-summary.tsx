/**
 * GOV.UK error summary: at the top of the page, announced (role="alert"), focused, each error a link to its field.
 */
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";

export interface FieldError {
  /** id of the field the error is about (the link's target), or undefined for a page-level error. */
  readonly field?: string;
  readonly message: string;
}

export function ErrorSummary({ errors }: { readonly errors: readonly FieldError[] }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.length > 0) ref.current?.focus();
  }, [errors]);
  if (errors.length === 0) return null;
  return (
    <div className="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1} ref={ref}>
      <h2 id="error-summary-title" className="error-summary__title">
        {t("errorSummary.title")}
      </h2>
      <ul className="error-summary__list">
        {errors.map((e) => (
          <li key={`${e.field ?? ""}:${e.message}`}>
            {e.field ? (
              <a
                href={`#${e.field}`}
                onClick={(event) => {
                  event.preventDefault();
                  document.getElementById(e.field!)?.focus();
                }}
              >
                {e.message}
              </a>
            ) : (
              e.message
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The message under a field, tied to it by `aria-describedby`. */
export function FieldErrorMessage({ id, message }: { readonly id: string; readonly message?: string }) {
  const { t } = useTranslation();
  if (!message) return null;
  return (
    <p id={id} className="field-error">
      <span className="visually-hidden">{t("errorSummary.title")}: </span>
      {message}
    </p>
  );
}
