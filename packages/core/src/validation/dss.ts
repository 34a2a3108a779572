/**
 * The Document Security Store (ETSI EN 319 142-1 § 5.4.2; ISO 32000-2 § 12.8.4.3): certificates, OCSP responses
 * and CRLs added after signing so that signatures can be validated when the issuers' services are gone.
 */
import { DecodeBudgetExceeded } from "../pdf/filters.js";
import { PdfDict, PdfFormatError, PdfRef, PdfStream } from "../pdf/objects.js";
import type { PdfReader } from "../pdf/reader.js";

export interface DocumentSecurityStore {
  readonly certificates: Uint8Array[];
  readonly ocspResponses: Uint8Array[];
  readonly crls: Uint8Array[];
}

/**
 * Items read from each of /Certs, /OCSPs and /CRLs. A long-term archive holds a few per signer and renewal; a
 * hostile file lists one reference thousands of times to make every use of the store (path building, revocation
 * look-ups) repeat the work.
 */
export const MAX_DSS_ITEMS = 1000;
/** One certificate, OCSP response or CRL; a CRL of a large CA is a few MB. */
const MAX_DSS_ITEM_BYTES = 16 * 1024 * 1024;

/**
 * Reads the /DSS of the document's newest revision; empty when there is none. Damaged entries are skipped; a
 * reference listed twice is read once; streams are decoded through the document's decoder (once each, within its
 * budget), and reading stops when the budget is spent.
 */
export function readDss(reader: PdfReader): DocumentSecurityStore {
  const dss = reader.resolve(reader.catalog.get("DSS"));
  const read = (key: string): Uint8Array[] => {
    if (!(dss instanceof PdfDict)) return [];
    const arr = reader.resolve(dss.get(key));
    if (!Array.isArray(arr)) return [];
    const out: Uint8Array[] = [];
    const seen = new Set<number>();
    for (const item of arr) {
      if (out.length >= MAX_DSS_ITEMS) break;
      if (item instanceof PdfRef) {
        if (seen.has(item.num)) continue;
        seen.add(item.num);
      }
      try {
        const s = reader.resolve(item);
        if (!(s instanceof PdfStream)) continue;
        out.push(reader.decoder.decode(s, MAX_DSS_ITEM_BYTES));
      } catch (e) {
        if (e instanceof DecodeBudgetExceeded) break;
        if (!(e instanceof PdfFormatError)) throw e;
      }
    }
    return out;
  };
  return { certificates: read("Certs"), ocspResponses: read("OCSPs"), crls: read("CRLs") };
}
