/**
 * `/admin/peers` (platform administrators): the partner countries' instances this one trusts (server
 * federation/peer-routes.ts). It shows this instance's own id, address and key fingerprint — what the partner's
 * administrator needs, to be passed on out of band — the partners with their pinned trusted list (number, next
 * update, last check and its error) and the CAs it makes trusted, and a form to connect another. The checks
 * (fingerprint, signed identity, the list's XAdES signature) are the server's; their refusals are said here in the
 * reader's language.
 */
import type { InstanceIdentity, PeerRequest, PeerView } from "@khatam/server/api";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { DateTime } from "../components/date-time.js";
import { ErrorSummary, type FieldError } from "../components/error-summary.js";
import { controlAria, FormField } from "../components/form-field.js";
import { MachineText } from "../components/machine-text.js";
import { PageHeading } from "../components/page.js";
import { SignedIn, SuccessBanner } from "../components/signed-in.js";
import { Row } from "../components/summary-list.js";
import { useLanguage } from "../language.js";
import { useAdminList } from "../lib/admin-list.js";
import { apiJson } from "../lib/api.js";
import { countryName, formatNumber } from "../lib/format-date.js";

/** A fingerprint in groups of four, as it is read aloud or printed. */
const grouped = (hex: string) => hex.match(/.{1,4}/g)?.join(" ") ?? hex;

export function AdminPeersPage() {
  return <SignedIn roles={["platform_admin"]}>{() => <Peers />}</SignedIn>;
}

function Peers() {
  const { t } = useTranslation();
  const language = useLanguage();
  const { list, errors, setErrors, busy, notice, change } = useAdminList<PeerView>("/api/admin/peers");
  const [own, setOwn] = useState<InstanceIdentity | null | undefined>();
  const [form, setForm] = useState({ instance: "", url: "", keyFingerprint: "" });
  const [removing, setRemoving] = useState<PeerView | undefined>();
  useEffect(() => {
    fetch("/federation/v1/identity", { headers: { accept: "application/json" } })
      .then(async (r) => setOwn(r.ok ? ((await r.json()) as InstanceIdentity) : null))
      .catch(() => setOwn(null));
  }, []);

  async function connect(event: FormEvent) {
    event.preventDefault();
    const found: FieldError[] = [];
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(form.instance.trim().toLowerCase()))
      found.push({ field: "instance", message: t("admin.peers.errors.instance") });
    if (!/^https?:\/\/\S+$/i.test(form.url.trim())) found.push({ field: "url", message: t("admin.peers.errors.url") });
    if (!/^[0-9a-f]{64}$/i.test(form.keyFingerprint.replace(/[\s:]/g, "")))
      found.push({ field: "fingerprint", message: t("admin.peers.errors.fingerprint") });
    setErrors(found);
    if (found.length > 0) return;
    await change(
      async () => {
        await apiJson<PeerView>("/api/admin/peers", { method: "POST", json: form satisfies PeerRequest });
        setForm({ instance: "", url: "", keyFingerprint: "" });
      },
      { notice: "created" },
    );
  }

  async function refresh(peer: PeerView) {
    setErrors([]);
    await change(
      async () => {
        await apiJson<PeerView>(`/api/admin/peers/${encodeURIComponent(peer.instance)}/refresh`, { method: "POST" });
      },
      { notice: "refreshed", reloadAlways: true },
    );
  }

  async function remove(event: FormEvent) {
    event.preventDefault();
    if (!removing) return;
    await change(
      async () => {
        await apiJson(`/api/admin/peers/${encodeURIComponent(removing.instance)}`, { method: "DELETE" });
        setRemoving(undefined);
      },
      { notice: "deleted" },
    );
  }

  const errorFor = (field: string) => errors.find((e) => e.field === field)?.message;
  const field = (name: "instance" | "url" | "fingerprint", key: "instance" | "url" | "keyFingerprint") => (
    <FormField
      id={`peer-${name}`}
      label={t(`admin.peers.${name}`)}
      hint={t(`admin.peers.${name}Hint`)}
      error={errorFor(name)}
    >
      <input
        id={`peer-${name}`}
        type={name === "url" ? "url" : "text"}
        dir="ltr"
        autoComplete="off"
        spellCheck={false}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        {...controlAria(`peer-${name}`, errorFor(name), true)}
      />
    </FormField>
  );

  return (
    <>
      <ErrorSummary errors={errors} />
      {notice && <SuccessBanner title={t(`admin.peers.notice.${notice}`)} />}
      <PageHeading title={t("admin.peers.title")}>{t("admin.peers.title")}</PageHeading>
      <p className="lead">{t("admin.peers.intro")}</p>
      <section className="panel" aria-labelledby="own-heading" data-own-identity>
        <h2 id="own-heading">{t("admin.peers.ownHeading")}</h2>
        {own === undefined && <p className="status">{t("loading")}</p>}
        {own === null && <p>{t("admin.peers.ownNone")}</p>}
        {own && (
          <>
            <p>{t("admin.peers.ownBody")}</p>
            <dl className="summary-list">
              <Row term={t("admin.peers.instance")}>
                <code dir="ltr">{own.instance}</code>
              </Row>
              <Row term={t("admin.peers.url")}>
                <MachineText>{own.url}</MachineText>
              </Row>
              <Row term={t("admin.peers.fingerprint")}>
                <MachineText data-fingerprint={own.keyFingerprint}>{grouped(own.keyFingerprint)}</MachineText>
              </Row>
            </dl>
          </>
        )}
      </section>
      <section aria-labelledby="peers-list">
        <h2 id="peers-list">{t("admin.peers.list")}</h2>
        {!list ? (
          <p className="status">{t("loading")}</p>
        ) : list.length === 0 ? (
          <p>{t("admin.peers.none")}</p>
        ) : (
          list.map((p) => (
            <article key={p.instance} className="panel" data-peer={p.instance} aria-labelledby={`peer-${p.instance}`}>
              <h3 id={`peer-${p.instance}`}>
                {countryName(p.territory, language)} (<code dir="ltr">{p.instance}</code>)
              </h3>
              <dl className="summary-list">
                <Row term={t("admin.peers.url")}>
                  <MachineText>{p.url}</MachineText>
                </Row>
                <Row term={t("admin.peers.fingerprint")}>
                  <MachineText>{grouped(p.keyFingerprint)}</MachineText>
                </Row>
                <Row term={t("admin.peers.sequence")}>
                  <span data-sequence={p.sequenceNumber}>{formatNumber(p.sequenceNumber, language)}</span>
                </Row>
                <Row term={t("admin.peers.nextUpdate")}>{p.nextUpdate ? <DateTime value={p.nextUpdate} /> : "—"}</Row>
                <Row term={t("admin.peers.checked")}>
                  <DateTime value={p.checkedAt} />
                </Row>
                <Row term={t("admin.peers.status")}>
                  <span data-peer-status={p.lastError ? "error" : "ok"}>
                    {p.lastError ? t("admin.peers.statusError") : t("admin.peers.statusOk")}
                  </span>
                  {p.lastError && (
                    <code dir="ltr" className="block break">
                      {p.lastError}
                    </code>
                  )}
                </Row>
                <Row term={t("admin.peers.anchors")}>
                  {p.anchors.map((a) => (
                    <code key={a.fingerprint} dir="ltr" className="block break">
                      {a.subject}
                    </code>
                  ))}
                </Row>
              </dl>
              <div className="button-group">
                <button
                  type="button"
                  className="button button--secondary"
                  disabled={busy}
                  onClick={() => void refresh(p)}
                  data-action="refresh-peer"
                >
                  {t("admin.peers.refresh")}
                </button>
                <button
                  type="button"
                  className="button button--warning"
                  onClick={() => setRemoving(p)}
                  data-action="remove-peer"
                >
                  {t("admin.peers.remove")}
                </button>
              </div>
            </article>
          ))
        )}
        {removing && (
          <form className="panel panel--warning" onSubmit={remove} data-remove-confirm={removing.instance}>
            <p>
              {t("admin.peers.confirmRemove")} <code dir="ltr">{removing.instance}</code>
            </p>
            <div className="button-group">
              <button type="submit" className="button button--warning" disabled={busy} data-action="confirm-remove">
                {t("admin.peers.remove")}
              </button>
              <button type="button" className="button button--secondary" onClick={() => setRemoving(undefined)}>
                {t("admin.users.cancel")}
              </button>
            </div>
          </form>
        )}
      </section>
      {own && (
        <form onSubmit={connect} noValidate className="panel" aria-labelledby="peer-new">
          <h2 id="peer-new">{t("admin.peers.add")}</h2>
          {field("instance", "instance")}
          {field("url", "url")}
          {field("fingerprint", "keyFingerprint")}
          <button type="submit" className="button" disabled={busy} data-action="connect-peer">
            {t("admin.peers.create")}
          </button>
        </form>
      )}
    </>
  );
}
