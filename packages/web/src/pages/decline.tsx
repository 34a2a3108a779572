/** `/envelopes/:id/decline`: the reason (required; an error summary when missing), then the envelope ends. */
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { ErrorSummary, type FieldError } from "../components/error-summary.js";
import { controlAria, FormField } from "../components/form-field.js";
import { PageHeading } from "../components/page.js";
import type { Me } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";
import { declineEnvelope, type Envelope } from "../lib/envelopes.js";
import { EnvelopeLoader, myTurn, NotYourTurn } from "./envelope.js";

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
    return <NotYourTurn envelope={envelope} />;
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
        <FormField id="reason" label={t("decline.reason")} hint={t("decline.reasonHint")} error={reasonError}>
          <textarea
            id="reason"
            name="reason"
            dir="auto"
            rows={5}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            {...controlAria("reason", reasonError, true)}
          />
        </FormField>
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
