// Building documents with revisions after a signature, for the modification-analysis tests: a test signer,
// signing through signPdf, and helpers that append incremental updates the way an attacker (or a form filler,
// annotator, LTA tool) would.

import type { Signer } from "../../src/keys/signer.js";
import { generateKey, softwareSigner } from "../../src/keys/software.js";
import { signPdf } from "../../src/pades/sign.js";
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from "../../src/pdf/objects.js";
import { PdfReader } from "../../src/pdf/reader.js";
import { IncrementalUpdate } from "../../src/pdf/writer.js";
import { createRootCertificate } from "../../src/pki/authority.js";

let identity: Promise<{ signer: Signer; certificate: Uint8Array }> | undefined;

/** A P-256 key with a self-signed certificate, made once per process. */
export function testSigner(): Promise<{ signer: Signer; certificate: Uint8Array }> {
  identity ??= (async () => {
    const { privateKey } = await generateKey("P-256");
    const signer = softwareSigner(privateKey);
    const cert = await createRootCertificate({ subject: { commonName: "Diff Test Signer", country: "JP" }, signer });
    return { signer, certificate: cert.der };
  })();
  return identity;
}

/** Signs `pdf` (optionally certifying) and returns the file and the end of the signed revision. */
export async function signed(
  pdf: Uint8Array,
  options: { certify?: "no-changes" | "form-filling" | "annotations"; fieldName?: string } = {},
): Promise<{ pdf: Uint8Array; signedEnd: number }> {
  const { signer, certificate } = await testSigner();
  const out = await signPdf(pdf, { signer, certificate, ...options });
  return { pdf: out, signedEnd: out.length };
}

/** Appends one incremental update built by `build`; returns the whole new file. */
export function append(pdf: Uint8Array, build: (reader: PdfReader, update: IncrementalUpdate) => void): Uint8Array {
  const reader = PdfReader.open(pdf);
  const update = new IncrementalUpdate(reader);
  build(reader, update);
  const tail = update.toBytes();
  const out = new Uint8Array(pdf.length + tail.length);
  out.set(pdf, 0);
  out.set(tail, pdf.length);
  return out;
}

export const name = (n: string): PdfName => PdfName.of(n);
export const text = (s: string): PdfString => PdfString.text(s);
export const dict = (entries: Record<string, PdfObject>): PdfDict => new PdfDict(Object.entries(entries));
export const stream = (entries: Record<string, PdfObject>, data: string): PdfStream =>
  new PdfStream(dict(entries), new TextEncoder().encode(data));

/** The reference of the n-th page (0-based) and its dictionary. */
export function page(reader: PdfReader, index = 0): { ref: PdfRef; dict: PdfDict } {
  const ref = reader.pages()[index]!;
  return { ref, dict: reader.dict(ref, "page") };
}

/** Adds `annot` (a new object) to the /Annots of the first page. */
export function addAnnotation(reader: PdfReader, update: IncrementalUpdate, annot: PdfDict): PdfRef {
  const { ref, dict: pageDict } = page(reader);
  const a = update.add(annot.set("P", ref));
  const current = reader.resolve(pageDict.get("Annots"));
  update.set(ref, pageDict.clone().set("Annots", [...(Array.isArray(current) ? current : []), a]));
  return a;
}

/**
 * Adds a signature field holding a (cryptographically meaningless) signature dictionary, the way another signer
 * or an LTA tool would: a new widget on page 1, appended to /AcroForm /Fields. `docTimeStamp` makes it a
 * document time-stamp (ETSI.RFC3161).
 */
export function addSignatureField(
  reader: PdfReader,
  update: IncrementalUpdate,
  options: { name: string; docTimeStamp?: boolean; rect?: number[]; appearance?: string },
): void {
  const sig = update.add(
    dict({
      Type: name(options.docTimeStamp ? "DocTimeStamp" : "Sig"),
      Filter: name("Adobe.PPKLite"),
      SubFilter: name(options.docTimeStamp ? "ETSI.RFC3161" : "ETSI.CAdES.detached"),
      ByteRange: [0, 10, 20, 30],
      Contents: new PdfString(new Uint8Array(64), true),
    }),
  );
  const widget = dict({
    Type: name("Annot"),
    Subtype: name("Widget"),
    FT: name("Sig"),
    T: text(options.name),
    V: sig,
    F: 132,
    Rect: options.rect ?? [0, 0, 0, 0],
  });
  if (options.appearance !== undefined)
    widget.set(
      "AP",
      dict({
        N: update.add(
          stream(
            { Type: name("XObject"), Subtype: name("Form"), BBox: options.rect ?? [0, 0, 0, 0] },
            options.appearance,
          ),
        ),
      }),
    );
  const w = addAnnotation(reader, update, widget);
  const catalog = reader.catalog;
  const acroRef = catalog.get("AcroForm");
  const acro = reader.resolve(acroRef);
  const acroDict = acro instanceof PdfDict ? acro.clone() : new PdfDict();
  const fields = reader.resolve(acroDict.get("Fields"));
  acroDict.set("Fields", [...(Array.isArray(fields) ? fields : []), w]).set("SigFlags", 3);
  if (acroRef instanceof PdfRef) update.set(acroRef, acroDict);
  else update.set(reader.trailer.get("Root") as PdfRef, catalog.clone().set("AcroForm", update.add(acroDict)));
}

/** Adds a /DSS with one certificate stream to the catalog (ETSI EN 319 142-1 § 5.4.2). */
export function addDss(reader: PdfReader, update: IncrementalUpdate, certificate: Uint8Array): void {
  const cert = update.add(new PdfStream(new PdfDict(), certificate));
  const dss = update.add(dict({ Certs: [cert], OCSPs: [], CRLs: [] }));
  update.set(reader.trailer.get("Root") as PdfRef, reader.catalog.clone().set("DSS", dss));
}
