/**
 * Choosing a file with our own words: the browser's file input says "Choose File" in the browser's language, not
 * the page's (issue 10). The real `<input type="file">` stays in the page (CONTRACTS § 5 names it), visually hidden
 * but focusable, so Tab reaches it and Space or Enter opens the chooser; the label beside it, styled as a button and
 * lit when the input has the focus, says "Choose a PDF file" in the reader's language; then the chosen file's name.
 */
import { type RefObject, useState } from "react";
import { useTranslation } from "react-i18next";
import { controlAria } from "./form-field.js";

export function FilePicker({
  id,
  name,
  accept,
  inputRef,
  error,
  hinted,
  onChange,
}: {
  readonly id: string;
  readonly name: string;
  readonly accept: string;
  readonly inputRef: RefObject<HTMLInputElement | null>;
  /** The field's error, if any, and whether it has a hint (see FormField): read after the field's name. */
  readonly error?: string;
  readonly hinted?: boolean;
  readonly onChange?: () => void;
}) {
  const { t } = useTranslation();
  const [fileName, setFileName] = useState<string | undefined>();
  const aria = controlAria(id, error, hinted);
  return (
    <div className="file-picker">
      <input
        id={id}
        name={name}
        type="file"
        accept={accept}
        ref={inputRef}
        className="file-picker__input visually-hidden"
        aria-describedby={[aria["aria-describedby"], `${id}-chosen`].filter(Boolean).join(" ")}
        aria-invalid={aria["aria-invalid"]}
        onChange={(event) => {
          setFileName(event.target.files?.[0]?.name);
          onChange?.();
        }}
      />
      <label htmlFor={id} className="button button--secondary file-picker__button" data-file-button={id}>
        {t("filePicker.choose")}
      </label>
      <span id={`${id}-chosen`} className="file-picker__name" data-file-chosen={fileName ? "" : undefined}>
        {fileName ? <bdi>{fileName}</bdi> : t("filePicker.none")}
      </span>
    </div>
  );
}
