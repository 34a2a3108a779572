/**
 * `/envelopes/:id/sign`: the confirmation step of the ceremony. The reader has reviewed the document on the envelope
 * page; here they see the certificate that will sign (from GET /api/me), choose where the key is when they have
 * both (the platform's key store, or this browser: lib/device-key.ts), tick "I have read the document and I sign it
 * as <name>, <agency>", and sign. Platform key: POST /sign. Device key: POST /sign/prepare, the signed attributes
 * signed here with the IndexedDB key (ECDSA P-256, SHA-256), POST /sign/complete. Approvers approve (POST /sign).
 */
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { CertificateRows } from "../components/certificate-rows.js";
import { ErrorSummary, type FieldError, FieldErrorMessage } from "../components/error-summary.js";
import { PageHeading } from "../components/page.js";
import { Row } from "../components/summary-list.js";
import { useLanguage } from "../language.js";
import { ApiError, type Certificate, type Me } from "../lib/api.js";
import { useApiErrorText } from "../lib/api-error-text.js";
import { isolate } from "../lib/bidi.js";
import { base64ToBytes, loadDeviceKey, type StoredDeviceKey, signWithDeviceKey } from "../lib/device-key.js";
import { completeSignature, type Envelope, prepareSignature, signEnvelope } from "../lib/envelopes.js";
import { localName } from "../lib/names.js";
import { useSession } from "../session.js";
import { EnvelopeLoader, myTurn } from "./envelope.js";

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

  if (!turn) {
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
    ];
    return { message: known.includes(e.code) ? t(`sign.errors.${e.code}`) : errorText(e, t("sign.errors.failed")) };
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
    setBusy(true);
    setErrors([]);
    try {
      if (approving || chosen === "platform") {
        await signEnvelope(envelope.id);
      } else {
        const prepared = await prepareSignature(envelope.id);
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
    <div className="narrow-wide">
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
        {!approving && (
          <>
            {methods.length > 1 && (
              <fieldset className="fieldset">
                <legend className="fieldset__legend">{t("sign.method")}</legend>
                <div className="radios">
                  {methods.map((m) => (
                    <div className="radio" key={m}>
                      <input
                        type="radio"
                        id={`method-${m}`}
                        name="method"
                        value={m}
                        checked={chosen === m}
                        onChange={() => setMethod(m)}
                        aria-describedby={`method-${m}-hint`}
                      />
                      <label htmlFor={`method-${m}`}>{t(`sign.methods.${m}`)}</label>
                      <p className="hint" id={`method-${m}-hint`}>
                        {t(`sign.methods.${m}Hint`)}
                      </p>
                    </div>
                  ))}
                </div>
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
