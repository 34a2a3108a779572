/**
 * `/verify` (public): choose a PDF, check it here in the browser (nothing is uploaded), optionally ask the server
 * too, and read the result in plain words (components/verification-result.tsx).
 */
import type { ValidationReport } from "@khatam/core/browser";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorSummary, type FieldError } from "../components/error-summary.js";
import { FilePicker } from "../components/file-picker.js";
import { FormField } from "../components/form-field.js";
import { PageHeading } from "../components/page.js";
import { VerificationResult } from "../components/verification-result.js";
import {
  checkRegister,
  loadEngine,
  platformTrustAnchors,
  type RegisterCheck,
  registerCodeIn,
  validateHere,
  validateOnServer,
} from "../lib/verification.js";

interface Outcome {
  readonly fileName: string;
  readonly report: ValidationReport;
  readonly server?: ValidationReport | "failed";
  readonly register?: RegisterCheck;
}

export function VerifyPage() {
  const { t } = useTranslation();
  const fileInput = useRef<HTMLInputElement>(null);
  const [askServer, setAskServer] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [outcome, setOutcome] = useState<Outcome | undefined>();

  useEffect(() => {
    // Start loading the engine and the anchors while the reader chooses a file.
    void loadEngine().catch(() => {});
    void platformTrustAnchors().catch(() => {});
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const file = fileInput.current?.files?.[0];
    if (!file) {
      setErrors([{ field: "document", message: t("verify.errors.noFile") }]);
      return;
    }
    setBusy(true);
    setErrors([]);
    setOutcome(undefined);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const server = askServer ? validateOnServer(bytes).catch(() => "failed" as const) : undefined;
      let report: ValidationReport;
      try {
        report = await validateHere(bytes);
      } catch (e) {
        const { NotAPdfError } = await loadEngine();
        if (e instanceof NotAPdfError) {
          setErrors([{ field: "document", message: t("verify.errors.notPdf") }]);
        } else if (e instanceof Error && e.message.includes("/api/trust/anchors")) {
          setErrors([{ message: t("verify.errors.trustUnavailable") }]);
        } else {
          console.error(e);
          setErrors([{ message: t("verify.errors.failed") }]);
        }
        return;
      }
      // A document the platform carried names its register entry on page 1: compare the file with it.
      const code = registerCodeIn(bytes);
      const register = code ? await checkRegister(code, report.sha256) : undefined;
      setOutcome({ fileName: file.name, report, server: await server, register });
    } finally {
      setBusy(false);
    }
  }

  const fileError = errors.find((e) => e.field === "document")?.message;
  return (
    <>
      <ErrorSummary errors={errors} />
      <PageHeading title={t("verify.title")}>{t("verify.title")}</PageHeading>
      <p className="lead">{t("verify.intro")}</p>
      <p className="inset">{t("verify.privacy")}</p>
      <form onSubmit={submit} noValidate>
        <FormField id="document" label={t("verify.file")} hint={t("verify.fileHint")} error={fileError}>
          <FilePicker
            id="document"
            name="document"
            accept="application/pdf"
            inputRef={fileInput}
            error={fileError}
            hinted
            onChange={() => setOutcome(undefined)}
          />
        </FormField>
        <div className="field checkbox">
          <input
            id="ask-server"
            name="askServer"
            type="checkbox"
            checked={askServer}
            onChange={(e) => setAskServer(e.target.checked)}
            aria-describedby="ask-server-hint"
          />
          <label htmlFor="ask-server">{t("verify.askServer")}</label>
          <p id="ask-server-hint" className="hint">
            {t("verify.askServerHint")}
          </p>
        </div>
        <button type="submit" className="button" disabled={busy} aria-disabled={busy}>
          {t("verify.submit")}
        </button>
      </form>
      <div aria-live="polite" className="status">
        {busy && <p>{t("verify.checking")}</p>}
      </div>
      {outcome && (
        <VerificationResult
          fileName={outcome.fileName}
          report={outcome.report}
          server={outcome.server}
          register={outcome.register}
        />
      )}
    </>
  );
}
