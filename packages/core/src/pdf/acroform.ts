/**
 * Interactive forms as signing needs them (ISO 32000-2 § 12.7): the field tree, signature fields (§ 12.7.5.5),
 * and the DocMDP permissions of a certification signature (§ 12.8.2.2).
 */
import { PdfDict, PdfFormatError, type PdfObject, PdfRef, PdfString } from "./objects.js";
import type { PdfReader } from "./reader.js";

/** Field trees deeper or larger than this are refused as hostile. */
const MAX_FIELDS = 100_000;

/** A terminal field found in the tree, with its fully qualified name (§ 12.7.4.2). */
export interface FieldInfo {
  readonly ref: PdfRef | undefined;
  readonly dict: PdfDict;
  readonly name: string;
  /** The field type, inherited from ancestors when absent (§ 12.7.4.1). */
  readonly type: string | undefined;
}

/** Every terminal field of the document's AcroForm, depth first. */
export function formFields(reader: PdfReader): FieldInfo[] {
  const acroForm = reader.resolve(reader.catalog.get("AcroForm"));
  if (!(acroForm instanceof PdfDict)) return [];
  const out: FieldInfo[] = [];
  const seen = new Set<number>();
  const walk = (obj: PdfObject, parentName: string, parentType: string | undefined, depth: number): void => {
    if (depth > 32 || out.length > MAX_FIELDS) throw new PdfFormatError("the form field tree is too deep or too large");
    const ref = obj instanceof PdfRef ? obj : undefined;
    if (ref) {
      if (seen.has(ref.num)) return;
      seen.add(ref.num);
    }
    const dict = reader.resolve(obj);
    if (!(dict instanceof PdfDict)) return;
    const t = dict.get("T");
    const partial = t instanceof PdfString ? t.text : undefined;
    const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const type = dict.name("FT") ?? parentType;
    const kids = reader.resolve(dict.get("Kids"));
    // Kids that have /T are fields; kids without are widgets of this field.
    const fieldKids = Array.isArray(kids)
      ? kids.filter((k) => {
          const kd = reader.resolve(k);
          return kd instanceof PdfDict && kd.has("T");
        })
      : [];
    if (fieldKids.length > 0) for (const k of fieldKids) walk(k, name, type, depth + 1);
    else out.push({ ref, dict, name, type });
  };
  const fields = reader.resolve(acroForm.get("Fields"));
  if (Array.isArray(fields)) for (const f of fields) walk(f, "", undefined, 0);
  return out;
}

/** The signature fields that already hold a signature (/V set), in field order. */
export function signedSignatureFields(reader: PdfReader): FieldInfo[] {
  return formFields(reader).filter((f) => f.type === "Sig" && reader.resolve(f.dict.get("V")) instanceof PdfDict);
}

/** `Signature1`, `Signature2`, … : the first name no field uses yet. */
export function nextSignatureFieldName(reader: PdfReader): string {
  const used = new Set(formFields(reader).map((f) => f.name));
  for (let i = 1; ; i++) if (!used.has(`Signature${i}`)) return `Signature${i}`;
}

/**
 * The DocMDP permission of the document's certification signature, if it has one (§ 12.8.2.2): 1 no changes,
 * 2 form filling and signing, 3 also annotations. /P defaults to 2.
 */
export function docMdpPermission(reader: PdfReader): 1 | 2 | 3 | undefined {
  const perms = reader.resolve(reader.catalog.get("Perms"));
  if (!(perms instanceof PdfDict)) return undefined;
  const sig = reader.resolve(perms.get("DocMDP"));
  if (!(sig instanceof PdfDict)) return undefined;
  return docMdpTransform(reader, sig) ?? 2;
}

/** The /P of a signature dictionary's DocMDP transform (/Reference), or undefined if it has none. */
export function docMdpTransform(reader: PdfReader, sig: PdfDict): 1 | 2 | 3 | undefined {
  const refs = reader.resolve(sig.get("Reference"));
  for (const r of Array.isArray(refs) ? refs : []) {
    const ref = reader.resolve(r);
    if (!(ref instanceof PdfDict) || ref.name("TransformMethod") !== "DocMDP") continue;
    const params = reader.resolve(ref.get("TransformParams"));
    const p = params instanceof PdfDict ? params.get("P") : undefined;
    return p === 1 || p === 3 ? p : 2;
  }
  return undefined;
}
