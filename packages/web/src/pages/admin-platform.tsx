/**
 * Platform administration: `/admin/countries` (the countries, each with its agencies, and a form to add an agency)
 * and `/admin/trust` (each national CA's public certificate directory, and this platform's ETSI TS 119 612 trusted
 * list with its sequence number and next update, read from the list itself).
 */
import type { CountryView, CreateAgencyBody } from "@khatam/server/api";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { DateTime } from "../components/date-time.js";
import { ErrorSummary, type FieldError } from "../components/error-summary.js";
import { controlAria, FormField } from "../components/form-field.js";
import { PageHeading } from "../components/page.js";
import { SignedIn, SuccessBanner } from "../components/signed-in.js";
import { Row } from "../components/summary-list.js";
import { useLanguage } from "../language.js";
import { apiJson } from "../lib/api.js";
import { isolate } from "../lib/bidi.js";
import { countryName, formatNumber } from "../lib/format-date.js";
import { localName } from "../lib/names.js";
import type { PlatformAnchor } from "../lib/verification.js";
import type { Agency } from "./admin-users.js";

export function AdminCountriesPage() {
  return <SignedIn roles={["platform_admin"]}>{() => <Countries />}</SignedIn>;
}

function Countries() {
  const { t } = useTranslation();
  const language = useLanguage();
  const [countries, setCountries] = useState<CountryView[] | undefined>();
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const [form, setForm] = useState({ countryId: "", en: "", ar: "", ja: "" });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [created, setCreated] = useState(false);
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => {
    try {
      const [c, a] = await Promise.all([
        apiJson<CountryView[]>("/api/admin/countries"),
        apiJson<Agency[]>("/api/admin/agencies"),
      ]);
      setCountries(c);
      setAgencies(a);
    } catch {
      setErrors([{ message: t("admin.failed") }]);
    }
  }, [t]);
  useEffect(() => {
    void load();
  }, [load]);
  const errorFor = (field: string) => errors.find((e) => e.field === field)?.message;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldError[] = [];
    if (!form.countryId) found.push({ field: "countryId", message: t("admin.countries.errors.country") });
    if (!form.en.trim()) found.push({ field: "name-en", message: t("admin.countries.errors.name") });
    setErrors(found);
    setCreated(false);
    if (found.length) return;
    setBusy(true);
    try {
      const names: CreateAgencyBody["names"] = { en: form.en.trim() };
      if (form.ar.trim()) names.ar = form.ar.trim();
      if (form.ja.trim()) names.ja = form.ja.trim();
      await apiJson("/api/admin/agencies", {
        method: "POST",
        json: { countryId: form.countryId, names } satisfies CreateAgencyBody,
      });
      setForm({ countryId: form.countryId, en: "", ar: "", ja: "" });
      await load();
      setCreated(true);
    } catch {
      setErrors([{ message: t("admin.failed") }]);
    } finally {
      setBusy(false);
    }
  }

  const nameField = (lang: "en" | "ar" | "ja") => {
    const id = `name-${lang}`;
    return (
      <FormField key={lang} id={id} label={t(`admin.countries.name_${lang}`)} error={errorFor(id)}>
        <input
          id={id}
          name={id}
          lang={lang}
          dir={lang === "ar" ? "rtl" : "ltr"}
          value={form[lang]}
          onChange={(e) => setForm((f) => ({ ...f, [lang]: e.target.value }))}
          {...controlAria(id, errorFor(id))}
        />
      </FormField>
    );
  };

  return (
    <>
      <ErrorSummary errors={errors} />
      {created && <SuccessBanner title={t("admin.countries.created")} />}
      <PageHeading title={t("admin.countries.title")}>{t("admin.countries.title")}</PageHeading>
      {!countries && <p>{t("loading")}</p>}
      {countries?.map((c) => (
        <section key={c.id} aria-labelledby={`country-${c.id}`} data-country={c.id}>
          <h2 id={`country-${c.id}`}>
            <bdi>{localName(c.names, language) || countryName(c.isoCode, language)}</bdi> (
            <span dir="ltr">{c.isoCode}</span>)
          </h2>
          <ul>
            {agencies
              .filter((a) => a.countryId === c.id)
              .map((a) => (
                <li key={a.id}>
                  <bdi>{localName(a.names, language)}</bdi>
                </li>
              ))}
          </ul>
        </section>
      ))}
      <section aria-labelledby="new-agency" className="panel">
        <h2 id="new-agency">{t("admin.countries.addAgency")}</h2>
        <form onSubmit={submit} noValidate>
          <FormField id="countryId" label={t("home.country")} error={errorFor("countryId")}>
            <select
              id="countryId"
              name="countryId"
              value={form.countryId}
              onChange={(e) => setForm((f) => ({ ...f, countryId: e.target.value }))}
              {...controlAria("countryId", errorFor("countryId"))}
            >
              <option value="">{t("admin.countries.chooseCountry")}</option>
              {countries?.map((c) => (
                <option key={c.id} value={c.id} dir="auto">
                  {localName(c.names, language)}
                </option>
              ))}
            </select>
          </FormField>
          {nameField("en")}
          {nameField("ar")}
          {nameField("ja")}
          <button type="submit" className="button" disabled={busy}>
            {t("admin.countries.create")}
          </button>
        </form>
      </section>
    </>
  );
}

export function AdminTrustPage() {
  return <SignedIn roles={["platform_admin"]}>{() => <Trust />}</SignedIn>;
}

interface ListInfo {
  readonly sequenceNumber: string | null;
  readonly issued: string | null;
  readonly nextUpdate: string | null;
}

function Trust() {
  const { t } = useTranslation();
  const language = useLanguage();
  const [anchors, setAnchors] = useState<PlatformAnchor[] | undefined>();
  const [list, setList] = useState<ListInfo | "failed" | undefined>();
  useEffect(() => {
    // This platform's own CAs; partners' roots are on the partners' page.
    apiJson<PlatformAnchor[]>("/api/trust/anchors").then(
      (all) => setAnchors(all.filter((a) => !a.partner)),
      () => setAnchors([]),
    );
    fetch("/trust/list.xml")
      .then(async (r) => {
        if (!r.ok) throw new Error(String(r.status));
        const xml = new DOMParser().parseFromString(await r.text(), "application/xml");
        const text = (name: string) => xml.getElementsByTagNameNS("*", name)[0]?.textContent?.trim() || null;
        const next = xml.getElementsByTagNameNS("*", "NextUpdate")[0];
        setList({
          sequenceNumber: text("TSLSequenceNumber"),
          issued: text("ListIssueDateTime"),
          nextUpdate: next?.getElementsByTagNameNS("*", "dateTime")[0]?.textContent?.trim() || null,
        });
      })
      .catch(() => setList("failed"));
  }, []);
  return (
    <>
      <PageHeading title={t("admin.trust.title")}>{t("admin.trust.title")}</PageHeading>
      <p className="lead">{t("admin.trust.intro")}</p>
      <section aria-labelledby="trust-list">
        <h2 id="trust-list">{t("admin.trust.listHeading")}</h2>
        {list === undefined && <p>{t("loading")}</p>}
        {list === "failed" && <p>{t("admin.trust.listFailed")}</p>}
        {list && list !== "failed" && (
          <dl className="summary-list" data-trusted-list>
            <Row term={t("admin.trust.sequence")}>
              <span data-sequence={list.sequenceNumber ?? ""}>
                {list.sequenceNumber ? formatNumber(Number(list.sequenceNumber), language) : "—"}
              </span>
            </Row>
            {list.issued && (
              <Row term={t("admin.trust.issued")}>
                <DateTime value={list.issued} />
              </Row>
            )}
            <Row term={t("admin.trust.nextUpdate")}>{list.nextUpdate ? <DateTime value={list.nextUpdate} /> : "—"}</Row>
          </dl>
        )}
        <p>
          <a href="/trust/list.xml" data-link="trusted-list">
            {t("admin.trust.listLink")}
          </a>
        </p>
      </section>
      <section aria-labelledby="trust-cas">
        <h2 id="trust-cas">{t("admin.trust.casHeading")}</h2>
        {!anchors && <p>{t("loading")}</p>}
        <ul className="link-list">
          {anchors?.map((a) => (
            <li key={a.ca} data-ca={a.ca}>
              <a href={`/pki/${a.ca}/certs`}>
                {t("admin.trust.directory", {
                  country: countryName(a.country, language),
                  organization: isolate(a.organization),
                })}
              </a>{" "}
              (<a href={`/pki/${a.ca}/ca.pem`}>{t("admin.trust.chain")}</a>)
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
