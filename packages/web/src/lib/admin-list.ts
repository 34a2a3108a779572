/**
 * What an administration page of a list needs (webhooks, partner instances): the list, loaded when the page opens
 * and again after each change; the error summary's messages; whether a change is under way; and the notice of the
 * last one that succeeded. A change's failure is said in the reader's language (the API's refusal by its code).
 */
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "../components/error-summary.js";
import { apiJson } from "./api.js";
import { useApiErrorText } from "./api-error-text.js";

export function useAdminList<T>(path: string) {
  const { t } = useTranslation();
  const errorText = useApiErrorText();
  const [list, setList] = useState<T[] | undefined>();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const failed = useCallback(
    (e: unknown, field?: string) => setErrors([{ field, message: errorText(e, t("admin.failed")) }]),
    [errorText, t],
  );
  const reload = useCallback(async () => {
    try {
      setList(await apiJson<T[]>(path));
    } catch (e) {
      failed(e);
    }
  }, [path, failed]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once; `reload` changes with the language only
  useEffect(() => {
    void reload();
  }, []);

  /**
   * Runs a change: busy meanwhile; on success the notice `notice` and the list again; on failure its message in the
   * summary (beside the field `field` when given). The list is loaded again either way when `reloadAlways` is set
   * (a refresh that failed may still have recorded its error on the row).
   */
  async function change(
    action: () => Promise<void>,
    options: { readonly notice: string; readonly field?: string; readonly reloadAlways?: boolean },
  ): Promise<void> {
    setBusy(true);
    let ok = false;
    try {
      await action();
      ok = true;
      setNotice(options.notice);
    } catch (e) {
      failed(e, options.field);
    } finally {
      setBusy(false);
    }
    if (ok || options.reloadAlways) await reload();
  }

  return { list, errors, setErrors, busy, notice, change };
}
