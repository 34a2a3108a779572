/**
 * PAdES baseline signing (ETSI EN 319 142-1 § 5 and 6): B-B, and B-T with a signature time-stamp.
 *
 * The signature goes into one incremental update (ISO 32000-2 § 7.5.6) that adds a signature dictionary, a signature
 * field merged with its widget, and the changed page, form and catalog objects; nothing before it is touched. The
 * /Contents hole is reserved first, the rest of the file hashed around it, and the CMS written into the hole.
 */

import type { SignatureAppearance } from "../appearance/signature-appearance.js";
import { sha } from "../cms/hash.js";
import { assembleSignedData, attribute, OID, signAttributes } from "../cms/signed-data.js";
import { equalBytes } from "../crypto/bytes.js";
import type { FillValues } from "../forms/fill.js";
import { assertKeyMatchesCertificate } from "../keys/match.js";
import type { Signer } from "../keys/signer.js";
import { docMdpPermission, signedSignatureFields } from "../pdf/acroform.js";
import { PdfDict, PdfName } from "../pdf/objects.js";
import { formFillFor } from "./form-fill.js";
import {
  addSignatureRevision,
  cadesSignatureEntries,
  openForSigning,
  pdfDate,
  SignError,
} from "./signature-revision.js";
import { obtainTimestamp, timestampReserve } from "./timestamp-source.js";
import { visibleSignature } from "./visible-signature.js";

export { pdfDate, SignError };

/** DocMDP permissions of a certification signature (ISO 32000-2 Table 257). */
export type CertifyPermission = "no-changes" | "form-filling" | "annotations";
const DOCMDP_P: Record<CertifyPermission, 1 | 2 | 3> = { "no-changes": 1, "form-filling": 2, annotations: 3 };

export interface PadesSignOptions {
  readonly signer: Signer;
  /** The signer's certificate (DER). */
  readonly certificate: Uint8Array;
  /** Issuing CA certificates (and optionally the root), DER, embedded in the CMS. */
  readonly chain?: readonly Uint8Array[];
  /** B-B (default) or B-T; B-T needs `tsaUrl` or `timestamp`. */
  readonly level?: "B-B" | "B-T";
  /** RFC 3161 time-stamp authority for B-T. */
  readonly tsaUrl?: string;
  /** Custom time-stamping (e.g. an in-process TSA): returns a TimeStampToken for `digest`. */
  readonly timestamp?: (hash: Signer["algorithm"]["hash"], digest: Uint8Array) => Promise<Uint8Array>;
  /** Name of the signature field; a new unique one by default. An existing empty signature field is filled. */
  readonly fieldName?: string;
  readonly reason?: string;
  readonly location?: string;
  readonly contactInfo?: string;
  /** Make this a certification signature (DocMDP) with the given permission. */
  readonly certify?: CertifyPermission;
  /** Claimed signing time for /M (ETSI EN 319 142-1 § 5.4: not a signed attribute). Defaults to now. */
  readonly signingTime?: Date;
  /** 1-based page that carries a new field's widget; the first by default. */
  readonly page?: number;
  /**
   * A visible signature: its appearance is drawn in the field `fieldName` placed before signing, or in `rect` on
   * `page` for a new field, in the same revision as the signature. Absent: invisible (/Rect [0 0 0 0]).
   */
  readonly appearance?: SignatureAppearance;
  /** x1 y1 x2 y2 in the page's user space, for a visible signature in a new field. */
  readonly rect?: readonly [number, number, number, number];
  /** Bytes reserved for the CMS; estimated from the certificates when absent. */
  readonly reserve?: number;
  /**
   * Values for the signer's own placed fields (name → text, or true/false for a checkbox), written with their
   * appearances in the signature's own revision, so the signature covers them (forms/fill.ts). Needs `fieldName`
   * to be a signature field placed for the signer; refuses fields of others and leaves no required field empty.
   */
  readonly fill?: FillValues;
}

/** Bytes reserved for a signature time-stamp token when the TSA's size is not yet known. */
const TIMESTAMP_RESERVE = 7000;

/** Signs a PDF; returns the whole signed file. */
export async function signPdf(pdf: Uint8Array, options: PadesSignOptions): Promise<Uint8Array> {
  const update = await signPdfUpdate(pdf, options);
  const out = new Uint8Array(pdf.length + update.length);
  out.set(pdf, 0);
  out.set(update, pdf.length);
  return out;
}

/**
 * Signs a PDF and returns only the incremental update: the bytes to append to `pdf`. Lets large files be written
 * without a second copy in memory.
 */
export async function signPdfUpdate(pdf: Uint8Array, options: PadesSignOptions): Promise<Uint8Array> {
  checkKeyOnce(options.signer, options.certificate);
  const level = options.level ?? "B-B";
  if (level === "B-T" && !options.tsaUrl && !options.timestamp)
    throw new SignError("level B-T needs a time-stamp authority (--tsa URL)");
  const reader = openForSigning(pdf);
  if (docMdpPermission(reader) === 1)
    throw new SignError("the document is certified with no changes allowed; it cannot be signed again");
  if (options.certify && signedSignatureFields(reader).length > 0)
    throw new SignError("a certification signature must be the first signature; the document is already signed");

  // A visible signature shows its time; /M and a "date signed" field say the same unless told otherwise.
  const signingTime = options.signingTime ?? options.appearance?.signedAt ?? new Date();
  const form = await formFillFor(reader, options.fieldName, options.fill, {
    locale: options.appearance?.locale,
    signingTime,
  });
  const entries = cadesSignatureEntries({ ...options, signingTime });
  // § 12.8.1: the DocMDP and FieldMDP transforms of this signature, if any, in one /Reference array.
  const references = [...(options.certify ? [docMdpReference(DOCMDP_P[options.certify])] : []), ...form.references];
  if (references.length > 0) entries.push(["Reference", references]);

  const hash = options.signer.algorithm.hash;
  return addSignatureRevision(reader, {
    entries,
    fieldName: options.fieldName,
    page: options.page,
    visible: options.appearance ? await visibleSignature(options.appearance, options.rect) : undefined,
    alsoWrite: form.write,
    catalogEntries: options.certify ? (sigRef) => [["Perms", new PdfDict([["DocMDP", sigRef]])]] : undefined,
    reserve: options.reserve ?? estimateReserve(options),
    hash,
    produce: async (digest) => {
      const parts = await signAttributes({
        contentDigest: digest,
        signer: options.signer,
        certificate: options.certificate,
        chain: options.chain,
      });
      const unsigned: Uint8Array[] = [];
      if (level === "B-T") {
        // ETSI EN 319 122-1 § 5.3: the signature time-stamp covers the signature value.
        const imprint = sha(hash, parts.signature);
        const token = await obtainTimestamp(options, hash, imprint);
        unsigned.push(attribute(OID.signatureTimeStampToken, token));
      }
      return assembleSignedData(parts, unsigned);
    },
  });
}

/** Certificates already checked against each signer: in bulk signing the check would otherwise dominate. */
const checkedKeys = new WeakMap<Signer, Uint8Array>();

function checkKeyOnce(signer: Signer, certificate: Uint8Array): void {
  // By content: a server reads the same certificate afresh for every request while it keeps the signer open.
  const checked = checkedKeys.get(signer);
  if (checked && (checked === certificate || equalBytes(checked, certificate))) return;
  assertKeyMatchesCertificate(signer, certificate);
  checkedKeys.set(signer, certificate);
}

/** ISO 32000-2 § 12.8.2.2: the signature reference dictionary of a certification signature. */
function docMdpReference(p: 1 | 2 | 3): PdfDict {
  const params = new PdfDict([
    ["Type", PdfName.of("TransformParams")],
    ["P", p],
    ["V", PdfName.of("1.2")],
  ]);
  return new PdfDict([
    ["Type", PdfName.of("SigRef")],
    ["TransformMethod", PdfName.of("DocMDP")],
    ["TransformParams", params],
  ]);
}

function estimateReserve(options: PadesSignOptions): number {
  const certs = [options.certificate, ...(options.chain ?? [])].reduce((n, c) => n + c.length, 0);
  const sig = options.signer.publicKeySpki.length + 16; // an RSA signature is about as long as its modulus
  const ts = (options.level ?? "B-B") === "B-T" ? timestampReserve(options, TIMESTAMP_RESERVE) : 0;
  return certs + sig + ts + 1024;
}
