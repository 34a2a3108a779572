/**
 * `/register/:code` (public): the register entry of a completed document, from the code printed on its first page —
 * its title, who signed and when, and the SHA-256 of the final file, so a reader holding a copy can tell it is the
 * one registered; then the way to verify the copy itself.
 */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router-dom";
import { CallToAction } from "../components/call-to-action.js";
import { DataTable } from "../components/data-table.js";
import { DateTime } from "../components/date-time.js";
import { ErrorSummary } from "../components/error-summary.js";
import { MachineText } from "../components/machine-text.js";
import { PageHeading } from "../components/page.js";
import { Row } from "../components/summary-list.js";
import { useLanguage } from "../language.js";
import { ApiError, apiJson } from "../lib/api.js";
import type { RegisterEntry } from "../lib/envelopes.js";
import { countryName } from "../lib/format-date.js";
import { NotFoundPage } from "./not-found.js";

export function RegisterPage() {
  const { t } = useTranslation();
  const language = useLanguage();
  const { code = "" } = useParams();
  const [entry, setEntry] = useState<RegisterEntry | undefined>();
  const [state, setState] = useState<"loading" | "missing" | "failed" | "ready">("loading");
  useEffect(() => {
    apiJson<RegisterEntry>(`/api/register/${encodeURIComponent(code)}`)
      .then((e) => {
        setEntry(e);
        setState("ready");
      })
      .catch((e) => setState(e instanceof ApiError && e.status === 404 ? "missing" : "failed"));
  }, [code]);
  if (state === "missing") return <NotFoundPage />;
  if (state === "failed") return <ErrorSummary errors={[{ message: t("register.failed") }]} />;
  if (!entry) return <p className="status">{t("loading")}</p>;
  return (
    <>
      <span className="caption">{t("register.caption")}</span>
      <PageHeading title={entry.title}>
        <bdi>{entry.title}</bdi>
      </PageHeading>
      <p className="lead">{t("register.intro")}</p>
      <dl className="summary-list" data-register={code}>
        <Row term={t("register.code")}>
          <code dir="ltr">{code.toUpperCase()}</code>
        </Row>
        <Row term={t("envelope.statusLabel")}>{t("envelope.status.completed")}</Row>
        {entry.completedAt && (
          <Row term={t("envelope.completed")}>
            <DateTime value={entry.completedAt} />
          </Row>
        )}
        <Row term={t("register.hash")}>
          <MachineText data-sha256>{entry.documentSha256}</MachineText>
        </Row>
      </dl>
      <section aria-labelledby="register-signers">
        <h2 id="register-signers">{t("register.signers")}</h2>
        <DataTable
          caption={t("register.signers")}
          rows={entry.signers}
          rowKey={(s) => `${s.name}:${s.signedAt}`}
          columns={[
            { heading: t("signature.name"), cell: (s) => <bdi>{s.name}</bdi> },
            {
              heading: t("signature.country"),
              cell: (s) => (s.country ? countryName(s.country, language) : t("signature.unknown")),
            },
            { heading: t("signature.time"), cell: (s) => <DateTime value={s.signedAt} /> },
          ]}
        />
      </section>
      <CallToAction id="register-verify" messages="register.verify" action="home.verifyAction" to="/verify" />
    </>
  );
}
