/**
 * Appearances of form fields after signing (ISO 32000-2 § 12.5.5 appearance streams, § 12.7.4.3 variable text;
 * pyHanko `rules/form_field_rules`: `_allow_appearance_update`, `_allow_in_place_appearance_update`).
 *
 * A reader shows a field's appearance, not its value. Two rules keep "form filling" from changing what the signer
 * saw:
 * 1. an object rewritten as part of a field's appearance or value must belong to that field alone
 *    (`ownership.ts`): an appearance stream, /AP dictionary or font also used by another widget, a page, the
 *    catalog or the trailer is OTHER;
 * 2. an appearance may change only together with the value it displays: a new value (a field filled for the first
 *    time counts, and so does a signature field being signed, whose /V is its new signature). A filled field whose
 *    appearance is replaced while /V stays the same shows text the signer never approved — the shadow attack
 *    "replace via overlay" (Mainka et al., NDSS 2021) — and is OTHER.
 * Neither rule decodes a stream: whether a new appearance really draws the new value is not checked.
 */
import type { PdfDict } from "../../pdf/objects.js";
import { type Message, message } from "../messages.js";
import { sameValue } from "./compare.js";
import { type DiffContext, inherited, lockedField, refIn, resolveDict } from "./context.js";
import { soleOwner } from "./ownership.js";

/** Widget keys that decide how a field looks (§ 12.5.5 /AP and /AS, § 12.5.6.19 /MK): they follow the value. */
export const APPEARANCE_KEYS = new Set(["AP", "AS", "MK"]);

/** Why an appearance changed without its value is refused, for reasons. */

/**
 * True when the value a field displays differs between the revisions: its /V (inherited from a parent field,
 * § 12.7.4.1) was added, removed or changed. A widget of a signature field being signed counts (its /V is new).
 */
export function valueChanged(ctx: DiffContext, before: PdfDict, after: PdfDict): boolean {
  return !sameValue(inherited(ctx.old, before, "V"), inherited(ctx.new, after, "V"));
}

/**
 * An object that the older revision reached only as part of a field — its appearance (role "appearance"), the
 * appearance of a signed signature field ("signed-appearance") or its value ("fieldvalue") — rewritten in place.
 */
export function judgeFieldPartRewrite(
  ctx: DiffContext,
  num: number,
  role: "appearance" | "signed-appearance" | "fieldvalue",
  path: Message,
): void {
  const { findings } = ctx;
  if (role === "signed-appearance") {
    findings.add("OTHER", message("mod.signedAppearanceRewritten", { path }));
    return;
  }
  const ownership = soleOwner(ctx, num);
  if ("sharedWith" in ownership) {
    findings.add("OTHER", message("mod.sharedRewritten", { path, num, sharedWith: ownership.sharedWith }));
    return;
  }
  const owner = resolveDict(ctx.old, refIn(ctx.old, ownership.owner));
  const locked = owner && lockedField(ctx, owner);
  if (locked !== undefined) {
    findings.add("OTHER", message("mod.lockedFieldPart", { path, num, field: locked }));
    return;
  }
  if (role === "appearance") {
    const before = owner;
    const after = resolveDict(ctx.new, refIn(ctx.new, ownership.owner));
    if (before === undefined || after === undefined || !valueChanged(ctx, before, after)) {
      findings.add("OTHER", message("mod.overlay", { path, num }));
      return;
    }
  }
  findings.add("FORM_FILLING", message("mod.appearanceFilled", { path }));
}
