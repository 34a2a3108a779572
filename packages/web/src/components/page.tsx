/**
 * Each page's heading and document title. On navigation inside the application the heading takes the focus, so a
 * screen reader announces the new page as it would after a full page load.
 */
import { type ReactNode, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { isolate } from "../lib/bidi.js";

export function PageHeading({ children, title }: { readonly children: ReactNode; readonly title: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${isolate(title)} – ${t("product")}`;
  }, [title, t]);
  useEffect(() => {
    // Not on the first page load: the skip link and the reader's position start at the top then.
    if (window.history.state && (window.history.state as { idx?: number }).idx) ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-heading">
      {children}
    </h1>
  );
}
