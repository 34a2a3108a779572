/**
 * `/login`: e-mail and password (CONTRACTS § 5: inputs named `email` and `password`), then — when the server answers
 * `totp_required` — the code from the authenticator app. Errors follow GOV.UK: an error summary at the top
 * (role="alert", focused) linking to each field, and the message again beside the field.
 */
import type { LoginBody } from "@khatam/server/api";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate } from "react-router-dom";
import { ErrorSummary, type FieldError } from "../components/error-summary.js";
import { controlAria, FormField } from "../components/form-field.js";
import { PageHeading } from "../components/page.js";
import { useLanguage } from "../language.js";
import { ApiError, apiJson } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";
import { formatNumber } from "../lib/format-date.js";
import { useSession } from "../session.js";

export function LoginPage() {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const language = useLanguage();
  const navigate = useNavigate();
  const { search } = useLocation();
  const { refresh } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [needsTotp, setNeedsTotp] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const errorFor = (field: string) => errors.find((e) => e.field === field)?.message;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FieldError[] = [];
    if (!email.trim()) missing.push({ field: "email", message: t("login.errors.emailMissing") });
    if (!password) missing.push({ field: "password", message: t("login.errors.passwordMissing") });
    if (needsTotp && !totp.trim()) missing.push({ field: "totp", message: t("login.errors.totpMissing") });
    if (missing.length > 0) {
      setErrors(missing);
      return;
    }
    setBusy(true);
    try {
      await apiJson("/api/auth/login", {
        method: "POST",
        json: { email: email.trim(), password, ...(needsTotp && { totp: totp.trim() }) } satisfies LoginBody,
      });
      setErrors([]);
      await refresh();
      const next = new URLSearchParams(search).get("next");
      navigate(next?.startsWith("/") && !next.startsWith("//") ? next : "/");
    } catch (e) {
      setErrors([loginError(e)]);
    } finally {
      setBusy(false);
    }
  }

  function loginError(e: unknown): FieldError {
    if (!(e instanceof ApiError)) return { message: t("login.errors.failed") };
    switch (e.code) {
      case "invalid_credentials":
        return { field: "email", message: t("login.errors.invalid") };
      case "totp_required":
        if (needsTotp) return { field: "totp", message: t("login.errors.totpWrong") };
        setNeedsTotp(true);
        return { field: "totp", message: t("login.errors.totpMissing") };
      case "too_many_attempts":
      case "rate_limited":
        return {
          message: t("login.errors.throttled", {
            minutes: formatNumber(Math.max(1, Math.ceil((e.retryAfter ?? 60) / 60)), language),
          }),
        };
      case "network":
        return { message: t("login.errors.network") };
      default:
        return { message: errorText(e, t("login.errors.failed")) };
    }
  }

  return (
    <div className="narrow">
      <ErrorSummary errors={errors} />
      <PageHeading title={t("login.title")}>{t("login.title")}</PageHeading>
      <p>{t("login.intro")}</p>
      <form onSubmit={submit} noValidate>
        <FormField id="email" label={t("login.email")} error={errorFor("email")}>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            spellCheck={false}
            dir="ltr"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            {...controlAria("email", errorFor("email"))}
          />
        </FormField>
        <FormField id="password" label={t("login.password")} error={errorFor("password")}>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            dir="ltr"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            {...controlAria("password", errorFor("password"))}
          />
        </FormField>
        {needsTotp && (
          <FormField id="totp" label={t("login.totp")} hint={t("login.totpHint")} error={errorFor("totp")}>
            <input
              id="totp"
              name="totp"
              className="input--short"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]*"
              maxLength={8}
              dir="ltr"
              value={totp}
              onChange={(e) => setTotp(e.target.value)}
              {...controlAria("totp", errorFor("totp"), true)}
            />
          </FormField>
        )}
        <button type="submit" className="button" disabled={busy} aria-disabled={busy}>
          {busy ? t("login.submitting") : t("login.submit")}
        </button>
      </form>
    </div>
  );
}
