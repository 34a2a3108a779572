/**
 * `/admin/webhooks` (agency administrators): where the agency's systems hear of its envelopes. A webhook is an HTTPS
 * address and the events it wants; its signing secret is shown once, when it is made (the platform keeps it sealed).
 * The API (server notify/webhook-routes.ts) refuses addresses inside private networks and more than twenty per
 * agency; those refusals are said in the reader's language.
 */
import type { CreatedWebhook, WebhookView } from "@khatam/server/api";
import { WEBHOOK_EVENTS, type WebhookEvent } from "@khatam/server/webhook-events";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { DataTable } from "../components/data-table.js";
import { DateTime } from "../components/date-time.js";
import { ErrorSummary, type FieldError, FieldErrorMessage } from "../components/error-summary.js";
import { controlAria, FormField } from "../components/form-field.js";
import { MachineText } from "../components/machine-text.js";
import { PageHeading } from "../components/page.js";
import { SignedIn, SuccessBanner } from "../components/signed-in.js";
import { useAdminList } from "../lib/admin-list.js";
import { apiJson } from "../lib/api.js";

export function AdminWebhooksPage() {
  return <SignedIn roles={["agency_admin"]}>{() => <Webhooks />}</SignedIn>;
}

function Webhooks() {
  const { t } = useTranslation();
  const { list, errors, setErrors, busy, notice, change } = useAdminList<WebhookView>("/api/webhooks");
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>(["envelope.completed"]);
  const [secret, setSecret] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<WebhookView | undefined>();

  async function create(event: FormEvent) {
    event.preventDefault();
    const found: FieldError[] = [];
    if (!/^https:\/\/\S+$/i.test(url.trim())) found.push({ field: "url", message: t("admin.webhooks.errors.url") });
    if (events.length === 0) found.push({ field: "events", message: t("admin.webhooks.errors.events") });
    setErrors(found);
    if (found.length > 0) return;
    await change(
      async () => {
        const created = await apiJson<CreatedWebhook>("/api/webhooks", {
          method: "POST",
          json: { url: url.trim(), events },
        });
        setSecret(created.secret);
        setUrl("");
      },
      { notice: "created", field: "url" },
    );
  }

  async function remove(event: FormEvent) {
    event.preventDefault();
    if (!deleting) return;
    await change(
      async () => {
        await apiJson(`/api/webhooks/${encodeURIComponent(deleting.id)}`, { method: "DELETE" });
        setDeleting(undefined);
      },
      { notice: "deleted" },
    );
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
          <MachineText>{secret}</MachineText>
        </section>
      )}
      <section aria-labelledby="webhooks-list">
        <h2 id="webhooks-list">{t("admin.webhooks.list")}</h2>
        {!list ? (
          <p className="status">{t("loading")}</p>
        ) : list.length === 0 ? (
          <p>{t("admin.webhooks.none")}</p>
        ) : (
          <DataTable
            caption={t("admin.webhooks.list")}
            attributes={{ "data-webhooks": true }}
            rows={list}
            rowKey={(w) => w.id}
            rowAttributes={(w) => ({ "data-webhook": w.id })}
            columns={[
              {
                heading: t("admin.webhooks.url"),
                cell: (w) => <MachineText>{w.url}</MachineText>,
              },
              {
                heading: t("admin.webhooks.events"),
                cell: (w) =>
                  w.events.map((e) => (
                    <span key={e} className="block">
                      {WEBHOOK_EVENTS.includes(e as WebhookEvent)
                        ? t(`admin.webhooks.eventNames.${e.replace(".", "_")}`)
                        : e}
                    </span>
                  )),
              },
              { heading: t("admin.webhooks.created"), cell: (w) => <DateTime value={w.createdAt} /> },
              {
                heading: t("admin.webhooks.delete"),
                cell: (w) => (
                  <button
                    type="button"
                    className="button button--warning"
                    onClick={() => setDeleting(w)}
                    data-action="delete-webhook"
                  >
                    {t("admin.webhooks.delete")}
                  </button>
                ),
              },
            ]}
          />
        )}
        {deleting && (
          <form className="panel panel--warning" onSubmit={remove} data-delete-confirm={deleting.id}>
            <p>
              {t("admin.webhooks.confirmDelete")} <MachineText>{deleting.url}</MachineText>
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
        <FormField
          id="webhook-url"
          label={t("admin.webhooks.url")}
          hint={t("admin.webhooks.urlHint")}
          error={errorFor("url")}
        >
          <input
            id="webhook-url"
            type="url"
            dir="ltr"
            inputMode="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            {...controlAria("webhook-url", errorFor("url"), true)}
          />
        </FormField>
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
