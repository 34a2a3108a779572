/**
 * Reading the RFC 4514 strings of the validation report (`CN=Hanako Sato,O=Digital Agency,C=JP`) into the parts a
 * reader needs: name, organisation, country. Escaped commas (`\,`) and quoted values stay inside their value.
 */
export interface NameParts {
  readonly commonName: string | null;
  readonly organization: string | null;
  readonly country: string | null;
}

/** The attribute type/value pairs of `dn`, in order; values unescaped. */
export function parseDistinguishedName(dn: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < dn.length) {
    const eq = dn.indexOf("=", i);
    if (eq < 0) break;
    const type = dn.slice(i, eq).trim().toUpperCase();
    const bytes: number[] = [];
    const add = (text: string) => bytes.push(...new TextEncoder().encode(text));
    let j = eq + 1;
    let quoted = false;
    for (; j < dn.length; j++) {
      const c = dn[j]!;
      if (c === "\\" && j + 1 < dn.length) {
        const hex = /^[0-9a-fA-F]{2}/.exec(dn.slice(j + 1, j + 3));
        if (hex) {
          bytes.push(Number.parseInt(hex[0], 16)); // one UTF-8 byte
          j += 2;
        } else {
          add(dn[++j]!);
        }
      } else if (c === '"') {
        quoted = !quoted;
      } else if ((c === "," || c === "+") && !quoted) {
        break;
      } else {
        add(c);
      }
    }
    out.push([type, new TextDecoder().decode(new Uint8Array(bytes)).trim()]);
    i = j + 1;
  }
  return out;
}

export function nameParts(dn: string): NameParts {
  const pairs = parseDistinguishedName(dn);
  const get = (...types: string[]) => pairs.find(([t]) => types.includes(t))?.[1] ?? null;
  return {
    commonName: get("CN", "2.5.4.3"),
    organization: get("O", "2.5.4.10"),
    country: get("C", "2.5.4.6"),
  };
}
