/**
 * The validation report (CONTRACTS § 4) for a reader who is not an expert: the verdict first, in words; then each
 * signature — who signed (name, organisation, country as text), when (in the reader's calendars, and whether a
 * time-stamp confirms it), the evidence (time-stamp, revocation) and what changed after signing; the ETSI
 * indications and the certificate chain last, folded away under "Technical details".
 */
import type { ReportFinding, SignatureReport, ValidationReport } from "@khatam/core/browser";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { en } from "../i18n/en.js";
import { useLanguage } from "../language.js";
import { isolate } from "../lib/bidi.js";
import { nameParts } from "../lib/distinguished-name.js";
import { countryName, formatNumber } from "../lib/format-date.js";
import { localName } from "../lib/names.js";
import {
  type DirectoryOrganization,
  knownOrganization,
  organizationDirectory,
  type RegisterCheck,
} from "../lib/verification.js";
import { DateTime } from "./date-time.js";
import { FindingText } from "./finding.js";
import { MachineText } from "./machine-text.js";
import { Row } from "./summary-list.js";

export interface VerificationResultProps {
  readonly fileName: string;
  readonly report: ValidationReport;
  /** The server's report when the reader asked for it. */
  readonly server?: ValidationReport | "failed";
  /** The comparison with the register entry the document names, when it names one. */
  readonly register?: RegisterCheck;
}

export function VerificationResult({ fileName, report, server, register }: VerificationResultProps) {
  const { t } = useTranslation();
  const language = useLanguage();
  const heading = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the heading takes the focus for each new report
  useEffect(() => {
    heading.current?.focus();
  }, [report]);
  const verdict = report.verdict;
  return (
    <section className="result" aria-labelledby="result-heading">
      <h2 id="result-heading" ref={heading} tabIndex={-1}>
        {t("result.heading")}
      </h2>
      <div className={`verdict verdict--${verdict.toLowerCase()}`} data-verdict={verdict}>
        <p className="verdict__title">{t(`result.verdict.${verdict}`)}</p>
        <p className="verdict__body">
          {report.signatures.length === 0 ? t("result.noSignatures") : t(`result.explanation.${verdict}`)}
        </p>
      </div>
      <dl className="summary-list">
        <div className="summary-list__row">
          <dt>{t("result.document")}</dt>
          <dd>
            <bdi>{fileName}</bdi>
          </dd>
        </div>
      </dl>
      {register && (
        <section className="panel" aria-labelledby="register-heading" data-register-check={register.outcome}>
          <h3 id="register-heading">{t("result.register.heading")}</h3>
          <p>
            {"title" in register
              ? t(`result.register.${register.outcome}`, { title: isolate(register.title) })
              : t(`result.register.${register.outcome}`)}{" "}
            <Link to={`/register/${encodeURIComponent(register.code)}`}>
              {t("result.register.open", { code: register.code })}
            </Link>
          </p>
        </section>
      )}
      {server && (
        <section className="panel" aria-labelledby="server-heading">
          <h3 id="server-heading">{t("result.server.heading")}</h3>
          {server === "failed" ? (
            <p data-server-verdict="error">{t("verify.errors.serverFailed")}</p>
          ) : (
            <p data-server-verdict={server.verdict}>
              {server.verdict === verdict
                ? t("result.server.same")
                : t("result.server.different", { verdict: t(`result.verdict.${server.verdict}`) })}
            </p>
          )}
        </section>
      )}
      {report.signatures.length > 0 && (
        <p>{t("result.signatureCount", { count: formatNumber(report.signatures.length, language) })}</p>
      )}
      <ol className="signatures">
        {report.signatures.map((signature, index) => (
          <li key={signature.field}>
            <SignatureCard signature={signature} number={index + 1} />
          </li>
        ))}
      </ol>
      <details className="details">
        <summary>{t("signature.technical.summary")}</summary>
        <dl className="summary-list summary-list--technical">
          <Row term={t("signature.technical.sha256")}>
            <MachineText>{report.sha256}</MachineText>
          </Row>
          {report.warnings && report.warnings.length > 0 && (
            <Row term={t("signature.technical.messages")}>
              <Findings findings={report.findings} english={report.warnings} />
            </Row>
          )}
        </dl>
      </details>
    </section>
  );
}

function SignatureCard({ signature: s, number }: { readonly signature: SignatureReport; readonly number: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const headingId = `signature-${number}`;
  const signer = s.signer ? nameParts(s.signer.subject) : undefined;
  const country = s.signer?.country ?? signer?.country ?? null;
  // The certificate names the organisation in English; the platform may know its name in the reader's language.
  const [directory, setDirectory] = useState<readonly DirectoryOrganization[]>([]);
  useEffect(() => {
    let live = true;
    void organizationDirectory().then((list) => live && setDirectory(list));
    return () => {
      live = false;
    };
  }, []);
  const known = knownOrganization(directory, signer?.organization ?? undefined, country);
  const isTimestamp = s.type === "document-timestamp";
  const confirmedTime = s.timestamp?.valid ? s.timestamp.time : null;
  const time = confirmedTime ?? s.claimedSigningTime ?? s.timestamp?.time ?? null;
  const n = formatNumber(number, language);
  const reason =
    s.indication === "TOTAL_PASSED"
      ? null
      : t(
          `signature.reasons.${s.subIndication && s.subIndication in en.signature.reasons ? s.subIndication : "other"}`,
        );
  return (
    <article className={`signature signature--${s.indication.toLowerCase()}`} aria-labelledby={headingId}>
      <h3 id={headingId}>
        {isTimestamp ? t("signature.timestampHeading", { number: n }) : t("signature.heading", { number: n })}
        {" — "}
        <span className="signature__status" data-indication={s.indication}>
          {t(`signature.status.${s.indication}`)}
        </span>
      </h3>
      {reason && (
        <div className="signature__reason">
          <h4>{t("signature.why")}</h4>
          <p>{reason}</p>
        </div>
      )}
      <dl className="summary-list">
        <Row term={isTimestamp ? t("signature.timestampAuthority") : t("signature.signer")}>
          {signer ? (
            <dl className="inline-list">
              <div>
                <dt>{t("signature.name")}</dt>
                <dd>
                  <bdi>{signer.commonName ?? t("signature.unknown")}</bdi>
                </dd>
              </div>
              <div>
                <dt>{t("signature.organisation")}</dt>
                <dd>
                  <bdi data-organization={signer.organization ?? ""}>
                    {known ? localName(known.names, language) : (signer.organization ?? t("signature.unknown"))}
                  </bdi>
                </dd>
              </div>
              <div>
                <dt>{t("signature.country")}</dt>
                <dd>{country ? countryName(country, language) : t("signature.unknown")}</dd>
              </div>
            </dl>
          ) : (
            t("signature.unknown")
          )}
        </Row>
        <Row term={t("signature.time")}>
          {time ? (
            <>
              <DateTime value={time} />
              <br />
              <span className="hint">
                {confirmedTime || isTimestamp ? t("signature.timeConfirmed") : t("signature.timeClaimed")}
              </span>
            </>
          ) : (
            t("signature.noTime")
          )}
        </Row>
        <Row term={t("signature.evidence")}>
          <ul className="plain-list">
            {!isTimestamp && (
              <li>
                {s.timestamp
                  ? s.timestamp.valid
                    ? t("signature.timestamp.valid")
                    : t("signature.timestamp.invalid")
                  : t("signature.timestamp.none")}
              </li>
            )}
            <li>
              {t(`signature.revocation.${s.revocation.status}`)} (
              {t(`signature.revocationSource.${s.revocation.source}`)})
            </li>
          </ul>
        </Row>
        <Row term={t("signature.changes")}>
          <span data-modifications={s.modifications}>{t(`signature.modifications.${changesOf(s)}`)}</span>
        </Row>
      </dl>
      <details className="details">
        <summary>{t("signature.technical.summary")}</summary>
        <dl className="summary-list summary-list--technical">
          <Row term={t("signature.technical.indication")}>
            <code dir="ltr">{s.indication}</code>
          </Row>
          <Row term={t("signature.technical.subIndication")}>
            <code dir="ltr">{s.subIndication ?? t("signature.technical.none")}</code>
          </Row>
          <Row term={t("signature.technical.level")}>
            <code dir="ltr">{s.level}</code>
          </Row>
          <Row term={t("signature.technical.field")}>
            <code dir="ltr">{s.field}</code>
          </Row>
          <Row term={t("signature.technical.format")}>
            <code dir="ltr">{s.subFilter}</code>
          </Row>
          <Row term={t("signature.technical.coverage")}>
            <code dir="ltr">{s.coverage}</code>
          </Row>
          <Row term={t("signature.technical.modifications")}>
            <code dir="ltr">{s.modifications}</code>
          </Row>
          {s.signer && (
            <>
              <Row term={t("signature.technical.subject")}>
                <MachineText>{s.signer.subject}</MachineText>
              </Row>
              <Row term={t("signature.technical.issuer")}>
                <MachineText>{s.signer.issuer}</MachineText>
              </Row>
              <Row term={t("signature.technical.serial")}>
                <MachineText>{s.signer.serial}</MachineText>
              </Row>
            </>
          )}
          <Row term={t("signature.technical.claimedTime")}>
            <code dir="ltr">{s.claimedSigningTime ?? t("signature.technical.none")}</code>
          </Row>
          {s.timestamp && (
            <Row term={t("signature.technical.timestampTime")}>
              <code dir="ltr">{s.timestamp.time}</code> — <MachineText>{s.timestamp.tsa}</MachineText>
            </Row>
          )}
          <Row term={t("signature.technical.revocationSource")}>
            <code dir="ltr">
              {s.revocation.status} / {s.revocation.source}
            </code>
          </Row>
          <Row term={t("signature.technical.chain")}>
            {s.chain.length === 0 ? (
              t("signature.technical.none")
            ) : (
              <ol className="chain">
                {s.chain.map((c) => (
                  <li key={c.subject}>
                    <MachineText>{c.subject}</MachineText>
                    {c.trusted && <> ({t("signature.technical.trustAnchor")})</>}
                  </li>
                ))}
              </ol>
            )}
          </Row>
          {(s.errors.length > 0 || (s.warnings?.length ?? 0) > 0) && (
            <Row term={t("signature.technical.messages")}>
              <Findings findings={s.findings} english={[...s.errors, ...(s.warnings ?? [])]} />
            </Row>
          )}
        </dl>
      </details>
    </article>
  );
}

/**
 * The validator's findings in the reader's language. A report without them (from an older server) still has its
 * English sentences, shown as English.
 */
function Findings({
  findings,
  english,
}: {
  readonly findings: readonly ReportFinding[] | undefined;
  readonly english: readonly string[];
}) {
  if (!findings || findings.length === 0)
    return (
      <ul lang="en" dir="ltr">
        {english.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    );
  return (
    <ul className="findings">
      {findings.map((f) => (
        <li key={JSON.stringify(f)} data-finding={f.id} data-level={f.level}>
          <FindingText message={f} />
        </li>
      ))}
    </ul>
  );
}

/**
 * What the "changes after signing" row says. Modification analysis looks at later revisions; when the signed bytes
 * themselves no longer match the signature (HASH_FAILURE, SIG_CRYPTO_FAILURE) the document was altered all the
 * same, and a malformed signature (FORMAT_FAILURE) tells nothing either way: "none — exactly as signed" would be false.
 */
function changesOf(s: SignatureReport): SignatureReport["modifications"] | "altered" | "unknown" {
  if (s.subIndication === "HASH_FAILURE" || s.subIndication === "SIG_CRYPTO_FAILURE") return "altered";
  if (s.subIndication === "FORMAT_FAILURE" && s.modifications === "NONE") return "unknown";
  return s.modifications;
}
