/**
 * The frame of every page: skip link, header (product name, main navigation, language switcher), one main
 * landmark, footer. Logical CSS properties throughout, so the whole frame mirrors for Arabic.
 */
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, NavLink, useNavigate } from "react-router-dom";
import { LanguageSwitcher } from "../language.js";
import { isolate } from "../lib/bidi.js";
import { useSession } from "../session.js";

export function Layout({ children }: { readonly children: ReactNode }) {
  const { t } = useTranslation();
  const { me, signOut } = useSession();
  const navigate = useNavigate();
  return (
    <>
      <a className="skip-link" href="#main">
        {t("skipLink")}
      </a>
      <header className="header">
        <div className="header__inner">
          <Link to="/" className="header__product">
            {t("product")}
          </Link>
          <span className="header__tagline">{t("tagline")}</span>
          <LanguageSwitcher />
        </div>
        <nav className="nav" aria-label={t("nav.label")}>
          <ul className="nav__list">
            <li>
              <NavLink to="/" end>
                {t("nav.home")}
              </NavLink>
            </li>
            <li>
              <NavLink to="/verify">{t("nav.verify")}</NavLink>
            </li>
            {me && (
              <>
                <li>
                  <NavLink to="/envelopes" end>
                    {t("nav.envelopes")}
                  </NavLink>
                </li>
                {me.agency && (
                  <li>
                    <NavLink to="/envelopes/new">{t("nav.newEnvelope")}</NavLink>
                  </li>
                )}
                {me.user.role === "official" && (
                  <li>
                    <NavLink to="/account/device-key">{t("nav.deviceKey")}</NavLink>
                  </li>
                )}
                {(me.user.role === "agency_admin" || me.user.role === "platform_admin") && (
                  <li>
                    <NavLink to="/admin/users">{t("nav.users")}</NavLink>
                  </li>
                )}
                {me.user.role === "agency_admin" && (
                  <li>
                    <NavLink to="/admin/webhooks">{t("nav.webhooks")}</NavLink>
                  </li>
                )}
                {me.user.role === "platform_admin" && (
                  <>
                    <li>
                      <NavLink to="/admin/countries">{t("nav.countries")}</NavLink>
                    </li>
                    <li>
                      <NavLink to="/admin/trust">{t("nav.trust")}</NavLink>
                    </li>
                    <li>
                      <NavLink to="/admin/peers">{t("nav.peers")}</NavLink>
                    </li>
                  </>
                )}
              </>
            )}
            {me ? (
              <>
                <li className="nav__account">
                  <NavLink to="/account" end data-link="account">
                    {t("nav.signedInAs", { name: isolate(me.user.displayName || me.user.email) })}
                  </NavLink>
                </li>
                <li>
                  <button
                    type="button"
                    className="link-button"
                    onClick={async () => {
                      await signOut();
                      navigate("/");
                    }}
                  >
                    {t("nav.signOut")}
                  </button>
                </li>
              </>
            ) : (
              me === null && (
                <li>
                  <NavLink to="/login">{t("nav.signIn")}</NavLink>
                </li>
              )
            )}
          </ul>
        </nav>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        <p>{t("footer.about")}</p>
        <p>
          {t("footer.licence")} <a href="/api/openapi.json">{t("footer.api")}</a>
        </p>
      </footer>
    </>
  );
}
