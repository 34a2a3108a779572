/**
 * The logical structure tree (ISO 32000-2 § 14.7) after signing.
 *
 * Producers signing a tagged PDF (Adobe Acrobat, iText 7) tag the new signature widget: a structure element of
 * type /Form (or /Annot) whose /K is an object reference (/OBJR, § 14.7.5.3) to the widget, added to the /K of
 * the root or of an existing element, the widget's /StructParent entered in the /ParentTree number tree and
 * /ParentTreeNextKey incremented. When the tree was empty, iText also adds a /Document element to hold it.
 *
 * Only that is FORM_FILLING here: new elements that carry nothing but references to the revision's new
 * signature widgets (or only such elements), /K arrays that keep every old kid in order and gain such
 * elements, /ParentTree entries added (never changed or removed) that name such elements, and a growing
 * /ParentTreeNextKey. Anything else in the structure tree — a changed /Alt or /ActualText, marked content
 * re-tagged, elements removed or reordered, /ParentTree entries rewritten, /RoleMap changed — stays OTHER.
 */
import { PdfDict, PdfName, type PdfObject, PdfRef } from "../../pdf/objects.js";
import { type Message, message } from "../messages.js";
import { changedKeys, howChanged, sameValue } from "./compare.js";
import { type DiffContext, isFresh, resolveDict, safeResolve } from "./context.js";
import type { NewWidgets } from "./form-field-rules.js";

/** Keys a new structure element tagging a widget may carry (§ 14.7.2 Table 355): no /Alt, /ActualText, /A … */
const ELEM_KEYS = new Set(["Type", "S", "P", "K", "Pg"]);
const OBJR_KEYS = new Set(["Type", "Obj", "Pg"]);
/** Structure types that tag a widget (§ 14.8.4.7.3 /Form; /Annot in PDF 2.0). */
const WIDGET_TYPES = new Set(["Form", "Annot"]);
const MAX_DEPTH = 8;
const MAX_ITEMS = 10_000;

/** Compares the structure tree roots of both revisions; called once per revision pair. */
export function judgeStructTree(ctx: DiffContext, widgets: NewWidgets): void {
  const { old, new: neu, findings } = ctx;
  const oldRef = resolveDict(old, old.trailer.get("Root"))?.get("StructTreeRoot");
  const newRef = resolveDict(neu, neu.trailer.get("Root"))?.get("StructTreeRoot");
  if (oldRef === undefined && newRef === undefined) return;
  const before = resolveDict(old, oldRef);
  const after = resolveDict(neu, newRef);
  if (sameValue(oldRef, newRef) && sameValue(before, after)) return;
  if (after === undefined) {
    findings.add("OTHER", message("mod.structTreeRoot", { how: howChanged(oldRef, newRef) }));
    return;
  }
  if (!sameValue(oldRef, newRef) && newRef instanceof PdfRef && !isFresh(ctx, newRef)) {
    findings.add("OTHER", message("mod.catalogKeyReused", { key: "StructTreeRoot", num: newRef.num }));
    return;
  }
  const problems: Message[] = [];
  for (const key of changedKeys(before, after)) {
    const was = before?.get(key);
    const now = after.get(key);
    if (key === "K") kidsGained(ctx, was, now, widgets, problems, message("struct.root"));
    else if (key === "ParentTree") parentTreeGained(ctx, was, now, widgets, problems);
    else if (key === "ParentTreeNextKey") {
      const a = safeResolve(old, was) ?? 0;
      const b = safeResolve(neu, now);
      if (typeof a !== "number" || typeof b !== "number" || b < a) problems.push(message("struct.nextKeyBack"));
    } else if ((key === "RoleMap" || key === "ClassMap") && was === undefined && isEmptyDict(ctx, now)) continue;
    else problems.push(message("struct.key", { key, how: howChanged(was, now) }));
  }
  // An indirect /ParentTree rewritten in place changes the root without changing its dictionary.
  const pt = after.get("ParentTree");
  if (pt instanceof PdfRef && sameValue(pt, before?.get("ParentTree")))
    parentTreeGained(ctx, pt, pt, widgets, problems);
  if (problems.length > 0) findings.add("OTHER", message("mod.structureChanged", { problems }));
  else findings.add(widgetLevel(widgets), message("mod.structureTagsWidget"));
}

/**
 * An object of the structure tree rewritten in place (role "structure"): the root and its /ParentTree are judged
 * by `judgeStructTree`; a structure element may only gain widget-tagging kids.
 */
export function judgeStructureOverride(ctx: DiffContext, num: number, path: Message, widgets: NewWidgets): void {
  const root = resolveDict(ctx.old, ctx.old.trailer.get("Root"))?.get("StructTreeRoot");
  const rootDict = resolveDict(ctx.old, root);
  const pt = rootDict?.get("ParentTree");
  if ((root instanceof PdfRef && root.num === num) || (pt instanceof PdfRef && pt.num === num)) return;
  const before = resolveDict(ctx.old, refOf(ctx.old, num));
  const after = resolveDict(ctx.new, refOf(ctx.new, num));
  const problems: Message[] = [];
  if (before === undefined || after === undefined || (before.name("Type") !== "StructElem" && !before.has("S")))
    problems.push(message("struct.rewritten"));
  else
    for (const key of changedKeys(before, after)) {
      if (key === "K") kidsGained(ctx, before.get(key), after.get(key), widgets, problems, message("struct.element"));
      else problems.push(message("struct.key", { key, how: howChanged(before.get(key), after.get(key)) }));
    }
  if (problems.length > 0) ctx.findings.add("OTHER", message("mod.structureObjectChanged", { path, num, problems }));
  else ctx.findings.add(widgetLevel(widgets), message("mod.structureObjectTagsWidget", { path, num }));
}

function refOf(reader: DiffContext["old"], num: number): PdfRef {
  const e = reader.entry(num);
  return new PdfRef(num, e?.type === 1 ? e.gen : 0);
}

function widgetLevel(widgets: NewWidgets): "FORM_FILLING" | "LTA_UPDATES" {
  return [...widgets.values()].every((l) => l === "LTA_UPDATES") && widgets.size > 0 ? "LTA_UPDATES" : "FORM_FILLING";
}

function asList(ctx: DiffContext, reader: "old" | "new", obj: PdfObject | undefined): PdfObject[] {
  if (obj === undefined) return [];
  const v = safeResolve(ctx[reader], obj);
  if (Array.isArray(v)) return v;
  return v === null ? [] : [obj];
}

/** Old kids kept in order, extra kids new widget-tagging elements. */
function kidsGained(
  ctx: DiffContext,
  was: PdfObject | undefined,
  now: PdfObject | undefined,
  widgets: NewWidgets,
  problems: Message[],
  what: Message,
): void {
  const a = asList(ctx, "old", was);
  const b = asList(ctx, "new", now);
  if (b.length > MAX_ITEMS) {
    problems.push(message("struct.tooManyKids", { what }));
    return;
  }
  let i = 0;
  for (const k of b) {
    if (i < a.length && sameValue(a[i], k)) {
      i++;
      continue;
    }
    if (!widgetElement(ctx, k, widgets, 0)) {
      problems.push(message("struct.foreignKid", { what }));
      return;
    }
  }
  if (i < a.length) problems.push(message("struct.kidsReordered", { what }));
}

/** A fresh structure element carrying only references to new signature widgets, directly or through kids. */
function widgetElement(ctx: DiffContext, obj: PdfObject, widgets: NewWidgets, depth: number): boolean {
  if (!(obj instanceof PdfRef) || !isFresh(ctx, obj) || depth > MAX_DEPTH) return false;
  const d = resolveDict(ctx.new, obj);
  if (d === undefined || [...d.map.keys()].some((k) => !ELEM_KEYS.has(k))) return false;
  if (d.has("Type") && d.name("Type") !== "StructElem") return false;
  const s = d.get("S");
  if (!(s instanceof PdfName)) return false;
  const kids = asList(ctx, "new", d.get("K"));
  if (kids.length === 0 || kids.length > 64) return false;
  return kids.every((k) => {
    const kd = resolveDict(ctx.new, k);
    if (kd?.name("Type") === "OBJR") {
      const target = kd.get("Obj");
      return (
        WIDGET_TYPES.has(s.name) &&
        [...kd.map.keys()].every((x) => OBJR_KEYS.has(x)) &&
        target instanceof PdfRef &&
        widgets.has(target.num)
      );
    }
    return widgetElement(ctx, k, widgets, depth + 1);
  });
}

/** /ParentTree (§ 14.7.5.4, a number tree): entries only added, each naming a new widget-tagging element. */
function parentTreeGained(
  ctx: DiffContext,
  was: PdfObject | undefined,
  now: PdfObject | undefined,
  widgets: NewWidgets,
  problems: Message[],
): void {
  const a = resolveDict(ctx.old, was);
  const b = resolveDict(ctx.new, now);
  if (b === undefined) {
    problems.push(message("struct.parentTreeRemoved"));
    return;
  }
  if (now instanceof PdfRef && !sameValue(was, now) && !isFresh(ctx, now)) {
    problems.push(message("struct.parentTreeReused"));
    return;
  }
  for (const key of changedKeys(a, b))
    if (key !== "Nums") {
      problems.push(message("struct.parentTreeKey", { key, how: howChanged(a?.get(key), b.get(key)) }));
      return;
    }
  const oldNums = asList(ctx, "old", a?.get("Nums"));
  const newNums = asList(ctx, "new", b.get("Nums"));
  if (newNums.length > 2 * MAX_ITEMS || newNums.length % 2 !== 0) {
    problems.push(message("struct.parentTreeMalformed"));
    return;
  }
  const oldMap = new Map<number, PdfObject>();
  for (let i = 0; i + 1 < oldNums.length; i += 2)
    if (typeof oldNums[i] === "number") oldMap.set(oldNums[i] as number, oldNums[i + 1]!);
  const seen = new Set<number>();
  for (let i = 0; i < newNums.length; i += 2) {
    const key = newNums[i];
    const value = newNums[i + 1]!;
    if (typeof key !== "number") {
      problems.push(message("struct.parentTreeMalformed"));
      return;
    }
    seen.add(key);
    const old = oldMap.get(key);
    if (old !== undefined) {
      if (!sameValue(old, value)) problems.push(message("struct.parentTreeEntryChanged", { key }));
    } else if (!widgetElement(ctx, value, widgets, 0)) problems.push(message("struct.parentTreeEntryForeign", { key }));
  }
  for (const k of oldMap.keys()) if (!seen.has(k)) problems.push(message("struct.parentTreeEntryRemoved", { key: k }));
}

function isEmptyDict(ctx: DiffContext, obj: PdfObject | undefined): boolean {
  const v = safeResolve(ctx.new, obj);
  return v instanceof PdfDict && v.map.size === 0;
}
