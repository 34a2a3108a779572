/**
 * What every rule sees when judging one revision against the one before it (pyHanko's pair of
 * `HistoricalResolver`s): both documents, the roles of the older one's objects, and where findings go.
 */
import { isLocked, type LockedFields } from "../../forms/field-lock.js";
import { PdfDict, type PdfObject, PdfRef, PdfStream, PdfString } from "../../pdf/objects.js";
import type { PdfReader } from "../../pdf/reader.js";
import type { Message } from "../messages.js";
import type { Findings } from "./findings.js";
import type { Role, RoleMap } from "./roles.js";

export interface DiffContext {
  /** The document as the older revision (at first the signed one) presents it. */
  readonly old: PdfReader;
  /** The document as the newer revision presents it. */
  readonly new: PdfReader;
  readonly oldRoles: RoleMap;
  readonly findings: Findings;
  /**
   * The field locks in force (ISO 32000-2 § 12.8.2.4 FieldMDP): those of every signature the signed revision
   * holds. A locked field may not change in any later revision, not even as form filling.
   */
  readonly locks?: readonly LockedFields[];
}

/** Resolves without throwing: a broken or missing object is null, as readers treat it (§ 7.3.10). */
export function safeResolve(reader: PdfReader, obj: PdfObject | undefined): PdfObject {
  try {
    return reader.resolve(obj);
  } catch {
    return null;
  }
}

/** `safeResolve` that yields a dictionary (a stream's dictionary counts) or undefined. */
export function resolveDict(reader: PdfReader, obj: PdfObject | undefined): PdfDict | undefined {
  const v = safeResolve(reader, obj);
  if (v instanceof PdfStream) return v.dict;
  return v instanceof PdfDict ? v : undefined;
}

/**
 * True when a reference names an object the older revision did not use: newly numbered, or present but
 * unreachable there. Such an object can only matter through whatever refers to it, which is judged instead.
 * Direct objects count as fresh. When the role walk was cut short, an existing object is never fresh.
 */
export function isFresh(ctx: DiffContext, obj: PdfObject | undefined): boolean {
  if (!(obj instanceof PdfRef)) return true;
  if (ctx.oldRoles.roles.has(obj.num)) return false;
  if (ctx.oldRoles.truncated) return ctx.old.entry(obj.num) === undefined || ctx.old.entry(obj.num)?.type === 0;
  return true;
}

/** The roles an object played in the older revision. */
export function rolesOf(ctx: DiffContext, obj: PdfObject | undefined): Map<Role, Message> | undefined {
  return obj instanceof PdfRef ? ctx.oldRoles.roles.get(obj.num) : undefined;
}

/** The reference of object `num` with the generation the reader's cross-reference data gives it. */
export function refIn(reader: PdfReader, num: number): PdfRef {
  const e = reader.entry(num);
  return new PdfRef(num, e?.type === 1 ? e.gen : 0);
}

/** An inheritable field attribute (§ 12.7.4.1), resolved, following /Parent a bounded number of steps. */
export function inherited(reader: PdfReader, dict: PdfDict, key: string): PdfObject | undefined {
  let d: PdfDict | undefined = dict;
  for (let i = 0; d !== undefined && i < 32; i++) {
    const v = d.get(key);
    if (v !== undefined) return safeResolve(reader, v);
    d = resolveDict(reader, d.get("Parent"));
  }
  return undefined;
}

/** A field's fully qualified name (§ 12.7.4.2) from the /T of it and its ancestors; a widget takes its field's. */
export function qualifiedName(reader: PdfReader, dict: PdfDict): string {
  const parts: string[] = [];
  let d: PdfDict | undefined = dict;
  for (let i = 0; d !== undefined && i < 32; i++) {
    const t = d.get("T");
    if (t instanceof PdfString) parts.unshift(t.text);
    d = resolveDict(reader, d.get("Parent"));
  }
  return parts.join(".");
}

/** The qualified name of the field `dict` (in the older revision) when a lock in force covers it. */
export function lockedField(ctx: DiffContext, dict: PdfDict): string | undefined {
  if (!ctx.locks?.length) return undefined;
  const name = qualifiedName(ctx.old, dict);
  return name !== "" && ctx.locks.some((l) => isLocked(l, name)) ? name : undefined;
}
