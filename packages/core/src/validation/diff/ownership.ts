/**
 * The one form field an appearance or value object belongs to, if it belongs to exactly one.
 *
 * pyHanko's difference analysis lets a form-filling rule clear an overwritten object only for the paths the rule
 * checked; any other path by which the signed revision reached the object stays uncleared and the revision is
 * refused ("… is also used in … in the prior revision"). An appearance stream, an indirect /AP dictionary or a font
 * of an appearance that another widget, a page, the catalog or the trailer also uses would otherwise let a
 * "form fill" change what the signer saw elsewhere. So an object may be rewritten as form filling only when every
 * way to it from the trailer of the older revision runs through a single field or widget, entering it by /AP or
 * /V: its sole owner.
 */
import { type Message, message } from "../messages.js";
import type { DiffContext } from "./context.js";
import { referenceIndex } from "./references.js";
import type { Role } from "./roles.js";

/** The verdict on one object: the field or widget that alone owns it, or who else uses it. */
export type Ownership =
  | { readonly owner: number }
  /** Names the other user: the trailer, a page, several fields … */
  | { readonly sharedWith: Message };

/** Roles of objects that belong to a field and may lie between it and the object judged. */
const FIELD_PARTS = new Set<Role>(["appearance", "fieldvalue"]);

/** The keys by which a field or widget holds what filling it may rewrite (§ 12.5.5 /AP, § 12.7.4.2 /V). */
const FILLED_THROUGH = new Set(["AP", "V"]);

/** Owners a reason names; the rest are counted. */
const NAMED = 3;

/** Objects examined on the way up from one rewritten object (hostile files share one stream thousands of times). */
const MAX_STEPS = 10_000;

/**
 * Follows every usage of object `num` in the older revision up to the fields holding it. Objects in between must
 * themselves be appearance or value parts (a resource dictionary, an indirect /AP); anything else holding the
 * object — a page, the catalog, the trailer, the document information — shares it.
 */
export function soleOwner(ctx: DiffContext, num: number): Ownership {
  const index = referenceIndex(ctx.old);
  const owners = new Set<number>();
  const seen = new Set<number>([num]);
  const pending = [num];
  for (let steps = 0; pending.length > 0; steps++) {
    if (steps > MAX_STEPS) return { sharedWith: message("shared.tooMany") };
    const current = pending.pop()!;
    const usages = index.usagesOf(current);
    if (usages.length === 0 && index.truncated) return { sharedWith: message("shared.unindexed") };
    for (const { from, path } of usages) {
      if (from === "trailer") return { sharedWith: message("shared.trailer", { path: `/${path.join(" /")}` }) };
      const roles = ctx.oldRoles.roles.get(from);
      if (roles?.has("field")) {
        if (!FILLED_THROUGH.has(path[0] ?? ""))
          return { sharedWith: message("shared.field", { field: roles.get("field")!, path: `/${path.join(" /")}` }) };
        owners.add(from);
        continue;
      }
      if (roles === undefined || ![...roles.keys()].every((r) => FIELD_PARTS.has(r)))
        return { sharedWith: describe(from, roles) };
      if (!seen.has(from)) {
        seen.add(from);
        pending.push(from);
      }
    }
  }
  if (owners.size === 1) return { owner: owners.values().next().value as number };
  if (owners.size === 0) return { sharedWith: message("shared.noField") };
  const names = [...owners].slice(0, NAMED).map((o) => {
    const field = ctx.oldRoles.roles.get(o)?.get("field");
    return field ? message("shared.object", { path: field, num: o }) : message("shared.widget", { num: o });
  });
  if (owners.size > NAMED) names.push(message("shared.more", { count: owners.size - NAMED }));
  return { sharedWith: message("shared.several", { names }) };
}

/** A holder that is not a field part, by its strictest-sounding role: where the signed revision used it. */
function describe(num: number, roles: Map<Role, Message> | undefined): Message {
  for (const [role, path] of roles ?? []) if (!FIELD_PARTS.has(role)) return message("shared.object", { path, num });
  return message("shared.bareObject", { num });
}
