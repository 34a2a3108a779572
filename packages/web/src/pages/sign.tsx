/**
 * `/envelopes/:id/sign`: the confirmation step of the ceremony. The reader has reviewed the document on the envelope
 * page; here they see the certificate that will sign (from GET /api/me), choose where the key is when they have
 * both (the platform's key store, or this browser: lib/device-key.ts), tick "I have read the document and I sign it
 * as <name>, <agency>", and sign. Platform key: POST /sign. Device key: POST /sign/prepare, the signed attributes
 * signed here with the IndexedDB key (ECDSA P-256, SHA-256), POST /sign/complete. Approvers approve (POST /sign).
 *
 * When the sender placed fields for the signer (issue 13.2), the page also shows the document with their fields over
 * the pages (PDF.js): they fill their text fields and boxes in place (required ones are checked before signing),
 * choose how their signature looks (typed, drawn, an image; a Japanese official's seal) and see a preview of the
 * block in their signature field; `{ fill, mark, seal }` goes with /sign or /sign/prepare (docs/api.md "Fields and
 * visible signatures"). Other signers' fields show as outlines only.
 */
import { type CSSProperties, type FormEvent, Fragment, type ReactNode, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { CertificateRows } from "../components/certificate-rows.js";
import { ErrorSummary, type FieldError, FieldErrorMessage } from "../components/error-summary.js";
import { PageHeading } from "../components/page.js";
import { type PageView, PdfViewer } from "../components/pdf-viewer.js";
import { RadioGroup } from "../components/radio-group.js";
import { SignatureLook } from "../components/signature-look.js";
import { type BlockContent, SignaturePreview } from "../components/signature-preview.js";
import { Row } from "../components/summary-list.js";
import { useLanguage } from "../language.js";
import { ApiError, type Certificate, type Me } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";
import { isolate } from "../lib/bidi.js";
import { base64ToBytes, loadDeviceKey, type StoredDeviceKey, signWithDeviceKey } from "../lib/device-key.js";
import { completeSignature, type Envelope, envelopeUrl, prepareSignature, signEnvelope } from "../lib/envelopes.js";
import { normalise, toViewRect } from "../lib/field-geometry.js";
import { formatNumber } from "../lib/format-date.js";
import { localName } from "../lib/names.js";
import {
  familyNameOf,
  fieldsOf,
  fillable,
  imageProblem,
  imageType,
  initialValues,
  type MarkChoice,
  missingRequired,
  type PlacedField,
  type SealChoice,
  signingBody,
} from "../lib/signing-choices.js";
import { useSession } from "../session.js";
import { EnvelopeLoader, myTurn, NotYourTurn } from "./envelope.js";

type Method = "platform" | "device";

/** The newest certificate of each kind that is in use (the server signs with the newest: envelopes/store.ts). */
export function usableCertificates(me: Me): { platform?: Certificate; device?: Certificate } {
  const now = Date.now();
  const newest = (holder: "platform" | "device") =>
    [...(me.certificates ?? [])]
      .reverse()
      .find((c) => (c.keyHolder ?? "platform") === holder && new Date(c.notAfter).getTime() > now);
  const ok = (c: Certificate | undefined) => (c && c.status === "good" ? c : undefined);
  return { platform: ok(newest("platform")), device: ok(newest("device")) };
}

export function SignPage() {
  return <EnvelopeLoader>{(envelope, me) => <Confirm envelope={envelope} me={me} />}</EnvelopeLoader>;
}

function Confirm({ envelope, me }: { readonly envelope: Envelope; readonly me: Me }) {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const language = useLanguage();
  const navigate = useNavigate();
  const { refresh } = useSession();
  const [deviceKey, setDeviceKey] = useState<StoredDeviceKey | null | undefined>(undefined);
  const [method, setMethod] = useState<Method | undefined>();
  const [confirmed, setConfirmed] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const turn = myTurn(envelope, me);
  const certificates = usableCertificates(me);

  useEffect(() => {
    loadDeviceKey(me.user.id ?? "")
      .then((k) => setDeviceKey(k ?? null))
      .catch(() => setDeviceKey(null));
  }, [me.user.id]);

  const deviceUsable =
    !!certificates.device && !!deviceKey && deviceKey.certificateSerial === certificates.device.serial;
  const methods: Method[] = [
    ...(certificates.platform ? ["platform" as const] : []),
    ...(deviceUsable ? ["device" as const] : []),
  ];
  const chosen: Method | undefined = method && methods.includes(method) ? method : methods[0];
  const certificate = chosen ? certificates[chosen] : undefined;
  const name = isolate(me.user.displayName || me.user.email);
  const agency = isolate(localName(me.agency?.names, language));
  const approving = turn?.role === "approver";

  // The signer's fields (issue 13.2): with a signature field placed for them, the signature is visible.
  const mine = useMemo(() => fieldsOf(envelope.fields, me.user.email), [envelope.fields, me.user.email]);
  const signatureField = mine.find((f) => f.kind === "signature");
  const visible = !approving && !!signatureField;
  const displayName = me.user.displayName || me.user.email;
  const [values, setValues] = useState(() => initialValues(mine, { name: displayName, title: me.user.jobTitle }));
  const [mark, setMark] = useState<MarkChoice>({ kind: "typed" });
  const sealOffered = me.country?.isoCode === "JP";
  const [seal, setSeal] = useState<SealChoice>({ kind: "none" });
  const markUrl = useObjectUrl(mark.kind === "drawn" ? mark.png : mark.kind === "image" ? mark.image : undefined);
  const sealUrl = useObjectUrl(seal.kind === "image" ? seal.image : undefined);
  // The block's language as the server chooses it (envelopes/fields.ts signerProfile): the account's, else the
  // certificate's country's.
  const blockLocale = me.user.locale ?? ({ JP: "ja", SA: "ar" } as const)[me.country?.isoCode ?? ""] ?? "en";
  const block: BlockContent = {
    name: displayName,
    title: me.user.jobTitle,
    agency: localName(me.agency?.names, blockLocale) || null,
    country: me.country?.isoCode ?? null,
    locale: blockLocale,
    signedAt: new Date(),
    ...(markUrl && { markImage: markUrl }),
    ...(seal.kind === "generated" && seal.familyName.trim() && { seal: { familyName: seal.familyName.trim() } }),
    ...(seal.kind === "image" && sealUrl && { seal: { image: sealUrl } }),
  };
  const fieldLabel = (f: PlacedField) => f.label || t(`sign.fields.kinds.${f.kind}`);
  // The viewer's scale, as the pages report it: a field drawn at least 24 CSS pixels each way (WCAG 2.5.8) is filled
  // in place on the page; a smaller one (a phone, a small box) in the list under the pages, its place outlined.
  const [viewScale, setViewScale] = useState<number | undefined>();
  const inPlace = (f: PlacedField) =>
    viewScale !== undefined && heightOf(f) * viewScale >= 24 && widthOf(f) * viewScale >= 24;
  const invalid = new Set(errors.map((e) => e.field ?? ""));
  const input = (f: PlacedField, style?: CSSProperties) => (
    <FieldInput
      field={f}
      value={values[f.name]}
      invalid={invalid.has(`field-${f.name}`)}
      label={fieldLabel(f)}
      placeholder={f.kind === "date" ? t("sign.fields.datePlaceholder") : undefined}
      onValue={(value) => setValues((v) => ({ ...v, [f.name]: value }))}
      style={style}
    />
  );
  const fieldFullLabel = (f: PlacedField) =>
    t(f.required ? "sign.fields.listLabelRequired" : "sign.fields.listLabel", {
      label: fieldLabel(f),
      page: formatNumber(f.page, language),
    });
  const listed = mine.filter((f) => fillable(f) && !inPlace(f));

  if (!turn) {
    return <NotYourTurn envelope={envelope} />;
  }

  function failure(e: unknown): FieldError {
    if (!(e instanceof ApiError)) return { message: t("sign.errors.device") };
    const known = [
      "not_your_turn",
      "already_signed",
      "already_declined",
      "no_signing_certificate",
      "wrong_signing_method",
      "session_stale",
      "session_not_found",
      "invalid_signature_value",
      "envelope_not_sent",
      "forbidden",
      "network",
      "field_required_missing",
      "field_value_invalid",
      "invalid_image",
      "unsupported_script",
    ];
    return { message: known.includes(e.code) ? t(`sign.errors.${e.code}`) : errorText(e, t("sign.errors.failed")) };
  }

  /** What must be put right before signing: required fields left empty, a mark or seal chosen but not given. */
  function lookErrors(): FieldError[] {
    const found: FieldError[] = missingRequired(mine, values).map((f) => ({
      field: `field-${f.name}`,
      message: t(f.kind === "checkbox" ? "sign.fields.requiredBox" : "sign.fields.required", {
        label: isolate(fieldLabel(f)),
        page: formatNumber(f.page, language),
      }),
    }));
    if (mark.kind === "drawn" && !mark.png) found.push({ field: "mark-drawn", message: t("sign.look.errors.drawn") });
    if (mark.kind === "image" && !mark.image) found.push({ field: "mark-image", message: t("sign.look.errors.image") });
    if (seal.kind === "generated" && !seal.familyName.trim())
      found.push({ field: "seal-name", message: t("sign.look.errors.familyName") });
    if (seal.kind === "image" && !seal.image) found.push({ field: "seal-image", message: t("sign.look.errors.image") });
    return found;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!confirmed) {
      setErrors([
        { field: "confirm", message: approving ? t("sign.errors.confirmApprove") : t("sign.errors.confirm") },
      ]);
      return;
    }
    if (!approving && !chosen) {
      setErrors([{ message: t("sign.errors.no_signing_certificate") }]);
      return;
    }
    const found = visible ? lookErrors() : [];
    if (found.length > 0) {
      setErrors(found);
      return;
    }
    const choices = visible ? signingBody(mine, values, mark, seal) : undefined;
    setBusy(true);
    setErrors([]);
    try {
      if (approving || chosen === "platform") {
        await signEnvelope(envelope.id, choices);
      } else {
        const prepared = await prepareSignature(envelope.id, choices);
        const value = await signWithDeviceKey(deviceKey!.keyPair.privateKey, base64ToBytes(prepared.signedAttributes));
        await completeSignature(envelope.id, prepared.sessionId, value);
      }
      await refresh();
      navigate(`/envelopes/${envelope.id}`, { state: { notice: approving ? "approved" : "signed" } });
    } catch (e) {
      setErrors([failure(e)]);
    } finally {
      setBusy(false);
    }
  }

  const title = approving ? t("sign.approveTitle") : t("sign.title");
  const confirmError = errors.find((e) => e.field === "confirm")?.message;
  return (
    <div className={visible ? "sign-visible" : "narrow-wide"}>
      <ErrorSummary errors={errors} />
      <span className="caption">
        <bdi>{envelope.title}</bdi>
      </span>
      <PageHeading title={title}>{title}</PageHeading>
      <p>
        {approving ? t("sign.approveIntro") : t("sign.intro")}{" "}
        <Link to={`/envelopes/${envelope.id}`}>{t("sign.review")}</Link>
      </p>
      <form onSubmit={submit} noValidate>
        {visible && (
          <>
            <p data-fields-intro>{t(mine.some(fillable) ? "sign.fields.intro" : "sign.fields.introSignatureOnly")}</p>
            <PdfViewer
              url={envelopeUrl(envelope.id, "/document?disposition=inline")}
              title={envelope.title}
              heading={t("sign.fields.heading")}
              key={envelope.documentSha256}
              overlay={(page) => (
                <FieldLayer
                  page={page}
                  fields={envelope.fields ?? []}
                  mine={mine}
                  values={values}
                  inPlace={inPlace}
                  input={input}
                  onScale={setViewScale}
                  signature={(f) => (
                    <SignaturePreview
                      block={block}
                      width={widthOf(f)}
                      height={heightOf(f)}
                      label={t("sign.preview.label")}
                    />
                  )}
                />
              )}
            />
            {listed.length > 0 && (
              <fieldset className="fieldset" data-field-list>
                <legend className="fieldset__legend">{t("sign.fields.listHeading")}</legend>
                {listed.map((f) => (
                  <div className="field" key={f.name}>
                    {f.kind === "checkbox" ? (
                      <div className="checkbox">
                        {input(f)}
                        <label htmlFor={`field-${f.name}`}>{fieldFullLabel(f)}</label>
                      </div>
                    ) : (
                      <>
                        <label htmlFor={`field-${f.name}`}>{fieldFullLabel(f)}</label>
                        {input(f)}
                      </>
                    )}
                  </div>
                ))}
              </fieldset>
            )}
            <SignatureLook
              name={displayName}
              familyName={familyNameOf(displayName)}
              mark={mark}
              seal={seal}
              sealOffered={sealOffered}
              errors={Object.fromEntries(errors.filter((e) => e.field).map((e) => [e.field!, e.message]))}
              onMark={setMark}
              onSeal={setSeal}
            />
            <section className="panel" aria-labelledby="preview-heading" data-block-preview>
              <h2 id="preview-heading">{t("sign.preview.heading")}</h2>
              <p className="hint">{t("sign.preview.hint")}</p>
              <div className="signature-preview__frame">
                <SignaturePreview
                  block={block}
                  width={widthOf(signatureField)}
                  height={heightOf(signatureField)}
                  label={t("sign.preview.label")}
                />
              </div>
            </section>
          </>
        )}
        {!approving && (
          <>
            {methods.length > 1 && (
              <fieldset className="fieldset">
                <legend className="fieldset__legend">{t("sign.method")}</legend>
                <RadioGroup
                  name="method"
                  options={methods}
                  value={chosen}
                  onChange={setMethod}
                  label={(m) => t(`sign.methods.${m}`)}
                  hint={(m) => t(`sign.methods.${m}Hint`)}
                />
              </fieldset>
            )}
            <section className="panel" aria-labelledby="certificate-heading" data-certificate={certificate?.serial}>
              <h2 id="certificate-heading">{t("sign.certificate")}</h2>
              {certificate ? (
                <dl className="summary-list">
                  <CertificateRows certificate={certificate}>
                    <Row term={t("sign.keyHolder")}>{t(`sign.methods.${chosen}`)}</Row>
                  </CertificateRows>
                </dl>
              ) : deviceKey === undefined ? (
                <p>{t("loading")}</p>
              ) : (
                <p>
                  {t("sign.noCertificate")} <Link to="/account/device-key">{t("sign.getDeviceKey")}</Link>
                </p>
              )}
            </section>
          </>
        )}
        {/* The error goes above the box, outside its two-column grid: inside it, the message took the narrow
            column's place and squeezed the label into one word per line (issue 10.7). */}
        <div className={`field${confirmError ? " field--error" : ""}`} data-field="confirm">
          <FieldErrorMessage id="confirm-error" message={confirmError} />
          <div className="checkbox">
            <input
              id="confirm"
              name="confirm"
              type="checkbox"
              checked={confirmed}
              onChange={(e) => setConfirmed(e.target.checked)}
              aria-invalid={confirmError ? true : undefined}
              aria-describedby={confirmError ? "confirm-error" : undefined}
            />
            <label htmlFor="confirm">
              {approving ? t("sign.confirmApprove", { name, agency }) : t("sign.confirm", { name, agency })}
            </label>
          </div>
        </div>
        <div className="button-group">
          <button
            type="submit"
            className="button"
            disabled={busy || (!approving && !certificate)}
            aria-disabled={busy}
            data-action="confirm-sign"
          >
            {approving ? t("sign.approveSubmit") : t("sign.submit")}
          </button>
          <Link to={`/envelopes/${envelope.id}`} className="button button--secondary">
            {t("sign.cancel")}
          </Link>
        </div>
        <div aria-live="polite" className="status">
          {busy && <p>{approving ? t("sign.approving") : t("sign.signing")}</p>}
        </div>
      </form>
    </div>
  );
}

const widthOf = (f: PlacedField) => normalise(f.rect)[2] - normalise(f.rect)[0];
const heightOf = (f: PlacedField) => normalise(f.rect)[3] - normalise(f.rect)[1];

/** An object URL for image bytes (a drawn or uploaded mark or seal), revoked when the bytes change. */
function useObjectUrl(bytes: Uint8Array | undefined): string | undefined {
  const url = useMemo(
    () =>
      bytes && !imageProblem(bytes)
        ? URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: imageType(bytes) }))
        : undefined,
    [bytes],
  );
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);
  return url;
}

/** One of the signer's fields as an input: text (name, title, date, initials, text) or a box. */
function FieldInput({
  field: f,
  value,
  invalid,
  label,
  placeholder,
  onValue,
  style,
}: {
  readonly field: PlacedField;
  readonly value: string | boolean | undefined;
  readonly invalid: boolean;
  readonly label: string;
  readonly placeholder?: string;
  readonly onValue: (value: string | boolean) => void;
  /** On the page: where it is drawn. */
  readonly style?: CSSProperties;
}) {
  const common = {
    id: `field-${f.name}`,
    // On the page the input has no visible label (the document around it is the label); in the list, a <label>.
    ...(style && { "aria-label": label }),
    "aria-required": f.required || undefined,
    "aria-invalid": invalid || undefined,
    "data-field": f.name,
  };
  if (f.kind === "checkbox")
    return (
      <input
        type="checkbox"
        className={style ? "signer-field signer-field--checkbox" : undefined}
        style={style}
        checked={value === true}
        onChange={(e) => onValue(e.target.checked)}
        {...common}
      />
    );
  return (
    <input
      className={style ? "signer-field signer-field--text" : undefined}
      dir="auto"
      maxLength={2000}
      style={style}
      value={String(value ?? "")}
      placeholder={placeholder}
      onChange={(e) => onValue(e.target.value)}
      {...common}
    />
  );
}

/**
 * The fields over one drawn page: the signer's own as inputs in place when drawn large enough (else an outline with
 * the value, filled in the list under the pages), their signature field with the block's preview, others' fields as
 * outlines.
 */
function FieldLayer({
  page,
  fields,
  mine,
  values,
  inPlace,
  input,
  onScale,
  signature,
}: {
  readonly page: PageView;
  readonly fields: readonly PlacedField[];
  readonly mine: readonly PlacedField[];
  readonly values: Readonly<Record<string, string | boolean>>;
  readonly inPlace: (f: PlacedField) => boolean;
  readonly input: (f: PlacedField, style: CSSProperties) => ReactNode;
  readonly onScale: (scale: number) => void;
  readonly signature: (f: PlacedField) => ReactNode;
}) {
  const scale = page.viewport.scale;
  useEffect(() => onScale(scale), [scale, onScale]);
  const own = new Set(mine.map((f) => f.name));
  return (
    <div className="signer-layer" data-signer-layer={page.number}>
      {fields
        .filter((f) => f.page === page.number)
        .map((f) => {
          const box = toViewRect(page.viewport, normalise(f.rect));
          const style = { left: box.left, top: box.top, width: box.width, height: box.height };
          if (!own.has(f.name))
            return <div key={f.name} className="signer-field signer-field--other" style={style} aria-hidden="true" />;
          if (f.kind === "signature")
            return (
              <div key={f.name} className="signer-field signer-field--signature" style={style} data-field={f.name}>
                {signature(f)}
              </div>
            );
          if (inPlace(f))
            return (
              <Fragment key={f.name}>
                {input(f, { ...style, fontSize: Math.max(12, Math.min(18, box.height * 0.6)) })}
              </Fragment>
            );
          const v = values[f.name];
          return (
            <div
              key={f.name}
              className="signer-field signer-field--listed"
              style={style}
              aria-hidden="true"
              data-listed={f.name}
            >
              {v === true ? "✓" : typeof v === "string" ? v : ""}
            </div>
          );
        })}
    </div>
  );
}
