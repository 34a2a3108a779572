/** Who the signed-in person is: name, address, agency, country, role and signing certificates (a summary list). */
import { useTranslation } from "react-i18next";
import { en } from "../i18n/en.js";
import { useLanguage } from "../language.js";
import type { Me } from "../lib/api.js";
import { countryName } from "../lib/format-date.js";
import { localName } from "../lib/names.js";
import { DateTime } from "./date-time.js";
import { Row } from "./summary-list.js";

export function AccountSummary({ me }: { readonly me: Me }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const role = me.user.role in en.home.roles ? t(`home.roles.${me.user.role}`) : me.user.role;
  return (
    <dl className="summary-list" data-account>
      {me.user.displayName && (
        <Row term={t("home.name")}>
          <bdi>{me.user.displayName}</bdi>
        </Row>
      )}
      <Row term={t("home.email")}>
        <span dir="ltr">{me.user.email}</span>
      </Row>
      {me.agency && (
        <Row term={t("home.agency")}>
          <bdi>{localName(me.agency.names, language)}</bdi>
        </Row>
      )}
      {me.country && (
        <Row term={t("home.country")}>
          <bdi>{localName(me.country.names, language) || countryName(me.country.isoCode, language)}</bdi>
        </Row>
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
                  {t(`home.certificateStatus.${c.status === "good" || c.status === "revoked" ? c.status : "unknown"}`)})
                </li>
              ))}
            </ul>
          )}
        </Row>
      )}
    </dl>
  );
}
