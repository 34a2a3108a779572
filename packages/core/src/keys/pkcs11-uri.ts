/**
 * PKCS#11 URIs (RFC 7512): how a key in a token is named on the command line and in configuration, e.g.
 * `pkcs11:token=Agency%20HSM;object=signing-2025;type=private?pin-value=1234&module-path=/usr/lib/softhsm/libsofthsm2.so`
 */
import { KeyError } from "./errors.js";

/** The attributes of a PKCS#11 URI that select a key and the module and PIN to reach it. */
export interface Pkcs11Uri {
  /** `token=`: the token label (CK_TOKEN_INFO.label, without padding). */
  readonly token?: string;
  /** `object=`: the object label (CKA_LABEL). */
  readonly object?: string;
  /** `id=`: the object id (CKA_ID), raw bytes. */
  readonly id?: Uint8Array;
  /** `type=`: private, public, cert, secret-key or data. */
  readonly type?: string;
  /** `serial=`, `manufacturer=`, `model=`: further token selectors. */
  readonly serial?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  /** `slot-id=`: the slot number (RFC 7512 § 2.3, added by its errata as a path attribute). */
  readonly slotId?: number;
  /** `?pin-value=`: the user PIN (RFC 7512 § 2.3 query attribute). */
  readonly pinValue?: string;
  /** `?module-path=`: the PKCS#11 library to load. */
  readonly modulePath?: string;
}

const PATH_ATTRIBUTES = new Set([
  "token",
  "object",
  "id",
  "type",
  "serial",
  "manufacturer",
  "model",
  "slot-id",
  "library-manufacturer",
  "library-description",
  "library-version",
  "slot-description",
  "slot-manufacturer",
]);

/** Parses a `pkcs11:` URI; unknown vendor attributes (`x-…`) are ignored, malformed ones rejected. */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!/^pkcs11:/i.test(uri)) throw new KeyError("PKCS11", `not a PKCS#11 URI: ${uri.slice(0, 40)}`);
  const rest = uri.slice("pkcs11:".length);
  const at = rest.indexOf("?");
  const path = at === -1 ? rest : rest.slice(0, at);
  const query = at === -1 ? "" : rest.slice(at + 1);
  const result: Record<string, unknown> = {};
  for (const [separator, part, isQuery] of [
    [";", path, false],
    ["&", query, true],
  ] as const) {
    for (const pair of part.split(separator).filter(Boolean)) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new KeyError("PKCS11", `malformed PKCS#11 URI attribute "${pair}"`);
      const name = pair.slice(0, eq).toLowerCase();
      const raw = pair.slice(eq + 1);
      if (!isQuery && !PATH_ATTRIBUTES.has(name) && !name.startsWith("x-")) {
        throw new KeyError("PKCS11", `unknown PKCS#11 URI attribute "${name}"`);
      }
      switch (name) {
        case "id":
          result.id = percentDecodeBytes(raw);
          break;
        case "slot-id":
          result.slotId = Number(decode(raw));
          break;
        case "pin-value":
          result.pinValue = decode(raw);
          break;
        case "module-path":
          result.modulePath = decode(raw);
          break;
        case "token":
        case "object":
        case "type":
        case "serial":
        case "manufacturer":
        case "model":
          result[name] = decode(raw);
          break;
      }
    }
  }
  return result as Pkcs11Uri;
}

function decode(value: string): string {
  return Buffer.from(percentDecodeBytes(value)).toString("utf8");
}

/** Percent-decoding to bytes: `id=%01%a2` names binary ids, which need not be UTF-8. */
function percentDecodeBytes(value: string): Uint8Array {
  // Work on the UTF-8 bytes: '%' and hex digits are ASCII, so they cannot occur inside a multi-byte character.
  const bytes = Buffer.from(value, "utf8");
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x25) {
      const hex = bytes.subarray(i + 1, i + 3).toString("latin1");
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new KeyError("PKCS11", "malformed percent-encoding in PKCS#11 URI");
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else out.push(bytes[i]);
  }
  return new Uint8Array(out);
}
