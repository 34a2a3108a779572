/**
 * Objects of the older revision that the newer one rewrites or frees (pyHanko `StandardDiffPolicy.apply`: every
 * overwritten object must be explained, identical copies are ignored, freeing a used object is refused).
 *
 * Each rewritten object is judged by every role it played in the older revision, and the strictest verdict wins:
 * a rewritten font, image or content stream is the shadow attack's "replace" (Mainka et al., NDSS 2021) and OTHER;
 * a rewritten signature dictionary is OTHER; a rewritten DSS stream is LTA_UPDATES; a rewritten appearance or field
 * value is form filling only when that field alone uses it and, for an appearance, its value changed with it.
 */
import type { XrefSection } from "../../pdf/xref.js";
import { detailOf, type Message, message, renderMessage } from "../messages.js";
import { judgeFieldPartRewrite } from "./appearance-rules.js";
import { sameValue } from "./compare.js";
import type { DiffContext, safeResolve } from "./context.js";
import { judgeFieldOverride, type NewWidgets } from "./form-field-rules.js";
import { judgeAnnotationOverride } from "./page-rules.js";
import type { Role } from "./roles.js";
import { judgeStructureOverride } from "./structure-rules.js";

/** Rewritten objects judged per revision; beyond this the revision is OTHER (a hostile number of updates). */
export const MAX_CHANGED_OBJECTS = 100_000;

/** Roles whose changes the structural rules (catalog, form, pages) already judged by comparing values. */
const STRUCTURAL = new Set<Role>(["catalog", "pagetree", "page", "annots", "acroform", "fields"]);

export function judgeOverrides(
  ctx: DiffContext,
  newSections: readonly XrefSection[],
  widgets: NewWidgets = new Map(),
): void {
  const { old, new: neu, findings, oldRoles } = ctx;
  const changed = new Set<number>();
  for (const s of newSections) for (const n of s.entries.keys()) changed.add(n);
  if (changed.size > MAX_CHANGED_OBJECTS) {
    findings.add("OTHER", message("mod.tooManyObjects", { max: MAX_CHANGED_OBJECTS }));
    return;
  }
  for (const num of [...changed].sort((a, b) => a - b)) {
    const roles = oldRoles.roles.get(num);
    const existed = old.entry(num) !== undefined && old.entry(num)!.type !== 0;
    if (roles === undefined) {
      if (existed && oldRoles.truncated) findings.add("OTHER", message("mod.objectRewrittenUnknown", { num }));
      continue; // new, or unused before: judged through whatever refers to it
    }
    const entry = neu.entry(num);
    const path = roles.values().next().value as Message;
    if (entry === undefined || entry.type === 0) {
      findings.add("OTHER", message("mod.objectDeleted", { num, path }));
      continue;
    }
    let before: ReturnType<typeof safeResolve>;
    let after: ReturnType<typeof safeResolve>;
    try {
      before = old.getObject(num);
      after = neu.getObject(num);
    } catch (e) {
      findings.add("OTHER", message("mod.objectUnreadable", { num, path, detail: detailOf(e) }));
      continue;
    }
    if (!existed) {
      // Referenced but undefined (null) when signed, defined now: it appears where the signed revision had nothing.
      if (after !== null) findings.add("OTHER", message("mod.objectDefinedLater", { num, path }));
      continue;
    }
    if (sameValue(before, after)) continue; // an identical copy (pyHanko ignore_identical_objects)
    for (const [role, where] of roles) judgeRole(ctx, num, role, where, widgets);
  }
}

function judgeRole(ctx: DiffContext, num: number, role: Role, path: Message, widgets: NewWidgets): void {
  const { findings } = ctx;
  if (STRUCTURAL.has(role)) {
    if (role === "pagetree") findings.add("OTHER", message("mod.objectChanged", { path, num }));
    return;
  }
  switch (role) {
    case "info":
    case "metadata":
      findings.add("LTA_UPDATES", message("mod.updated", { path }));
      return;
    case "dss":
    case "extensions": // developer extensions (ISO 32000-2 § 7.12; ETSI EN 319 142-1 § 5.6: ESIC), as for the key
      findings.add("LTA_UPDATES", message("mod.objectUpdated", { path, num }));
      return;
    case "field":
      judgeFieldOverride(ctx, num, path);
      return;
    case "fieldvalue":
    case "appearance":
    case "signed-appearance":
      judgeFieldPartRewrite(ctx, num, role, path);
      return;
    case "annotation":
    case "annotation-part":
      judgeAnnotationOverride(ctx, num, path, role === "annotation-part");
      return;
    case "sigdict":
      findings.add(
        "OTHER",
        message("mod.signatureDictionaryRewritten", { path: path.id === "loc.signature" ? path.params!.base! : path }),
      );
      return;
    case "structure":
      judgeStructureOverride(ctx, num, path, widgets);
      return;
    case "perms":
      findings.add("OTHER", message("mod.objectRewritten", { path, num }));
      return;
    default: {
      const why = hint(path);
      findings.add(
        "OTHER",
        why
          ? message("mod.objectRewrittenHint", { path, num, hint: why })
          : message("mod.objectRewritten", { path, num }),
      );
    }
  }
}

/** Names the attack a rewritten object suggests, from where it sat. */
function hint(where: Message): Message | undefined {
  const path = renderMessage(where);
  if (/OCProperties/.test(path)) return message("hint.optionalContent");
  if (/\/Contents/.test(path)) return message("hint.pageContent");
  if (/\/Resources/.test(path)) return message("hint.resource");
  return undefined;
}
