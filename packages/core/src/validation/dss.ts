/**
 * The Document Security Store (ETSI EN 319 142-1 § 5.4.2; ISO 32000-2 § 12.8.4.3): certificates, OCSP responses
 * and CRLs added after signing so that signatures can be validated when the issuers' services are gone.
 */
import { decodeStream } from "../pdf/filters.js";
import { PdfDict, PdfFormatError, PdfStream } from "../pdf/objects.js";
import type { PdfReader } from "../pdf/reader.js";

export interface DocumentSecurityStore {
  readonly certificates: Uint8Array[];
  readonly ocspResponses: Uint8Array[];
  readonly crls: Uint8Array[];
}

/** Reads the /DSS of the document's newest revision; empty when there is none. Damaged entries are skipped. */
export function readDss(reader: PdfReader): DocumentSecurityStore {
  const dss = reader.resolve(reader.catalog.get("DSS"));
  const read = (key: string): Uint8Array[] => {
    if (!(dss instanceof PdfDict)) return [];
    const arr = reader.resolve(dss.get(key));
    if (!Array.isArray(arr)) return [];
    const out: Uint8Array[] = [];
    for (const item of arr.slice(0, 10_000)) {
      const s = reader.resolve(item);
      if (!(s instanceof PdfStream)) continue;
      try {
        out.push(decodeStream(s, 16 * 1024 * 1024));
      } catch (e) {
        if (!(e instanceof PdfFormatError)) throw e;
      }
    }
    return out;
  };
  return { certificates: read("Certs"), ocspResponses: read("OCSPs"), crls: read("CRLs") };
}
