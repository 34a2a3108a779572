/**
 * X.501 Names as X.509 uses them (RFC 5280 § 4.1.2.4): their RFC 4514 string form and the comparison of § 7.1.
 * Read with the BER reader, so names made by any producer compare and print the same way.
 */
import { type BerNode, oidOf, parseBer, stringOf } from "../validation/ber.js";

/** Name comparison (RFC 5280 § 7.1): byte equality, else the RFC 4514 forms ignoring case and spacing. */
export function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === b.length && a.every((x, i) => x === b[i])) return true;
  const na = normalisedName(a);
  return na !== undefined && na === normalisedName(b);
}

/** The compared form of a name, kept per byte array: the same certificates' names are compared over and over. */
const normalisedNames = new WeakMap<Uint8Array, string | undefined>();

function normalisedName(name: Uint8Array): string | undefined {
  if (normalisedNames.has(name)) return normalisedNames.get(name);
  let norm: string | undefined;
  try {
    norm = rfc4514(parseBer(name)).toLowerCase().replace(/\s+/g, " ");
  } catch {
    norm = undefined;
  }
  normalisedNames.set(name, norm);
  return norm;
}

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "SERIALNUMBER",
  "2.5.4.97": "organizationIdentifier",
  "2.5.4.4": "SN",
  "2.5.4.42": "GN",
  "1.2.840.113549.1.9.1": "E",
  "0.9.2342.19200300.100.1.25": "DC",
};

/** RFC 4514 § 2: RDNs last to first, `type=value`, multi-valued RDNs joined with `+`, specials escaped. */
export function rfc4514(name: BerNode): string {
  return [...name.children]
    .reverse()
    .map((rdn) =>
      rdn.children
        .map((atv) => {
          const type = oidOf(atv.children[0]);
          const text = atv.children[1] ? stringOf(atv.children[1]) : "";
          const escaped = text
            .replace(/([\\,+"<>;=])/g, "\\$1")
            .replace(/^([ #])/, "\\$1")
            .replace(/ $/, "\\ ");
          return `${SHORT_NAMES[type] ?? type}=${escaped}`;
        })
        .join("+"),
    )
    .join(",");
}

/** The value of the first attribute of type `oid` in a Name (e.g. countryName 2.5.4.6), or null. */
export function nameAttribute(name: BerNode, oid: string): string | null {
  for (const rdn of name.children)
    for (const atv of rdn.children)
      if (oidOf(atv.children[0]) === oid && atv.children[1]) return stringOf(atv.children[1]);
  return null;
}
