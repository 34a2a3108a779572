/**
 * Small secrets the platform must read back (TOTP seeds, the OIDC sign-in state cookie, webhook signing secrets),
 * sealed with AES-256-GCM (NIST SP 800-38D) under keys derived from the master key by HKDF-SHA256 (RFC 5869), one key
 * per purpose, so a value sealed for one purpose never opens as another. Sealed form: `v1.<base64url(iv ‖ ciphertext ‖ tag)>`.
 *
 * The master key is the one that encrypts software key files ({@link loadMasterKey}); it is loaded on first use,
 * so a platform whose keys are all in a PKCS#11 token gets a `master.key` only once someone enrols TOTP.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export type SecretPurpose = "totp-secret" | "oidc-state" | "webhook-secret" | "email-verification";

export interface SecretBox {
  /** Encrypts and authenticates `plaintext` for `purpose`. */
  seal(purpose: SecretPurpose, plaintext: string): Promise<string>;
  /** The plaintext, or undefined when `sealed` was not made by {@link seal} for `purpose` with this master key. */
  open(purpose: SecretPurpose, sealed: string): Promise<string | undefined>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A secret box over the master key `loadKey` supplies (called once, on first use). */
export function secretBox(loadKey: () => Promise<Buffer>): SecretBox {
  let master: Promise<Buffer> | undefined;
  const keyFor = async (purpose: SecretPurpose): Promise<Buffer> => {
    master ??= loadKey();
    const ikm = await master;
    return Buffer.from(hkdfSync("sha256", ikm, Buffer.alloc(0), `khatam ${purpose} v1`, 32));
  };
  return {
    async seal(purpose, plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", await keyFor(purpose), iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return `v1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
    },
    async open(purpose, sealed) {
      if (!sealed.startsWith("v1.")) return undefined;
      const bytes = Buffer.from(sealed.slice(3), "base64url");
      if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv("aes-256-gcm", await keyFor(purpose), bytes.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
      } catch {
        return undefined;
      }
    },
  };
}
