/**
 * Which objects of a revision refer to which: the reverse of the reference graph, over everything reachable from
 * the trailer (pyHanko keeps the same index, its "reverse xref cache", to list every usage of an overwritten
 * object; ISO 32000-2 § 7.3.10 indirect objects, § 7.5.5 the trailer).
 *
 * The role walk (`roles.ts`) answers "what is this object for" and deliberately skips keys that point back up a
 * tree; this index answers "who else holds it", so it follows every key of every reachable object, the trailer's
 * own keys included. It is built only when a rule needs it (a rewritten appearance or field value) and then once
 * per revision. Streams are never decoded: only their dictionaries hold references.
 */
import { PdfDict, type PdfObject, PdfRef, PdfStream } from "../../pdf/objects.js";
import type { PdfReader } from "../../pdf/reader.js";
import { MAX_VISITS } from "./roles.js";

/** One place that holds a reference to an object. */
export interface Usage {
  /** The object whose value holds the reference, or "trailer" for the trailer dictionary. */
  readonly from: number | "trailer";
  /** Keys and array indices from the top of that object down to the reference: ["AP", "N"], ["Kids", "0"]. */
  readonly path: readonly string[];
}

/** The usages of every object reachable from a revision's trailer. */
export interface ReferenceIndex {
  /** Every place that refers to object `num`; empty when nothing reachable does. */
  usagesOf(num: number): readonly Usage[];
  /** True when the walk stopped at its budget: an object may then have usages the index does not know. */
  readonly truncated: boolean;
}

/** Direct nesting followed inside one object; hostile files nest arrays thousands deep. */
const MAX_NESTING = 64;

const built = new WeakMap<PdfReader, ReferenceIndex>();

/** The reference index of a revision, built on first use and kept as long as the reader lives. */
export function referenceIndex(reader: PdfReader): ReferenceIndex {
  let index = built.get(reader);
  if (index === undefined) {
    index = buildIndex(reader);
    built.set(reader, index);
  }
  return index;
}

function buildIndex(reader: PdfReader): ReferenceIndex {
  const usages = new Map<number, Usage[]>();
  const visited = new Set<number>();
  const pending: number[] = [];
  let truncated = false;

  const record = (from: number | "trailer", path: string[], ref: PdfRef): void => {
    const list = usages.get(ref.num);
    const usage = { from, path: [...path] };
    if (list === undefined) usages.set(ref.num, [usage]);
    else list.push(usage);
    if (!visited.has(ref.num)) {
      visited.add(ref.num);
      pending.push(ref.num);
    }
  };

  /** Records every reference inside one object's value; `path` is the way down from the object's top. */
  const scan = (from: number | "trailer", value: PdfObject, path: string[]): void => {
    if (path.length > MAX_NESTING) return;
    if (value instanceof PdfRef) {
      record(from, path, value);
      return;
    }
    const d = value instanceof PdfStream ? value.dict : value;
    if (Array.isArray(d))
      d.forEach((item, i) => {
        path.push(String(i));
        scan(from, item, path);
        path.pop();
      });
    else if (d instanceof PdfDict)
      for (const [k, v] of d.map) {
        path.push(k);
        scan(from, v, path);
        path.pop();
      }
  };

  scan("trailer", reader.trailer, []);
  while (pending.length > 0) {
    if (visited.size > MAX_VISITS) {
      truncated = true;
      break;
    }
    const num = pending.pop()!;
    let value: PdfObject;
    try {
      value = reader.getObject(num);
    } catch {
      continue; // a broken object refers to nothing (§ 7.3.10: it reads as null)
    }
    scan(num, value, []);
  }
  return { usagesOf: (num) => usages.get(num) ?? [], truncated };
}
