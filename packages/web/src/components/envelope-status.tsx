/** Envelope and recipient states in plain words, with the state as a data attribute for tests and styles. */
import { useTranslation } from "react-i18next";
import type { EnvelopeStatus, Recipient } from "../lib/envelopes.js";

export function EnvelopeStatusTag({ status }: { readonly status: EnvelopeStatus }) {
  const { t } = useTranslation();
  return (
    <strong className={`tag tag--${status}`} data-status={status}>
      {t(`envelope.status.${status}`)}
    </strong>
  );
}

/** What a recipient has done, or is expected to do now. */
export function RecipientStatusText({
  recipient,
  isNext,
  envelopeStatus,
}: {
  readonly recipient: Recipient;
  readonly isNext: boolean;
  /** An envelope that ended (declined, expired) asks nothing more of those who had not acted. */
  readonly envelopeStatus?: string;
}) {
  const { t } = useTranslation();
  const done = recipient.status === "signed" || recipient.status === "approved" || recipient.status === "declined";
  const ended = envelopeStatus === "declined" || envelopeStatus === "expired" || envelopeStatus === "voided";
  const key = done
    ? recipient.status
    : recipient.role === "viewer"
      ? "viewer"
      : ended
        ? "notNeeded"
        : isNext
          ? recipient.role === "signer"
            ? "nextSign"
            : "nextApprove"
          : "waiting";
  return (
    <span className={`recipient-status recipient-status--${key}`} data-recipient-status={recipient.status}>
      {t(`recipient.status.${key}`)}
    </span>
  );
}
