/**
 * What each object of the signed revision is for: its roles, found by one bounded walk from the trailer.
 *
 * pyHanko clears an overwritten object only when every path by which the signed revision reached it is cleared
 * (`policies.py`, "old_usages_to_clear"). Here the walk records, for every object it reaches, each role it plays
 * (a page, a field, a content stream, a DSS stream …) and the first path to it, so a rewritten object is judged by
 * its strictest role: a font used by a field appearance and by a page is page content.
 *
 * Roles say what an object is for, not how many hold it: an appearance stream two widgets share has the one role
 * "appearance"; who else holds an object is the reference index's question (`references.ts`, `ownership.ts`).
 *
 * Streams are never decoded: only their dictionaries are followed.
 */
import { PdfDict, type PdfObject, PdfRef, PdfStream, PdfString } from "../../pdf/objects.js";
import type { PdfReader } from "../../pdf/reader.js";
import { type Message, message } from "../messages.js";

/**
 * The parts of a document the rules know.
 * - structural roles (catalog, pagetree, page, annots, acroform, fields) are judged by comparing the structure;
 * - info, metadata, dss, extensions: LTA_UPDATES material; field, appearance, fieldvalue: form filling;
 * - annotation, annotation-part: markup annotations and what only they use;
 * - sigdict, signed-appearance, perms: what a signature fixed; content: everything else (page content,
 *   resources, fonts, images, optional content, names, actions).
 */
export type Role =
  | "catalog"
  | "info"
  | "metadata"
  | "dss"
  | "extensions"
  | "pagetree"
  | "page"
  | "annots"
  | "annotation"
  | "annotation-part"
  | "acroform"
  | "fields"
  | "field"
  | "fieldvalue"
  | "appearance"
  | "signed-appearance"
  | "sigdict"
  | "perms"
  | "structure"
  | "content";

/** The roles of the objects of one revision. */
export interface RoleMap {
  /** Object number → role → a readable path to it (the first found). */
  readonly roles: Map<number, Map<Role, Message>>;
  /** True when the walk stopped at its budget: unlabelled objects are then of unknown use. */
  readonly truncated: boolean;
}

/** Objects visited per walk; a hostile file with millions of objects ends here, in well under a second. */
export const MAX_VISITS = 200_000;

/** Roles whose children are walked generically (every key, same role). */
const GENERIC = new Set<Role>([
  "info",
  "metadata",
  "dss",
  "extensions",
  "annotation-part",
  "fieldvalue",
  "appearance",
  "signed-appearance",
  "sigdict",
  "perms",
  "structure",
  "content",
]);

/** Keys that point back up a tree; following them would label parents with their children's roles. */
const UPWARD = new Set(["Parent", "P", "IRT", "Prev", "Next", "First", "Last", "Pg"]);

export function labelRoles(reader: PdfReader): RoleMap {
  const roles = new Map<number, Map<Role, Message>>();
  let visits = 0;
  let truncated = false;
  const stack: { obj: PdfObject; role: Role; path: Message; depth: number }[] = [];

  const push = (obj: PdfObject | undefined, role: Role, path: Message, depth: number): void => {
    if (obj === undefined || obj === null) return;
    if (typeof obj !== "object") return;
    if (depth > 200) return;
    stack.push({ obj, role, path, depth });
  };

  const resolve = (obj: PdfObject): PdfObject => {
    try {
      return reader.resolve(obj);
    } catch {
      return null;
    }
  };

  push(reader.trailer.get("Root"), "catalog", message("loc.catalog"), 0);
  push(reader.trailer.get("Info"), "info", message("loc.info"), 0);
  let pageNo = 0;
  const pageNumbers = new Map<number, number>();
  try {
    for (const ref of reader.pages()) pageNumbers.set(ref.num, ++pageNo);
  } catch {
    // A broken page tree is walked generically below.
  }

  /** Widgets met on a page are form fields (the form rules judge them); other annotations are annotations. */
  const pushAnnotation = (a: PdfObject, path: Message, depth: number): void => {
    const d = resolve(a);
    if (d instanceof PdfDict && d.name("Subtype") === "Widget") push(a, "field", fieldPath(d, path), depth);
    else push(a, "annotation", path, depth);
  };

  while (stack.length > 0) {
    const { obj, role, path, depth } = stack.pop()!;
    let value: PdfObject = obj;
    if (obj instanceof PdfRef) {
      const byRole = roles.get(obj.num);
      if (byRole?.has(role)) continue;
      if (++visits > MAX_VISITS) {
        truncated = true;
        break;
      }
      value = resolve(obj);
      // Generic walks stop at objects the structural walks own (pages, annotations, fields, signatures).
      if (GENERIC.has(role)) {
        const d = value instanceof PdfStream ? value.dict : value;
        if (d instanceof PdfDict && ownedByStructure(d) && !(role === "sigdict" && isSignatureDict(d))) continue;
      }
      if (byRole === undefined) roles.set(obj.num, new Map([[role, path]]));
      else byRole.set(role, path);
    }
    const d = value instanceof PdfStream ? value.dict : value;
    const at = (key: string) => message("loc.key", { base: path, key });
    const n = depth + 1;
    if (Array.isArray(d)) {
      const itemRole: Role = role === "annots" ? "annotation" : role === "fields" ? "field" : role;
      d.forEach((x, i) => {
        if (itemRole === "annotation") pushAnnotation(x, message("loc.item", { base: path, index: i }), n);
        else if (itemRole === "field") push(x, "field", fieldPath(resolve(x), path), n);
        else push(x, itemRole, message("loc.item", { base: path, index: i }), n);
      });
      continue;
    }
    if (!(d instanceof PdfDict)) continue;
    switch (role) {
      case "catalog":
        for (const [k, v] of d.map) {
          if (k === "Pages") push(v, "pagetree", message("loc.pageTree"), n);
          else if (k === "AcroForm") push(v, "acroform", message("loc.acroForm"), n);
          else if (k === "DSS") push(v, "dss", message("loc.dss"), n);
          else if (k === "Metadata") push(v, "metadata", message("loc.metadata"), n);
          else if (k === "Extensions") push(v, "extensions", message("loc.catalogKey", { key: k }), n);
          else if (k === "Perms") push(v, "perms", message("loc.perms"), n);
          else if (k === "StructTreeRoot") push(v, "structure", message("loc.structTree"), n);
          else push(v, "content", message("loc.catalogKey", { key: k }), n);
        }
        break;
      case "pagetree":
        for (const [k, v] of d.map) {
          if (k === "Parent") continue;
          if (k === "Kids" && Array.isArray(resolve(v))) {
            if (v instanceof PdfRef) push(v, "pagetree", at(k), n);
            for (const kid of resolve(v) as PdfObject[]) {
              const kd = resolve(kid);
              const isNode = kd instanceof PdfDict && (kd.name("Type") === "Pages" || kd.has("Kids"));
              const no = kid instanceof PdfRef ? pageNumbers.get(kid.num) : undefined;
              push(
                kid,
                isNode ? "pagetree" : "page",
                isNode ? message("loc.pageTreeNode") : message("loc.page", { page: no ?? "?" }),
                n,
              );
            }
          } else push(v, "content", message("loc.inherited", { key: k }), n);
        }
        break;
      case "page":
        for (const [k, v] of d.map) {
          if (k === "Parent") continue;
          if (k === "Annots") {
            if (v instanceof PdfRef) push(v, "annots", at(k), n);
            const list = resolve(v);
            if (Array.isArray(list))
              for (const [i, a] of list.entries())
                pushAnnotation(a, message("loc.annotation", { base: path, index: i + 1 }), n);
          } else push(v, "content", at(k), n);
        }
        break;
      case "annotation":
        for (const [k, v] of d.map) {
          if (UPWARD.has(k)) continue;
          if (k === "Popup") pushAnnotation(v, at(k), n);
          else push(v, "annotation-part", at(k), n);
        }
        break;
      case "acroform":
        for (const [k, v] of d.map) {
          if (k === "Fields") {
            if (v instanceof PdfRef) push(v, "fields", at(k), n);
            const list = resolve(v);
            if (Array.isArray(list)) for (const f of list) push(f, "field", fieldPath(resolve(f)), n);
          } else push(v, "content", at(k), n);
        }
        break;
      case "field": {
        const signed = isSignatureDict(resolve(d.get("V") ?? null));
        for (const [k, v] of d.map) {
          if (UPWARD.has(k)) continue;
          if (k === "Kids") {
            const list = resolve(v);
            if (v instanceof PdfRef) push(v, "content", at(k), n);
            if (Array.isArray(list)) for (const kid of list) push(kid, "field", fieldPath(resolve(kid), path), n);
          } else if (k === "V")
            push(v, signed ? "sigdict" : "fieldvalue", signed ? message("loc.signature", { base: path }) : at(k), n);
          else if (k === "AP")
            push(v, signed ? "signed-appearance" : "appearance", message("loc.appearance", { base: path }), n);
          else push(v, "content", at(k), n);
        }
        break;
      }
      default:
        // /Data of a signature reference dictionary names the catalog (§ 12.8.1 Table 256): not a child.
        for (const [k, v] of d.map) if (k !== "Parent" && k !== "Data") push(v, role, at(k), n);
    }
  }
  return { roles, truncated };
}

/** Whether a dictionary met in a generic walk is a page, annotation, field or signature the structure owns. */
function ownedByStructure(d: PdfDict): boolean {
  const type = d.name("Type");
  return (
    type === "Catalog" ||
    type === "Page" ||
    type === "Pages" ||
    type === "Annot" ||
    type === "Sig" ||
    type === "DocTimeStamp" ||
    d.has("FT") ||
    d.name("Subtype") === "Widget"
  );
}

/** `field 'name'` from a field's /T (qualified by its parent's name), for reasons. */
function fieldPath(f: PdfObject, parent?: Message): Message {
  const name = f instanceof PdfDict ? f.get("T") : undefined;
  const base = parent?.id === "loc.field" ? `${parent.params!.name}` : "";
  if (name instanceof PdfString) return message("loc.field", { name: base ? `${base}.${name.text}` : name.text });
  return parent ?? message("loc.formField");
}

/** A signature or document time-stamp dictionary (ISO 32000-2 § 12.8.1, Table 255). */
export function isSignatureDict(o: PdfObject): boolean {
  return (
    o instanceof PdfDict &&
    (o.name("Type") === "Sig" || o.name("Type") === "DocTimeStamp" || (o.has("ByteRange") && o.has("Contents")))
  );
}
