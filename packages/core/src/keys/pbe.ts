/**
 * Password-based decryption of the structures that protect private keys at rest:
 * PBES2 (RFC 8018 § 6.2: PBKDF2 + AES-CBC or 3DES-CBC) and the PKCS#12 PBE schemes (RFC 7292 Appendix B and C:
 * pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd40BitRC2-CBC, …).
 *
 * Why not `crypto.createPrivateKey({ passphrase })` alone: it cannot decrypt the RC2 that legacy PKCS#12 files use
 * (OpenSSL 3 keeps RC2 in the legacy provider), it cannot decrypt the certificate bags of a PKCS#12 at all, and its
 * failures ("unsupported", "bad decrypt") do not say whether the password or the algorithm was at fault. Doing the
 * decryption here lets callers report "wrong password" and "unsupported encryption" precisely.
 */
import { createDecipheriv, createHash, pbkdf2Sync } from "node:crypto";
import type * as asn1 from "asn1js";
import { asn1js } from "./asn1js.js";
import { KeyError } from "./errors.js";
import { rc2DecryptCbc } from "./rc2.js";

/** An AlgorithmIdentifier: the OID and the DER of its parameters (absent when the algorithm has none). */
export interface AlgorithmIdentifierDer {
  readonly algorithm: string;
  readonly parameters?: Uint8Array;
}

/** Refuse iteration counts beyond this: a hostile file could otherwise keep the process busy for hours. */
const MAX_ITERATIONS = 10_000_000;

const PKCS12_PBE = "1.2.840.113549.1.12.1.";
const PBES2 = "1.2.840.113549.1.5.13";
const PBKDF2 = "1.2.840.113549.1.5.12";

/** PKCS#12 PBE schemes (RFC 7292 Appendix C): cipher, key and IV lengths. All use SHA-1 in the KDF. */
const PKCS12_SCHEMES: Record<string, { cipher: string; keyLength: number; name: string }> = {
  [`${PKCS12_PBE}3`]: { cipher: "des-ede3-cbc", keyLength: 24, name: "pbeWithSHAAnd3-KeyTripleDES-CBC" },
  [`${PKCS12_PBE}4`]: { cipher: "des-ede-cbc", keyLength: 16, name: "pbeWithSHAAnd2-KeyTripleDES-CBC" },
  [`${PKCS12_PBE}5`]: { cipher: "rc2-cbc", keyLength: 16, name: "pbeWithSHAAnd128BitRC2-CBC" },
  [`${PKCS12_PBE}6`]: { cipher: "rc2-cbc", keyLength: 5, name: "pbeWithSHAAnd40BitRC2-CBC" },
};

/** PBKDF2 pseudo-random functions (RFC 8018 Appendix B.1), default hmacWithSHA1. */
const PRFS: Record<string, string> = {
  "1.2.840.113549.2.7": "sha1",
  "1.2.840.113549.2.8": "sha224",
  "1.2.840.113549.2.9": "sha256",
  "1.2.840.113549.2.10": "sha384",
  "1.2.840.113549.2.11": "sha512",
};

/** PBES2 encryption schemes: Node cipher name and key length. */
const PBES2_CIPHERS: Record<string, { cipher: string; keyLength: number }> = {
  "2.16.840.1.101.3.4.1.2": { cipher: "aes-128-cbc", keyLength: 16 },
  "2.16.840.1.101.3.4.1.22": { cipher: "aes-192-cbc", keyLength: 24 },
  "2.16.840.1.101.3.4.1.42": { cipher: "aes-256-cbc", keyLength: 32 },
  "1.2.840.113549.3.7": { cipher: "des-ede3-cbc", keyLength: 24 },
};

/**
 * Decrypts `ciphertext` protected by `algorithm` with `password`. Returns undefined when the block padding is wrong,
 * which (short of a corrupt file) means the password is wrong; callers must still check that the plaintext parses,
 * since a wrong key yields valid-looking padding about once in 256 tries.
 * Throws KeyError UNSUPPORTED_ENCRYPTION for schemes it does not implement.
 */
export function decryptWithPassword(
  algorithm: AlgorithmIdentifierDer,
  ciphertext: Uint8Array,
  password: string | null,
): Uint8Array | undefined {
  const pkcs12 = PKCS12_SCHEMES[algorithm.algorithm];
  if (pkcs12) {
    const [salt, iterations] = pkcs12PbeParams(algorithm.parameters);
    const key = pkcs12Kdf("sha1", password, salt, iterations, 1, pkcs12.keyLength);
    const iv = pkcs12Kdf("sha1", password, salt, iterations, 2, 8);
    if (pkcs12.cipher === "rc2-cbc") return rc2DecryptCbc(key, key.length * 8, iv, ciphertext);
    return decipher(pkcs12.cipher, key, iv, ciphertext);
  }
  if (algorithm.algorithm === PBES2) {
    const { prf, salt, iterations, keyLength, cipher, iv } = pbes2Params(algorithm.parameters);
    const key = pbkdf2Sync(Buffer.from(password ?? "", "utf8"), salt, iterations, keyLength, prf);
    return decipher(cipher, key, iv, ciphertext);
  }
  if (algorithm.algorithm.startsWith(PKCS12_PBE)) {
    throw new KeyError(
      "UNSUPPORTED_ENCRYPTION",
      `unsupported encryption: RC4 (${algorithm.algorithm}) is not supported`,
    );
  }
  throw new KeyError("UNSUPPORTED_ENCRYPTION", `unsupported encryption algorithm ${algorithm.algorithm}`);
}

/** CBC decryption with PKCS#5 padding; undefined on bad padding rather than an exception. */
function decipher(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array | undefined {
  try {
    const d = createDecipheriv(cipher, key, iv);
    return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_OSSL_BAD_DECRYPT") return undefined;
    if (/wrong final block length|bad decrypt/i.test(String(error))) return undefined;
    throw new KeyError("UNSUPPORTED_ENCRYPTION", `unsupported encryption: ${cipher} is not available`, {
      cause: error,
    });
  }
}

/**
 * The PKCS#12 key derivation function (RFC 7292 Appendix B.2). `id` is 1 for a cipher key, 2 for an IV, 3 for a
 * MAC key. The password is the UTF-16BE encoding (BMPString) with a two-byte terminator, as OpenSSL and Java use;
 * `null` stands for "no password" (an empty input, which some writers use instead of an empty BMPString).
 */
export function pkcs12Kdf(
  hash: string,
  password: string | null,
  salt: Uint8Array,
  iterations: number,
  id: 1 | 2 | 3,
  length: number,
): Uint8Array {
  checkIterations(iterations);
  const u = createHash(hash).digest().length;
  const v = hash === "sha384" || hash === "sha512" ? 128 : 64;
  const pass = password === null ? new Uint8Array(0) : bmpString(password);
  const fill = (src: Uint8Array) => {
    const out = new Uint8Array(src.length === 0 ? 0 : v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length];
    return out;
  };
  const d = new Uint8Array(v).fill(id);
  const i = Buffer.concat([fill(salt), fill(pass)]);
  const out = new Uint8Array(Math.ceil(length / u) * u);
  for (let block = 0; block * u < length; block++) {
    let a: Uint8Array = createHash(hash).update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) a = createHash(hash).update(a).digest();
    out.set(a, block * u);
    // I_j = (I_j + B + 1) mod 2^(8v), with B = A repeated to v bytes: makes the next block's input depend on this one.
    const b = new Uint8Array(v);
    for (let k = 0; k < v; k++) b[k] = a[k % u];
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k] + b[k] + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out.subarray(0, length);
}

/** BMPString with the trailing NUL that RFC 7292 Appendix B.1 requires (an empty password is just the NUL). */
function bmpString(password: string): Uint8Array {
  const out = new Uint8Array((password.length + 1) * 2);
  for (let k = 0; k < password.length; k++) {
    const c = password.charCodeAt(k);
    out[2 * k] = c >> 8;
    out[2 * k + 1] = c & 0xff;
  }
  return out;
}

function checkIterations(iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new KeyError(
      "UNSUPPORTED_ENCRYPTION",
      `unsupported encryption: iteration count ${iterations} is out of range`,
    );
  }
}

/** pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER } */
function pkcs12PbeParams(der: Uint8Array | undefined): [Uint8Array, number] {
  const [salt, iterations] = sequence(der, "PKCS#12 PBE parameters");
  return [octets(salt, "salt"), integer(iterations, "iteration count")];
}

/**
 * PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
 * PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER, keyLength INTEGER OPTIONAL,
 *                              prf AlgorithmIdentifier DEFAULT algid-hmacWithSHA1 }
 */
function pbes2Params(der: Uint8Array | undefined) {
  const [kdf, scheme] = sequence(der, "PBES2 parameters");
  const [kdfOid, kdfParams] = algorithmIdentifier(kdf);
  if (kdfOid !== PBKDF2) throw new KeyError("UNSUPPORTED_ENCRYPTION", `unsupported key derivation function ${kdfOid}`);
  const fields = children(kdfParams, "PBKDF2 parameters");
  const salt = octets(fields[0], "PBKDF2 salt");
  const iterations = integer(fields[1], "PBKDF2 iteration count");
  checkIterations(iterations);
  let keyLength: number | undefined;
  let prf = "sha1";
  for (const field of fields.slice(2)) {
    if (field instanceof asn1js().Integer) keyLength = field.valueBlock.valueDec;
    else {
      const [prfOid] = algorithmIdentifier(field);
      const name = PRFS[prfOid];
      if (!name) throw new KeyError("UNSUPPORTED_ENCRYPTION", `unsupported PBKDF2 function ${prfOid}`);
      prf = name;
    }
  }
  const [cipherOid, ivField] = algorithmIdentifier(scheme);
  const cipher = PBES2_CIPHERS[cipherOid];
  if (!cipher) throw new KeyError("UNSUPPORTED_ENCRYPTION", `unsupported encryption scheme ${cipherOid}`);
  return {
    prf,
    salt,
    iterations,
    keyLength: keyLength ?? cipher.keyLength,
    cipher: cipher.cipher,
    iv: octets(ivField, "IV"),
  };
}

// Minimal DER reading for the parameter structures above; any surprise is a malformed file, not a crash.

function malformed(what: string): KeyError {
  return new KeyError("UNSUPPORTED_ENCRYPTION", `malformed encryption parameters (${what})`);
}

function sequence(der: Uint8Array | undefined, what: string): asn1.AsnType[] {
  if (!der) throw malformed(what);
  const parsed = asn1js().fromBER(der);
  if (parsed.offset === -1) throw malformed(what);
  return children(parsed.result, what);
}

function children(node: asn1.AsnType | undefined, what: string): asn1.AsnType[] {
  if (!(node instanceof asn1js().Sequence)) throw malformed(what);
  return node.valueBlock.value;
}

function algorithmIdentifier(node: asn1.AsnType | undefined): [string, asn1.AsnType | undefined] {
  const [oid, params] = children(node, "algorithm identifier");
  if (!(oid instanceof asn1js().ObjectIdentifier)) throw malformed("algorithm identifier");
  return [oid.valueBlock.toString(), params];
}

function octets(node: asn1.AsnType | undefined, what: string): Uint8Array {
  if (!(node instanceof asn1js().OctetString)) throw malformed(what);
  return new Uint8Array(node.getValue());
}

function integer(node: asn1.AsnType | undefined, what: string): number {
  if (!(node instanceof asn1js().Integer)) throw malformed(what);
  return node.valueBlock.valueDec;
}
