/**
 * Pages and their annotations (ISO 32000-2 § 7.7.3, § 12.5).
 *
 * The page list must stay the same objects in the same order, and each page dictionary may change only in
 * /Annots. Added widgets must belong to new signature fields (form rules); other added, changed or removed
 * annotations are ANNOTATIONS when they are markup annotations (§ 12.5.6.2) without risky actions, which DocMDP
 * P=3 permits and P=2 does not. A markup annotation may still draw over the content it sits on — the "evil
 * annotation attack" of Rohlmann et al. (IEEE S&P 2021) — so reasons say when one carries its own appearance.
 */
import { type PdfDict, type PdfObject, PdfRef } from "../../pdf/objects.js";
import type { PdfReader } from "../../pdf/reader.js";
import { detailOf, type Message, message } from "../messages.js";
import { changedKeys, howChanged, sameValue } from "./compare.js";
import { type DiffContext, isFresh, resolveDict, rolesOf, safeResolve } from "./context.js";
import { hasActions, isVisible, type NewWidgets } from "./form-field-rules.js";

/** Markup annotations (§ 12.5.6.2 Table 171) and Popup: what "annotations" means in DocMDP P=3. */
const MARKUP = new Set([
  "Text",
  "FreeText",
  "Line",
  "Square",
  "Circle",
  "Polygon",
  "PolyLine",
  "Highlight",
  "Underline",
  "Squiggly",
  "StrikeOut",
  "Caret",
  "Stamp",
  "Ink",
  "Popup",
  "FileAttachment",
  "Sound",
]);

/**
 * Page keys that producers add together with a signature widget on a tagged page (iText 7, Acrobat): the page's
 * key into the /ParentTree (§ 14.7.5.4) and the annotation tab order (§ 12.5, Table 31). Only adding them with a
 * new signature widget is FORM_FILLING; changing or removing them stays OTHER.
 */
const TAGGING_KEYS = new Map([
  ["StructParents", message("page.structParents")],
  ["Tabs", message("page.tabs")],
]);

/** True when the page's /Annots gained a widget of a new signature field. */
function gainsWidget(ctx: DiffContext, b: PdfDict, a: PdfDict, newWidgets: NewWidgets): boolean {
  const before = list(ctx.old, b.get("Annots"));
  return list(ctx.new, a.get("Annots")).some(
    (y) => y instanceof PdfRef && newWidgets.has(y.num) && !before.some((x) => sameValue(x, y)),
  );
}

/** Annotations examined per page (hostile /Annots arrays). */
const MAX_ANNOTS = 10_000;

export function judgePages(ctx: DiffContext, newWidgets: NewWidgets): void {
  const { old, new: neu, findings } = ctx;
  let before: PdfRef[];
  let after: PdfRef[];
  try {
    before = old.pages();
  } catch {
    before = [];
  }
  try {
    after = neu.pages();
  } catch (e) {
    findings.add("OTHER", message("mod.pageTreeBroken", { detail: detailOf(e) }));
    return;
  }
  if (before.length !== after.length)
    findings.add("OTHER", message("mod.pageCount", { before: before.length, after: after.length }));
  const n = Math.min(before.length, after.length);
  for (let i = 0; i < n; i++) {
    const page = i + 1;
    if (!before[i]!.equals(after[i]!)) {
      findings.add("OTHER", message("mod.pageReplaced", { page, num: after[i]!.num }));
      continue;
    }
    const b = resolveDict(old, before[i]);
    const a = resolveDict(neu, after[i]);
    if (b === undefined || a === undefined) {
      findings.add("OTHER", message("mod.pageUnreadable", { page }));
      continue;
    }
    const keys = changedKeys(b, a);
    for (const key of keys) {
      if (key === "Annots") judgeAnnots(ctx, page, b.get(key), a.get(key), newWidgets);
      else if (TAGGING_KEYS.has(key) && !b.has(key) && keys.includes("Annots") && gainsWidget(ctx, b, a, newWidgets))
        findings.add("FORM_FILLING", message("mod.pageKeyWithWidget", { page, key, why: TAGGING_KEYS.get(key)! }));
      else findings.add("OTHER", message("mod.pageKey", { page, key, how: howChanged(b.get(key), a.get(key)) }));
    }
    // An indirect /Annots array rewritten in place changes the page without changing its dictionary.
    const ref = a.get("Annots");
    if (ref instanceof PdfRef && sameValue(ref, b.get("Annots"))) judgeAnnots(ctx, page, ref, ref, newWidgets);
  }
}

function judgeAnnots(
  ctx: DiffContext,
  page: number,
  was: PdfObject | undefined,
  now: PdfObject | undefined,
  newWidgets: NewWidgets,
): void {
  const { findings } = ctx;
  const before = list(ctx.old, was);
  const after = list(ctx.new, now);
  if (after.length > MAX_ANNOTS) {
    findings.add("OTHER", message("mod.tooManyAnnotations", { page, max: MAX_ANNOTS }));
    return;
  }
  for (const x of before) {
    if (after.some((y) => sameValue(x, y))) continue;
    const d = resolveDict(ctx.old, x);
    const subtype = d?.name("Subtype") ?? "?";
    if (subtype === "Widget" || !MARKUP.has(subtype))
      findings.add("OTHER", message("mod.annotationRemoved", { page, subtype }));
    else findings.add("ANNOTATIONS", message("mod.annotationRemoved", { page, subtype }));
  }
  for (const y of after) {
    if (before.some((x) => sameValue(x, y))) continue;
    const d = resolveDict(ctx.new, y);
    const subtype = d?.name("Subtype") ?? "?";
    if (d === undefined) {
      findings.add("OTHER", message("mod.annotationUnreadable", { page }));
      continue;
    }
    if (subtype === "Widget") {
      const level = y instanceof PdfRef ? newWidgets.get(y.num) : undefined;
      if (level !== undefined) continue; // reported with its signature field
      findings.add("OTHER", message("mod.strayWidget", { page }));
      continue;
    }
    if (!isFresh(ctx, y)) {
      const where = rolesOf(ctx, y)?.values().next().value;
      findings.add(
        "OTHER",
        where ? message("mod.annotationReused", { page, where }) : message("mod.annotationReusedElsewhere", { page }),
      );
      continue;
    }
    judgeNewAnnotation(ctx, page, d, subtype);
  }
}

/** A new annotation: ANNOTATIONS for markup without risky actions, else OTHER. */
function judgeNewAnnotation(ctx: DiffContext, page: number, d: PdfDict, subtype: string): void {
  if (!MARKUP.has(subtype)) {
    ctx.findings.add("OTHER", message("mod.annotationNotMarkup", { page, subtype }));
    return;
  }
  if (hasActions(ctx.new, d)) {
    ctx.findings.add("OTHER", message("mod.annotationActions", { page, subtype }));
    return;
  }
  ctx.findings.add(
    "ANNOTATIONS",
    isVisible(d)
      ? message("mod.annotationAddedVisible", { page, subtype, rect: rectText(d) })
      : message("mod.annotationAdded", { page, subtype }),
  );
}

/** An existing markup annotation (or what only it uses) rewritten. */
export function judgeAnnotationOverride(ctx: DiffContext, num: number, path: Message, part: boolean): void {
  if (part) {
    ctx.findings.add("ANNOTATIONS", message("mod.annotationPartRewritten", { path }));
    return;
  }
  const before = resolveDict(ctx.old, new PdfRef(num, 0));
  const after = resolveDict(ctx.new, new PdfRef(num, 0));
  const subtype = after?.name("Subtype") ?? "?";
  if (
    after === undefined ||
    before?.name("Subtype") !== subtype ||
    !MARKUP.has(subtype) ||
    (hasActions(ctx.new, after) && !sameValue(before?.get("A"), after.get("A")))
  ) {
    ctx.findings.add("OTHER", message("mod.annotationRewrittenRisky", { path, subtype }));
    return;
  }
  const keys = changedKeys(before, after).map((k) => `/${k}`);
  ctx.findings.add(
    "ANNOTATIONS",
    keys.length
      ? message("mod.annotationChanged", { path, subtype, keys: keys.join(", ") })
      : message("mod.annotationPartRewritten", { path }),
  );
}

function list(reader: PdfReader, obj: PdfObject | undefined): PdfObject[] {
  const v = safeResolve(reader, obj);
  return Array.isArray(v) ? v : [];
}

function rectText(d: PdfDict): string {
  const r = d.get("Rect") as number[];
  return `[${r.map((x) => Math.round(x)).join(" ")}]`;
}
