/**
 * The rows that describe a signing certificate (subject, issuing country, validity, serial), for the pages that
 * show which certificate will sign; `children` are extra rows placed before the serial.
 */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useLanguage } from "../language.js";
import type { Certificate } from "../lib/api.js";
import { countryName } from "../lib/format-date.js";
import { DateTime } from "./date-time.js";
import { MachineText } from "./machine-text.js";
import { Row } from "./summary-list.js";

export function CertificateRows({
  certificate,
  children,
}: {
  readonly certificate: Certificate;
  readonly children?: ReactNode;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <>
      <Row term={t("sign.subject")}>
        <MachineText>{certificate.subject}</MachineText>
      </Row>
      <Row term={t("sign.issuer")}>{t("home.issuedBy", { ca: countryName(certificate.ca, language) })}</Row>
      <Row term={t("sign.validUntil")}>
        <DateTime value={certificate.notAfter} time={false} />
      </Row>
      {children}
      <Row term={t("sign.serial")}>
        <MachineText>{certificate.serial}</MachineText>
      </Row>
    </>
  );
}
