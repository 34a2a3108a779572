/** `/envelopes/:id/decline`: the reason (required; an error summary when missing), then the envelope ends. */
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { ErrorSummary, type FieldError, FieldErrorMessage } from "../components/error-summary.js";
import { PageHeading } from "../components/page.js";
import type { Me } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";
import { declineEnvelope, type Envelope } from "../lib/envelopes.js";
import { EnvelopeLoader, myTurn } from "./envelope.js";

export function DeclinePage() {
  return <EnvelopeLoader>{(envelope, me) => <DeclineForm envelope={envelope} me={me} />}</EnvelopeLoader>;
}

function DeclineForm({ envelope, me }: { readonly envelope: Envelope; readonly me: Me }) {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const navigate = useNavigate();
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  if (!myTurn(envelope, me)) {
    return (
      <>
        <PageHeading title={t("sign.notNowTitle")}>{t("sign.notNowTitle")}</PageHeading>
        <p>{t("sign.notNowBody")}</p>
        <p>
          <Link to={`/envelopes/${envelope.id}`}>{t("sign.back")}</Link>
        </p>
      </>
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!reason.trim()) {
      setErrors([{ field: "reason", message: t("decline.errors.noReason") }]);
      return;
    }
    if (reason.length > 2000) {
      setErrors([{ field: "reason", message: t("decline.errors.tooLong") }]);
      return;
    }
    setBusy(true);
    try {
      await declineEnvelope(envelope.id, reason.trim());
      navigate(`/envelopes/${envelope.id}`, { state: { notice: "declined" } });
    } catch (e) {
      setErrors([{ message: errorText(e, t("decline.errors.failed")) }]);
    } finally {
      setBusy(false);
    }
  }

  const reasonError = errors.find((e) => e.field === "reason")?.message;
  return (
    <div className="narrow">
      <ErrorSummary errors={errors} />
      <span className="caption">
        <bdi>{envelope.title}</bdi>
      </span>
      <PageHeading title={t("decline.title")}>{t("decline.title")}</PageHeading>
      <p>{t("decline.intro")}</p>
      <form onSubmit={submit} noValidate>
        <div className={`field${reasonError ? " field--error" : ""}`}>
          <label htmlFor="reason">{t("decline.reason")}</label>
          <p id="reason-hint" className="hint">
            {t("decline.reasonHint")}
          </p>
          <FieldErrorMessage id="reason-error" message={reasonError} />
          <textarea
            id="reason"
            name="reason"
            dir="auto"
            rows={5}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-describedby={`reason-hint${reasonError ? " reason-error" : ""}`}
            aria-invalid={reasonError ? true : undefined}
          />
        </div>
        <div className="button-group">
          <button type="submit" className="button button--warning" disabled={busy} data-action="confirm-decline">
            {t("decline.submit")}
          </button>
          <Link to={`/envelopes/${envelope.id}`} className="button button--secondary">
            {t("sign.cancel")}
          </Link>
        </div>
      </form>
    </div>
  );
}
