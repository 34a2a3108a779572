/**
 * Where the trust services' private keys live: one {@link KeyStore} per backend.
 *
 * - {@link softwareKeyStore}: each key is a PKCS#8 PEM (a row of `trust_keys`, or a file) encrypted with AES-256-CBC (PBES2, scrypt-free OpenSSL
 *   defaults of Node: PBKDF2-HMAC-SHA256) under the master key. The master key is `KHATAM_MASTER_KEY` (base64,
 *   at least 32 bytes) or else 32 random bytes kept in `$KHATAM_DATA/master.key` (mode 0600). Keeping the master
 *   key beside the data only protects key files that travel without it (a copied key directory, a backup of the
 *   state); an operator who sets `KHATAM_MASTER_KEY` from a secret store keeps the two apart.
 * - {@link pkcs11KeyStore}: each key pair is generated in the token, private, sensitive and not extractable, labelled
 *   `khatam-<ca>-<role>` with a random CKA_ID; nothing but the label and id is written to disk.
 *
 * Durability: `create` has made the key durable (file fsynced and renamed, or token object created) before it
 * returns; the caller records the returned {@link KeyReference} in its own state afterwards. A crash in between
 * leaves an unreferenced key (a file that the next `create` overwrites, or a token object with an id nobody
 * names), never a reference to a missing key.
 */
import { createPrivateKey, type KeyObject, randomBytes } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type KeyType, softwareSigner } from "@khatam/core/keys";
import type { Pkcs11Session } from "@khatam/core/keys/pkcs11";
import type { RoleKey, TrustServiceRole } from "@khatam/core/pki";
import type { Db } from "../db/connect.js";
import { writeFileAtomic } from "./atomic-file.js";
import { freshKeyPair } from "./key-pregeneration.js";
import { insertTrustKey, trustKeyPem } from "./store.js";

/** How a stored key is found again; saved in the trust store's state. */
export type KeyReference =
  | { readonly kind: "file"; readonly file: string }
  | { readonly kind: "pkcs11"; readonly label: string; readonly id: string };

/** What a key is for: a role of a national PKI, or the platform's trusted-list signer (TS 119 612 § 5.7.1). */
export type KeyRole = TrustServiceRole | "tl-signer";

/** A place to create keys in and open them from again. */
export interface KeyStore {
  readonly kind: "software" | "pkcs11";
  /** Generates a key for `role` of CA `ca` (`platform` for the trusted-list signer), durably stored before this resolves. */
  create(ca: string, role: KeyRole, keyType: KeyType): Promise<{ key: RoleKey; reference: KeyReference }>;
  /**
   * Generates a key named `name` (lower-case letters, digits, hyphens), e.g. `user-<id>-<n>` for an official's
   * platform-held signing key: file `<name>.key.pem`, or token label `khatam-<name>`. Durable before this resolves.
   */
  createNamed(name: string, keyType: KeyType): Promise<{ key: RoleKey; reference: KeyReference }>;
  /** Opens a key created earlier (throws if it is gone or cannot be decrypted). */
  open(reference: KeyReference): Promise<RoleKey>;
  /** Releases the token session, if any. */
  close(): Promise<void>;
}

/** The master key: `KHATAM_MASTER_KEY` (base64) if given, else `$dataDir/master.key`, created on first use. */
export async function loadMasterKey(dataDir: string, fromEnvironment?: string): Promise<Buffer> {
  if (fromEnvironment) {
    const key = Buffer.from(fromEnvironment, "base64");
    if (key.length < 32) throw new Error("KHATAM_MASTER_KEY must be at least 32 bytes, base64-encoded");
    return key;
  }
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, "master.key");
  try {
    return decodeMasterKey(await readFile(path, "utf8"), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  // "wx": fail rather than overwrite if another process created it meanwhile; 0600: the owner only.
  const file = await open(path, "wx", 0o600).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === "EEXIST") return undefined;
    throw error;
  });
  if (!file) return decodeMasterKey(await readFile(path, "utf8"), path);
  try {
    await file.writeFile(`${key.toString("base64")}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  return key;
}

function decodeMasterKey(text: string, path: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length < 32) throw new Error(`${path} does not hold a 32-byte base64 master key`);
  return key;
}

/**
 * Software keys encrypted at rest (see the module comment). With `db`, new keys are rows of `trust_keys` — so that
 * every process of an instance, on any machine, opens the keys any of them made (issue 12.5) — named with a random
 * suffix, so that two processes making "the same" key (two first starts at once) never overwrite each other's;
 * keys made before, files in `directory`, still open. Without `db` (tools, tests), keys are files in `directory`.
 */
export function softwareKeyStore(directory: string, masterKey: Buffer, db?: Db): KeyStore {
  const passphrase = masterKey.toString("base64");
  const createNamed = async (name: string, keyType: KeyType) => {
    checkKeyName(name);
    const { privateKey } = await freshKeyPair(keyType);
    const pem = privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }) as string;
    let file: string;
    if (db) {
      file = `${name}-${randomBytes(6).toString("hex")}.key.pem`;
      await insertTrustKey(db, file, pem);
    } else {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      file = `${name}.key.pem`;
      await writeFileAtomic(join(directory, file), pem, 0o600);
    }
    return {
      key: { signer: softwareSigner(privateKey), privateKey },
      reference: { kind: "file", file } as KeyReference,
    };
  };
  const read = async (file: string): Promise<string> => {
    const stored = db && (await trustKeyPem(db, file));
    if (stored) return stored;
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(file)) throw new Error(`invalid key file name "${file}"`);
    return readFile(join(directory, file), "utf8");
  };
  return {
    kind: "software",
    create: (ca, role, keyType) => createNamed(`${ca}-${role}`, keyType),
    createNamed,
    async open(reference) {
      if (reference.kind !== "file") throw new Error("this key is in a PKCS#11 token: set KHATAM_PKCS11_MODULE");
      const pem = await read(reference.file);
      let privateKey: KeyObject;
      try {
        privateKey = createPrivateKey({ key: pem, format: "pem", passphrase });
      } catch {
        throw new Error(`cannot decrypt ${reference.file}: wrong master key (KHATAM_MASTER_KEY or master.key)?`);
      }
      return { signer: softwareSigner(privateKey), privateKey };
    },
    async close() {},
  };
}

/** Keys in a PKCS#11 token (see the module comment). */
export async function pkcs11KeyStore(options: { module: string; token?: string; pin?: string }): Promise<KeyStore> {
  // The PKCS#11 binding (a native addon) is loaded only for a token, not by every start with software keys.
  const { generateKeyPairInToken, openPkcs11, pkcs11Signer } = await import("@khatam/core/keys/pkcs11");
  const session: Pkcs11Session = await openPkcs11(options);
  const createNamed = async (name: string, keyType: KeyType) => {
    checkKeyName(name);
    const label = `khatam-${name}`;
    const signer = await generateKeyPairInToken(session, { label, keyType });
    const { id, ...rest } = signer;
    return {
      key: { signer: { ...rest, sign: signer.sign } },
      reference: { kind: "pkcs11", label, id: Buffer.from(id).toString("hex") } as KeyReference,
    };
  };
  return {
    kind: "pkcs11",
    create: (ca, role, keyType) => createNamed(`${ca}-${role}`, keyType),
    createNamed,
    async open(reference) {
      if (reference.kind !== "pkcs11") throw new Error("this key is a software key file, not in the PKCS#11 token");
      const signer = await pkcs11Signer(session, { label: reference.label, id: Buffer.from(reference.id, "hex") });
      return { signer };
    },
    close: () => session.close(),
  };
}

/** Key names become file names and token labels: no path separators, no surprises. */
function checkKeyName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,127}$/.test(name)) throw new Error(`invalid key name "${name}"`);
}
