/**
 * Writing the Document Security Store (ETSI EN 319 142-1 § 5.4.2; ISO 32000-2 § 12.8.4.3): the certificates,
 * OCSP responses and CRLs a verifier needs, added in an incremental update after the signatures, merged with any
 * DSS already there. With a VRI entry per signature (keyed by the upper-case hex SHA-1 of its /Contents, § 12.8.4.4)
 * so that validators that look there find what belongs to which signature.
 */
import { sha } from "../cms/hash.js";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream } from "../pdf/objects.js";
import { IncrementalUpdate } from "../pdf/writer.js";
import { openForSigning } from "./signature-revision.js";

export interface ValidationData {
  readonly certificates: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
}

/** Per-signature validation data for VRI, keyed by the signature's CMS bytes (the /Contents value, unpadded). */
export interface SignatureValidationData extends ValidationData {
  readonly signatureContents: Uint8Array;
}

/** Adds (or extends) the DSS; returns the incremental update to append to `pdf`. */
export function addDss(
  pdf: Uint8Array,
  data: ValidationData,
  perSignature: readonly SignatureValidationData[] = [],
): Uint8Array {
  const reader = openForSigning(pdf);
  const update = new IncrementalUpdate(reader);
  const catalogRef = reader.trailer.get("Root") as PdfRef;
  const catalog = reader.catalog.clone();
  const oldDss = reader.resolve(catalog.get("DSS"));
  const dss = oldDss instanceof PdfDict ? oldDss.clone() : new PdfDict();

  // One stream per distinct item, shared between the DSS arrays and the VRI entries.
  const streams = new Map<string, PdfRef>();
  const streamFor = (bytes: Uint8Array): PdfRef => {
    const key = Buffer.from(sha("SHA-256", bytes)).toString("hex");
    let ref = streams.get(key);
    if (!ref) {
      ref = update.add(new PdfStream(new PdfDict(), bytes));
      streams.set(key, ref);
    }
    return ref;
  };
  const extend = (owner: PdfDict, key: string, items: readonly Uint8Array[]) => {
    if (items.length === 0) return;
    const existing = reader.resolve(owner.get(key));
    const refs: PdfObject[] = Array.isArray(existing) ? [...existing] : [];
    for (const item of items) {
      const ref = streamFor(item);
      if (!refs.some((r) => r instanceof PdfRef && r.equals(ref))) refs.push(ref);
    }
    owner.set(key, refs);
  };
  extend(dss, "Certs", dedupe(data.certificates));
  extend(dss, "OCSPs", dedupe(data.ocspResponses));
  extend(dss, "CRLs", dedupe(data.crls));

  if (perSignature.length > 0) {
    const oldVri = reader.resolve(dss.get("VRI"));
    const vri = oldVri instanceof PdfDict ? oldVri.clone() : new PdfDict();
    for (const s of perSignature) {
      const key = Buffer.from(sha("SHA-1", s.signatureContents)).toString("hex").toUpperCase();
      const entry = new PdfDict([["Type", PdfName.of("VRI")]]);
      extend(entry, "Cert", dedupe(s.certificates));
      extend(entry, "OCSP", dedupe(s.ocspResponses));
      extend(entry, "CRL", dedupe(s.crls));
      vri.set(key, entry);
    }
    dss.set("VRI", vri);
  }
  dss.set("Type", PdfName.of("DSS"));
  const dssRaw = catalog.get("DSS");
  if (dssRaw instanceof PdfRef) update.set(dssRaw, dss);
  else {
    catalog.set("DSS", update.add(dss));
    update.set(catalogRef, catalog);
  }
  return update.toBytes();
}

function dedupe(items: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = Buffer.from(sha("SHA-256", i)).toString("hex");
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
