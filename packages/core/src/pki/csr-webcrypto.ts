/**
 * A PKCS#10 certification request (RFC 2986) for a WebCrypto ECDSA P-256 key pair, built where the key lives (the
 * browser, for a key on the official's device): the private key can be non-extractable, since it only signs the
 * request; the request carries the public key and that proof of possession. `csr.ts` verifies it on the CA's side.
 *
 * ```
 * CertificationRequest ::= SEQUENCE {
 *   certificationRequestInfo CertificationRequestInfo,
 *   signatureAlgorithm       AlgorithmIdentifier,          -- ecdsa-with-SHA256, parameters absent (RFC 5758 § 3.2)
 *   signature                BIT STRING }                  -- DER Ecdsa-Sig-Value (RFC 3279 § 2.2.3)
 * CertificationRequestInfo ::= SEQUENCE {
 *   version       INTEGER { v1(0) },
 *   subject       Name,                                    -- CN only: the CA writes the subject it vouches for
 *   subjectPKInfo SubjectPublicKeyInfo,                    -- exportKey("spki") of the public key
 *   attributes    [0] IMPLICIT SET OF Attribute }          -- empty
 * ```
 */
import { integer, oid, sequence, setOf, TAG, tlv } from "../cms/der.js";
import { toPem } from "../cms/pem-armour.js";
import { p1363ToDer } from "../keys/ecdsa-sig-value.js";

const COMMON_NAME = "2.5.4.3";
const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

/** The request as PEM `CERTIFICATE REQUEST`, subject CN=`commonName`, signed by `keyPair.privateKey`. */
export async function webCryptoCertificationRequest(keyPair: CryptoKeyPair, commonName: string): Promise<string> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keyPair.publicKey));
  const cn = tlv(TAG.UTF8_STRING, new TextEncoder().encode(commonName || "Khatam device key"));
  const subject = sequence(setOf([sequence(oid(COMMON_NAME), cn)]));
  const info = sequence(integer(0), subject, spki, tlv(0xa0));
  const p1363 = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keyPair.privateKey, info as BufferSource),
  );
  const bitString = tlv(TAG.BIT_STRING, Uint8Array.of(0), p1363ToDer(p1363)); // no unused bits
  return toPem(sequence(info, sequence(oid(ECDSA_WITH_SHA256)), bitString), "CERTIFICATE REQUEST");
}
