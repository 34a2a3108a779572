/**
 * asn1js, loaded on first use. Only unusual inputs need it (encrypted keys, BER encodings, PKCS#12), and loading it
 * costs more than signing a small document, so the command line's signing path does not load it for a plain key.
 */
import { createRequire } from "node:module";
import type * as Asn1js from "asn1js";

let loaded: typeof Asn1js | undefined;

export function asn1js(): typeof Asn1js {
  loaded ??= createRequire(import.meta.url)("asn1js") as typeof Asn1js;
  return loaded;
}
