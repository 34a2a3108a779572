/**
 * Interactive forms after signing (pyHanko `rules/form_field_rules`: SigFieldCreationRule,
 * SigFieldModificationRule, GenericFieldModificationRule; ISO 32000-2 § 12.7, § 12.8.2.2 DocMDP).
 *
 * Allowed: new signature fields (FORM_FILLING; LTA_UPDATES when the field holds a document time-stamp, ETSI EN
 * 319 142-1 § 5.4.3), filling an empty signature field, filling the value of a field that is not read-only and
 * its appearance (only together with the value, `appearance-rules.ts`), /SigFlags, /NeedAppearances, /DA, /DR.
 * Not allowed (OTHER): removing fields, adding fields of other types, changing a field that already holds a
 * signature, moving, hiding or retyping a field, an appearance changed without its value, new actions on
 * fields, and any change to a field a signature locks (§ 12.8.2.4 FieldMDP, the /Lock of a signed field).
 */
import { type PdfDict, PdfName, type PdfObject, PdfRef, PdfString } from "../../pdf/objects.js";
import type { PdfReader } from "../../pdf/reader.js";
import { type Message, message } from "../messages.js";
import type { ModificationLevel } from "../report.js";
import { APPEARANCE_KEYS, valueChanged } from "./appearance-rules.js";
import { changedKeys, howChanged, sameValue } from "./compare.js";
import { type DiffContext, inherited, isFresh, lockedField, refIn, resolveDict, safeResolve } from "./context.js";
import { isSignatureDict } from "./roles.js";

/** Widgets of signature fields created in the newer revision, with the level at which each was created. */
export type NewWidgets = Map<number, ModificationLevel>;

/** AcroForm keys that form filling and signing may change, and at which level. */
const ACROFORM_KEYS: Record<string, ModificationLevel> = {
  SigFlags: "LTA_UPDATES",
  NeedAppearances: "FORM_FILLING",
  DA: "FORM_FILLING",
  DR: "FORM_FILLING",
};

/** Field and widget keys that filling a field changes (§ 12.7.4.2 /V, § 12.5.5 /AP /AS, § 12.5.6.19 /MK). */
const FILL_KEYS = new Set(["V", "AP", "AS", "MK"]);

/**
 * Annotation flags (§ 12.5.3, Table 167) that signing or filling a field may set or clear: Print, ReadOnly, Locked,
 * LockedContents (Adobe Reader sets Locked on the widget it signs). The others hide the widget or change how it is
 * shown, and stay OTHER.
 */
const FILL_FLAGS = 4 | 64 | 128 | 512;

function onlyFillFlagsChanged(before: PdfObject | undefined, after: PdfObject | undefined): boolean {
  const a = before ?? 0;
  const b = after ?? 0;
  return typeof a === "number" && typeof b === "number" && ((a ^ b) & ~FILL_FLAGS) === 0;
}

/** Limits on fields examined (hostile forms). */
const MAX_NEW_FIELDS = 10_000;

/** Judges /AcroForm and its /Fields; returns the widgets of new signature fields for the page rules. */
export function judgeForm(ctx: DiffContext): NewWidgets {
  const { old, new: neu, findings } = ctx;
  const widgets: NewWidgets = new Map();
  const before = resolveDict(old, resolveDict(old, old.trailer.get("Root"))?.get("AcroForm"));
  const after = resolveDict(neu, resolveDict(neu, neu.trailer.get("Root"))?.get("AcroForm"));
  if (before !== undefined && after === undefined) {
    findings.add("OTHER", message("mod.acroFormRemoved"));
    return widgets;
  }
  for (const key of changedKeys(before, after)) {
    if (key === "Fields") continue;
    const level = ACROFORM_KEYS[key] ?? "OTHER";
    findings.add(level, message("mod.acroFormKey", { key, how: howChanged(before?.get(key), after?.get(key)) }));
  }
  const oldFields = asArray(old, before?.get("Fields"));
  const newFields = asArray(neu, after?.get("Fields"));
  for (const f of oldFields)
    if (!newFields.some((g) => sameValue(f, g)))
      findings.add("OTHER", message("mod.fieldRemoved", { field: fieldName(old, f) }));
  let examined = 0;
  for (const f of newFields) {
    if (oldFields.some((g) => sameValue(f, g))) continue;
    if (!isFresh(ctx, f)) {
      findings.add("OTHER", message("mod.fieldsReused", { num: (f as PdfRef).num }));
      continue;
    }
    for (const t of terminalFields(neu, f, undefined, 0)) {
      if (++examined > MAX_NEW_FIELDS) {
        findings.add("OTHER", message("mod.tooManyFields"));
        return widgets;
      }
      judgeNewField(ctx, t, widgets);
    }
  }
  return widgets;
}

interface Terminal {
  readonly obj: PdfObject;
  readonly dict: PdfDict;
  readonly name: string;
  readonly type: string | undefined;
  /** The widget annotations of the field: its kids without /T, or the field itself when merged. */
  readonly widgets: PdfObject[];
}

function* terminalFields(
  reader: PdfReader,
  obj: PdfObject,
  parentType: string | undefined,
  depth: number,
  parentName = "",
): Generator<Terminal> {
  const dict = resolveDict(reader, obj);
  if (dict === undefined || depth > 32) return;
  const t = dict.get("T");
  const name = t instanceof PdfString ? (parentName ? `${parentName}.${t.text}` : t.text) : parentName;
  const type = dict.name("FT") ?? parentType;
  const kids = asArray(reader, dict.get("Kids"));
  const fieldKids = kids.filter((k) => resolveDict(reader, k)?.has("T"));
  if (fieldKids.length > 0) {
    for (const k of fieldKids) yield* terminalFields(reader, k, type, depth + 1, name);
    return;
  }
  const widgets = kids.length > 0 ? kids : [obj];
  yield { obj, dict, name, type, widgets };
}

/** A field created after signing: only signature fields are allowed (pyHanko SigFieldCreationRule). */
function judgeNewField(ctx: DiffContext, f: Terminal, widgets: NewWidgets): void {
  const { findings } = ctx;
  const label = f.name;
  if (f.type !== "Sig") {
    findings.add("OTHER", message("mod.newField", { field: label, type: f.type ?? "?" }));
    return;
  }
  const v = f.dict.get("V");
  const sig = safeResolve(ctx.new, v);
  let level: ModificationLevel = "FORM_FILLING";
  let what = message("added.emptySignatureField");
  if (v !== undefined && sig !== null) {
    if (!isSignatureDict(sig)) {
      findings.add("OTHER", message("mod.newSignatureNotDictionary", { field: label }));
      return;
    }
    if (!isFresh(ctx, v)) {
      findings.add("OTHER", message("mod.newSignatureReused", { field: label }));
      return;
    }
    const docTs = (sig as PdfDict).name("Type") === "DocTimeStamp";
    level = docTs ? "LTA_UPDATES" : "FORM_FILLING";
    what = message(docTs ? "added.documentTimestamp" : "added.signature");
  }
  for (const w of f.widgets) {
    const wd = resolveDict(ctx.new, w);
    if (wd === undefined) continue;
    if (!isFresh(ctx, w)) {
      findings.add("OTHER", message("mod.newSignatureWidgetReused", { field: label }));
      return;
    }
    if (hasActions(ctx.new, wd)) {
      findings.add("OTHER", message("mod.newSignatureActions", { field: label }));
      return;
    }
    if (w instanceof PdfRef) widgets.set(w.num, level);
  }
  const visible = f.widgets.some((w) => isVisible(resolveDict(ctx.new, w)));
  findings.add(level, message(visible ? "mod.signatureAddedVisible" : "mod.signatureAdded", { what, field: label }));
}

/**
 * An existing field or widget rewritten (pyHanko SigFieldModificationRule, GenericFieldModificationRule): value
 * and appearance may change, except on a read-only field or a field that already holds a signature; the
 * appearance (/AP, /AS, /MK) only together with the value (`appearance-rules.ts`).
 */
export function judgeFieldOverride(ctx: DiffContext, num: number, path: Message): void {
  const { findings } = ctx;
  const before = resolveDict(ctx.old, refIn(ctx.old, num));
  const after = resolveDict(ctx.new, refIn(ctx.new, num));
  if (before === undefined || after === undefined) {
    findings.add("OTHER", message("mod.noLongerField", { path }));
    return;
  }
  const ft = inherited(ctx.old, before, "FT");
  const type = ft instanceof PdfName ? ft.name : undefined;
  const oldV = inherited(ctx.old, before, "V") ?? null;
  const signed = isSignatureDict(oldV);
  const shows = valueChanged(ctx, before, after);
  const locked = lockedField(ctx, before);
  for (const key of changedKeys(before, after)) {
    const how = howChanged(before.get(key), after.get(key));
    if (!FILL_KEYS.has(key) && !(key === "F" && onlyFillFlagsChanged(before.get(key), after.get(key)))) {
      findings.add("OTHER", message(key === "F" ? "mod.fieldFlags" : "mod.fieldKey", { path, key, how }));
      continue;
    }
    if (signed) {
      findings.add("OTHER", message("mod.signedFieldKey", { path, key, how }));
      continue;
    }
    // pyHanko refuses every update of a locked field but a signature field's signing (`valid_when_locked`).
    if (locked !== undefined && !(type === "Sig" && key === "V")) {
      findings.add("OTHER", message("mod.lockedField", { path, key, how }));
      continue;
    }
    if (APPEARANCE_KEYS.has(key) && !shows) {
      findings.add("OTHER", message("mod.fieldOverlay", { path, key, how }));
      continue;
    }
    if (type === "Sig" && key === "V") {
      const v = after.get("V");
      const sig = safeResolve(ctx.new, v);
      if (!isSignatureDict(sig) || !isFresh(ctx, v)) {
        findings.add("OTHER", message("mod.signatureValueNotNew", { path }));
        continue;
      }
      const docTs = (sig as PdfDict).name("Type") === "DocTimeStamp";
      findings.add(
        docTs ? "LTA_UPDATES" : "FORM_FILLING",
        message(docTs ? "mod.fieldTimestamped" : "mod.fieldSigned", { path }),
      );
      continue;
    }
    const flags = inherited(ctx.old, before, "Ff");
    if (key === "V" && typeof flags === "number" && (flags & 1) === 1) {
      findings.add("OTHER", message("mod.readOnlyValue", { path, how }));
      continue;
    }
    findings.add("FORM_FILLING", message("mod.fieldFilled", { path, key, how }));
  }
}

function asArray(reader: PdfReader, obj: PdfObject | undefined): PdfObject[] {
  const v = safeResolve(reader, obj);
  return Array.isArray(v) ? v : [];
}

function fieldName(reader: PdfReader, f: PdfObject): string {
  const t = resolveDict(reader, f)?.get("T");
  return t instanceof PdfString ? t.text : "?";
}

/** Actions that run code, change visibility or leave the document (§ 12.6.4); /AA always counts. */
const RISKY_ACTIONS = new Set([
  "JavaScript",
  "Launch",
  "SubmitForm",
  "ImportData",
  "ResetForm",
  "Rendition",
  "SetOCGState",
  "Hide",
  "GoToR",
  "GoToE",
  "RichMediaExecute",
]);

/** True when an annotation or field has additional actions or a risky /A action. */
export function hasActions(reader: PdfReader, d: PdfDict): boolean {
  if (d.has("AA")) return true;
  const a = d.get("A");
  if (a === undefined) return false;
  const ad = resolveDict(reader, a);
  return ad === undefined || RISKY_ACTIONS.has(ad.name("S") ?? "") || ad.has("Next");
}

/** A widget or annotation with a non-empty /Rect and an appearance: it draws on the page. */
export function isVisible(d: PdfDict | undefined): boolean {
  if (d === undefined || !d.has("AP")) return false;
  const r = d.get("Rect");
  if (!Array.isArray(r) || r.length !== 4 || !r.every((x) => typeof x === "number")) return false;
  const [x1, y1, x2, y2] = r as number[];
  return Math.abs(x2! - x1!) > 0 && Math.abs(y2! - y1!) > 0;
}
