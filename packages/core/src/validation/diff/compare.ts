/**
 * Structural comparison of PDF objects between revisions (pyHanko `policies._is_id`): values are equal when they
 * have the same type and content; references compare by object number and generation, never by what they point
 * to (a changed target is judged on its own); streams compare dictionary and raw, still encoded bytes, so a 20 MB
 * image is compared with one memcmp and never decoded.
 */

import { equalBytes } from "../../crypto/bytes.js";
import { PdfDict, PdfName, type PdfObject, PdfRaw, PdfRef, PdfStream, PdfString } from "../../pdf/objects.js";
import { type Message, message } from "../messages.js";

/** Nesting deeper than this is treated as different (hostile files nest arrays thousands deep). */
const MAX_DEPTH = 64;

export function sameValue(a: PdfObject | undefined, b: PdfObject | undefined, depth = 0): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (depth > MAX_DEPTH) return false;
  if (typeof a === "number" || typeof a === "boolean") return a === b;
  if (a instanceof PdfName) return b instanceof PdfName && a.name === b.name;
  if (a instanceof PdfRef) return a.equals(b);
  if (a instanceof PdfString) return b instanceof PdfString && equalBytes(a.bytes, b.bytes);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (a instanceof PdfStream)
    return (
      b instanceof PdfStream &&
      equalBytes(a.raw, b.raw) &&
      sameDict(withoutLength(a.dict), withoutLength(b.dict), depth)
    );
  if (a instanceof PdfDict) return b instanceof PdfDict && sameDict(a, b, depth);
  if (a instanceof PdfRaw) return b instanceof PdfRaw && equalBytes(a.bytes, b.bytes);
  return false;
}

function sameDict(a: PdfDict, b: PdfDict, depth: number): boolean {
  if (a.map.size !== b.map.size) return false;
  for (const [k, v] of a.map) if (!b.has(k) || !sameValue(v, b.get(k), depth + 1)) return false;
  return true;
}

/** /Length may be direct in one copy and indirect in another; the raw bytes already say how long the data is. */
function withoutLength(d: PdfDict): PdfDict {
  if (!d.has("Length")) return d;
  const c = d.clone();
  c.map.delete("Length");
  return c;
}

/** Keys of two dictionaries whose values differ (present in one only, or unequal), in first-seen order. */
export function changedKeys(a: PdfDict | undefined, b: PdfDict | undefined): string[] {
  const keys = new Set<string>([...(a?.map.keys() ?? []), ...(b?.map.keys() ?? [])]);
  return [...keys].filter((k) => !sameValue(a?.get(k), b?.get(k)));
}

/** "added", "removed" or "changed", for a reason's wording. */
export function howChanged(before: PdfObject | undefined, after: PdfObject | undefined): Message {
  if (before === undefined) return message("how.added");
  if (after === undefined) return message("how.removed");
  return message("how.changed");
}
