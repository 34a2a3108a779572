/**
 * The trailer and the document catalog (pyHanko `rules/file_structure_rules.CatalogModificationRule`,
 * `rules/metadata_rules`).
 *
 * Catalog entries that may change after signing: /DSS (ETSI EN 319 142-1 § 5.4: validation data, LTA_UPDATES),
 * /Extensions, /Version, /MarkInfo, /Metadata (XMP, LTA_UPDATES), and /AcroForm (judged by the form rules). Any
 * other entry changing — /OpenAction, /AA, /Names (JavaScript, embedded files), /OCProperties (which optional
 * content is visible: the shadow "hide" and "replace" attacks of Mainka et al. 2021), /Pages, /Perms — is OTHER.
 */
import { PdfDict, PdfRef, PdfStream } from "../../pdf/objects.js";
import { type Message, message } from "../messages.js";
import { changedKeys, howChanged, sameValue } from "./compare.js";
import { type DiffContext, isFresh, resolveDict, rolesOf, safeResolve } from "./context.js";

/** Catalog keys whose change is validation or metadata housekeeping (ISO 32000-2 § 7.7.2, ETSI EN 319 142-1). */
const LTA_KEYS = new Set(["DSS", "Extensions", "Version", "MarkInfo", "Metadata"]);

/** The catalog entries whose meaning a reason spells out (messages `catalog.<key>`). */
const EXPLAINED = new Set([
  "OpenAction",
  "AA",
  "Names",
  "OCProperties",
  "Pages",
  "Perms",
  "Outlines",
  "Lang",
  "ViewerPreferences",
  "Collection",
] as const);
type Explained = typeof EXPLAINED extends Set<infer K> ? K : never;

export function judgeTrailer(ctx: DiffContext): void {
  const { old, new: neu, findings } = ctx;
  if (!sameValue(old.trailer.get("Encrypt"), neu.trailer.get("Encrypt")))
    findings.add("OTHER", message("mod.encryptChanged"));
  const oldInfo = old.trailer.get("Info");
  const newInfo = neu.trailer.get("Info");
  if (!sameValue(oldInfo, newInfo) && newInfo !== undefined) findings.add("LTA_UPDATES", message("mod.infoReplaced"));
  const oldRoot = old.trailer.get("Root");
  const newRoot = neu.trailer.get("Root");
  if (!sameValue(oldRoot, newRoot) && newRoot instanceof PdfRef && !isFresh(ctx, newRoot))
    findings.add("OTHER", message("mod.rootReused", { num: newRoot.num }));
}

export function judgeCatalog(ctx: DiffContext): void {
  const { old, new: neu, findings } = ctx;
  const before = resolveDict(old, old.trailer.get("Root"));
  const after = resolveDict(neu, neu.trailer.get("Root"));
  if (after === undefined) {
    findings.add("OTHER", message("mod.catalogMissing"));
    return;
  }
  for (const key of changedKeys(before, after)) {
    const was = before?.get(key);
    const now = after.get(key);
    const how = howChanged(was, now);
    if (key === "AcroForm" || key === "StructTreeRoot") continue; // form rules, structure rules
    if (key === "DSS") judgeDss(ctx, now, how);
    else if (key === "Metadata") judgeMetadata(ctx, now, how);
    else if (LTA_KEYS.has(key)) findings.add("LTA_UPDATES", message("mod.catalogKey", { key, how }));
    else if (EXPLAINED.has(key as Explained))
      findings.add(
        "OTHER",
        message("mod.catalogKeyExplained", { key, how, why: message(`catalog.${key as Explained}`) }),
      );
    else findings.add("OTHER", message("mod.catalogKey", { key, how }));
  }
}

/**
 * A new or changed DSS (ETSI EN 319 142-1 § 5.4.2) is LTA_UPDATES, provided it does not take over an object the
 * older revision used for something else (which would "explain" a change to, say, a page's content).
 */
function judgeDss(ctx: DiffContext, now: ReturnType<PdfDict["get"]>, how: Message): void {
  if (now !== undefined && !isFresh(ctx, now) && !rolesOf(ctx, now)?.has("dss")) {
    ctx.findings.add("OTHER", message("mod.catalogKeyReused", { key: "DSS", num: (now as PdfRef).num }));
    return;
  }
  if (now !== undefined && !(resolveDict(ctx.new, now) instanceof PdfDict)) {
    ctx.findings.add("OTHER", message("mod.dssNotDictionary"));
    return;
  }
  ctx.findings.add("LTA_UPDATES", message("mod.dss", { how }));
}

/** XMP metadata (§ 14.3.2): a stream of /Type /Metadata; pyHanko's MetadataUpdateRule allows it at LTA_UPDATES. */
function judgeMetadata(ctx: DiffContext, now: ReturnType<PdfDict["get"]>, how: Message): void {
  if (now === undefined) {
    ctx.findings.add("LTA_UPDATES", message("mod.metadata", { how: message("how.removed") }));
    return;
  }
  const stream = safeResolve(ctx.new, now);
  if (!(now instanceof PdfRef) || !(stream instanceof PdfStream) || stream.dict.name("Type") !== "Metadata") {
    ctx.findings.add("OTHER", message("mod.metadataNotStream"));
    return;
  }
  if (!isFresh(ctx, now) && !rolesOf(ctx, now)?.has("metadata")) {
    ctx.findings.add("OTHER", message("mod.catalogKeyReused", { key: "Metadata", num: now.num }));
    return;
  }
  ctx.findings.add("LTA_UPDATES", message("mod.metadata", { how }));
}
