/**
 * Placing fields (issue 13.1): one incremental update (ISO 32000-2 § 7.5.6) that adds AcroForm fields, each merged
 * with its widget annotation (§ 12.7.1) on its page, before anyone signs. A dotted name ("r2.text.1") is a field
 * hierarchy (§ 12.7.4.2: a partial name has no period), so the intermediate fields are created, or an existing
 * one extended. Each recipient's signature field gets a /Lock (§ 12.7.5.5) naming that recipient's other fields,
 * so their own signature fixes what they filled (§ 12.8.2.4 FieldMDP).
 *
 * Nothing is written unless every field is acceptable: the update is assembled in memory and returned whole.
 */
import { formFields, signedSignatureFields } from "../pdf/acroform.js";
import { PdfDict, PdfFormatError, PdfName, type PdfObject, PdfRef, PdfString } from "../pdf/objects.js";
import { pageBox } from "../pdf/page-box.js";
import { PdfReader } from "../pdf/reader.js";
import { IncrementalUpdate } from "../pdf/writer.js";
import { lockDictionary } from "./field-lock.js";
import { FF_REQUIRED, FIELD_KINDS, FieldError, type FieldSpec, KIND_KEY, OWNER_KEY } from "./field-spec.js";
import { asRect, normalise, overlaps, type Rect, within } from "./page-geometry.js";
import { checkedAppearance, emptyAppearance, helvetica, writeAppearance } from "./widget-appearance.js";

/** Fields one call may add (a page of a form has tens; thousands is an attack on the viewer). */
const MAX_FIELDS = 2000;

/** The default appearance of variable text (§ 12.7.4.3) for text fields: Helvetica from the form's /DR. */
const DEFAULT_DA = "/Helv 0 Tf 0 g";

/** Opens a document the forms module may change or read; refuses what signing would refuse too. */
export function openDocument(pdf: Uint8Array): PdfReader {
  let reader: PdfReader;
  try {
    reader = PdfReader.open(pdf);
  } catch (e) {
    if (e instanceof PdfFormatError) throw new FieldError("unreadable_pdf", `cannot read the PDF: ${e.message}`);
    throw e;
  }
  if (reader.isEncrypted)
    throw new FieldError("encrypted_pdf", "the PDF is encrypted; Khatam places fields only in unencrypted PDFs");
  if (reader.startXref < 0)
    throw new FieldError("unreadable_pdf", "the PDF's cross-reference data is damaged; repair it first");
  return reader;
}

/** Adds `fields` in one incremental update; returns the whole new file (`pdf` itself when `fields` is empty). */
export function addFields(pdf: Uint8Array, fields: readonly FieldSpec[]): Uint8Array {
  if (fields.length === 0) return pdf;
  if (fields.length > MAX_FIELDS)
    throw new FieldError("bad_rect", `at most ${MAX_FIELDS} fields can be placed at once`);
  const reader = openDocument(pdf);
  try {
    const tail = buildUpdate(reader, fields);
    const out = new Uint8Array(pdf.length + tail.length);
    out.set(pdf, 0);
    out.set(tail, pdf.length);
    return out;
  } catch (e) {
    if (e instanceof PdfFormatError) throw new FieldError("unreadable_pdf", `cannot place fields: ${e.message}`);
    throw e;
  }
}

/** A field node of the form as the update will leave it. */
interface Node {
  readonly ref: PdfRef;
  readonly dict: PdfDict;
  /** Kids to append (new nodes and widgets). */
  readonly added: PdfRef[];
  readonly fresh: boolean;
}

function buildUpdate(reader: PdfReader, fields: readonly FieldSpec[]): Uint8Array {
  const pages = reader.pages();
  const existing = formFields(reader);
  const existingNames = new Set(existing.map((f) => f.name));
  const signed = signedSignatureFields(reader);
  const signedRects = new Map<number, Rect[]>();
  for (const s of signed) {
    const widgets = widgetsOf(reader, s.dict);
    for (const w of widgets) {
      const rect = asRect(reader, w.get("Rect"));
      const p = w.get("P");
      const pageIndex = p instanceof PdfRef ? pages.findIndex((r) => r.num === p.num) : -1;
      if (rect && rect[2] - rect[0] > 0 && rect[3] - rect[1] > 0 && pageIndex >= 0)
        signedRects.set(pageIndex, [...(signedRects.get(pageIndex) ?? []), rect]);
    }
  }

  const seen = new Set<string>();
  for (const f of fields) check(reader, f, pages, existingNames, seen, signed.length > 0, signedRects);

  const update = new IncrementalUpdate(reader);
  const add = (obj: PdfObject) => update.add(obj);
  const nodes = existingNodes(reader);
  const topLevel: PdfRef[] = [];
  const changedPages = new Map<number, { ref: PdfRef; dict: PdfDict; annots: PdfRef[] }>();

  const ensureNode = (qualified: string): Node | undefined => {
    if (qualified === "") return undefined;
    const known = nodes.get(qualified);
    if (known) return known;
    const dot = qualified.lastIndexOf(".");
    const parent = ensureNode(dot < 0 ? "" : qualified.slice(0, dot));
    const ref = update.allocate();
    const dict = new PdfDict([["T", PdfString.text(qualified.slice(dot + 1))]]);
    if (parent) {
      dict.set("Parent", parent.ref);
      parent.added.push(ref);
    } else topLevel.push(ref);
    const node = { ref, dict, added: [], fresh: true };
    nodes.set(qualified, node);
    return node;
  };

  // Each recipient's lock names all their fields but signatures, those already in the document included.
  const lockedBy = new Map<string, string[]>();
  for (const f of existing) {
    const owner = f.dict.get(OWNER_KEY);
    if (owner instanceof PdfString && f.type !== "Sig")
      lockedBy.set(owner.text, [...(lockedBy.get(owner.text) ?? []), f.name]);
  }
  for (const f of fields)
    if (f.kind !== "signature") lockedBy.set(f.recipient, [...(lockedBy.get(f.recipient) ?? []), f.name]);

  for (const f of fields) {
    const pageRef = pages[f.page - 1]!;
    const rect = normalise(f.rect);
    const dot = f.name.lastIndexOf(".");
    const parent = ensureNode(dot < 0 ? "" : f.name.slice(0, dot));
    const ref = update.allocate();
    const widget = widgetDict(f, rect, pageRef, add, lockedBy.get(f.recipient) ?? []);
    if (parent) {
      widget.set("Parent", parent.ref);
      parent.added.push(ref);
    } else topLevel.push(ref);
    update.set(ref, widget);
    let page = changedPages.get(pageRef.num);
    if (!page) {
      page = { ref: pageRef, dict: reader.dict(pageRef, `page ${f.page}`).clone(), annots: [] };
      changedPages.set(pageRef.num, page);
    }
    page.annots.push(ref);
  }

  // An unsigned signature field placed earlier for a recipient who now gets more fields locks those too.
  for (const f of existing) {
    const owner = f.dict.get(OWNER_KEY);
    if (f.type !== "Sig" || !f.ref || !(owner instanceof PdfString) || f.dict.has("V")) continue;
    if (!fields.some((g) => g.recipient === owner.text && g.kind !== "signature")) continue;
    update.set(f.ref, f.dict.clone().set("Lock", lockDictionary(lockedBy.get(owner.text) ?? [])));
  }

  for (const node of nodes.values()) {
    if (node.added.length === 0 && !node.fresh) continue;
    const kids = reader.resolve(node.dict.get("Kids"));
    node.dict.set("Kids", [...(Array.isArray(kids) && !node.fresh ? kids : []), ...node.added]);
    update.set(node.ref, node.dict);
  }
  for (const page of changedPages.values()) {
    appendTo(reader, update, page.dict, "Annots", page.annots, () => update.set(page.ref, page.dict));
  }

  const catalogRef = reader.trailer.get("Root") as PdfRef;
  const acroRaw = reader.catalog.get("AcroForm");
  const acroResolved = reader.resolve(acroRaw);
  const acroForm = acroResolved instanceof PdfDict ? acroResolved.clone() : new PdfDict();
  if (!acroForm.has("DA")) acroForm.set("DA", PdfString.text(DEFAULT_DA));
  acroForm.set("DR", withHelvetica(reader, acroForm.get("DR")));
  appendTo(reader, update, acroForm, "Fields", topLevel, () => {});
  if (acroRaw instanceof PdfRef) update.set(acroRaw, acroForm);
  else update.set(catalogRef, reader.catalog.clone().set("AcroForm", update.add(acroForm)));
  return update.toBytes();
}

function check(
  reader: PdfReader,
  f: FieldSpec,
  pages: readonly PdfRef[],
  existingNames: ReadonlySet<string>,
  seen: Set<string>,
  documentSigned: boolean,
  signedRects: ReadonlyMap<number, Rect[]>,
): void {
  const label = `field "${f.name}"`;
  if (typeof f.name !== "string" || f.name.split(".").some((part) => part.trim() === "") || f.name.length > 200)
    throw new FieldError("bad_name", `${label}: a name is one or more non-empty parts separated by periods`);
  if (!FIELD_KINDS.includes(f.kind)) throw new FieldError("bad_kind", `${label}: unknown kind "${f.kind}"`);
  if (typeof f.recipient !== "string" || f.recipient === "")
    throw new FieldError("bad_name", `${label}: the recipient is missing`);
  const clash = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
  if ([...seen].some((s) => clash(s, f.name)) || [...existingNames].some((s) => clash(s, f.name)))
    throw new FieldError("duplicate_name", `${label}: another field has this name or is part of it`);
  seen.add(f.name);
  if (documentSigned && f.kind !== "signature")
    throw new FieldError(
      "signed_field",
      `${label}: the document is already signed; only signature fields can be added now`,
    );
  if (!Number.isInteger(f.page) || f.page < 1 || f.page > pages.length)
    throw new FieldError("page_missing", `${label}: the document has no page ${f.page} (it has ${pages.length})`);
  if (
    !Array.isArray(f.rect) ||
    f.rect.length !== 4 ||
    !f.rect.every((v) => typeof v === "number" && Number.isFinite(v))
  )
    throw new FieldError("bad_rect", `${label}: the rectangle must be four numbers x1 y1 x2 y2`);
  const rect = normalise(f.rect);
  if (rect[2] - rect[0] < 4 || rect[3] - rect[1] < 4)
    throw new FieldError("bad_rect", `${label}: the rectangle must be at least 4 points wide and high`);
  const box = pageBox(reader, pages[f.page - 1]!);
  if (!within(rect, box))
    throw new FieldError(
      "off_page",
      `${label}: the rectangle [${rect.join(" ")}] is not within page ${f.page} [${box.join(" ")}]`,
    );
  if ((signedRects.get(f.page - 1) ?? []).some((s) => overlaps(s, rect)))
    throw new FieldError(
      "overlaps_signature",
      `${label}: the rectangle covers a signature already made on page ${f.page}`,
    );
}

/** The merged field and widget dictionary of one placed field, with its appearance written. */
function widgetDict(
  f: FieldSpec,
  rect: Rect,
  pageRef: PdfRef,
  add: (obj: PdfObject) => PdfRef,
  ownersFields: readonly string[],
): PdfDict {
  const partial = f.name.slice(f.name.lastIndexOf(".") + 1);
  const width = rect[2] - rect[0];
  const height = rect[3] - rect[1];
  const d = new PdfDict([
    ["Type", PdfName.of("Annot")],
    ["Subtype", PdfName.of("Widget")],
    ["T", PdfString.text(partial)],
    ["Rect", [...rect]],
    ["P", pageRef],
    ["F", 4], // Print (§ 12.5.3): the field shows on paper too
  ]);
  if (f.label) d.set("TU", PdfString.text(f.label));
  d.set(OWNER_KEY, PdfString.text(f.recipient));
  d.set(KIND_KEY, PdfName.of(f.kind));
  const empty = () => writeAppearance(emptyAppearance(width, height, f.label), add);
  switch (f.kind) {
    case "signature":
      d.set("FT", PdfName.of("Sig"));
      if (ownersFields.length > 0) d.set("Lock", lockDictionary(ownersFields));
      d.set("AP", new PdfDict([["N", empty()]]));
      break;
    case "checkbox": {
      d.set("FT", PdfName.of("Btn"));
      d.set("Ff", f.required ? FF_REQUIRED : 0);
      d.set("V", PdfName.of("Off"));
      d.set("AS", PdfName.of("Off"));
      const on = writeAppearance(checkedAppearance(width, height), add);
      d.set(
        "AP",
        new PdfDict([
          [
            "N",
            new PdfDict([
              ["On", on],
              ["Off", empty()],
            ]),
          ],
        ]),
      );
      break;
    }
    default:
      d.set("FT", PdfName.of("Tx"));
      d.set("Ff", f.required ? FF_REQUIRED : 0);
      d.set("DA", PdfString.text("/Helv 10 Tf 0 g"));
      d.set("AP", new PdfDict([["N", empty()]]));
  }
  return d;
}

/** The form's non-terminal fields by qualified name (those whose kids are fields), to extend a hierarchy. */
function existingNodes(reader: PdfReader): Map<string, Node> {
  const out = new Map<string, Node>();
  const acro = reader.resolve(reader.catalog.get("AcroForm"));
  if (!(acro instanceof PdfDict)) return out;
  const walk = (obj: PdfObject, parent: string, depth: number): void => {
    if (!(obj instanceof PdfRef) || depth > 32) return;
    const d = reader.resolve(obj);
    if (!(d instanceof PdfDict)) return;
    const t = d.get("T");
    const name = t instanceof PdfString ? (parent ? `${parent}.${t.text}` : t.text) : parent;
    const kids = reader.resolve(d.get("Kids"));
    const fieldKids = Array.isArray(kids) ? kids.filter((k) => (reader.resolve(k) as PdfDict | null)?.has?.("T")) : [];
    if (fieldKids.length === 0 || !(t instanceof PdfString) || d.has("FT")) return;
    out.set(name, { ref: obj, dict: d.clone(), added: [], fresh: false });
    for (const k of fieldKids) walk(k, name, depth + 1);
  };
  const fields = reader.resolve(acro.get("Fields"));
  for (const f of Array.isArray(fields) ? fields : []) walk(f, "", 0);
  return out;
}

/** The widget dictionaries of a terminal field: its kids without /T, or the field itself (merged). */
export function widgetsOf(reader: PdfReader, field: PdfDict): PdfDict[] {
  const kids = reader.resolve(field.get("Kids"));
  if (!Array.isArray(kids) || kids.length === 0) return [field];
  return kids.map((k) => reader.resolve(k)).filter((k): k is PdfDict => k instanceof PdfDict && !k.has("T"));
}

/** The form's /DR with Helvetica as /Helv (kept if it is there), for the text fields' /DA. */
function withHelvetica(reader: PdfReader, raw: PdfObject | undefined): PdfDict {
  const dr = reader.resolve(raw);
  const out = dr instanceof PdfDict ? dr.clone() : new PdfDict();
  const fonts = reader.resolve(out.get("Font"));
  const f = fonts instanceof PdfDict ? fonts.clone() : new PdfDict();
  if (!f.has("Helv")) f.set("Helv", helvetica());
  return out.set("Font", f);
}

/**
 * Appends `items` to the array under `key` of `owner`: an indirect array is rewritten in place (the owner left
 * alone); otherwise the owner gets a new direct array and `ownerChanged` is called.
 */
function appendTo(
  reader: PdfReader,
  update: IncrementalUpdate,
  owner: PdfDict,
  key: string,
  items: readonly PdfObject[],
  ownerChanged: () => void,
): void {
  const raw = owner.get(key);
  const current = reader.resolve(raw);
  const all = Array.isArray(current) ? [...current, ...items] : [...items];
  if (raw instanceof PdfRef && Array.isArray(current)) update.set(raw, all);
  else {
    owner.set(key, all);
    ownerChanged();
  }
}
