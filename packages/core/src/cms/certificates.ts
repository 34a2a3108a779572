/**
 * Certificates carried by CMS structures, byte for byte as they were embedded.
 */
import { children, DerError, readOid, readTlv, type Tlv, whole } from "./der.js";
import { OID } from "./signed-data.js";

/**
 * The certificates of a CMS SignedData (RFC 5652 § 5.1) and of the time-stamp tokens in its signers' unsigned
 * attributes, found by walking the DER. Input this walker cannot read (BER from some producers) yields none.
 */
export function certificatesInCms(cms: Uint8Array): Uint8Array[] {
  try {
    const out: Uint8Array[] = [];
    const [type, explicit] = children(cms, readTlv(cms));
    if (!type || readOid(cms, type) !== OID.signedData || !explicit) return [];
    const sd = children(cms, explicit)[0]!;
    for (const f of children(cms, sd)) {
      if (f.tag === 0xa0) for (const c of children(cms, f)) if (c.tag === 0x30) out.push(whole(cms, c).slice());
      if (f.tag === 0x31) for (const si of children(cms, f)) out.push(...tokensIn(cms, si).flatMap(certificatesInCms));
    }
    return out;
  } catch (e) {
    if (e instanceof DerError) return [];
    throw e;
  }
}

function tokensIn(cms: Uint8Array, signerInfo: Tlv): Uint8Array[] {
  const unsigned = children(cms, signerInfo).find((t) => t.tag === 0xa1);
  if (!unsigned) return [];
  const tokens: Uint8Array[] = [];
  for (const attr of children(cms, unsigned)) {
    const [type, values] = children(cms, attr);
    if (type && values && readOid(cms, type) === OID.signatureTimeStampToken)
      for (const v of children(cms, values)) tokens.push(whole(cms, v));
  }
  return tokens;
}
