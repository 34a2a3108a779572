/**
 * `/`: what the service is and the way to verify a document; signed in, the inbox (pages/inbox.tsx) and the account.
 */
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { AccountSummary } from "../components/account-summary.js";
import { CallToAction } from "../components/call-to-action.js";
import { PageHeading } from "../components/page.js";
import type { Me } from "../lib/api.js";
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
      <CallToAction id="home-verify" messages="home.verify" to="/verify" />
      {me === null && <CallToAction id="home-sign-in" messages="home.signIn" to="/login" secondary />}
    </>
  );
}

function Account({ me }: { readonly me: Me }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="home-account" className="panel">
      <h2 id="home-account">{t("home.accountHeading")}</h2>
      <AccountSummary me={me} />
      <p>
        <Link to="/account">{t("home.accountLink")}</Link>
      </p>
    </section>
  );
}
