/**
 * Keys in a PKCS#11 token (an HSM, a smart card, SoftHSM in tests): signing happens in the token, the private key
 * never leaves it (PKCS#11 v2.40 § 4.9: CKA_SENSITIVE, CKA_EXTRACTABLE).
 *
 * Concurrency: a PKCS#11 session runs one cryptographic operation at a time (C_SignInit … C_Sign belong together), and
 * `Signer.sign` may be called concurrently. Each `Pkcs11Session` therefore serialises its operations through a
 * promise queue: simple, correct on every token, and enough for a signer whose work is one short C_Sign per PDF.
 * The C_Sign itself runs asynchronously (pkcs11js's thread-pool variant) so a slow network HSM does not block the
 * event loop. A deployment that needs parallel signatures opens several sessions (one `openPkcs11` each); the
 * module is initialised once per process and reference-counted, because C_Initialize/C_Finalize are process-wide.
 */
import { createHash, createPublicKey, randomBytes } from "node:crypto";
import * as asn1js from "asn1js";
import pkcs11js from "pkcs11js";
import { Certificate } from "../x509/certificate.js";
import { p1363ToDer } from "./ecdsa-sig-value.js";
import { KeyError } from "./errors.js";
import { parsePkcs11Uri } from "./pkcs11-uri.js";
import type { HashAlgorithm, SignatureAlgorithm, Signer } from "./signer.js";
import { algorithmFor, type KeyType } from "./software.js";

type Handle = Buffer;

/** Where the token is and how to log in. */
export interface Pkcs11Options {
  /** Path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly module: string;
  /** Token label; when absent, the first slot with a token. */
  readonly token?: string;
  /** User PIN; when absent the session is not logged in (public objects only). */
  readonly pin?: string;
}

/** A logged-in session on one token. Operations are serialised (see the module comment); `close` ends it. */
export interface Pkcs11Session {
  /** The token's label, trimmed. */
  readonly tokenLabel: string;
  /** Runs `operation` with the raw pkcs11js API and session handle, after every operation queued before it. */
  run<T>(operation: (p11: pkcs11js.PKCS11, session: Handle) => T | Promise<T>): Promise<T>;
  /** Logs out, closes the session and, when it was the module's last session, finalises the module. */
  close(): Promise<void>;
}

/** How a key is found: by CKA_LABEL or CKA_ID (either, or both). */
export interface Pkcs11KeySelector {
  readonly label?: string;
  readonly id?: Uint8Array;
}

/** Loaded modules by path, with the number of open sessions on each. */
const modules = new Map<string, { p11: pkcs11js.PKCS11; sessions: number }>();

/** Wraps a pkcs11js error into a KeyError with the CKR_ name, e.g. "PKCS#11 C_Login failed: CKR_PIN_INCORRECT". */
function p11Error(what: string, error: unknown): KeyError {
  if (error instanceof KeyError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/CKR_PIN_INCORRECT/.test(message))
    return new KeyError("PKCS11", "wrong PIN for the PKCS#11 token", { cause: error });
  if (/CKR_PIN_LOCKED/.test(message))
    return new KeyError("PKCS11", "the PKCS#11 token's PIN is locked", { cause: error });
  return new KeyError("PKCS11", `PKCS#11 ${what} failed: ${message.split("\n")[0]}`, { cause: error });
}

function loadModule(path: string): pkcs11js.PKCS11 {
  const loaded = modules.get(path);
  if (loaded) {
    loaded.sessions++;
    return loaded.p11;
  }
  const p11 = new pkcs11js.PKCS11();
  try {
    p11.load(path);
  } catch (error) {
    throw new KeyError("PKCS11", `cannot load the PKCS#11 module ${path}`, { cause: error });
  }
  try {
    p11.C_Initialize();
  } catch (error) {
    // Another library in this process may have initialised the module already; that is fine to share.
    if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test(String(error))) throw p11Error("C_Initialize", error);
  }
  modules.set(path, { p11, sessions: 1 });
  return p11;
}

function releaseModule(path: string): void {
  const loaded = modules.get(path);
  if (!loaded || --loaded.sessions > 0) return;
  modules.delete(path);
  try {
    loaded.p11.C_Finalize();
  } finally {
    loaded.p11.close();
  }
}

/** Opens a read-write session on the token and logs in with the PIN. */
export async function openPkcs11(options: Pkcs11Options): Promise<Pkcs11Session> {
  const p11 = loadModule(options.module);
  let session: Handle | undefined;
  try {
    const slots = p11.C_GetSlotList(true);
    const slot = slots.find((s) => options.token === undefined || p11.C_GetTokenInfo(s).label.trim() === options.token);
    if (!slot) {
      throw new KeyError(
        "PKCS11",
        options.token ? `no PKCS#11 token labelled "${options.token}"` : "no PKCS#11 token present",
      );
    }
    const tokenLabel = p11.C_GetTokenInfo(slot).label.trim();
    session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    if (options.pin !== undefined) {
      try {
        p11.C_Login(session, pkcs11js.CKU_USER, options.pin);
      } catch (error) {
        // Login state is per token and application: a second session of ours is already logged in.
        if (!/CKR_USER_ALREADY_LOGGED_IN/.test(String(error))) throw p11Error("C_Login", error);
      }
    }
    return newSession(p11, session, tokenLabel, options.module);
  } catch (error) {
    if (session) p11.C_CloseSession(session);
    releaseModule(options.module);
    throw p11Error("opening the session", error);
  }
}

function newSession(p11: pkcs11js.PKCS11, session: Handle, tokenLabel: string, module: string): Pkcs11Session {
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const run = <T>(operation: (p11: pkcs11js.PKCS11, session: Handle) => T | Promise<T>): Promise<T> => {
    const next = queue.then(() => {
      if (closed) throw new KeyError("PKCS11", "the PKCS#11 session is closed");
      return operation(p11, session);
    });
    queue = next.catch(() => undefined); // one failed operation must not poison the ones queued after it
    return next;
  };
  return {
    tokenLabel,
    run,
    async close() {
      await run(() => {
        closed = true;
        // C_CloseSession of the last session logs the token out (PKCS#11 § 5.6), so no explicit C_Logout: it would
        // log out other sessions of this process on the same token too.
        p11.C_CloseSession(session);
        releaseModule(module);
      });
    },
  };
}

/** Finds one object of `objectClass` matching the selector; undefined when there is none. */
function findObject(
  p11: pkcs11js.PKCS11,
  session: Handle,
  objectClass: number,
  key: Pkcs11KeySelector,
): Handle | undefined {
  const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: objectClass }];
  if (key.label !== undefined) template.push({ type: pkcs11js.CKA_LABEL, value: key.label });
  if (key.id !== undefined) template.push({ type: pkcs11js.CKA_ID, value: Buffer.from(key.id) });
  p11.C_FindObjectsInit(session, template);
  try {
    const found = p11.C_FindObjects(session, 2);
    if (found.length > 1) throw new KeyError("PKCS11", `more than one PKCS#11 object matches ${describe(key)}`);
    return found[0];
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

function describe(key: Pkcs11KeySelector): string {
  const parts = [];
  if (key.label !== undefined) parts.push(`label "${key.label}"`);
  if (key.id !== undefined) parts.push(`id ${Buffer.from(key.id).toString("hex")}`);
  return parts.join(" and ") || "(no selector)";
}

function attribute(p11: pkcs11js.PKCS11, session: Handle, object: Handle, type: number): Buffer {
  return p11.C_GetAttributeValue(session, object, [{ type }])[0].value;
}

/**
 * The SubjectPublicKeyInfo of a key pair in the token, built from its public key object (RFC 5480 for EC:
 * CKA_EC_PARAMS is the DER of the curve's OID, CKA_EC_POINT the DER OCTET STRING around the point; RFC 8017 for
 * RSA: modulus and public exponent).
 */
function publicKeySpki(p11: pkcs11js.PKCS11, session: Handle, key: Pkcs11KeySelector): Uint8Array {
  const object = findObject(p11, session, pkcs11js.CKO_PUBLIC_KEY, key);
  if (!object) throw new KeyError("PKCS11", `no PKCS#11 public key with ${describe(key)}: it is needed for the SPKI`);
  const keyType = attribute(p11, session, object, pkcs11js.CKA_KEY_TYPE).readUIntLE(0, 4);
  if (keyType === pkcs11js.CKK_EC) {
    const params = attribute(p11, session, object, pkcs11js.CKA_EC_PARAMS);
    const rawPoint = attribute(p11, session, object, pkcs11js.CKA_EC_POINT);
    // PKCS#11 says DER OCTET STRING; some tokens return the bare point (it starts with 04, 02 or 03, never 04 len).
    const parsed = asn1js.fromBER(rawPoint);
    const point =
      parsed.offset === rawPoint.length && parsed.result instanceof asn1js.OctetString
        ? new Uint8Array(parsed.result.getValue())
        : new Uint8Array(rawPoint);
    const spki = new asn1js.Sequence({
      value: [
        new asn1js.Sequence({
          value: [new asn1js.ObjectIdentifier({ value: "1.2.840.10045.2.1" }), asn1js.fromBER(params).result],
        }),
        new asn1js.BitString({ valueHex: point }),
      ],
    });
    return new Uint8Array(spki.toBER());
  }
  if (keyType === pkcs11js.CKK_RSA) {
    const n = attribute(p11, session, object, pkcs11js.CKA_MODULUS);
    const e = attribute(p11, session, object, pkcs11js.CKA_PUBLIC_EXPONENT);
    const jwk = { kty: "RSA", n: n.toString("base64url"), e: e.toString("base64url") };
    return new Uint8Array(createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" }));
  }
  throw new KeyError("UNSUPPORTED_KEY_TYPE", `unsupported key type in the PKCS#11 token (CKK ${keyType})`);
}

const HASH_MECHANISMS: Record<HashAlgorithm, { digest: number; rsa: number; pss: number; mgf: number }> = {
  "SHA-256": {
    digest: pkcs11js.CKM_SHA256,
    rsa: pkcs11js.CKM_SHA256_RSA_PKCS,
    pss: pkcs11js.CKM_SHA256_RSA_PKCS_PSS,
    mgf: pkcs11js.CKG_MGF1_SHA256,
  },
  "SHA-384": {
    digest: pkcs11js.CKM_SHA384,
    rsa: pkcs11js.CKM_SHA384_RSA_PKCS,
    pss: pkcs11js.CKM_SHA384_RSA_PKCS_PSS,
    mgf: pkcs11js.CKG_MGF1_SHA384,
  },
  "SHA-512": {
    digest: pkcs11js.CKM_SHA512,
    rsa: pkcs11js.CKM_SHA512_RSA_PKCS,
    pss: pkcs11js.CKM_SHA512_RSA_PKCS_PSS,
    mgf: pkcs11js.CKG_MGF1_SHA512,
  },
};

/** The mechanism for `algorithm`, and whether the data must be hashed here first (CKM_ECDSA signs a digest). */
function mechanismFor(algorithm: SignatureAlgorithm): { mechanism: pkcs11js.Mechanism; prehash: boolean } {
  const m = HASH_MECHANISMS[algorithm.hash];
  switch (algorithm.kind) {
    case "ecdsa":
      // Hash here rather than CKM_ECDSA_SHA256…: many tokens (SoftHSM included) lack the combined mechanisms.
      return { mechanism: { mechanism: pkcs11js.CKM_ECDSA }, prehash: true };
    case "rsa-pkcs1":
      return { mechanism: { mechanism: m.rsa }, prehash: false };
    case "rsa-pss": {
      const parameter = {
        type: pkcs11js.CK_PARAMS_RSA_PSS,
        hashAlg: m.digest,
        mgf: m.mgf,
        saltLen: algorithm.saltLength,
      };
      return { mechanism: { mechanism: m.pss, parameter }, prehash: false };
    }
  }
}

/**
 * A Signer over a private key in the token, found by label and/or id. The matching public key object (same
 * selector) supplies `publicKeySpki`. RSA keys sign PKCS#1 v1.5 unless `pss`; the hash follows the key's strength
 * unless given.
 */
export async function pkcs11Signer(
  session: Pkcs11Session,
  key: Pkcs11KeySelector,
  options: { hash?: HashAlgorithm; pss?: boolean } = {},
): Promise<Signer> {
  if (key.label === undefined && key.id === undefined)
    throw new KeyError("PKCS11", "a PKCS#11 key needs a label or an id");
  const { privateKey, spki } = await session.run((p11, h) => {
    try {
      const privateKey = findObject(p11, h, pkcs11js.CKO_PRIVATE_KEY, key);
      if (!privateKey) {
        throw new KeyError("PKCS11", `no PKCS#11 private key with ${describe(key)} in token "${session.tokenLabel}"`);
      }
      return { privateKey, spki: publicKeySpki(p11, h, key) };
    } catch (error) {
      throw p11Error("finding the key", error);
    }
  });
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  const algorithm = algorithmFor(publicKey, options);
  const { mechanism, prehash } = mechanismFor(algorithm);
  const nodeHash = algorithm.hash.replace("-", "").toLowerCase();
  // Room for the largest signature: RSA modulus length, or 2 × 66 bytes for P-521.
  const signatureLength =
    publicKey.asymmetricKeyType === "ec" ? 132 : (publicKey.asymmetricKeyDetails?.modulusLength ?? 4096) / 8;
  return {
    algorithm,
    publicKeySpki: spki,
    sign(data) {
      const input = prehash ? createHash(nodeHash).update(data).digest() : Buffer.from(data);
      return session.run(async (p11, h) => {
        try {
          p11.C_SignInit(h, mechanism, privateKey);
          const signature = await p11.C_SignAsync(h, input, Buffer.alloc(signatureLength));
          return algorithm.kind === "ecdsa" ? p1363ToDer(new Uint8Array(signature)) : new Uint8Array(signature);
        } catch (error) {
          throw p11Error("C_Sign", error);
        }
      });
    },
  };
}

/** DER of the named-curve OIDs, the CKA_EC_PARAMS of generated EC keys. */
const CURVE_PARAMS: Record<string, string> = {
  "P-256": "06082a8648ce3d030107",
  "P-384": "06052b81040022",
  "P-521": "06052b81040023",
};

/**
 * Generates a key pair inside the token and returns a Signer for it. The private key is a token object that is
 * private, sensitive and not extractable: it can sign and nothing else, and its value can never be read out.
 * `id` defaults to 16 random bytes (CKA_ID ties the key to the certificate imported later).
 */
export async function generateKeyPairInToken(
  session: Pkcs11Session,
  options: { label: string; id?: Uint8Array; keyType: KeyType; hash?: HashAlgorithm; pss?: boolean },
): Promise<Signer & { readonly id: Uint8Array }> {
  const id = options.id ?? new Uint8Array(randomBytes(16));
  const common = [
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_LABEL, value: options.label },
    { type: pkcs11js.CKA_ID, value: Buffer.from(id) },
  ];
  const publicTemplate: pkcs11js.Template = [
    ...common,
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_VERIFY, value: true },
  ];
  const privateTemplate: pkcs11js.Template = [
    ...common,
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
  ];
  let mechanism: number;
  if (options.keyType.startsWith("RSA-")) {
    mechanism = pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN;
    publicTemplate.push(
      { type: pkcs11js.CKA_MODULUS_BITS, value: Number(options.keyType.slice(4)) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
    );
  } else {
    mechanism = pkcs11js.CKM_EC_KEY_PAIR_GEN;
    publicTemplate.push({ type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from(CURVE_PARAMS[options.keyType], "hex") });
  }
  await session.run(async (p11, h) => {
    try {
      await p11.C_GenerateKeyPairAsync(h, { mechanism }, publicTemplate, privateTemplate);
    } catch (error) {
      throw p11Error("C_GenerateKeyPair", error);
    }
  });
  const signer = await pkcs11Signer(session, { label: options.label, id }, options);
  return { ...signer, id };
}

/** Stores a certificate in the token beside its key (same CKA_ID and label), as smart-card middleware expects. */
export async function importCertificate(
  session: Pkcs11Session,
  options: { label: string; id: Uint8Array; certificate: Uint8Array },
): Promise<void> {
  // PKCS#11 § 4.6.3: CKA_SUBJECT, CKA_ISSUER and CKA_SERIAL_NUMBER are the DER of those certificate fields.
  const certificate = Certificate.fromDer(options.certificate);
  await session.run((p11, h) => {
    try {
      p11.C_CreateObject(h, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: options.label },
        { type: pkcs11js.CKA_ID, value: Buffer.from(options.id) },
        { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(certificate.subjectDer) },
        { type: pkcs11js.CKA_ISSUER, value: Buffer.from(certificate.issuerDer) },
        { type: pkcs11js.CKA_SERIAL_NUMBER, value: Buffer.from(certificate.serialNumberDer) },
        { type: pkcs11js.CKA_VALUE, value: Buffer.from(options.certificate) },
      ]);
    } catch (error) {
      throw p11Error("C_CreateObject", error);
    }
  });
}

/**
 * Opens the key a `pkcs11:` URI names: the module from `module-path` (or `options.module`), the PIN from `pin-value`
 * (or `options.pin`). The caller closes the returned session when done signing.
 */
export async function pkcs11SignerFromUri(
  uri: string,
  options: { module?: string; pin?: string; hash?: HashAlgorithm; pss?: boolean } = {},
): Promise<{ signer: Signer; session: Pkcs11Session }> {
  const parsed = parsePkcs11Uri(uri);
  if (parsed.type !== undefined && parsed.type !== "private") {
    throw new KeyError("PKCS11", `the PKCS#11 URI names a ${parsed.type} object; a private key is needed`);
  }
  const module = parsed.modulePath ?? options.module;
  if (!module) throw new KeyError("PKCS11", "the PKCS#11 URI has no module-path and no module was configured");
  const session = await openPkcs11({ module, token: parsed.token, pin: parsed.pinValue ?? options.pin });
  try {
    const signer = await pkcs11Signer(session, { label: parsed.object, id: parsed.id }, options);
    return { signer, session };
  } catch (error) {
    await session.close();
    throw error;
  }
}
