/**
 * `/`: what the service is and the way to verify a document; signed in, the inbox (pages/inbox.tsx) and the account.
 */
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { DateTime } from "../components/date-time.js";
import { PageHeading } from "../components/page.js";
import { Row } from "../components/summary-list.js";
import { en } from "../i18n/en.js";
import { useLanguage } from "../language.js";
import type { Me } from "../lib/api.js";
import { countryName } from "../lib/format-date.js";
import { useSession } from "../session.js";
import { InboxSection } from "./inbox.js";

export function HomePage() {
  const { t } = useTranslation();
  const { me } = useSession();
  if (me) {
    return (
      <>
        <PageHeading title={t("inbox.title")}>{t("inbox.title")}</PageHeading>
        <InboxSection me={me} />
        <Account me={me} />
      </>
    );
  }
  return (
    <>
      <PageHeading title={t("home.title")}>{t("home.title")}</PageHeading>
      <p className="lead">{t("home.intro")}</p>
      <section aria-labelledby="home-verify">
        <h2 id="home-verify">{t("home.verifyHeading")}</h2>
        <p>{t("home.verifyBody")}</p>
        <p>
          <Link to="/verify" className="button">
            {t("home.verifyAction")}
          </Link>
        </p>
      </section>
      {me === null && (
        <section aria-labelledby="home-sign-in">
          <h2 id="home-sign-in">{t("home.signInHeading")}</h2>
          <p>{t("home.signInBody")}</p>
          <p>
            <Link to="/login" className="button button--secondary">
              {t("home.signInAction")}
            </Link>
          </p>
        </section>
      )}
    </>
  );
}

function Account({ me }: { readonly me: Me }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const localName = (names: Record<string, string> | undefined) => names?.[language] ?? names?.en ?? "";
  const role = me.user.role in en.home.roles ? t(`home.roles.${me.user.role}`) : me.user.role;
  return (
    <section aria-labelledby="home-account" className="panel">
      <h2 id="home-account">{t("home.accountHeading")}</h2>
      <dl className="summary-list">
        {me.user.displayName && <Row term={t("home.name")}>{me.user.displayName}</Row>}
        <Row term={t("home.email")}>{me.user.email}</Row>
        {me.agency && <Row term={t("home.agency")}>{localName(me.agency.names)}</Row>}
        {me.country && (
          <Row term={t("home.country")}>{localName(me.country.names) || countryName(me.country.isoCode, language)}</Row>
        )}
        <Row term={t("home.role")}>{role}</Row>
        {me.certificates && (
          <Row term={t("home.certificates")}>
            {me.certificates.length === 0 ? (
              t("home.noCertificates")
            ) : (
              <ul className="plain-list">
                {me.certificates.map((c) => (
                  <li key={c.id}>
                    <bdi>{c.subject}</bdi> — {t("home.certificate", { ca: countryName(c.ca, language) })}{" "}
                    <DateTime value={c.notAfter} time={false} /> (
                    {t(
                      `home.certificateStatus.${c.status === "good" || c.status === "revoked" ? c.status : "unknown"}`,
                    )}
                    )
                  </li>
                ))}
              </ul>
            )}
          </Row>
        )}
      </dl>
    </section>
  );
}
