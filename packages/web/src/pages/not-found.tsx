import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { PageHeading } from "../components/page.js";

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeading title={t("notFound.title")}>{t("notFound.title")}</PageHeading>
      <p>{t("notFound.body")}</p>
      <p>
        <Link to="/">{t("notFound.home")}</Link>
      </p>
    </>
  );
}
