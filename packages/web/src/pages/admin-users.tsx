/**
 * Agency administration of people (server: tenancy/admin-routes.ts; agency administrators see their own agency,
 * platform administrators everyone): `/admin/users` lists them, `/admin/users/new` adds one with a role, and
 * `/admin/users/:id` shows one with their signing certificates — issue a platform-held certificate, revoke one with
 * a reason — and their job title, which their visible signatures show under their name.
 */

import { PERSON_REVOCATION_REASONS } from "@khatam/core/vocabulary";
import type {
  AdminUserView,
  AgencyView,
  CreateUserBody,
  IssueCertificateBody,
  UpdateUserBody,
} from "@khatam/server/api";
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { DataTable } from "../components/data-table.js";
import { DateTime } from "../components/date-time.js";
import { ErrorSummary, type FieldError } from "../components/error-summary.js";
import { controlAria, FormField } from "../components/form-field.js";
import { MachineText } from "../components/machine-text.js";
import { PageHeading } from "../components/page.js";
import { SignedIn, SuccessBanner } from "../components/signed-in.js";
import { Row } from "../components/summary-list.js";
import { en } from "../i18n/en.js";
import { useLanguage } from "../language.js";
import { ApiError, apiJson, type Certificate, type Me } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";
import { isolate } from "../lib/bidi.js";
import { localName } from "../lib/names.js";
import { NotFoundPage } from "./not-found.js";

const ADMINS = ["platform_admin", "agency_admin"];
/** The roles an agency's member can have (platform administrators are made as such, not changed into). */
const ROLES_AGENCY = ["official", "clerk", "agency_admin"] as const;

/** A user as an administrator sees them (server: tenancy/schemas.ts). */
export type AdminUser = AdminUserView;
export type Agency = AgencyView;

function useRoleName() {
  const { t } = useTranslation();
  return (role: string) => (role in en.home.roles ? t(`home.roles.${role}`) : role);
}

export function AdminUsersPage() {
  return <SignedIn roles={ADMINS}>{() => <UserList />}</SignedIn>;
}

function UserList() {
  const { t } = useTranslation();
  const language = useLanguage();
  const roleName = useRoleName();
  const [users, setUsers] = useState<AdminUser[] | undefined>();
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    Promise.all([apiJson<AdminUser[]>("/api/admin/users"), apiJson<Agency[]>("/api/admin/agencies")])
      .then(([u, a]) => {
        setUsers(u);
        setAgencies(a);
      })
      .catch(() => setFailed(true));
  }, []);
  const agencyName = (id: string | null) =>
    id ? localName(agencies.find((a) => a.id === id)?.names, language) : t("admin.users.noAgency");
  return (
    <>
      {failed && <ErrorSummary errors={[{ message: t("admin.failed") }]} />}
      <PageHeading title={t("admin.users.title")}>{t("admin.users.title")}</PageHeading>
      <p>{t("admin.users.intro")}</p>
      <p>
        <Link to="/admin/users/new" className="button">
          {t("admin.users.add")}
        </Link>
      </p>
      {!users && !failed && <p>{t("loading")}</p>}
      {users && (
        <DataTable
          caption={t("admin.users.title")}
          attributes={{ "data-users": true }}
          rows={users}
          rowKey={(u) => u.id}
          rowAttributes={(u) => ({ "data-user": u.email })}
          columns={[
            {
              heading: t("home.name"),
              cell: (u) => (
                <Link to={`/admin/users/${u.id}`}>
                  <bdi>{u.displayName}</bdi>
                </Link>
              ),
            },
            { heading: t("home.email"), cell: (u) => <span dir="ltr">{u.email}</span> },
            { heading: t("home.role"), cell: (u) => roleName(u.role) },
            { heading: t("home.agency"), cell: (u) => <bdi>{agencyName(u.agencyId)}</bdi> },
            {
              heading: t("admin.users.state"),
              cell: (u) => (u.disabled ? t("admin.users.disabled") : t("admin.users.active")),
            },
          ]}
        />
      )}
    </>
  );
}

export function NewUserPage() {
  return <SignedIn roles={ADMINS}>{(me) => <NewUserForm me={me} />}</SignedIn>;
}

function NewUserForm({ me }: { readonly me: Me }) {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const language = useLanguage();
  const roleName = useRoleName();
  const navigate = useNavigate();
  const platform = me.user.role === "platform_admin";
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const [form, setForm] = useState({
    email: "",
    displayName: "",
    jobTitle: "",
    role: "official",
    password: "",
    locale: "",
    agencyId: "",
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (platform) apiJson<Agency[]>("/api/admin/agencies").then(setAgencies, () => {});
  }, [platform]);
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));
  const errorFor = (field: string) => errors.find((e) => e.field === field)?.message;
  const roles = platform
    ? ["official", "clerk", "agency_admin", "platform_admin"]
    : ["official", "clerk", "agency_admin"];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldError[] = [];
    if (!/^[^\s@]+@[^\s@]+$/.test(form.email.trim()))
      found.push({ field: "email", message: t("admin.users.errors.email") });
    if (!form.displayName.trim()) found.push({ field: "displayName", message: t("admin.users.errors.name") });
    if (form.password && form.password.length < 12)
      found.push({ field: "password", message: t("admin.users.errors.password") });
    if (platform && form.role !== "platform_admin" && !form.agencyId) {
      found.push({ field: "agencyId", message: t("admin.users.errors.agency") });
    }
    setErrors(found);
    if (found.length) return;
    setBusy(true);
    try {
      const created = await apiJson<AdminUser>("/api/admin/users", {
        method: "POST",
        json: {
          email: form.email.trim(),
          displayName: form.displayName.trim(),
          ...(form.jobTitle.trim() && { jobTitle: form.jobTitle.trim() }),
          // The selects offer only the API's roles and locales.
          role: form.role as CreateUserBody["role"],
          ...(form.password && { password: form.password }),
          ...(form.locale && { locale: form.locale as NonNullable<CreateUserBody["locale"]> }),
          ...(platform && form.role !== "platform_admin" && { agencyId: form.agencyId }),
        } satisfies CreateUserBody,
      });
      navigate(`/admin/users/${created.id}`, { state: { notice: "created" } });
    } catch (e) {
      const code = e instanceof ApiError ? e.code : "";
      setErrors([
        code === "email_taken"
          ? { field: "email", message: t("admin.users.errors.taken") }
          : code === "email_domain_not_verified"
            ? { field: "email", message: t("admin.users.errors.domain") }
            : code === "validation_error" || code === "invalid_request"
              ? { message: t("admin.users.errors.invalid") }
              : { message: errorText(e, t("admin.failed")) },
      ]);
    } finally {
      setBusy(false);
    }
  }

  const field = (id: keyof typeof form, label: string, input: ReactNode, hint?: string) => (
    <FormField id={id} label={label} hint={hint} error={errorFor(id)}>
      {input}
    </FormField>
  );
  /** What ties a control to its entry of the form, its error and its hint. */
  const bound = (id: keyof typeof form, hinted = false) => ({
    id,
    name: id,
    value: form[id],
    onChange: set(id),
    ...controlAria(id, errorFor(id), hinted),
  });

  return (
    <div className="narrow">
      <ErrorSummary errors={errors} />
      <PageHeading title={t("admin.users.add")}>{t("admin.users.add")}</PageHeading>
      <form onSubmit={submit} noValidate>
        {field("email", t("home.email"), <input {...bound("email")} type="email" dir="ltr" />)}
        {field(
          "displayName",
          t("home.name"),
          <input {...bound("displayName", true)} dir="auto" />,
          t("admin.users.nameHint"),
        )}
        {field(
          "jobTitle",
          t("admin.users.jobTitle"),
          <input {...bound("jobTitle", true)} dir="auto" maxLength={200} />,
          t("admin.users.jobTitleHint"),
        )}
        {field(
          "role",
          t("home.role"),
          <select {...bound("role")}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {roleName(r)}
              </option>
            ))}
          </select>,
        )}
        {platform &&
          form.role !== "platform_admin" &&
          field(
            "agencyId",
            t("home.agency"),
            <select {...bound("agencyId")}>
              <option value="">{t("admin.users.chooseAgency")}</option>
              {agencies.map((a) => (
                <option key={a.id} value={a.id} dir="auto">
                  {localName(a.names, language)}
                </option>
              ))}
            </select>,
          )}
        {field(
          "password",
          t("login.password"),
          <input {...bound("password", true)} type="password" autoComplete="new-password" dir="ltr" />,
          t("admin.users.passwordHint"),
        )}
        {field(
          "locale",
          t("language.label"),
          <select {...bound("locale")}>
            <option value="">{t("admin.users.noLocale")}</option>
            {(["en", "ar", "ja"] as const).map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`language.${l}`)}
              </option>
            ))}
          </select>,
        )}
        <button type="submit" className="button" disabled={busy}>
          {t("admin.users.create")}
        </button>
      </form>
    </div>
  );
}

export function UserPage() {
  return <SignedIn roles={ADMINS}>{() => <UserDetails />}</SignedIn>;
}

function UserDetails() {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const roleName = useRoleName();
  const { id = "" } = useParams();
  const [user, setUser] = useState<AdminUser | undefined>();
  const [certificates, setCertificates] = useState<Certificate[]>([]);
  const [missing, setMissing] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [notice, setNotice] = useState<string | undefined>((useLocation().state as { notice?: string } | null)?.notice);
  const [busy, setBusy] = useState(false);
  /** The certificate being revoked (a confirmation on the page, with a reason chosen on purpose). */
  const [revoking, setRevoking] = useState<Certificate | undefined>();
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | undefined>();
  const load = useCallback(async () => {
    try {
      const [u, c] = await Promise.all([
        apiJson<AdminUser>(`/api/admin/users/${encodeURIComponent(id)}`),
        apiJson<Certificate[]>(`/api/admin/users/${encodeURIComponent(id)}/certificates`),
      ]);
      setUser(u);
      setCertificates(c);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else setErrors([{ message: t("admin.failed") }]);
    }
  }, [id, t]);
  useEffect(() => {
    void load();
  }, [load]);
  if (missing) return <NotFoundPage />;
  if (!user) return <p className="status">{t("loading")}</p>;

  async function issue() {
    setBusy(true);
    setErrors([]);
    try {
      await apiJson(`/api/admin/users/${id}/certificates`, {
        method: "POST",
        json: { mode: "platform" } satisfies IssueCertificateBody,
      });
      await load();
      setNotice("issued");
    } catch {
      setErrors([{ message: t("admin.users.errors.issue") }]);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(event: FormEvent) {
    event.preventDefault();
    if (!revoking) return;
    if (!reason) {
      setReasonError(t("admin.users.errors.reason"));
      return;
    }
    setBusy(true);
    setErrors([]);
    setReasonError(undefined);
    try {
      await apiJson(`/api/admin/users/${id}/certificates/${revoking.serial}/revoke`, {
        method: "POST",
        json: { reason },
      });
      setRevoking(undefined);
      setReason("");
      await load();
      setNotice("revoked");
    } catch (e) {
      setErrors([{ message: errorText(e, t("admin.users.errors.revoke")) }]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ErrorSummary errors={errors} />
      {notice && <SuccessBanner title={t(`admin.users.notice.${notice}`)} />}
      <span className="caption">{t("admin.users.title")}</span>
      <PageHeading title={user.displayName}>
        <bdi>{user.displayName}</bdi>
      </PageHeading>
      <dl className="summary-list">
        <Row term={t("home.email")}>
          <span dir="ltr">{user.email}</span>
        </Row>
        <Row term={t("home.role")}>{roleName(user.role)}</Row>
        <Row term={t("admin.users.jobTitle")}>
          {user.jobTitle ? <bdi data-job-title>{user.jobTitle}</bdi> : t("admin.users.noJobTitle")}
        </Row>
        <Row term={t("admin.users.state")}>{user.disabled ? t("admin.users.disabled") : t("admin.users.active")}</Row>
        <Row term={t("admin.users.since")}>
          <DateTime value={user.createdAt} />
        </Row>
      </dl>
      <section aria-labelledby="certificates-heading">
        <h2 id="certificates-heading">{t("home.certificates")}</h2>
        {certificates.length === 0 ? (
          <p>{t("admin.users.noCertificates")}</p>
        ) : (
          <DataTable
            caption={t("home.certificates")}
            attributes={{ "data-certificates": true }}
            rows={certificates}
            rowKey={(c) => c.id}
            rowAttributes={(c) => ({ "data-certificate": c.serial })}
            columns={[
              {
                heading: t("sign.serial"),
                cell: (c) => (
                  <>
                    <MachineText>{c.serial}</MachineText> ({c.ca.toUpperCase()})
                  </>
                ),
              },
              {
                heading: t("sign.keyHolder"),
                cell: (c) => t(`admin.users.keyHolder.${c.keyHolder === "device" ? "device" : "platform"}`),
              },
              { heading: t("sign.validUntil"), cell: (c) => <DateTime value={c.notAfter} time={false} /> },
              {
                heading: t("admin.users.state"),
                cellAttributes: (c) => ({ "data-status": c.status }),
                cell: (c) =>
                  t(`home.certificateStatus.${c.status === "good" || c.status === "revoked" ? c.status : "unknown"}`),
              },
              {
                heading: t("admin.users.revoke"),
                cell: (c) =>
                  c.status === "good" && (
                    <button
                      type="button"
                      className="button button--warning"
                      data-action="revoke"
                      onClick={() => {
                        setRevoking(c);
                        setReason("");
                        setReasonError(undefined);
                      }}
                    >
                      {t("admin.users.revokeButton")}
                    </button>
                  ),
              },
            ]}
          />
        )}
        {revoking && (
          <form className="panel panel--warning" onSubmit={revoke} noValidate data-revoke-confirm={revoking.serial}>
            <h3>{t("admin.users.revokeHeading")}</h3>
            <p>
              {t("admin.users.revokeExplain", { name: isolate(user.displayName) })}{" "}
              <MachineText>{revoking.serial}</MachineText> ({revoking.ca.toUpperCase()})
            </p>
            <FormField id="revoke-reason" label={t("admin.users.reason")} error={reasonError}>
              <select
                id="revoke-reason"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                {...controlAria("revoke-reason", reasonError)}
              >
                <option value="">{t("admin.users.chooseReason")}</option>
                {PERSON_REVOCATION_REASONS.filter((r) => r !== "unspecified").map((r) => (
                  <option key={r} value={r}>
                    {t(`admin.users.reasons.${r}`)}
                  </option>
                ))}
              </select>
            </FormField>
            <div className="button-group">
              <button type="submit" className="button button--warning" disabled={busy} data-action="confirm-revoke">
                {t("admin.users.confirmRevoke")}
              </button>
              <button type="button" className="button button--secondary" onClick={() => setRevoking(undefined)}>
                {t("admin.users.cancel")}
              </button>
            </div>
          </form>
        )}
        {user.role === "official" && (
          <p>
            <button type="button" className="button" onClick={issue} disabled={busy} data-action="issue">
              {t("admin.users.issue")}
            </button>
          </p>
        )}
      </section>
      <JobTitleForm user={user} onChange={load} onNotice={setNotice} />
      <AccountActions user={user} onChange={load} onNotice={setNotice} />
      <p>
        <Link to="/admin/users">{t("admin.users.back")}</Link>
      </p>
    </>
  );
}

/** The job title, changed in place (nothing to confirm: it changes only how later signatures read). */
function JobTitleForm({
  user,
  onChange,
  onNotice,
}: {
  readonly user: AdminUser;
  readonly onChange: () => Promise<void>;
  readonly onNotice: (notice: string) => void;
}) {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const [title, setTitle] = useState(user.jobTitle ?? "");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await apiJson(`/api/admin/users/${encodeURIComponent(user.id)}`, {
        method: "PATCH",
        json: { jobTitle: title.trim() || null } satisfies UpdateUserBody,
      });
      onNotice("jobTitle");
      await onChange();
    } catch (e) {
      setError(errorText(e, t("admin.failed")));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={save} noValidate data-job-title-form>
      <FormField id="new-job-title" className="inline-form" label={t("admin.users.jobTitle")} error={error}>
        <input
          id="new-job-title"
          dir="auto"
          maxLength={200}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          {...controlAria("new-job-title", error)}
        />
        <button
          type="submit"
          className="button button--secondary"
          disabled={busy || title.trim() === (user.jobTitle ?? "")}
          data-action="save-job-title"
        >
          {t("admin.users.saveJobTitle")}
        </button>
      </FormField>
    </form>
  );
}

type AccountAction = "role" | "disable" | "enable" | "password" | "totp";

/**
 * What an administrator may change in a person's account — role, enabled or not, a new password, a new second
 * factor — each confirmed on the page before it is done. Not offered on one's own account (the API refuses it too).
 */
function AccountActions({
  user,
  onChange,
  onNotice,
}: {
  readonly user: AdminUser;
  readonly onChange: () => Promise<void>;
  readonly onNotice: (notice: string) => void;
}) {
  const { t } = useTranslation();
  const roleName = useRoleName();
  const errorText = useApiErrorText();
  const [pending, setPending] = useState<AccountAction | undefined>();
  const [role, setRole] = useState(user.role);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <SignedIn roles={ADMINS}>
      {(me) => {
        if (me.user.id === user.id) return <p data-self>{t("admin.users.actions.self")}</p>;
        const choices = user.role === "platform_admin" ? [] : ROLES_AGENCY;
        async function confirm(event: FormEvent) {
          event.preventDefault();
          if (pending === "password" && password.length < 12) {
            setError(t("admin.users.errors.password"));
            return;
          }
          setBusy(true);
          setError(undefined);
          try {
            const url = `/api/admin/users/${encodeURIComponent(user.id)}`;
            if (pending === "role") await apiJson(url, { method: "PATCH", json: { role } satisfies UpdateUserBody });
            if (pending === "disable" || pending === "enable")
              await apiJson(url, {
                method: "PATCH",
                json: { disabled: pending === "disable" } satisfies UpdateUserBody,
              });
            if (pending === "password") await apiJson(`${url}/password`, { method: "POST", json: { password } });
            if (pending === "totp") await apiJson(`${url}/totp`, { method: "DELETE" });
            onNotice(`action.${pending}`);
            setPending(undefined);
            setPassword("");
            await onChange();
          } catch (e) {
            setError(errorText(e, t("admin.failed")));
          } finally {
            setBusy(false);
          }
        }
        return (
          <section aria-labelledby="account-actions" data-account-actions>
            <h2 id="account-actions">{t("admin.users.actions.heading")}</h2>
            {error && (
              <p role="alert" className="field-error" data-action-error>
                {error}
              </p>
            )}
            {pending ? (
              <form className="panel panel--warning" onSubmit={confirm} noValidate data-confirm={pending}>
                <p>
                  {t(`admin.users.actions.confirm.${pending}`, {
                    name: isolate(user.displayName),
                    role: roleName(role),
                  })}
                </p>
                {pending === "password" && (
                  <div className="field">
                    <label htmlFor="new-password">{t("admin.users.actions.newPassword")}</label>
                    <input
                      id="new-password"
                      type="password"
                      autoComplete="new-password"
                      minLength={12}
                      value={password}
                      onChange={(e) => setPassword(e.target.value)}
                    />
                  </div>
                )}
                <div className="button-group">
                  <button type="submit" className="button button--warning" disabled={busy} data-action="confirm">
                    {t("admin.users.actions.yes")}
                  </button>
                  <button type="button" className="button button--secondary" onClick={() => setPending(undefined)}>
                    {t("admin.users.cancel")}
                  </button>
                </div>
              </form>
            ) : (
              <>
                {choices.length > 0 && (
                  <div className="field inline-form">
                    <label htmlFor="new-role">{t("admin.users.actions.role")}</label>
                    <select id="new-role" value={role} onChange={(e) => setRole(e.target.value as AdminUser["role"])}>
                      {choices.map((r) => (
                        <option key={r} value={r}>
                          {roleName(r)}
                        </option>
                      ))}
                    </select>
                    <button
                      type="button"
                      className="button button--secondary"
                      disabled={role === user.role}
                      onClick={() => setPending("role")}
                      data-action="change-role"
                    >
                      {t("admin.users.actions.changeRole")}
                    </button>
                  </div>
                )}
                <div className="button-group">
                  <button
                    type="button"
                    className="button button--secondary"
                    onClick={() => setPending(user.disabled ? "enable" : "disable")}
                    data-action={user.disabled ? "enable" : "disable"}
                  >
                    {user.disabled ? t("admin.users.actions.enable") : t("admin.users.actions.disable")}
                  </button>
                  <button
                    type="button"
                    className="button button--secondary"
                    onClick={() => setPending("password")}
                    data-action="reset-password"
                  >
                    {t("admin.users.actions.password")}
                  </button>
                  <button
                    type="button"
                    className="button button--secondary"
                    onClick={() => setPending("totp")}
                    data-action="reset-totp"
                  >
                    {t("admin.users.actions.totp")}
                  </button>
                </div>
              </>
            )}
          </section>
        );
      }}
    </SignedIn>
  );
}
