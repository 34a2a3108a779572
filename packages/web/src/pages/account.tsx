/**
 * `/account`: who is signed in (components/account-summary.tsx) and proving the e-mail address (security issue 9.3).
 * The button asks `POST /api/me/email-verification` to e-mail a link; the link (`GET /api/auth/verify-email`) comes
 * back here as `?addressVerified=1` (proved) or `?addressVerified=0` (expired, forged or for an old address), and
 * this page says which. The person also sets their own job title here (`PATCH /api/me`), the line under their name in
 * the signatures they place (issue 13).
 */
import type { EmailVerificationAnswer } from "@khatam/server/api";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { AccountSummary } from "../components/account-summary.js";
import { ErrorSummary, type FieldError } from "../components/error-summary.js";
import { PageHeading } from "../components/page.js";
import { SignedIn, SuccessBanner } from "../components/signed-in.js";
import { ApiError, apiJson, type Me } from "../lib/api.js";
import { isolate } from "../lib/bidi.js";

export function AccountPage() {
  return <SignedIn>{(me) => <Account me={me} />}</SignedIn>;
}

function Account({ me }: { readonly me: Me }) {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const link = params.get("addressVerified");
  const [answer, setAnswer] = useState<"sent" | "verified" | undefined>();
  const [requestError, setRequestError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [title, setTitle] = useState(me.user.jobTitle ?? "");
  const [titleState, setTitleState] = useState<"saving" | "saved" | "cleared" | "failed" | undefined>();

  async function saveTitle(event: FormEvent) {
    event.preventDefault();
    setTitleState("saving");
    try {
      const saved = await apiJson<{ jobTitle: string | null }>("/api/me", {
        method: "PATCH",
        json: { jobTitle: title },
      });
      setTitle(saved.jobTitle ?? "");
      setTitleState(saved.jobTitle ? "saved" : "cleared");
    } catch {
      setTitleState("failed");
    }
  }

  async function requestLink() {
    setBusy(true);
    setAnswer(undefined);
    setRequestError(undefined);
    try {
      const result = await apiJson<EmailVerificationAnswer>("/api/me/email-verification", { method: "POST" });
      setAnswer(result.verified ? "verified" : "sent");
    } catch (e) {
      setRequestError(
        e instanceof ApiError && e.code === "network" ? t("login.errors.network") : t("account.address.failed"),
      );
    } finally {
      setBusy(false);
    }
  }

  // One array per change, not per render: the summary takes the focus whenever it receives a new one.
  const errors = useMemo<FieldError[]>(
    () => [
      ...(link === "0" ? [{ field: "request-verification", message: t("account.linkFailed") }] : []),
      ...(requestError ? [{ field: "request-verification", message: requestError }] : []),
      ...(titleState === "failed" ? [{ field: "job-title", message: t("account.jobTitle.failed") }] : []),
    ],
    [link, requestError, titleState, t],
  );
  return (
    <div className="narrow-wide">
      <ErrorSummary errors={errors} />
      {link === "1" && (
        <SuccessBanner title={t("account.linkVerified")}>
          <p>{t("account.linkVerifiedBody")}</p>
        </SuccessBanner>
      )}
      <PageHeading title={t("account.title")}>{t("account.title")}</PageHeading>
      <AccountSummary me={me} />
      {me.user.id && (
        <section className="panel" aria-labelledby="job-title-heading" data-job-title>
          <h2 id="job-title-heading">{t("account.jobTitle.heading")}</h2>
          <form onSubmit={saveTitle} noValidate>
            <div className={`field${titleState === "failed" ? " field--error" : ""}`}>
              <label htmlFor="job-title">{t("account.jobTitle.label")}</label>
              <p className="hint" id="job-title-hint">
                {t("account.jobTitle.hint")}
              </p>
              <input
                id="job-title"
                name="jobTitle"
                dir="auto"
                maxLength={200}
                value={title}
                onChange={(e) => setTitle(e.target.value)}
                aria-describedby="job-title-hint"
              />
            </div>
            <button
              type="submit"
              className="button button--secondary"
              disabled={titleState === "saving"}
              aria-disabled={titleState === "saving"}
              data-action="save-job-title"
            >
              {t("account.jobTitle.save")}
            </button>
          </form>
          <div aria-live="polite" className="status" data-job-title-answer={titleState ?? ""}>
            {titleState === "saving" && <p>{t("account.jobTitle.saving")}</p>}
            {titleState === "saved" && <p>{t("account.jobTitle.saved")}</p>}
            {titleState === "cleared" && <p>{t("account.jobTitle.cleared")}</p>}
          </div>
        </section>
      )}
      <section className="panel" aria-labelledby="address-heading" data-address-verification>
        <h2 id="address-heading">{t("account.address.heading")}</h2>
        <p>{t("account.address.body")}</p>
        <button
          type="button"
          id="request-verification"
          className="button button--secondary"
          onClick={requestLink}
          disabled={busy}
          aria-disabled={busy}
          data-action="request-verification"
        >
          {t("account.address.request")}
        </button>
        <div aria-live="polite" className="status" data-verification-answer={answer ?? ""}>
          {busy && <p>{t("account.address.sending")}</p>}
          {answer === "sent" && <p>{t("account.address.sent", { email: isolate(me.user.email) })}</p>}
          {answer === "verified" && <p>{t("account.address.alreadyVerified")}</p>}
        </div>
      </section>
    </div>
  );
}
