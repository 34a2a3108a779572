/**
 * The inbox (`/envelopes`, and `/` when signed in): three lists as tabs — waiting for me, sent by my agency (drafts
 * and in progress), completed (finished: completed, declined, expired). The tabs are links (`?tab=`), so each list
 * has its own address and works with the keyboard and the back button. In-progress rows also say who acts next (the
 * list carries it). Each list comes a page at a time; "Show more" appends its next page.
 */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { DataTable } from "../components/data-table.js";
import { DateTime } from "../components/date-time.js";
import { EnvelopeStatusTag } from "../components/envelope-status.js";
import { ErrorSummary } from "../components/error-summary.js";
import { PageHeading } from "../components/page.js";
import { SignedIn } from "../components/signed-in.js";
import { useLanguage } from "../language.js";
import type { Me } from "../lib/api.js";
import { type EnvelopeSummary, getInbox, type Inbox } from "../lib/envelopes.js";
import { formatNumber } from "../lib/format-date.js";

const TABS = ["waiting", "sent", "completed"] as const;
type Tab = (typeof TABS)[number];

export function InboxSection({ me }: { readonly me: Me }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const [params] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get("tab") ?? "")
    ? (params.get("tab") as Tab)
    : "waiting";
  const [inbox, setInbox] = useState<Inbox | undefined>();
  const [failed, setFailed] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreFailed, setMoreFailed] = useState(false);

  useEffect(() => {
    let cancelled = false;
    getInbox()
      .then((answer) => !cancelled && setInbox(answer))
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
    };
  }, []);

  const cursor = inbox?.nextCursor[tab] ?? null;
  const loadMore = () => {
    if (!cursor || loadingMore) return;
    setLoadingMore(true);
    setMoreFailed(false);
    getInbox({ cursor })
      .then((page) =>
        setInbox((current) => {
          // Only append if the list is still where this page continues it.
          if (!current || current.nextCursor[tab] !== cursor) return current;
          const seen = new Set(current[tab].map((e) => e.id));
          return {
            ...current,
            [tab]: [...current[tab], ...page[tab].filter((e) => !seen.has(e.id))],
            nextCursor: { ...current.nextCursor, [tab]: page.nextCursor[tab] },
          };
        }),
      )
      .catch(() => setMoreFailed(true))
      .finally(() => setLoadingMore(false));
  };

  const rows = inbox?.[tab] ?? [];
  const tabHref = (name: Tab) => {
    const next = new URLSearchParams(params);
    next.set("tab", name);
    return `?${next.toString()}`;
  };
  return (
    <section aria-labelledby="inbox-heading">
      {failed && <ErrorSummary errors={[{ message: t("inbox.failed") }]} />}
      <div className="inbox__heading">
        <h2 id="inbox-heading">{t("inbox.heading")}</h2>
        {me.agency && (
          <Link to="/envelopes/new" className="button">
            {t("inbox.create")}
          </Link>
        )}
      </div>
      <nav className="tabs" aria-label={t("inbox.tabsLabel")}>
        <ul className="tabs__list">
          {TABS.map((name) => (
            <li key={name} className="tabs__item">
              <Link
                to={tabHref(name)}
                className="tabs__tab"
                aria-current={name === tab ? "page" : undefined}
                data-tab={name}
              >
                {t(`inbox.tabs.${name}`)}
                {/* The count in the page's own digits (Arabic-Indic in Arabic), like every other number. */}
                {inbox && ` (${formatNumber(inbox[name].length, language)}${inbox.nextCursor[name] ? "+" : ""})`}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="tabs__panel" data-panel={tab}>
        <h3>{t(`inbox.tabs.${tab}`)}</h3>
        {!inbox && !failed && <p>{t("loading")}</p>}
        {inbox && rows.length === 0 && <p className="inbox__empty">{t(`inbox.empty.${tab}`)}</p>}
        {rows.length > 0 && <EnvelopeTable rows={rows} tab={tab} />}
        {moreFailed && (
          <p className="inbox__more-failed" role="alert">
            {t("inbox.moreFailed")}
          </p>
        )}
        {cursor && (
          <p>
            <button
              type="button"
              className="button button--secondary"
              data-more={tab}
              onClick={loadMore}
              disabled={loadingMore}
              aria-busy={loadingMore || undefined}
            >
              {loadingMore ? t("loading") : t("inbox.more")}
            </button>
          </p>
        )}
      </div>
    </section>
  );
}

function EnvelopeTable({ rows, tab }: { readonly rows: readonly EnvelopeSummary[]; readonly tab: Tab }) {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <DataTable
      caption={t(`inbox.tabs.${tab}`)}
      rows={rows}
      rowKey={(row) => row.id}
      rowAttributes={(row) => ({ "data-envelope": row.id })}
      columns={[
        {
          heading: t("inbox.columns.title"),
          cell: (row) => (
            <Link to={`/envelopes/${row.id}`}>
              <bdi>{row.title}</bdi>
            </Link>
          ),
        },
        {
          heading: t("inbox.columns.status"),
          cell: (row) => (
            <>
              <EnvelopeStatusTag status={row.status} />
              {row.progress && row.progress.total > 0 && row.status !== "draft" && (
                <span className="block hint" data-progress={`${row.progress.done}/${row.progress.total}`}>
                  {t("envelope.progress", {
                    done: formatNumber(row.progress.done, language),
                    total: formatNumber(row.progress.total, language),
                  })}
                </span>
              )}
            </>
          ),
        },
        {
          heading: t("inbox.columns.next"),
          cell: (row) =>
            row.status === "draft"
              ? t("inbox.notSent")
              : row.status !== "sent" || row.next.length === 0
                ? t("inbox.nobody")
                : row.next.map((r) => (
                    <span key={r.email} className="block" dir="ltr">
                      {r.email}
                    </span>
                  )),
        },
        { heading: t("inbox.columns.created"), cell: (row) => <DateTime value={row.createdAt} /> },
        tab === "completed" && {
          heading: t("inbox.columns.completed"),
          cell: (row) => (row.completedAt ? <DateTime value={row.completedAt} /> : t("inbox.notCompleted")),
        },
      ]}
    />
  );
}

/** `/envelopes`: the inbox on its own page. */
export function InboxPage() {
  const { t } = useTranslation();
  return (
    <SignedIn>
      {(me) => (
        <>
          <PageHeading title={t("inbox.title")}>{t("inbox.title")}</PageHeading>
          <InboxSection me={me} />
        </>
      )}
    </SignedIn>
  );
}
