/**
 * `/envelopes/new`: upload a PDF, give it a title, name the recipients (e-mail, role, routing order; rows added and
 * removed with buttons, focus following), then send it now or keep it as a draft. Mistakes found here or by the
 * server (size, not a PDF, encrypted) appear in an error summary linked to their fields; then the envelope's page.
 * Once a PDF is chosen its pages appear in the field editor, where the sender places each signer's fields (issue
 * 13.1); they are checked here as the server will check them and sent as `meta.fields`.
 */
import type { FieldInputBody, Partner, UploadMeta } from "@khatam/server/api";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { ErrorSummary, type FieldError } from "../components/error-summary.js";
import { type EditorRecipient, FieldEditor } from "../components/field-editor.js";
import { FilePicker } from "../components/file-picker.js";
import { controlAria, FormField } from "../components/form-field.js";
import { PageHeading } from "../components/page.js";
import { SignedIn } from "../components/signed-in.js";
import { useLanguage } from "../language.js";
import { ApiError, apiJson, type Me } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";
import { type CreatedEnvelope, type RecipientRole, sendEnvelope } from "../lib/envelopes.js";
import { checkFields, type PageFacts, type PlacedField } from "../lib/field-checks.js";
import { countryName, formatNumber } from "../lib/format-date.js";

const MAX_BYTES = 25 * 1024 * 1024;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

interface Row {
  readonly key: number;
  email: string;
  role: RecipientRole;
  order: string;
  /** A partner instance the recipient signs on ("" for this one). */
  instance: string;
}

export function NewEnvelopePage() {
  return <SignedIn>{(me) => <NewEnvelopeForm me={me} />}</SignedIn>;
}

function NewEnvelopeForm({ me }: { readonly me: Me }) {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const language = useLanguage();
  const navigate = useNavigate();
  const fileInput = useRef<HTMLInputElement>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const nextKey = useRef(1);
  const [title, setTitle] = useState("");
  const [rows, setRows] = useState<Row[]>([{ key: 0, email: "", role: "signer", order: "1", instance: "" }]);
  const [partners, setPartners] = useState<readonly Partner[]>([]);
  useEffect(() => {
    apiJson<Partner[]>("/api/federation/partners").then(setPartners, () => setPartners([]));
  }, []);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  /** The last day to act (yyyy-mm-dd, the reader's calendar day), or "" for none. */
  const [deadline, setDeadline] = useState("");
  /** Hours between reminders, or "" for none. */
  const [remindEvery, setRemindEvery] = useState("");
  /** The sender's words to the recipients (sent with the invitation). */
  const [message, setMessage] = useState("");
  /** The PDF chosen (its pages are drawn for the fields), and the fields placed on it. */
  const [file, setFile] = useState<File | undefined>();
  const [fields, setFields] = useState<readonly PlacedField[]>([]);
  const pages = useRef<{ facts: (PageFacts | undefined)[]; count: number }>({ facts: [], count: 0 });
  const errorFor = (field: string) => errors.find((e) => e.field === field)?.message;
  const n = (value: number) => formatNumber(value, language);

  if (!me.agency) {
    return (
      <>
        <PageHeading title={t("create.title")}>{t("create.title")}</PageHeading>
        <p>{t("create.noAgency")}</p>
      </>
    );
  }

  const update = (key: number, change: Partial<Row>) =>
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...change } : r)));

  function addRow() {
    const key = nextKey.current++;
    const order = String(Math.max(0, ...rows.map((r) => Number(r.order) || 0)) + 1);
    setRows((all) => [...all, { key, email: "", role: "signer", order, instance: "" }]);
    requestAnimationFrame(() => document.getElementById(`recipient-${key}-email`)?.focus());
  }

  const editorRecipients: EditorRecipient[] = rows.map((r, index) => ({
    key: r.key,
    index,
    email: r.email.trim(),
    mayHaveFields: r.role === "signer",
  }));

  /** The fields' problems, each as the message shown on the field and in the summary. */
  function fieldProblems(): { id: number; message: string }[] {
    return checkFields(fields, editorRecipients, pages.current.facts, pages.current.count).map((p) => {
      const f = fields.find((x) => x.id === p.fieldId)!;
      const index = rows.findIndex((r) => r.key === p.recipientKey);
      return {
        id: p.fieldId,
        message: t(`fieldEditor.errors.${p.code}`, {
          kind: t(`fieldEditor.kinds.${f.kind}`),
          number: n(index + 1),
          page: n(f.page),
        }),
      };
    });
  }

  function removeRow(key: number) {
    const index = rows.findIndex((r) => r.key === key);
    const remaining = rows.filter((r) => r.key !== key);
    setRows(remaining);
    const focus = remaining[Math.max(0, index - 1)];
    requestAnimationFrame(() =>
      (focus ? document.getElementById(`recipient-${focus.key}-email`) : addButton.current)?.focus(),
    );
  }

  function check(file: File | undefined): FieldError[] {
    const found: FieldError[] = [];
    if (!file) found.push({ field: "document", message: t("create.errors.noFile") });
    else if (file.size > MAX_BYTES) found.push({ field: "document", message: t("create.errors.tooLarge") });
    else if (file.type && file.type !== "application/pdf" && !/\.pdf$/i.test(file.name)) {
      found.push({ field: "document", message: t("create.errors.notPdf") });
    }
    if (!title.trim()) found.push({ field: "title", message: t("create.errors.noTitle") });
    if (rows.length === 0) found.push({ field: "add-recipient", message: t("create.errors.noRecipients") });
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      const email = r.email.trim().toLowerCase();
      if (!EMAIL.test(email)) {
        found.push({ field: `recipient-${r.key}-email`, message: t("create.errors.email", { number: n(i + 1) }) });
      } else if (seen.has(email)) {
        found.push({ field: `recipient-${r.key}-email`, message: t("create.errors.duplicate", { number: n(i + 1) }) });
      }
      seen.add(email);
      const order = Number(r.order);
      if (!Number.isInteger(order) || order < 1 || order > 100) {
        found.push({ field: `recipient-${r.key}-order`, message: t("create.errors.order", { number: n(i + 1) }) });
      }
    });
    for (const [i, r] of rows.entries()) {
      if (r.instance && r.role !== "signer") {
        found.push({ field: `recipient-${r.key}-role`, message: t("create.errors.partnerRole", { number: n(i + 1) }) });
      }
    }
    if (rows.length > 0 && !rows.some((r) => r.role !== "viewer")) {
      found.push({ field: `recipient-${rows[0]!.key}-role`, message: t("create.errors.noSigner") });
    }
    for (const p of fieldProblems()) found.push({ field: `field-${p.id}`, message: p.message });
    return found;
  }

  function serverError(e: unknown): FieldError {
    if (!(e instanceof ApiError)) return { message: t("create.errors.failed") };
    switch (e.code) {
      case "payload_too_large":
        return { field: "document", message: t("create.errors.tooLarge") };
      case "invalid_pdf":
      case "unsupported_media_type":
        return { field: "document", message: t("create.errors.notPdf") };
      case "encrypted_pdf":
        return { field: "document", message: t("create.errors.encrypted") };
      case "invalid_request":
        return { message: t("create.errors.rejected") };
      case "forbidden":
        return { message: t("create.noAgency") };
      case "network":
        return { message: t("login.errors.network") };
      default:
        return {
          ...(e.code.startsWith("field_") && { field: "field-editor-heading" }),
          message: errorText(e, t("create.errors.failed")),
        };
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const sendNow = submitter?.value !== "draft";
    const file = fileInput.current?.files?.[0];
    const found = check(file);
    setErrors(found);
    if (found.length > 0) return;
    setBusy(true);
    try {
      const form = new FormData();
      form.append("file", file!, file!.name);
      form.append(
        "meta",
        JSON.stringify({
          title: title.trim(),
          recipients: rows.map((r) => ({
            email: r.email.trim(),
            role: r.role,
            order: Number(r.order),
            ...(r.instance && { instance: r.instance }),
          })),
          // The deadline is the end of the chosen day where the sender is.
          ...(deadline && { expiresAt: new Date(`${deadline}T23:59:59`).toISOString() }),
          ...(remindEvery && { reminderEveryHours: Number(remindEvery) }),
          ...(message.trim() && { message: message.trim() }),
          ...(fields.length > 0 && { fields: fields.map((f) => fieldBody(f, rows)) }),
        } satisfies UploadMeta),
      );
      const { id } = await apiJson<CreatedEnvelope>("/api/envelopes", { method: "POST", body: form });
      if (sendNow) {
        try {
          await sendEnvelope(id);
        } catch {
          navigate(`/envelopes/${id}`, { state: { notice: "sendFailed" } });
          return;
        }
      }
      navigate(`/envelopes/${id}`, { state: { notice: sendNow ? "sent" : "draft" } });
    } catch (e) {
      setErrors([serverError(e)]);
    } finally {
      setBusy(false);
    }
  }

  const fileError = errorFor("document");
  return (
    <>
      <ErrorSummary errors={errors} />
      <PageHeading title={t("create.title")}>{t("create.title")}</PageHeading>
      <p className="lead">{t("create.intro")}</p>
      <form onSubmit={submit} noValidate>
        <FormField id="document" label={t("create.file")} hint={t("create.fileHint")} error={fileError}>
          <FilePicker
            id="document"
            name="file"
            accept="application/pdf,.pdf"
            inputRef={fileInput}
            error={fileError}
            hinted
            onChange={() => {
              setFile(fileInput.current?.files?.[0]);
              // Fields belong to the pages of the document they were placed on.
              setFields([]);
              pages.current = { facts: [], count: 0 };
            }}
          />
        </FormField>
        <FormField
          id="title"
          label={t("create.documentTitle")}
          hint={t("create.documentTitleHint")}
          error={errorFor("title")}
        >
          <input
            id="title"
            name="title"
            dir="auto"
            value={title}
            maxLength={500}
            onChange={(e) => setTitle(e.target.value)}
            {...controlAria("title", errorFor("title"), true)}
          />
        </FormField>
        <fieldset className="fieldset">
          <legend className="fieldset__legend">{t("create.recipients")}</legend>
          <p className="hint">{t("create.recipientsHint")}</p>
          <ol className="recipient-rows">
            {rows.map((row, index) => {
              const id = `recipient-${row.key}`;
              const number = n(index + 1);
              const emailError = errorFor(`${id}-email`);
              const roleError = errorFor(`${id}-role`);
              const orderError = errorFor(`${id}-order`);
              return (
                <li key={row.key} className="recipient-row" data-recipient-row={index}>
                  <fieldset className="fieldset fieldset--row">
                    <legend className="fieldset__legend fieldset__legend--small">
                      {t("create.recipient", { number })}
                    </legend>
                    <FormField id={`${id}-email`} label={t("create.email")} error={emailError}>
                      <input
                        id={`${id}-email`}
                        name={`${id}-email`}
                        type="email"
                        dir="ltr"
                        spellCheck={false}
                        autoComplete="off"
                        value={row.email}
                        onChange={(e) => update(row.key, { email: e.target.value })}
                        {...controlAria(`${id}-email`, emailError)}
                      />
                    </FormField>
                    <FormField id={`${id}-role`} label={t("create.role")} error={roleError}>
                      <select
                        id={`${id}-role`}
                        name={`${id}-role`}
                        value={row.role}
                        onChange={(e) => update(row.key, { role: e.target.value as RecipientRole })}
                        {...controlAria(`${id}-role`, roleError)}
                      >
                        <option value="signer">{t("recipient.role.signer")}</option>
                        <option value="approver">{t("recipient.role.approver")}</option>
                        <option value="viewer">{t("recipient.role.viewer")}</option>
                      </select>
                    </FormField>
                    <FormField
                      id={`${id}-order`}
                      label={t("create.order")}
                      hint={t("create.orderHint")}
                      error={orderError}
                    >
                      <input
                        id={`${id}-order`}
                        name={`${id}-order`}
                        className="input--short"
                        inputMode="numeric"
                        dir="ltr"
                        value={row.order}
                        onChange={(e) => update(row.key, { order: e.target.value })}
                        {...controlAria(`${id}-order`, orderError, true)}
                      />
                    </FormField>
                    {partners.length > 0 && (
                      <FormField id={`${id}-instance`} label={t("create.instance")} hint={t("create.instanceHint")}>
                        <select
                          id={`${id}-instance`}
                          name={`${id}-instance`}
                          value={row.instance}
                          onChange={(e) =>
                            update(row.key, { instance: e.target.value, ...(e.target.value && { role: "signer" }) })
                          }
                          {...controlAria(`${id}-instance`, undefined, true)}
                        >
                          <option value="">{t("create.instanceHere")}</option>
                          {partners.map((p) => (
                            <option key={p.instance} value={p.instance}>
                              {t("create.instancePartner", {
                                country: countryName(p.territory, language),
                                id: p.instance,
                              })}
                            </option>
                          ))}
                        </select>
                      </FormField>
                    )}
                    {rows.length > 1 && (
                      <button type="button" className="button button--secondary" onClick={() => removeRow(row.key)}>
                        {t("create.remove", { number })}
                      </button>
                    )}
                  </fieldset>
                </li>
              );
            })}
          </ol>
          <button
            type="button"
            id="add-recipient"
            className="button button--secondary"
            ref={addButton}
            onClick={addRow}
            disabled={rows.length >= 100}
          >
            {t("create.add")}
          </button>
        </fieldset>
        {file && (
          <FieldEditor
            key={`${file.name}:${file.size}:${file.lastModified}`}
            file={file}
            title={title || file.name}
            recipients={editorRecipients}
            fields={fields}
            onFieldsChange={(change) => setFields(change)}
            pages={pages.current}
            problems={new Map(errors.length > 0 ? fieldProblems().map((p) => [p.id, p.message]) : [])}
          />
        )}
        <FormField id="message" label={t("create.message")} hint={t("create.messageHint")}>
          <textarea
            id="message"
            name="message"
            dir="auto"
            rows={3}
            maxLength={2000}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            {...controlAria("message", undefined, true)}
          />
        </FormField>
        <fieldset className="fieldset">
          <legend className="fieldset__legend">{t("create.timing")}</legend>
          <FormField
            id="deadline"
            label={t("create.deadline")}
            hint={t("create.deadlineHint")}
            error={errorFor("deadline")}
          >
            <input
              id="deadline"
              name="deadline"
              type="date"
              min={today()}
              value={deadline}
              onChange={(e) => setDeadline(e.target.value)}
              {...controlAria("deadline", errorFor("deadline"), true)}
            />
          </FormField>
          <FormField id="remind-every" label={t("create.reminders")}>
            <select
              id="remind-every"
              name="remindEvery"
              value={remindEvery}
              onChange={(e) => setRemindEvery(e.target.value)}
            >
              <option value="">{t("create.remindNever")}</option>
              <option value="24">{t("create.remindDaily")}</option>
              <option value="72">{t("create.remindEvery3Days")}</option>
              <option value="168">{t("create.remindWeekly")}</option>
            </select>
          </FormField>
        </fieldset>
        <div className="button-group">
          <button type="submit" name="action" value="send" className="button" disabled={busy} aria-disabled={busy}>
            {t("create.send")}
          </button>
          <button
            type="submit"
            name="action"
            value="draft"
            className="button button--secondary"
            disabled={busy}
            aria-disabled={busy}
          >
            {t("create.draft")}
          </button>
        </div>
        <div aria-live="polite" className="status">
          {busy && <p>{t("create.uploading")}</p>}
        </div>
      </form>
    </>
  );
}

/** A placed field as the API takes it: its recipient by their position in `recipients`. */
function fieldBody(f: PlacedField, rows: readonly Row[]): FieldInputBody {
  return {
    recipient: rows.findIndex((r) => r.key === f.recipientKey),
    kind: f.kind,
    page: f.page,
    rect: [...f.rect],
    ...(f.label.trim() && { label: f.label.trim() }),
    ...(f.kind !== "signature" && { required: f.required }),
  };
}

/** Today as yyyy-mm-dd in the reader's time zone (the earliest deadline a date input offers). */
function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
