/**
 * `/envelopes/:id/audit`: the audit trail — every event with its time in the reader's calendars, who did it and
 * what, and the note that each event carries the hash of the one before it (so none can be changed or removed
 * unnoticed), with the server's check of that chain. The certificate of completion is the same trail as a PDF.
 */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { DataTable } from "../components/data-table.js";
import { DateTime } from "../components/date-time.js";
import { ErrorSummary } from "../components/error-summary.js";
import { PageHeading } from "../components/page.js";
import { en } from "../i18n/en.js";
import { useLanguage } from "../language.js";
import { type AuditEvent, type AuditTrail, type Envelope, envelopeUrl, getAudit } from "../lib/envelopes.js";
import { formatNumber } from "../lib/format-date.js";
import { EnvelopeLoader } from "./envelope.js";

export function AuditPage() {
  return <EnvelopeLoader>{(envelope) => <Trail envelope={envelope} />}</EnvelopeLoader>;
}

function Trail({ envelope }: { readonly envelope: Envelope }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const [trail, setTrail] = useState<AuditTrail | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    getAudit(envelope.id)
      .then(setTrail)
      .catch(() => setFailed(true));
  }, [envelope.id]);
  const n = (value: number) => formatNumber(value, language);
  return (
    <>
      {failed && <ErrorSummary errors={[{ message: t("audit.failed") }]} />}
      <span className="caption">
        <bdi>{envelope.title}</bdi>
      </span>
      <PageHeading title={t("audit.title")}>{t("audit.title")}</PageHeading>
      <p>{t("audit.intro")}</p>
      <p className="inset">{t("audit.chainNote")}</p>
      {trail && (
        <p data-chain={trail.chain.valid ? "valid" : "broken"} className={trail.chain.valid ? "" : "field-error"}>
          {trail.chain.valid
            ? t("audit.chainValid", { count: n(trail.events.length) })
            : t("audit.chainBroken", { number: n(trail.chain.seq ?? 0) })}
        </p>
      )}
      {!trail && !failed && <p>{t("loading")}</p>}
      {trail && (
        <DataTable
          caption={t("audit.title")}
          attributes={{ "data-audit": true }}
          rows={trail.events}
          rowKey={(e) => e.seq}
          rowAttributes={(e) => ({ "data-event": e.type })}
          columns={[
            { heading: t("audit.columns.number"), cell: (e) => n(e.seq) },
            { heading: t("audit.columns.when"), cell: (e) => <DateTime value={e.at} /> },
            { heading: t("audit.columns.what"), cell: (e) => <EventText event={e} /> },
            {
              heading: t("audit.columns.who"),
              cell: (e) => (e.actorEmail ? <span dir="ltr">{e.actorEmail}</span> : t("audit.platform")),
            },
            {
              heading: t("audit.columns.hash"),
              cell: (e) => (
                <>
                  <code dir="ltr" className="break hash">
                    {e.hash.slice(0, 16)}…
                  </code>
                  <span className="visually-hidden">
                    {t("audit.previous")}: {e.prevHash.slice(0, 16)}
                  </span>
                </>
              ),
            },
          ]}
        />
      )}
      <ul className="link-list">
        <li>
          <a href={envelopeUrl(envelope.id, "/audit?format=pdf")} download>
            {t("envelope.downloadCertificate")}
          </a>
        </li>
        <li>
          <Link to={`/envelopes/${envelope.id}`}>{t("sign.back")}</Link>
        </li>
      </ul>
    </>
  );
}

function EventText({ event }: { readonly event: AuditEvent }) {
  const { t } = useTranslation();
  const known = event.type in en.audit.events;
  const text = known ? t(`audit.events.${event.type}`) : event.type;
  const d = event.details ?? {};
  return (
    <>
      {text}
      {event.type === "signed" && typeof d.name === "string" && (
        <>
          {" — "}
          <bdi>{d.name}</bdi>
          {typeof d.level === "string" && (
            <>
              {" "}
              (<code dir="ltr">PAdES {d.level}</code>)
            </>
          )}
        </>
      )}
      {event.type === "recipient_changed" && typeof d.from === "string" && typeof d.to === "string" && (
        <>
          {" — "}
          <span dir="ltr">
            {d.from} → {d.to}
          </span>
        </>
      )}
      {(event.type === "declined" || event.type === "voided") && typeof d.reason === "string" && (
        <>
          {" — "}
          {t("envelope.reason")}: <bdi>{d.reason}</bdi>
        </>
      )}
    </>
  );
}
