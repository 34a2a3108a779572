/**
 * A section that offers one next step: its heading (which names the section), a sentence, and a link styled as a
 * button to where the step is taken — on the home page (verify, sign in) and under a register entry (verify).
 * Its words are the messages `{messages}Heading`, `{messages}Body` and `{messages}Action`, e.g. `home.verifyHeading`.
 */
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";

export function CallToAction({
  id,
  messages,
  action = `${messages}Action`,
  to,
  secondary = false,
}: {
  /** The heading's id, which labels the section. */
  readonly id: string;
  /** The prefix of the section's message ids. */
  readonly messages: string;
  /** The link's message id, when another section's is reused. */
  readonly action?: string;
  readonly to: string;
  /** A secondary button, for a step after the page's main one. */
  readonly secondary?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{t(`${messages}Heading`)}</h2>
      <p>{t(`${messages}Body`)}</p>
      <p>
        <Link to={to} className={secondary ? "button button--secondary" : "button"}>
          {t(action)}
        </Link>
      </p>
    </section>
  );
}
