/**
 * Pages for signed-in people only: while /api/me loads, a short message; nobody signed in, the sign-in page (which
 * comes back here afterwards); a role that may not use the page, a plain explanation instead of the page.
 */
import { type ReactNode, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router-dom";
import type { Me } from "../lib/api.js";
import { useSession } from "../session.js";
import { PageHeading } from "./page.js";

export function SignedIn({
  roles,
  children,
}: {
  /** Roles allowed; every signed-in role when absent. */
  readonly roles?: readonly string[];
  readonly children: (me: Me) => ReactNode;
}) {
  const { t } = useTranslation();
  const { me } = useSession();
  const { pathname, search } = useLocation();
  if (me === undefined) return <p className="status">{t("loading")}</p>;
  if (me === null) return <Navigate to={`/login?next=${encodeURIComponent(pathname + search)}`} replace />;
  if (roles && !roles.includes(me.user.role)) {
    return (
      <>
        <PageHeading title={t("forbidden.title")}>{t("forbidden.title")}</PageHeading>
        <p>{t("forbidden.body")}</p>
      </>
    );
  }
  return <>{children(me)}</>;
}

/** GOV.UK notification banner: a success message after an action, focused so it is read first. */
export function SuccessBanner({ title, children }: { readonly title: string; readonly children?: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focused when it appears or says something new, not on every render (which would pull the focus away from what the reader uses next)
  useEffect(() => ref.current?.focus(), [title]);
  return (
    <div className="banner banner--success" role="status" tabIndex={-1} aria-labelledby="banner-title" ref={ref}>
      <h2 id="banner-title" className="banner__title">
        {title}
      </h2>
      {children}
    </div>
  );
}
