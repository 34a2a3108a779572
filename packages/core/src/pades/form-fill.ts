/**
 * The signer's own fields for this signature (issue 13.2), loaded only when the signature goes into a named field or
 * values are given: filling draws text with fontkit, whose loading (~180 ms) an invisible signature — bulk signing
 * from the command line, the server's start — should not pay.
 */
import type { FillValues, FormFill, prepareFormFill } from "../forms/fill.js";
import type { PdfReader } from "../pdf/reader.js";

const NOTHING_TO_FILL: FormFill = { references: [], write: () => {} };

export async function formFillFor(
  reader: PdfReader,
  fieldName: string | undefined,
  fill: FillValues | undefined,
  context: Parameters<typeof prepareFormFill>[3],
): Promise<FormFill> {
  if (fieldName === undefined && (fill === undefined || Object.keys(fill).length === 0)) return NOTHING_TO_FILL;
  const forms = await import("../forms/fill.js");
  return forms.prepareFormFill(reader, fieldName, fill, context);
}
