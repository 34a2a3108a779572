/**
 * Loading keys and certificates from files: PEM or DER, PKCS#8 (plain or encrypted), PKCS#1 RSA, SEC1 EC keys;
 * single certificates, PEM bundles and PKCS#7 "certs-only" bundles (.p7b).
 *
 * The DER structure is recognised before decoding, so the error says what the file is ("not a private key") and a
 * failed decryption of a structure known to be encrypted can only mean "wrong password for the key".
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { certificatesInCms } from "../cms/certificates.js";
import { children, readTlv, TAG, type Tlv } from "../cms/der.js";
import { Certificate } from "../x509/certificate.js";
import { asn1js as asn1 } from "./asn1js.js";
import { KeyError } from "./errors.js";
import { decryptWithPassword } from "./pbe.js";

/** A file's contents: bytes as read, or text (PEM). */
export type KeyFileInput = Uint8Array | string;

/** One PEM block: its label ("PRIVATE KEY", "CERTIFICATE", …), its headers and the base64-decoded body. */
export interface PemBlock {
  readonly label: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly der: Uint8Array;
  /** The block as written, for handing to Node when it needs the headers (legacy encrypted PEM). */
  readonly text: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** The PEM blocks in `text`, in order (RFC 7468); text outside the blocks (comments, "Bag Attributes") is ignored. */
export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [whole, label, body] = match as unknown as [string, string, string];
    const headers: Record<string, string> = {};
    let base64 = body;
    const split = body.match(/^([\s\S]*?:[\s\S]*?)\r?\n\r?\n([\s\S]*)$/);
    if (split?.[1] && /^[A-Za-z-]+:/.test(split[1])) {
      for (const line of split[1].split(/\r?\n/)) {
        const at = line.indexOf(":");
        if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      base64 = split[2] ?? "";
    }
    blocks.push({
      label,
      headers,
      der: new Uint8Array(Buffer.from(base64.replace(/\s+/g, ""), "base64")),
      text: whole,
    });
  }
  return blocks;
}

function asText(input: KeyFileInput): string | undefined {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("latin1");
  return text.includes("-----BEGIN ") ? text : undefined;
}

/** The structure a DER private-key file holds, recognised from the shape of its outer SEQUENCE. */
type KeyStructure = "pkcs8" | "encrypted-pkcs8" | "pkcs1" | "sec1" | "certificate" | "unknown";

function recognise(der: Uint8Array): KeyStructure {
  let parts: Tlv[];
  try {
    const top = readTlv(der);
    if (top.tag !== TAG.SEQUENCE) return "unknown";
    parts = children(der, top);
  } catch {
    return recogniseBer(der); // not DER: asn1js also reads BER (indefinite lengths, constructed strings)
  }
  const [first, second, third] = parts;
  const tag = (t: Tlv | undefined) => t?.tag;
  if (tag(first) === TAG.SEQUENCE && tag(second) === TAG.OCTET_STRING && parts.length === 2) return "encrypted-pkcs8";
  if (tag(first) === TAG.SEQUENCE && tag(second) === TAG.SEQUENCE && tag(third) === TAG.BIT_STRING)
    return "certificate";
  if (tag(first) === TAG.INTEGER) {
    // PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING; ECPrivateKey: 1, OCTET STRING; RSAPrivateKey: 0, n, e, …
    if (tag(second) === TAG.SEQUENCE) return "pkcs8";
    const one = first!.end - first!.contentStart === 1 && der[first!.contentStart] === 1;
    if (tag(second) === TAG.OCTET_STRING && one) return "sec1";
    if (tag(second) === TAG.INTEGER && parts.length >= 9) return "pkcs1";
  }
  return "unknown";
}

function recogniseBer(der: Uint8Array): KeyStructure {
  const asn1js = asn1();
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) return "unknown";
  const [first, second, third] = parsed.result.valueBlock.value;
  const count = parsed.result.valueBlock.value.length;
  if (first instanceof asn1js.Sequence && second instanceof asn1js.OctetString && count === 2) return "encrypted-pkcs8";
  if (first instanceof asn1js.Sequence && second instanceof asn1js.Sequence && third instanceof asn1js.BitString) {
    return "certificate";
  }
  if (first instanceof asn1js.Integer) {
    // PrivateKeyInfo: version, AlgorithmIdentifier, OCTET STRING; ECPrivateKey: 1, OCTET STRING; RSAPrivateKey: 0, n, e, …
    if (second instanceof asn1js.Sequence) return "pkcs8";
    if (second instanceof asn1js.OctetString && first.valueBlock.valueDec === 1) return "sec1";
    if (second instanceof asn1js.Integer && count >= 9) return "pkcs1";
  }
  return "unknown";
}

/**
 * Loads a private key from PEM or DER: PKCS#8, encrypted PKCS#8 (needs `password`), PKCS#1 "RSA PRIVATE KEY" or
 * SEC1 "EC PRIVATE KEY" (either may carry OpenSSL's legacy PEM encryption). Only RSA and EC keys are accepted, the
 * types PAdES signers use. Throws KeyError with a one-line message.
 */
export function loadPrivateKey(input: KeyFileInput, password?: string): KeyObject {
  const text = asText(input);
  if (text !== undefined) {
    const block = parsePem(text).find((b) => b.label.endsWith("PRIVATE KEY"));
    if (!block) throw new KeyError("NOT_A_PRIVATE_KEY", "not a private key: the file has no PRIVATE KEY block");
    if (block.label === "ENCRYPTED PRIVATE KEY") return decryptPkcs8(block.der, password);
    if (block.headers["Proc-Type"]?.includes("ENCRYPTED")) return legacyEncryptedPem(block.text, password);
    return fromDer(block.der, password);
  }
  return fromDer(typeof input === "string" ? new Uint8Array(Buffer.from(input, "latin1")) : input, password);
}

function fromDer(der: Uint8Array, password: string | undefined): KeyObject {
  const structure = recognise(der);
  switch (structure) {
    case "encrypted-pkcs8":
      return decryptPkcs8(der, password);
    case "pkcs8":
    case "pkcs1":
    case "sec1":
      return supported(decode(() => createPrivateKey({ key: Buffer.from(der), format: "der", type: structure })));
    case "certificate":
      throw new KeyError("NOT_A_PRIVATE_KEY", "not a private key: the file holds a certificate");
    default:
      throw new KeyError("NOT_A_PRIVATE_KEY", "not a private key");
  }
}

/** EncryptedPrivateKeyInfo (RFC 5958 § 3): decrypted here so the error can say the password is wrong. */
function decryptPkcs8(der: Uint8Array, password: string | undefined): KeyObject {
  if (password === undefined) throw new KeyError("PASSWORD_REQUIRED", "the key is encrypted: a password is needed");
  const plain = decryptEncryptedPrivateKeyInfo(der, password);
  if (!plain || recognise(plain) !== "pkcs8") throw new KeyError("WRONG_PASSWORD", "wrong password for the key");
  return supported(decode(() => createPrivateKey({ key: Buffer.from(plain), format: "der", type: "pkcs8" })));
}

/**
 * Decrypts an EncryptedPrivateKeyInfo to the DER of its PrivateKeyInfo; undefined when the password is wrong.
 * Shared with the PKCS#12 reader, whose shrouded key bags are this structure.
 */
export function decryptEncryptedPrivateKeyInfo(der: Uint8Array, password: string | null): Uint8Array | undefined {
  const asn1js = asn1();
  const parsed = asn1js.fromBER(der);
  const [algorithm, data] = parsed.result instanceof asn1js.Sequence ? parsed.result.valueBlock.value : [];
  const [oid, params] = algorithm instanceof asn1js.Sequence ? algorithm.valueBlock.value : [];
  if (!(oid instanceof asn1js.ObjectIdentifier) || !(data instanceof asn1js.OctetString)) {
    throw new KeyError("NOT_A_PRIVATE_KEY", "not a private key: malformed encrypted key");
  }
  const parameters = params ? new Uint8Array(params.toBER()) : undefined;
  const plain = decryptWithPassword(
    { algorithm: oid.valueBlock.toString(), parameters },
    new Uint8Array(data.getValue()),
    password,
  );
  return plain && recognise(plain) === "pkcs8" ? plain : undefined;
}

/** OpenSSL's pre-PKCS#8 encryption (Proc-Type/DEK-Info headers): only Node/OpenSSL implement it, so hand it over. */
function legacyEncryptedPem(pem: string, password: string | undefined): KeyObject {
  if (password === undefined) throw new KeyError("PASSWORD_REQUIRED", "the key is encrypted: a password is needed");
  try {
    return supported(createPrivateKey({ key: pem, format: "pem", passphrase: password }));
  } catch (error) {
    if (error instanceof KeyError) throw error;
    throw new KeyError("WRONG_PASSWORD", "wrong password for the key", { cause: error });
  }
}

function decode(load: () => KeyObject): KeyObject {
  try {
    return load();
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_OSSL_UNSUPPORTED") {
      throw new KeyError("UNSUPPORTED_KEY_TYPE", "unsupported key type", { cause: error });
    }
    throw new KeyError("NOT_A_PRIVATE_KEY", "not a private key: the key data is malformed", { cause: error });
  }
}

/** PAdES signers here use RSA (PKCS#1 v1.5 or PSS) or ECDSA; refuse Ed25519, DSA, X25519 … at load time. */
function supported(key: KeyObject): KeyObject {
  const type = key.asymmetricKeyType;
  if (type !== "rsa" && type !== "rsa-pss" && type !== "ec") {
    throw new KeyError("UNSUPPORTED_KEY_TYPE", `unsupported key type ${type}: use an RSA or ECDSA key`);
  }
  return key;
}

/**
 * Loads certificates as DER: one PEM or DER certificate, a PEM bundle (in file order), or a PKCS#7 certs-only bundle
 * (.p7b, PEM or DER). Each is checked to parse as X.509. Throws KeyError NOT_A_CERTIFICATE when there is none.
 */
export function loadCertificates(input: KeyFileInput): Uint8Array[] {
  const text = asText(input);
  let certs: Uint8Array[];
  if (text !== undefined) {
    certs = [];
    for (const block of parsePem(text)) {
      if (block.label === "CERTIFICATE" || block.label === "X509 CERTIFICATE") certs.push(block.der);
      else if (block.label === "PKCS7") certs.push(...pkcs7Certificates(block.der));
    }
  } else {
    const der = typeof input === "string" ? new Uint8Array(Buffer.from(input, "latin1")) : input;
    certs = recognise(der) === "certificate" ? [der] : pkcs7Certificates(der);
  }
  if (certs.length === 0) throw new KeyError("NOT_A_CERTIFICATE", "not a certificate: the file holds no certificate");
  for (const der of certs) {
    try {
      Certificate.fromDer(der);
    } catch (error) {
      throw new KeyError("NOT_A_CERTIFICATE", "not a certificate: a certificate in the file is malformed", {
        cause: error,
      });
    }
  }
  return certs;
}

/** The certificates of a PKCS#7 / CMS SignedData (RFC 5652 § 5.1), as .p7b bundles carry them. */
function pkcs7Certificates(der: Uint8Array): Uint8Array[] {
  return certificatesInCms(der);
}
