/**
 * The demo federation's CAs (CONTRACTS § 3): Japan with P-256 keys, Saudi Arabia with RSA-3072, unless the caller
 * (tests, `KHATAM_DEMO_KEY_TYPE`) chooses other types. Its own small module, so that main.ts can start their keys
 * before the rest of the server loads (key-pregeneration.ts).
 */
import type { KeyType } from "@khatam/core/keys";
import type { CaSpecification } from "./store.js";

export function demoCas(keyTypes: { readonly jp?: KeyType; readonly sa?: KeyType } = {}): CaSpecification[] {
  return [
    { id: "jp", country: "JP", organization: "Digital Agency", keyType: keyTypes.jp ?? "P-256" },
    { id: "sa", country: "SA", organization: "MCIT", keyType: keyTypes.sa ?? "RSA-3072" },
  ];
}
