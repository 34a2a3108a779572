/**
 * Filling a recipient's fields in their own signature revision (issue 13.2): the values (/V, and /AS for a
 * checkbox) and the regenerated widget appearances are written in the same incremental update as the signature,
 * so the signature covers exactly what the signer filled; the signature dictionary carries the FieldMDP reference
 * of the field's /Lock (ISO 32000-2 § 12.8.2.4, § 12.7.5.5), so later revisions may not change those values.
 *
 * A "date signed" field the signer leaves out is filled with the signing date: the Gregorian date and, beside it,
 * the signer's own calendar (Umm al-Qura for Arabic, the Japanese era for Japanese; `appearance/calendars.ts`).
 *
 * Refused (FieldError): a value for a field another recipient owns, a field the document does not have, a
 * signature field, a field already locked by a signature, a checkbox value that is not true/false, text for a
 * text field that is not a string, and a required field of the signer left empty (a required checkbox must be
 * checked).
 */

import { type CalendarLanguage, calendarDates } from "../appearance/calendars.js";
import { type FieldInfo, formFields } from "../pdf/acroform.js";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfString } from "../pdf/objects.js";
import type { PdfReader } from "../pdf/reader.js";
import type { IncrementalUpdate } from "../pdf/writer.js";
import { fieldMdpReference, readLock } from "./field-lock.js";
import { FieldError, OWNER_KEY } from "./field-spec.js";
import { asRect } from "./page-geometry.js";
import { fieldStates } from "./read-fields.js";
import { type AppearanceStream, textValueAppearance, writeAppearance } from "./widget-appearance.js";

/** Values by fully qualified field name: text for text fields, true/false for checkboxes. */
export type FillValues = Readonly<Record<string, string | boolean>>;

/** Longest value a text field takes (a field is a line or two, not a document). */
const MAX_TEXT = 2000;

/** What a signature revision adds for the form: FieldMDP references for its dictionary and the filled fields. */
export interface FormFill {
  /** Signature reference dictionaries (§ 12.8.1 Table 256) for the signature dictionary's /Reference. */
  readonly references: readonly PdfDict[];
  /** Writes the filled fields and their appearances into the signature's update. */
  readonly write: (update: IncrementalUpdate) => void;
}

export interface FillContext {
  /** The signer's language: the face for characters several scripts share (digits), and the date's calendar. */
  readonly locale?: CalendarLanguage;
  /** The signing time, for "date signed" fields the signer leaves out. */
  readonly signingTime: Date;
}

/**
 * Checks `values` against the fields of the signature field `fieldName`'s owner and prepares their writing.
 * With no placed signature field (no owner), only an empty or absent `values` is accepted.
 */
export function prepareFormFill(
  reader: PdfReader,
  fieldName: string | undefined,
  given: FillValues | undefined,
  context: FillContext,
): FormFill {
  const { locale } = context;
  const entries = Object.entries(given ?? {});
  const all = fieldName === undefined && entries.length === 0 ? [] : formFields(reader);
  const sigField = fieldName === undefined ? undefined : all.find((f) => f.name === fieldName);
  const owner = sigField?.dict.get(OWNER_KEY);
  if (sigField?.type !== "Sig" || !(owner instanceof PdfString)) {
    if (entries.length > 0)
      throw new FieldError(
        "bad_value",
        "values can be filled only when signing in a signature field placed for the signer",
      );
    return { references: [], write: () => {} };
  }
  const lock = readLock(reader, sigField.dict.get("Lock"));
  const states = new Map(fieldStates(reader).map((s) => [s.name, s]));
  const infos = new Map(all.map((f) => [f.name, f]));
  const writes: ((update: IncrementalUpdate) => void)[] = [];
  for (const s of states.values())
    if (
      s.recipient === owner.text &&
      s.kind === "date" &&
      !s.signed &&
      s.value === undefined &&
      !(s.name in (given ?? {}))
    )
      entries.push([s.name, signingDate(context)]);
  const values = Object.fromEntries(entries);
  for (const [name, value] of entries) {
    const state = states.get(name);
    const info = infos.get(name);
    if (!state || !info) throw new FieldError("unknown_field", `the document has no field "${name}"`);
    if (!info.ref) throw new FieldError("bad_value", `field "${name}" is not an indirect object and cannot be filled`);
    if (state.recipient !== owner.text)
      throw new FieldError("not_owner", `field "${name}" belongs to another recipient`);
    if (state.kind === "signature") throw new FieldError("bad_value", `field "${name}" is a signature field`);
    if (state.signed) throw new FieldError("signed_field", `field "${name}" is locked by a signature already made`);
    if (state.kind === "checkbox") {
      if (typeof value !== "boolean") throw new FieldError("bad_value", `field "${name}" is a checkbox: true or false`);
      writes.push((u) => writeCheckbox(reader, u, info, value));
    } else {
      if (typeof value !== "string" || value.length > MAX_TEXT)
        throw new FieldError("bad_value", `field "${name}" takes text of at most ${MAX_TEXT} characters`);
      if ([...value].some((ch) => ch.charCodeAt(0) < 0x20))
        throw new FieldError("bad_value", `field "${name}" takes one line of text`);
      // Appearances are built now, so a value no font can show fails before anything is hashed or signed.
      const appearances = widgetRects(reader, info).map(([w, h]) =>
        w > 0 && h > 0 ? textValueAppearance(value, w, h, locale) : undefined,
      );
      writes.push((u) => writeText(reader, u, info, value, appearances));
    }
  }
  for (const s of states.values()) {
    if (s.recipient !== owner.text || !s.required || s.kind === "signature") continue;
    const v = s.name in values ? values[s.name] : s.value;
    if (v === undefined || v === "" || v === false)
      throw new FieldError("required_missing", `field "${s.name}"${s.label ? ` (${s.label})` : ""} is required`);
  }
  return {
    references: lock ? [fieldMdpReference(lock)] : [],
    write: (update) => {
      for (const w of writes) w(update);
    },
  };
}

/** Width and height of each widget of a field, in `forEachWidget`'s order. */
function widgetRects(reader: PdfReader, field: FieldInfo): [number, number][] {
  const out: [number, number][] = [];
  forEachWidget(reader, undefined, field, field.dict, (widget) => {
    const r = asRect(reader, widget.get("Rect"));
    out.push(r ? [r[2] - r[0], r[3] - r[1]] : [0, 0]);
  });
  return out;
}

function writeText(
  reader: PdfReader,
  update: IncrementalUpdate,
  field: FieldInfo,
  value: string,
  appearances: readonly (AppearanceStream | undefined)[],
): void {
  const add = (obj: PdfObject) => update.add(obj);
  const d = field.dict.clone().set("V", PdfString.text(value));
  let i = 0;
  forEachWidget(reader, update, field, d, (widget) => {
    const a = appearances[i++];
    if (a) widget.set("AP", new PdfDict([["N", writeAppearance(a, add)]]));
  });
}

function writeCheckbox(reader: PdfReader, update: IncrementalUpdate, field: FieldInfo, on: boolean): void {
  const d = field.dict.clone();
  let state = "Off";
  forEachWidget(reader, update, field, d, (widget) => {
    const ap = reader.resolve(widget.get("AP"));
    const n = ap instanceof PdfDict ? reader.resolve(ap.get("N")) : null;
    // The on state is whatever name besides /Off the widget's normal appearances offer (§ 12.7.5.2.3).
    const onName = n instanceof PdfDict ? [...n.map.keys()].find((k) => k !== "Off") : undefined;
    state = on && onName ? onName : "Off";
    widget.set("AS", PdfName.of(state));
  });
  d.set("V", PdfName.of(state));
}

/**
 * Calls `change` on each widget of a field to fill: the field dictionary itself when merged (then written with
 * it), or each kid widget, rewritten on its own. Without an update, only visits.
 */
function forEachWidget(
  reader: PdfReader,
  update: IncrementalUpdate | undefined,
  field: FieldInfo,
  fieldCopy: PdfDict,
  change: (widget: PdfDict) => void,
): void {
  const kids = reader.resolve(field.dict.get("Kids"));
  if (!Array.isArray(kids) || kids.length === 0) change(fieldCopy);
  else
    for (const k of kids) {
      const kd = reader.resolve(k);
      if (!(k instanceof PdfRef) || !(kd instanceof PdfDict) || kd.has("T")) continue;
      const copy = kd.clone();
      change(copy);
      update?.set(k, copy);
    }
  if (field.ref) update?.set(field.ref, fieldCopy);
}

/** The signing date as a "date signed" field shows it: Gregorian, then the signer's own calendar if any. */
function signingDate(context: FillContext): string {
  const dates = calendarDates(context.signingTime, context.locale ?? "en", { time: false, timeZone: "UTC" });
  // Separated by a dash, not brackets: brackets in right-to-left text need mirroring the layout does not do.
  return dates.national ? `${dates.gregorian} — ${dates.national}` : dates.gregorian;
}
