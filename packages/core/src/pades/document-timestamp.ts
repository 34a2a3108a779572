/**
 * Document time-stamps (ISO 32000-2 § 12.8.5; ETSI EN 319 142-1 § 5.4.3): an RFC 3161 token over the byte range of
 * a revision, in a signature dictionary of /Type /DocTimeStamp with SubFilter ETSI.RFC3161. Added over a /DSS it
 * makes B-LTA; a later one renews the archive before the earlier's algorithms or certificates weaken.
 */

import type { HashAlgorithm } from "../keys/signer.js";
import { docMdpPermission } from "../pdf/acroform.js";
import { PdfName } from "../pdf/objects.js";
import { addSignatureRevision, openForSigning, SignError } from "./signature-revision.js";
import { obtainTimestamp, timestampReserve } from "./timestamp-source.js";

export interface DocumentTimestampOptions {
  /** RFC 3161 time-stamp authority. */
  readonly tsaUrl?: string;
  /** Custom time-stamping: returns a TimeStampToken (DER) for `digest`. */
  readonly timestamp?: (hash: HashAlgorithm, digest: Uint8Array) => Promise<Uint8Array>;
  readonly hash?: HashAlgorithm;
  readonly fieldName?: string;
}

/** Bytes reserved for a token: the TSA's certificate chain dominates it. */
const RESERVE = 10_000;

/** Adds a document time-stamp; returns the incremental update to append to `pdf`. */
export async function addDocumentTimestamp(pdf: Uint8Array, options: DocumentTimestampOptions): Promise<Uint8Array> {
  if (!options.tsaUrl && !options.timestamp) throw new SignError("a document time-stamp needs a time-stamp authority");
  const reader = openForSigning(pdf);
  if (docMdpPermission(reader) === 1)
    throw new SignError("the document is certified with no changes allowed; it cannot be time-stamped");
  const hash = options.hash ?? "SHA-256";
  return addSignatureRevision(reader, {
    entries: [
      ["Type", PdfName.of("DocTimeStamp")],
      ["Filter", PdfName.of("Adobe.PPKLite")],
      ["SubFilter", PdfName.of("ETSI.RFC3161")],
    ],
    fieldName: options.fieldName,
    reserve: timestampReserve(options, RESERVE),
    hash,
    produce: (digest) => obtainTimestamp(options, hash, digest),
  });
}
