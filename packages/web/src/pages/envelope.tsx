/**
 * `/envelopes/:id`: one envelope — where it stands (status in words, who has acted, who is next in routing order),
 * the document (PDF.js), what the reader can do now (sign or approve, decline, send a draft), the downloads (the
 * current PDF and the certificate of completion) and a link to the audit trail. The steps of the ceremony are pages
 * of their own (pages/sign.tsx, pages/decline.tsx): review here, confirm there.
 */
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams } from "react-router-dom";
import { DataTable } from "../components/data-table.js";
import { DateTime } from "../components/date-time.js";
import { EnvelopeStatusTag, RecipientStatusText } from "../components/envelope-status.js";
import { ErrorSummary, FieldErrorMessage } from "../components/error-summary.js";
import { colourOf, FieldOutlines, type ShownField } from "../components/field-editor.js";
import { controlAria, FormField } from "../components/form-field.js";
import { PageHeading } from "../components/page.js";
import { PdfViewer } from "../components/pdf-viewer.js";
import { SignedIn, SuccessBanner } from "../components/signed-in.js";
import { Row } from "../components/summary-list.js";
import { useLanguage } from "../language.js";
import { ApiError, type Me } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";
import { isolate } from "../lib/bidi.js";
import {
  correctRecipient,
  type Envelope,
  envelopeUrl,
  getEnvelope,
  nextRecipients,
  progressOf,
  type Recipient,
  remindEnvelope,
  sendEnvelope,
  voidEnvelope,
} from "../lib/envelopes.js";
import { formatNumber } from "../lib/format-date.js";
import { localName } from "../lib/names.js";
import { NotFoundPage } from "./not-found.js";

/** The caller's recipient entry that may act now, if any. */
export function myTurn(envelope: Envelope, me: Me): Recipient | undefined {
  const email = me.user.email.toLowerCase();
  return nextRecipients(envelope).find(
    (r) => r.email.toLowerCase() === email && (r.role === "approver" || me.user.role === "official"),
  );
}

/** What the signing and declining pages say instead of their form when it is not the reader's turn to act. */
export function NotYourTurn({ envelope }: { readonly envelope: Envelope }) {
  const { t } = useTranslation();
  return (
    <>
      <PageHeading title={t("sign.notNowTitle")}>{t("sign.notNowTitle")}</PageHeading>
      <p>{t("sign.notNowBody")}</p>
      <p>
        <Link to={`/envelopes/${envelope.id}`}>{t("sign.back")}</Link>
      </p>
    </>
  );
}

/** Loads the envelope `:id` for a page; 404 becomes the not-found page. */
export function useEnvelope(): {
  envelope: Envelope | undefined;
  missing: boolean;
  failed: boolean;
  reload(): Promise<void>;
} {
  const { id = "" } = useParams();
  const [envelope, setEnvelope] = useState<Envelope | undefined>();
  const [missing, setMissing] = useState(false);
  const [failed, setFailed] = useState(false);
  const reload = useCallback(async () => {
    try {
      setEnvelope(await getEnvelope(id));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) setMissing(true);
      else setFailed(true);
    }
  }, [id]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { envelope, missing, failed, reload };
}

export function EnvelopeLoader({ children }: { readonly children: (envelope: Envelope, me: Me) => ReactNode }) {
  const { t } = useTranslation();
  const { envelope, missing, failed } = useEnvelope();
  return (
    <SignedIn>
      {(me) =>
        missing ? (
          <NotFoundPage />
        ) : failed ? (
          <ErrorSummary errors={[{ message: t("envelope.loadFailed") }]} />
        ) : envelope ? (
          children(envelope, me)
        ) : (
          <p className="status">{t("loading")}</p>
        )
      }
    </SignedIn>
  );
}

export function EnvelopePage() {
  return <SignedIn>{(me) => <EnvelopeView me={me} />}</SignedIn>;
}

function EnvelopeView({ me }: { readonly me: Me }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const location = useLocation();
  const { envelope, missing, failed, reload } = useEnvelope();
  const [notice, setNotice] = useState<string | undefined>((location.state as { notice?: string } | null)?.notice);
  const [sendError, setSendError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  if (missing) return <NotFoundPage />;
  if (failed) return <ErrorSummary errors={[{ message: t("envelope.loadFailed") }]} />;
  if (!envelope) return <p className="status">{t("loading")}</p>;

  const turn = myTurn(envelope, me);
  const next = nextRecipients(envelope);
  // A partner's copy is managed by the instance that sent it.
  const ownAgency = me.agency?.id === envelope.agencyId && !envelope.origin;
  const n = (value: number) => formatNumber(value, language);
  const progress = progressOf(envelope.recipients);
  const shownFields = shownFieldsOf(envelope);

  async function send() {
    setBusy(true);
    setSendError(undefined);
    try {
      await sendEnvelope(envelope!.id);
      await reload();
      setNotice("sent");
    } catch {
      setSendError(t("envelope.errors.sendFailed"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {sendError && <ErrorSummary errors={[{ message: sendError }]} />}
      {notice && (
        <SuccessBanner title={t(`envelope.notice.${notice}`, { defaultValue: t("envelope.notice.sent") })}>
          {notice === "signed" || notice === "approved" ? (
            <p>{envelope.status === "completed" ? t("envelope.notice.completed") : t("envelope.notice.nextOthers")}</p>
          ) : null}
        </SuccessBanner>
      )}
      <span className="caption">{t("envelope.caption")}</span>
      <PageHeading title={envelope.title}>
        <bdi>{envelope.title}</bdi>
      </PageHeading>
      <dl className="summary-list">
        <Row term={t("envelope.statusLabel")}>
          <EnvelopeStatusTag status={envelope.status} />
          {progress.total > 0 && envelope.status !== "draft" && (
            <span className="block" data-progress={`${progress.done}/${progress.total}`}>
              {t("envelope.progress", { done: n(progress.done), total: n(progress.total) })}
            </span>
          )}
        </Row>
        {envelope.origin && (
          <Row term={t("envelope.sentBy")}>
            <span data-sender data-origin={envelope.origin.instance}>
              <bdi>{envelope.origin.sender.name || envelope.origin.sender.email}</bdi>
              {Object.keys(envelope.origin.sender.agency).length > 0 && (
                <>
                  {" — "}
                  <bdi>{localName(envelope.origin.sender.agency, language)}</bdi>
                </>
              )}
              <span className="block hint">{t("envelope.fromPartner", { id: envelope.origin.instance })}</span>
            </span>
          </Row>
        )}
        {envelope.sender && !envelope.origin && (
          <Row term={t("envelope.sentBy")}>
            <span data-sender>
              <bdi>{envelope.sender.name ?? envelope.sender.email ?? "—"}</bdi>
              {envelope.sender.agency.names && (
                <>
                  {" — "}
                  <bdi>{localName(envelope.sender.agency.names, language)}</bdi>
                </>
              )}
            </span>
          </Row>
        )}
        {envelope.message && (
          <Row term={t("envelope.message")}>
            <p className="message" dir="auto" data-message>
              {envelope.message}
            </p>
          </Row>
        )}
        <Row term={t("envelope.next")}>
          {next.length > 0
            ? next.map((r) => (
                <span key={r.email} className="block">
                  <Person recipient={r} />
                </span>
              ))
            : envelope.status === "draft"
              ? t("inbox.notSent")
              : t("inbox.nobody")}
        </Row>
        <Row term={t("envelope.created")}>
          <DateTime value={envelope.createdAt} />
        </Row>
        {envelope.sentAt && (
          <Row term={t("envelope.sent")}>
            <DateTime value={envelope.sentAt} />
          </Row>
        )}
        {envelope.completedAt && (
          <Row term={t("envelope.completed")}>
            <DateTime value={envelope.completedAt} />
          </Row>
        )}
        {envelope.expiresAt && (
          <Row term={t("envelope.expires")}>
            <DateTime value={envelope.expiresAt} />
          </Row>
        )}
        <Row term={t("envelope.register")}>
          {envelope.status === "completed" ? (
            <Link to={`/register/${envelope.registerCode}`}>
              <code dir="ltr">{envelope.registerCode}</code>
            </Link>
          ) : (
            <code dir="ltr">{envelope.registerCode}</code>
          )}
        </Row>
      </dl>

      <section className="panel" aria-labelledby="your-part" data-your-part>
        <h2 id="your-part">{t("envelope.yourPart")}</h2>
        {turn ? (
          <>
            <p>{turn.role === "signer" ? t("envelope.turnSign") : t("envelope.turnApprove")}</p>
            <div className="button-group">
              <Link to="sign" className="button" data-action="sign">
                {turn.role === "signer" ? t("envelope.actions.sign") : t("envelope.actions.approve")}
              </Link>
              <Link to="decline" className="button button--warning" data-action="decline">
                {t("envelope.actions.decline")}
              </Link>
            </div>
          </>
        ) : envelope.status === "draft" && ownAgency ? (
          <>
            <p>{t("envelope.draftBody")}</p>
            <button type="button" className="button" onClick={send} disabled={busy} data-action="send">
              {t("envelope.actions.send")}
            </button>
          </>
        ) : (
          <p data-no-action>{partText(envelope, me, t)}</p>
        )}
      </section>

      {ownAgency && envelope.status === "sent" && <SenderControls envelope={envelope} onChange={reload} />}

      <section aria-labelledby="recipients-heading">
        <h2 id="recipients-heading">{t("envelope.recipients")}</h2>
        <DataTable
          caption={t("envelope.recipients")}
          attributes={{ "data-recipients": true }}
          rows={[...envelope.recipients].sort((a, b) => a.order - b.order)}
          rowKey={(r) => r.email}
          rowAttributes={(r) => ({ "data-recipient": r.email })}
          columns={[
            { heading: t("envelope.columns.order"), cell: (r) => n(r.order) },
            {
              heading: t("envelope.columns.recipient"),
              cell: (r) => (
                <>
                  <Person recipient={r} />
                  {r.instance && (
                    <span className="block hint" data-partner={r.instance}>
                      {t("envelope.onPartner", { id: r.instance })}
                    </span>
                  )}
                  <RecipientFields envelope={envelope} email={r.email} />
                  {ownAgency &&
                    !r.instance &&
                    (envelope.status === "draft" || envelope.status === "sent") &&
                    !["signed", "approved", "declined"].includes(r.status) && (
                      <CorrectRecipient envelope={envelope} recipient={r} onChange={reload} />
                    )}
                </>
              ),
            },
            { heading: t("envelope.columns.role"), cell: (r) => t(`recipient.role.${r.role}`) },
            {
              heading: t("envelope.columns.status"),
              cell: (r) => (
                <>
                  <RecipientStatusText recipient={r} isNext={next.includes(r)} envelopeStatus={envelope.status} />
                  {r.declineReason && (
                    <p className="hint">
                      {t("envelope.reason")}: <bdi>{r.declineReason}</bdi>
                    </p>
                  )}
                </>
              ),
            },
            {
              heading: t("envelope.columns.when"),
              cell: (r) => (r.actedAt ? <DateTime value={r.actedAt} /> : "—"),
            },
          ]}
        />
      </section>

      <section aria-labelledby="downloads-heading">
        <h2 id="downloads-heading">{t("envelope.downloads")}</h2>
        <ul className="link-list">
          <li>
            <a href={envelopeUrl(envelope.id, "/document")} download data-download="document">
              {envelope.status === "completed" ? t("envelope.downloadSigned") : t("envelope.downloadCurrent")}
            </a>
          </li>
          <li>
            <a href={envelopeUrl(envelope.id, "/audit?format=pdf")} download data-download="certificate">
              {t("envelope.downloadCertificate")}
            </a>
          </li>
          <li>
            <Link to="audit" data-link="audit">
              {t("envelope.auditLink")}
            </Link>
          </li>
          {envelope.status === "completed" && (
            <li>
              <Link to="/verify">{t("envelope.verifyLink")}</Link>
            </li>
          )}
        </ul>
      </section>

      <PdfViewer
        url={envelopeUrl(envelope.id, "/document?disposition=inline")}
        title={envelope.title}
        key={envelope.documentSha256}
        overlay={
          shownFields.length > 0
            ? (view) => (
                <FieldOutlines
                  view={view}
                  fields={shownFields}
                  kindText={(k) => t(`fieldEditor.kinds.${k}`)}
                  doneText={t("envelope.fieldDone")}
                />
              )
            : undefined
        }
      />
    </>
  );
}

/**
 * What the sender's agency can do while the envelope is out (DocuSign and DocuSeal users expect both): remind whoever
 * may act now, and void (cancel) it with a reason, confirmed on the page.
 */
function SenderControls({
  envelope,
  onChange,
}: {
  readonly envelope: Envelope;
  readonly onChange: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const errorText = useApiErrorText();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "done" | "error"; text: string } | undefined>();
  const [reasonError, setReasonError] = useState<string | undefined>();

  async function remind() {
    setBusy(true);
    setMessage(undefined);
    try {
      const result = await remindEnvelope(envelope.id);
      const count = result.reminded.length;
      const key = count === 0 ? "remindedNone" : count === 1 ? "remindedOne" : "remindedMany";
      setMessage({ kind: "done", text: t(`envelope.controls.${key}`, { count: formatNumber(count, language) }) });
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e, t("envelope.controls.failed")) });
    } finally {
      setBusy(false);
    }
  }

  async function confirmVoid(event: FormEvent) {
    event.preventDefault();
    if (!reason.trim()) {
      setReasonError(t("envelope.controls.reasonMissing"));
      return;
    }
    setBusy(true);
    setReasonError(undefined);
    try {
      await voidEnvelope(envelope.id, reason.trim());
      setConfirming(false);
      await onChange();
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e, t("envelope.controls.failed")) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="sender-controls" data-sender-controls>
      <h2 id="sender-controls">{t("envelope.controls.heading")}</h2>
      {message && (
        <p role={message.kind === "error" ? "alert" : "status"} data-controls-message={message.kind}>
          {message.text}
        </p>
      )}
      {confirming ? (
        <form onSubmit={confirmVoid} noValidate data-void-form>
          <p>{t("envelope.controls.voidExplain")}</p>
          <FormField id="void-reason" label={t("envelope.controls.reason")} error={reasonError}>
            <textarea
              id="void-reason"
              dir="auto"
              maxLength={2000}
              rows={3}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              {...controlAria("void-reason", reasonError)}
            />
          </FormField>
          <div className="button-group">
            <button type="submit" className="button button--warning" disabled={busy} data-action="confirm-void">
              {t("envelope.controls.confirmVoid")}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setConfirming(false)}>
              {t("envelope.controls.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <div className="button-group">
          <button
            type="button"
            className="button button--secondary"
            onClick={remind}
            disabled={busy}
            data-action="remind"
          >
            {t("envelope.controls.remind")}
          </button>
          <button
            type="button"
            className="button button--warning"
            onClick={() => {
              setConfirming(true);
              setMessage(undefined);
            }}
            data-action="void"
          >
            {t("envelope.controls.void")}
          </button>
        </div>
      )}
    </section>
  );
}

/** Correcting a recipient's address before they act: a small form that opens under their name. */
function CorrectRecipient({
  envelope,
  recipient,
  onChange,
}: {
  readonly envelope: Envelope;
  readonly recipient: Recipient;
  readonly onChange: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState(recipient.email);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const id = `correct-${recipient.order}-${recipient.email.replace(/[^a-z0-9]/gi, "")}`;
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
      setError(t("envelope.correct.invalid"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await correctRecipient(envelope.id, recipient.email, email.trim());
      setOpen(false);
      await onChange();
    } catch (e) {
      setError(errorText(e, t("envelope.controls.failed")));
    } finally {
      setBusy(false);
    }
  }
  if (!open)
    return (
      <button type="button" className="link-button block" onClick={() => setOpen(true)} data-action="correct-recipient">
        {t("envelope.correct.open")}
      </button>
    );
  return (
    <form onSubmit={submit} noValidate className="inline-form" data-correct-form>
      <label htmlFor={id}>{t("envelope.correct.label")}</label>
      <FieldErrorMessage id={`${id}-error`} message={error} />
      <input
        id={id}
        type="email"
        dir="ltr"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <button type="submit" className="button button--secondary" disabled={busy} data-action="confirm-correct">
        {t("envelope.correct.save")}
      </button>
      <button type="button" className="button button--secondary" onClick={() => setOpen(false)}>
        {t("envelope.controls.cancel")}
      </button>
    </form>
  );
}

/** A recipient by name when an account has proved the address, with the address beside it. */
function Person({ recipient }: { readonly recipient: Recipient }) {
  return recipient.name ? (
    <>
      <bdi data-person-name>{recipient.name}</bdi>{" "}
      <span className="hint" dir="ltr">
        {recipient.email}
      </span>
    </>
  ) : (
    <span dir="ltr">{recipient.email}</span>
  );
}

function partText(envelope: Envelope, me: Me, t: (key: string) => string): string {
  const email = me.user.email.toLowerCase();
  const mine = envelope.recipients.filter((r) => r.email.toLowerCase() === email);
  if (mine.some((r) => r.status === "declined")) return t("envelope.part.declined");
  if (mine.some((r) => r.status === "signed")) return t("envelope.part.signed");
  if (mine.some((r) => r.status === "approved")) return t("envelope.part.approved");
  if (envelope.status === "completed") return t("envelope.part.completed");
  if (envelope.status === "declined") return t("envelope.part.envelopeDeclined");
  if (envelope.status === "expired") return t("envelope.part.expired");
  if (envelope.status === "voided") return t("envelope.part.voided");
  if (envelope.status === "draft") return t("envelope.part.draft");
  const acting = mine.find((r) => r.role !== "viewer");
  if (acting && acting.role === "signer" && me.user.role !== "official") return t("envelope.part.cannotSign");
  if (acting) return t("envelope.part.notYet");
  if (mine.length > 0) return t("envelope.part.viewer");
  return t("envelope.part.none");
}

/**
 * The fields as the viewer outlines them. The recipient's number is the one the editor showed: the field's name says
 * it (`r<n>.…`, n from 1, envelopes/fields.ts). GET gives no per-field value, so a field counts as filled once its
 * recipient has signed (the signature's revision fills all their fields).
 */
function shownFieldsOf(envelope: Envelope): ShownField[] {
  return (envelope.fields ?? []).map((f) => {
    const recipient = envelope.recipients.find((r) => r.email.toLowerCase() === f.recipient.toLowerCase());
    const numbered = /^r(\d+)\./.exec(f.name);
    return {
      name: f.name,
      kind: f.kind,
      page: f.page,
      rect: [f.rect[0] ?? 0, f.rect[1] ?? 0, f.rect[2] ?? 0, f.rect[3] ?? 0],
      recipientIndex: numbered ? Number(numbered[1]) - 1 : recipient ? envelope.recipients.indexOf(recipient) : 0,
      done: recipient?.status === "signed",
    };
  });
}

/** The fields the sender placed for one recipient (issue 13.1), in words: kind, label, page. */
function RecipientFields({ envelope, email }: { readonly envelope: Envelope; readonly email: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const fields = (envelope.fields ?? []).filter((f) => f.recipient.toLowerCase() === email.toLowerCase());
  if (fields.length === 0) return null;
  const items = fields.map((f) =>
    t(f.label ? "envelope.fieldLabelled" : "envelope.field", {
      kind: t(`fieldEditor.kinds.${f.kind}`),
      label: isolate(f.label ?? ""),
      page: formatNumber(f.page, language),
    }),
  );
  // The number and colour the outlines on the pages carry (the editor's legend).
  const index = shownFieldsOf({ ...envelope, fields }).at(0)?.recipientIndex ?? 0;
  return (
    <span className="block hint" data-recipient-fields={fields.length}>
      <span className="field-editor__badge" style={{ backgroundColor: colourOf(index) }}>
        {formatNumber(index + 1, language)}
      </span>{" "}
      {t("envelope.fields", { list: new Intl.ListFormat(language, { type: "unit" }).format(items) })}
    </span>
  );
}
