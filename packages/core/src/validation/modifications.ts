/**
 * Modification analysis: what the revisions after a signature changed, and whether that is allowed (pyHanko
 * `sign/diff_analysis`; ISO 32000-2 § 12.8.2.2 DocMDP; ETSI EN 319 142-1 § 5.4 for DSS and document time-stamps).
 *
 * Like pyHanko, every change is refused unless a whitelisting rule explains it, and each rule says at which level
 * it allows the change. Each later revision is compared with the one before it (an intermediate revision may add
 * and later drop something no final comparison would see):
 * 1. the cross-reference chain must lead back to the signed revision (`diff/revisions.ts`, incremental saving);
 * 2. trailer and catalog (`diff/catalog-rules.ts`), the form (`diff/form-field-rules.ts`) and the pages with their
 *    annotations (`diff/page-rules.ts`) and the logical structure (`diff/structure-rules.ts`) are compared
 *    structurally;
 * 3. every object of the older revision that the newer one rewrites or frees is judged by the roles it played
 *    (`diff/roles.ts`, `diff/object-rules.ts`): identical copies pass, content, fonts, images, optional content and
 *    signature dictionaries do not; a rewritten appearance or field value passes as form filling only when the one
 *    field it belongs to (`diff/ownership.ts`, over the reference index of `diff/references.ts`) changed its value
 *    with it (`diff/appearance-rules.ts`); a field a signature locks (FieldMDP, § 12.8.2.4) may not change at all.
 * Streams are compared by their raw bytes and never decoded; only the objects a later cross-reference section
 * names are compared, so a 20 MB image costs nothing unless it was rewritten.
 */

import { type LockedFields, signatureLock } from "../forms/field-lock.js";
import { formFields } from "../pdf/acroform.js";
import type { StreamDecoder } from "../pdf/filters.js";
import { PdfDict } from "../pdf/objects.js";
import type { PdfReader } from "../pdf/reader.js";
import { judgeCatalog, judgeTrailer } from "./diff/catalog-rules.js";
import type { DiffContext } from "./diff/context.js";
import { Findings, maxLevel, rank } from "./diff/findings.js";
import { judgeForm } from "./diff/form-field-rules.js";
import { judgeOverrides } from "./diff/object-rules.js";
import { judgePages } from "./diff/page-rules.js";
import { splitRevisions } from "./diff/revisions.js";
import { labelRoles } from "./diff/roles.js";
import { judgeStructTree } from "./diff/structure-rules.js";
import { detailOf, type Message, message, reasonOf } from "./messages.js";
import type { ModificationLevel } from "./report.js";

export interface ModificationAnalysis {
  /** The most severe level over all changes after the signature; OTHER when DocMDP forbids what was done. */
  readonly level: ModificationLevel;
  /** One finding per change, naming the revision it is in ("revision 2 after signing: …"). */
  readonly reasons: Message[];
}

export interface ModificationOptions {
  /**
   * /P of the certification signature in force (ISO 32000-2 Table 257): 1 no changes (beyond DSS and document
   * time-stamps, § 12.8.2.2.2), 2 form filling and signing, 3 also annotations. Undefined: no certification.
   */
  readonly docMdp?: 1 | 2 | 3;
  /** The document's stream decoder (PdfReader.decoder), so that revision views share its cache and budget. */
  readonly decoder?: StreamDecoder;
}

/**
 * Analyses what changed after the revision a signature covers.
 * @param bytes the whole file
 * @param signedEnd the end of the signed revision (the end of the signature's /ByteRange)
 */
export function analyseModifications(
  bytes: Uint8Array,
  signedEnd: number,
  options: ModificationOptions = {},
): ModificationAnalysis {
  const split = splitRevisions(bytes, signedEnd, options.decoder);
  if (!split.ok) return { level: "OTHER", reasons: [split.reason] };
  let level: ModificationLevel = "NONE";
  const reasons: Message[] = [];
  let previous = split.signed;
  const locks = locksInForce(split.signed);
  for (const revision of split.later) {
    const findings = new Findings();
    try {
      const ctx: DiffContext = { old: previous, new: revision.reader, oldRoles: labelRoles(previous), findings, locks };
      const newSections = revision.reader.sections.slice(0, revision.reader.sections.length - previous.sections.length);
      judgeTrailer(ctx);
      judgeCatalog(ctx);
      const widgets = judgeForm(ctx);
      judgeStructTree(ctx, widgets);
      judgePages(ctx, widgets);
      judgeOverrides(ctx, newSections, widgets);
    } catch (e) {
      findings.add("OTHER", message("mod.revisionUnreadable", { detail: detailOf(e) }));
    }
    for (const f of findings.list) {
      const allowed = permitted(f.modification, options.docMdp);
      level = maxLevel(level, allowed);
      const reason = reasonOf(f);
      reasons.push(
        allowed === f.modification
          ? message("mod.inRevision", { revision: revision.index, reason })
          : message("mod.inRevisionNotPermitted", { revision: revision.index, reason, p: options.docMdp! }),
      );
    }
    previous = revision.reader;
  }
  return { level, reasons };
}

/**
 * The field locks of every signature the signed revision holds (§ 12.8.2.4): each signature's FieldMDP transform,
 * or the /Lock of its field. Locks only add up: a field one signature locked stays locked for all later ones.
 */
function locksInForce(reader: PdfReader): LockedFields[] {
  try {
    return formFields(reader).flatMap((f) => {
      const sig = f.type === "Sig" ? reader.resolve(f.dict.get("V")) : null;
      const lock = sig instanceof PdfDict ? signatureLock(reader, sig, f.dict) : undefined;
      return lock ? [lock] : [];
    });
  } catch {
    return []; // an unreadable form: the structural rules report it
  }
}

/** ISO 32000-2 Table 257: what each DocMDP permission allows; anything beyond becomes OTHER. */
export function permitted(level: ModificationLevel, docMdp: 1 | 2 | 3 | undefined): ModificationLevel {
  if (docMdp === undefined) return level;
  const ceiling: ModificationLevel = docMdp === 1 ? "LTA_UPDATES" : docMdp === 2 ? "FORM_FILLING" : "ANNOTATIONS";
  return rank(level) > rank(ceiling) ? "OTHER" : level;
}
