/**
 * Reading back the fields forms/ placed (issue 13.1): each terminal field that names its owner (/KhatamRecipient),
 * with its kind, page, rectangle, label, whether it is required, its value and whether a signature covers it.
 */
import { type FieldInfo, formFields } from "../pdf/acroform.js";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfString } from "../pdf/objects.js";
import { pageBox } from "../pdf/page-box.js";
import type { PdfReader } from "../pdf/reader.js";
import { openDocument, widgetsOf } from "./add-fields.js";
import { isLocked, signatureLock } from "./field-lock.js";
import { FF_REQUIRED, FIELD_KINDS, type FieldKind, type FieldState, KIND_KEY, OWNER_KEY } from "./field-spec.js";
import { asRect } from "./page-geometry.js";

export function readFields(pdf: Uint8Array): FieldState[] {
  return fieldStates(openDocument(pdf));
}

/** The placed fields of an open document, in form order. */
export function fieldStates(reader: PdfReader): FieldState[] {
  const pages = reader.pages();
  const all = formFields(reader);
  // The locks of signatures made: a field is signed when a signature made on a field locks it.
  const locks = all.flatMap((f) => {
    const sig = f.type === "Sig" ? reader.resolve(f.dict.get("V")) : null;
    if (!(sig instanceof PdfDict)) return [];
    const lock = signatureLock(reader, sig, f.dict);
    return lock ? [lock] : [];
  });
  const out: FieldState[] = [];
  for (const f of all) {
    const owner = f.dict.get(OWNER_KEY);
    if (!(owner instanceof PdfString)) continue;
    const kind = kindOf(f);
    const widget = widgetsOf(reader, f.dict)[0] ?? f.dict;
    const rect = asRect(reader, widget.get("Rect")) ?? [0, 0, 0, 0];
    const p = widget.get("P");
    const page = p instanceof PdfRef ? pages.findIndex((r) => r.num === p.num) + 1 : 0;
    const tu = f.dict.get("TU");
    const ff = inheritedNumber(reader, f.dict, "Ff");
    const v = reader.resolve(f.dict.get("V"));
    const signedHere = f.type === "Sig" && v instanceof PdfDict;
    const value = fieldValue(kind, v);
    out.push({
      name: f.name,
      recipient: owner.text,
      kind,
      page,
      rect,
      ...(tu instanceof PdfString ? { label: tu.text } : {}),
      required: (ff & FF_REQUIRED) !== 0,
      ...(value !== undefined ? { value } : {}),
      signed: signedHere || locks.some((l) => isLocked(l, f.name)),
    });
  }
  return out;
}

function kindOf(f: FieldInfo): FieldKind {
  const k = f.dict.get(KIND_KEY);
  if (k instanceof PdfName && (FIELD_KINDS as readonly string[]).includes(k.name)) return k.name as FieldKind;
  return f.type === "Sig" ? "signature" : f.type === "Btn" ? "checkbox" : "text";
}

function fieldValue(kind: FieldKind, v: PdfObject): string | boolean | undefined {
  if (kind === "signature") return undefined;
  if (kind === "checkbox") return v instanceof PdfName ? v.name !== "Off" : false;
  return v instanceof PdfString ? v.text : undefined;
}

function inheritedNumber(reader: PdfReader, d: PdfDict, key: string): number {
  let node: PdfDict | undefined = d;
  for (let i = 0; node && i < 32; i++) {
    const v = reader.resolve(node.get(key));
    if (typeof v === "number") return v;
    const parent = reader.resolve(node.get("Parent"));
    node = parent instanceof PdfDict ? parent : undefined;
  }
  return 0;
}

/** Each page's crop box (x1 y1 x2 y2, default user space), in page order: where fields may be placed. */
export function pageBoxes(pdf: Uint8Array): [number, number, number, number][] {
  const reader = openDocument(pdf);
  return reader.pages().map((ref) => pageBox(reader, ref));
}
