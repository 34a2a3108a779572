/**
 * Field locks (ISO 32000-2 § 12.7.5.5 /Lock, Table 236; § 12.8.2.4 FieldMDP): a signature field names the fields
 * its signature locks, and the signer copies that into the signature dictionary as a /Reference with
 * /TransformMethod /FieldMDP, so each recipient's own signature fixes the values they filled.
 *
 * pyHanko's difference analysis reads the FieldMDP transform of the signature being validated and refuses any
 * later update to a form field it locks, even one that would otherwise pass as form filling; a signature field
 * being signed stays allowed. `validation/diff/form-field-rules.ts` does the same with `LockedFields`.
 */
import { PdfDict, PdfName, type PdfObject, PdfString } from "../pdf/objects.js";
import type { PdfReader } from "../pdf/reader.js";

/** Which fields a lock covers (Table 236 /Action and /Fields). */
export interface LockedFields {
  readonly action: "All" | "Include" | "Exclude";
  /** Fully qualified field names. */
  readonly fields: readonly string[];
}

/** The signature field lock dictionary for `fields` (§ 12.7.5.5 Table 236). */
export function lockDictionary(fields: readonly string[]): PdfDict {
  return new PdfDict([
    ["Type", PdfName.of("SigFieldLock")],
    ["Action", PdfName.of("Include")],
    ["Fields", fields.map((f) => PdfString.text(f))],
  ]);
}

/**
 * The FieldMDP signature reference dictionary (§ 12.8.1 Table 256, § 12.8.2.4 Table 258) a signer writes in the
 * signature dictionary of a field that has a /Lock.
 */
export function fieldMdpReference(lock: LockedFields): PdfDict {
  const params = new PdfDict([
    ["Type", PdfName.of("TransformParams")],
    ["Action", PdfName.of(lock.action)],
  ]);
  if (lock.action !== "All")
    params.set(
      "Fields",
      lock.fields.map((f) => PdfString.text(f)),
    );
  params.set("V", PdfName.of("1.2"));
  return new PdfDict([
    ["Type", PdfName.of("SigRef")],
    ["TransformMethod", PdfName.of("FieldMDP")],
    ["TransformParams", params],
  ]);
}

/** Reads a lock or FieldMDP transform-parameters dictionary; undefined when it is not one. */
export function readLock(reader: PdfReader, obj: PdfObject | undefined): LockedFields | undefined {
  let d: PdfObject;
  try {
    d = reader.resolve(obj);
  } catch {
    return undefined;
  }
  if (!(d instanceof PdfDict)) return undefined;
  const action = d.name("Action");
  if (action !== "All" && action !== "Include" && action !== "Exclude") return undefined;
  let list: PdfObject = null;
  try {
    list = reader.resolve(d.get("Fields"));
  } catch {
    // an unreadable list locks nothing by name; Exclude then locks everything, which is the safe reading
  }
  const fields = Array.isArray(list)
    ? list.flatMap((f) => {
        const s = f instanceof PdfString ? f : undefined;
        return s ? [s.text] : [];
      })
    : [];
  return { action, fields };
}

/**
 * The fields a signature locks: the FieldMDP transform of its dictionary (§ 12.8.2.4), or else the /Lock of the
 * field holding it, as it was when signed (a signer that ignored /Lock still signed a field that asked for it).
 */
export function signatureLock(reader: PdfReader, sigDict: PdfDict, field?: PdfDict): LockedFields | undefined {
  let refs: PdfObject = null;
  try {
    refs = reader.resolve(sigDict.get("Reference"));
  } catch {
    refs = null;
  }
  for (const r of Array.isArray(refs) ? refs : []) {
    let ref: PdfObject = null;
    try {
      ref = reader.resolve(r);
    } catch {
      continue;
    }
    if (ref instanceof PdfDict && ref.name("TransformMethod") === "FieldMDP") {
      const lock = readLock(reader, ref.get("TransformParams"));
      if (lock) return lock;
    }
  }
  return field ? readLock(reader, field.get("Lock")) : undefined;
}

/** Whether `name` (fully qualified) is among the fields `lock` covers; a field's descendants count (§ 12.7.4.2). */
export function isLocked(lock: LockedFields, name: string): boolean {
  const named = lock.fields.some((f) => name === f || name.startsWith(`${f}.`));
  return lock.action === "All" || (lock.action === "Include" ? named : !named);
}
