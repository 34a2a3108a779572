/**
 * Reading PKCS#12 files (.p12/.pfx, RFC 7292) protected by a password: the private key, its certificate and the
 * rest of the chain.
 *
 * Parsing uses @peculiar/asn1-pfx for the structures; integrity checking and decryption are done here with Node's
 * crypto (see ./pbe.ts) rather than with pkijs, whose PFX support goes through WebCrypto and so cannot do the
 * 3DES and RC2 PKCS#12 PBE schemes that `openssl pkcs12 -legacy`, OpenSSL 1.x and older Java keytool write.
 * Checking the MAC first also gives a reliable "wrong password" answer before anything is decrypted.
 *
 * Supported: password integrity (HMAC with SHA-1/SHA-2, the RFC 7292 KDF), password privacy (PBES2 with AES or 3DES,
 * PKCS#12 PBE with 3DES or RC2), key bags, shrouded key bags, certificate bags, nested SafeContents. Not supported:
 * public-key integrity or privacy modes, RC4, PBMAC1 (RFC 9579) — each gives a clear error.
 */
import { createHmac, createPrivateKey, createPublicKey, type KeyObject, timingSafeEqual } from "node:crypto";
import { id_data, id_encryptedData } from "@peculiar/asn1-cms";
import {
  AuthenticatedSafe,
  CertBag,
  id_certBag,
  id_keyBag,
  id_pkcs8ShroudedKeyBag,
  id_SafeContents,
  id_x509Certificate,
  PFX,
  SafeContents,
} from "@peculiar/asn1-pfx";
import { AsnConvert } from "@peculiar/asn1-schema";
import * as asn1js from "asn1js";
import { Certificate } from "../x509/certificate.js";
import { KeyError } from "./errors.js";
import { samePublicKey } from "./match.js";
import { decryptWithPassword, pkcs12Kdf } from "./pbe.js";
import { decryptEncryptedPrivateKeyInfo } from "./pem.js";

/** What a PKCS#12 file yields for signing. */
export interface Pkcs12Contents {
  /** The private key (the first key in the file when it holds several). */
  readonly privateKey: KeyObject;
  /** DER of the certificate whose public key is that of `privateKey`: the signer's certificate. */
  readonly certificate: Uint8Array;
  /** DER of the other certificates, issuer of the signer first where the file lets us tell, then the rest. */
  readonly chain: Uint8Array[];
}

const WRONG_PASSWORD = "wrong password for the PKCS#12 file";

/** MAC digest algorithms (RFC 7292 § 4, RFC 8018 Appendix B.1 for the SHA-2 additions OpenSSL 3 uses). */
const MAC_HASHES: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/** Loads a PKCS#12 file. Throws KeyError: WRONG_PASSWORD, MALFORMED_PKCS12, UNSUPPORTED_ENCRYPTION, … */
export function loadPkcs12(input: Uint8Array, password: string): Pkcs12Contents {
  let pfx: PFX;
  try {
    pfx = AsnConvert.parse(input, PFX);
  } catch (error) {
    throw new KeyError("MALFORMED_PKCS12", "not a PKCS#12 file", { cause: error });
  }
  if (pfx.authSafe.contentType !== id_data) {
    throw new KeyError("MALFORMED_PKCS12", "unsupported PKCS#12 file: only password integrity mode is supported");
  }
  const authSafeOctets = octetString(pfx.authSafe.content);
  // asn1-pfx fills an absent macData with an empty default object, so test for its algorithm, not its presence.
  const hasMac = Boolean(pfx.macData?.mac?.digestAlgorithm?.algorithm);
  const secret = hasMac ? verifyMac(pfx, authSafeOctets, password) : password;

  const keys: Uint8Array[] = [];
  const certs: Uint8Array[] = [];
  const collect = (safeContents: Uint8Array) => {
    for (const bag of parse(safeContents, SafeContents)) {
      const value = new Uint8Array(bag.bagValue);
      if (bag.bagId === id_keyBag) keys.push(value);
      else if (bag.bagId === id_pkcs8ShroudedKeyBag) {
        const plain = decryptEncryptedPrivateKeyInfo(value, secret);
        if (!plain) throw new KeyError("WRONG_PASSWORD", WRONG_PASSWORD);
        keys.push(plain);
      } else if (bag.bagId === id_certBag) {
        const certBag = parse(value, CertBag);
        if (certBag.certId === id_x509Certificate) certs.push(octetString(certBag.certValue));
      } else if (bag.bagId === id_SafeContents) collect(value);
      // CRL and secret bags carry nothing a signer needs.
    }
  };
  for (const info of parse(authSafeOctets, AuthenticatedSafe)) {
    if (info.contentType === id_data) collect(octetString(info.content));
    else if (info.contentType === id_encryptedData) collect(decryptEncryptedData(info.content, secret));
    else throw new KeyError("MALFORMED_PKCS12", "unsupported PKCS#12 file: public-key privacy mode is not supported");
  }

  if (keys.length === 0) throw new KeyError("NOT_A_PRIVATE_KEY", "the PKCS#12 file holds no private key");
  const privateKey = createPrivateKey({ key: Buffer.from(keys[0]), format: "der", type: "pkcs8" });
  const type = privateKey.asymmetricKeyType;
  if (type !== "rsa" && type !== "rsa-pss" && type !== "ec") {
    throw new KeyError("UNSUPPORTED_KEY_TYPE", `unsupported key type ${type}: use an RSA or ECDSA key`);
  }
  const publicKey = createPublicKey(privateKey);
  const parsed = certs.map((der) => Certificate.fromDer(der));
  const signer = parsed.find((c) =>
    samePublicKey(createPublicKey({ key: Buffer.from(c.spki), format: "der", type: "spki" }), publicKey),
  );
  if (!signer) {
    throw new KeyError("KEY_CERTIFICATE_MISMATCH", "the PKCS#12 file has no certificate for its private key");
  }
  return { privateKey, certificate: signer.der, chain: orderChain(signer, parsed) };
}

/**
 * Checks the MAC over the AuthenticatedSafe (RFC 7292 § 5.1). Returns the password to decrypt with. For an empty
 * password, implementations disagree whether the KDF gets two NUL bytes or nothing (`null`); both are tried.
 */
function verifyMac(pfx: PFX, authSafe: Uint8Array, password: string): string | null {
  const { mac, macSalt, iterations } = pfx.macData;
  const hash = MAC_HASHES[mac.digestAlgorithm.algorithm];
  if (!hash) {
    throw new KeyError("UNSUPPORTED_ENCRYPTION", `unsupported PKCS#12 MAC algorithm ${mac.digestAlgorithm.algorithm}`);
  }
  const expected = new Uint8Array(mac.digest.buffer);
  const salt = new Uint8Array(macSalt.buffer);
  const length = expected.length;
  for (const candidate of password === "" ? ["", null] : [password]) {
    const key = pkcs12Kdf(hash, candidate, salt, iterations || 1, 3, length);
    const actual = createHmac(hash, key).update(authSafe).digest();
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) return candidate;
  }
  throw new KeyError("WRONG_PASSWORD", WRONG_PASSWORD);
}

/**
 * EncryptedData ::= SEQUENCE { version, encryptedContentInfo EncryptedContentInfo }
 * EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OCTET STRING }
 * Read with asn1js because the [0] content may be primitive or constructed (BER), depending on the writer.
 */
function decryptEncryptedData(content: ArrayBuffer, password: string | null): Uint8Array {
  const root = asn1js.fromBER(content).result;
  const [, eci] = root instanceof asn1js.Sequence ? root.valueBlock.value : [];
  const [, algorithm, encrypted] = eci instanceof asn1js.Sequence ? eci.valueBlock.value : [];
  const [oid, params] = algorithm instanceof asn1js.Sequence ? algorithm.valueBlock.value : [];
  if (!(oid instanceof asn1js.ObjectIdentifier) || !encrypted) throw malformed();
  const plain = decryptWithPassword(
    { algorithm: oid.valueBlock.toString(), parameters: params ? new Uint8Array(params.toBER()) : undefined },
    implicitOctets(encrypted),
    password,
  );
  if (!plain) throw new KeyError("WRONG_PASSWORD", WRONG_PASSWORD);
  return plain;
}

/** The bytes of an IMPLICIT OCTET STRING, primitive or constructed from OCTET STRING segments. */
function implicitOctets(node: asn1js.AsnType): Uint8Array {
  if (node instanceof asn1js.Constructed) {
    return Buffer.concat(node.valueBlock.value.map((part) => implicitOctets(part)));
  }
  if (node instanceof asn1js.OctetString) return new Uint8Array(node.getValue());
  return new Uint8Array((node as asn1js.Primitive).valueBlock.valueHexView);
}

/** The value of a DER/BER OCTET STRING given as its full encoding. */
function octetString(der: ArrayBuffer): Uint8Array {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.OctetString)) throw malformed();
  return new Uint8Array(parsed.result.getValue());
}

function parse<T>(der: Uint8Array, type: new () => T): T {
  try {
    return AsnConvert.parse(der, type);
  } catch (error) {
    // Garbage after decryption without a MAC to catch it first is a wrong password, not a broken file.
    throw new KeyError("WRONG_PASSWORD", WRONG_PASSWORD, { cause: error });
  }
}

function malformed(): KeyError {
  return new KeyError("MALFORMED_PKCS12", "not a PKCS#12 file: malformed structure");
}

/** Orders the non-signer certificates issuer-first, following issuer links from the signer; leftovers go last. */
function orderChain(signer: Certificate, all: Certificate[]): Uint8Array[] {
  const rest = all.filter((c) => c !== signer);
  const chain: Uint8Array[] = [];
  let current = signer;
  for (;;) {
    if (current.namesIssuer(current)) break; // reached a self-issued root
    const at = rest.findIndex((c) => current.namesIssuer(c));
    if (at === -1) break;
    current = rest.splice(at, 1)[0];
    chain.push(current.der);
  }
  return [...chain, ...rest.map((c) => c.der)];
}
