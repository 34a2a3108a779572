/**
 * One field of a form: its label, hint and error message around the control, in that order, tied to the control by
 * ids made from the control's (`{id}-hint`, `{id}-error`); `controlAria` gives the control the matching
 * `aria-invalid` and `aria-describedby`, so that a screen reader says the hint and the error with the control.
 */
import type { ReactNode } from "react";
import { FieldErrorMessage } from "./error-summary.js";

export function FormField({
  id,
  label,
  hint,
  error,
  className,
  children,
}: {
  /** The control's id. */
  readonly id: string;
  readonly label: string;
  readonly hint?: string;
  readonly error?: string;
  /** A further class for the field's box, e.g. `inline-form` when the control's button sits beside it. */
  readonly className?: string;
  /** The control, given `controlAria(id, error, hint !== undefined)`. */
  readonly children: ReactNode;
}) {
  return (
    <div className={["field", className, error && "field--error"].filter(Boolean).join(" ")}>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <FieldErrorMessage id={`${id}-error`} message={error} />
      {children}
    </div>
  );
}

/** The ARIA attributes of a field's control: invalid while it has an error, described by its hint and its error. */
export function controlAria(id: string, error: string | undefined, hinted = false) {
  return {
    "aria-invalid": error ? true : undefined,
    "aria-describedby": [hinted ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined,
  } as const;
}
