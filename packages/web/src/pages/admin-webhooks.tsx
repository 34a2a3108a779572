/**
 * `/admin/webhooks` (agency administrators): where the agency's systems hear of its envelopes. A webhook is an HTTPS
 * address and the events it wants; its signing secret is shown once, when it is made (the platform keeps it sealed).
 * The API (server notify/webhook-routes.ts) refuses addresses inside private networks and more than twenty per
 * agency; those refusals are said in the reader's language.
 */
import type { CreatedWebhook, WebhookView } from "@khatam/server/api";
import { WEBHOOK_EVENTS, type WebhookEvent } from "@khatam/server/webhook-events";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { DateTime } from "../components/date-time.js";
import { ErrorSummary, type FieldError, FieldErrorMessage } from "../components/error-summary.js";
import { PageHeading } from "../components/page.js";
import { SignedIn, SuccessBanner } from "../components/signed-in.js";
import { apiJson } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";

export function AdminWebhooksPage() {
  return <SignedIn roles={["agency_admin"]}>{() => <Webhooks />}</SignedIn>;
}

function Webhooks() {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const [list, setList] = useState<WebhookView[] | undefined>();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>(["envelope.completed"]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<WebhookView | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(async () => {
    try {
      setList(await apiJson<WebhookView[]>("/api/webhooks"));
    } catch (e) {
      setErrors([{ message: errorText(e, t("admin.failed")) }]);
    }
  }, [errorText, t]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once; `load` changes with the language only
  useEffect(() => {
    void load();
  }, []);

  async function create(event: FormEvent) {
    event.preventDefault();
    const found: FieldError[] = [];
    if (!/^https:\/\/\S+$/i.test(url.trim())) found.push({ field: "url", message: t("admin.webhooks.errors.url") });
    if (events.length === 0) found.push({ field: "events", message: t("admin.webhooks.errors.events") });
    setErrors(found);
    if (found.length > 0) return;
    setBusy(true);
    try {
      const created = await apiJson<CreatedWebhook>("/api/webhooks", {
        method: "POST",
        json: { url: url.trim(), events },
      });
      setSecret(created.secret);
      setUrl("");
      setNotice("created");
      await load();
    } catch (e) {
      setErrors([{ field: "url", message: errorText(e, t("admin.failed")) }]);
    } finally {
      setBusy(false);
    }
  }

  async function remove(event: FormEvent) {
    event.preventDefault();
    if (!deleting) return;
    setBusy(true);
    try {
      await apiJson(`/api/webhooks/${encodeURIComponent(deleting.id)}`, { method: "DELETE" });
      setDeleting(undefined);
      setNotice("deleted");
      await load();
    } catch (e) {
      setErrors([{ message: errorText(e, t("admin.failed")) }]);
    } finally {
      setBusy(false);
    }
  }

  const errorFor = (field: string) => errors.find((e) => e.field === field)?.message;
  return (
    <>
      <ErrorSummary errors={errors} />
      {notice && <SuccessBanner title={t(`admin.webhooks.notice.${notice}`)} />}
      <PageHeading title={t("admin.webhooks.title")}>{t("admin.webhooks.title")}</PageHeading>
      <p className="lead">{t("admin.webhooks.intro")}</p>
      {secret && (
        <section className="panel" aria-labelledby="secret-heading" data-webhook-secret>
          <h2 id="secret-heading">{t("admin.webhooks.secretHeading")}</h2>
          <p>{t("admin.webhooks.secretBody")}</p>
          <code dir="ltr" className="break">
            {secret}
          </code>
        </section>
      )}
      <section aria-labelledby="webhooks-list">
        <h2 id="webhooks-list">{t("admin.webhooks.list")}</h2>
        {!list ? (
          <p className="status">{t("loading")}</p>
        ) : list.length === 0 ? (
          <p>{t("admin.webhooks.none")}</p>
        ) : (
          <table className="table" data-webhooks>
            <caption className="visually-hidden">{t("admin.webhooks.list")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.webhooks.url")}</th>
                <th scope="col">{t("admin.webhooks.events")}</th>
                <th scope="col">{t("admin.webhooks.created")}</th>
                <th scope="col">{t("admin.webhooks.delete")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <tr key={w.id} data-webhook={w.id}>
                  <td data-label={t("admin.webhooks.url")}>
                    <code dir="ltr" className="break">
                      {w.url}
                    </code>
                  </td>
                  <td data-label={t("admin.webhooks.events")}>
                    {w.events.map((e) => (
                      <span key={e} className="block">
                        {WEBHOOK_EVENTS.includes(e as WebhookEvent)
                          ? t(`admin.webhooks.eventNames.${e.replace(".", "_")}`)
                          : e}
                      </span>
                    ))}
                  </td>
                  <td data-label={t("admin.webhooks.created")}>
                    <DateTime value={w.createdAt} />
                  </td>
                  <td data-label={t("admin.webhooks.delete")}>
                    <button
                      type="button"
                      className="button button--warning"
                      onClick={() => setDeleting(w)}
                      data-action="delete-webhook"
                    >
                      {t("admin.webhooks.delete")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {deleting && (
          <form className="panel panel--warning" onSubmit={remove} data-delete-confirm={deleting.id}>
            <p>
              {t("admin.webhooks.confirmDelete")}{" "}
              <code dir="ltr" className="break">
                {deleting.url}
              </code>
            </p>
            <div className="button-group">
              <button type="submit" className="button button--warning" disabled={busy} data-action="confirm-delete">
                {t("admin.webhooks.delete")}
              </button>
              <button type="button" className="button button--secondary" onClick={() => setDeleting(undefined)}>
                {t("admin.users.cancel")}
              </button>
            </div>
          </form>
        )}
      </section>
      <form onSubmit={create} noValidate className="panel" aria-labelledby="webhook-new">
        <h2 id="webhook-new">{t("admin.webhooks.add")}</h2>
        <div className={`field${errorFor("url") ? " field--error" : ""}`}>
          <label htmlFor="webhook-url">{t("admin.webhooks.url")}</label>
          <p className="hint" id="webhook-url-hint">
            {t("admin.webhooks.urlHint")}
          </p>
          <FieldErrorMessage id="webhook-url-error" message={errorFor("url")} />
          <input
            id="webhook-url"
            type="url"
            dir="ltr"
            inputMode="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            aria-invalid={errorFor("url") ? true : undefined}
            aria-describedby={errorFor("url") ? "webhook-url-hint webhook-url-error" : "webhook-url-hint"}
          />
        </div>
        <fieldset className={`fieldset field${errorFor("events") ? " field--error" : ""}`}>
          <legend className="fieldset__legend">{t("admin.webhooks.events")}</legend>
          <FieldErrorMessage id="webhook-events-error" message={errorFor("events")} />
          {WEBHOOK_EVENTS.map((e) => (
            <div className="checkbox" key={e}>
              <input
                id={`event-${e}`}
                type="checkbox"
                checked={events.includes(e)}
                onChange={(ev) => setEvents((all) => (ev.target.checked ? [...all, e] : all.filter((x) => x !== e)))}
              />
              <label htmlFor={`event-${e}`}>{t(`admin.webhooks.eventNames.${e.replace(".", "_")}`)}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit" className="button" disabled={busy} data-action="create-webhook">
          {t("admin.webhooks.create")}
        </button>
      </form>
    </>
  );
}
