/**
 * The certification signature and its DocMDP permission (ISO 32000-2 § 12.8.2.2): the signature whose dictionary
 * has a /Reference with /TransformMethod /DocMDP. Its /P limits what later revisions may change.
 */
import { docMdpTransform } from "../pdf/acroform.js";
import type { PdfReader } from "../pdf/reader.js";
import type { PdfSignature } from "./pdf-signatures.js";

export function docMdpOf(
  reader: PdfReader,
  signatures: readonly PdfSignature[],
): { signedEnd: number; permission: 1 | 2 | 3 } | undefined {
  for (const sig of signatures) {
    const permission = docMdpTransform(reader, sig.dict);
    if (permission !== undefined) return { signedEnd: sig.signedEnd, permission };
  }
  return undefined;
}
