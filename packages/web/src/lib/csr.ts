/**
 * PKCS#10 certification requests (RFC 2986) built in the browser for a WebCrypto ECDSA P-256 key, so that the
 * private key, generated non-extractable, never leaves the device: only the request (public key and proof of
 * possession) goes to the platform.
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

const OID_COMMON_NAME = [2, 5, 4, 3];
const OID_ECDSA_WITH_SHA256 = [1, 2, 840, 10045, 4, 3, 2];

/** DER length octets. */
function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** A DER TLV with `tag` around `content`. */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const total = content.reduce((n, c) => n + c.length, 0);
  const head = [tag, ...length(total)];
  const out = new Uint8Array(head.length + total);
  out.set(head, 0);
  let at = head.length;
  for (const c of content) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const sequence = (...content: Uint8Array[]) => tlv(0x30, ...content);
const set = (...content: Uint8Array[]) => tlv(0x31, ...content);

function oid(arcs: readonly number[]): Uint8Array {
  const bytes = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const base128: number[] = [];
    let v = arc;
    do {
      base128.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < base128.length - 1; i++) base128[i]! |= 0x80;
    bytes.push(...base128);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

/** A non-negative INTEGER from big-endian unsigned bytes (minimal: leading zeros dropped, 0x00 added for the sign). */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const pad = trimmed[0]! & 0x80 ? new Uint8Array([0]) : new Uint8Array(0);
  return tlv(0x02, pad, trimmed);
}

/** WebCrypto's ECDSA value (IEEE P1363: r || s, each the curve's size) as DER Ecdsa-Sig-Value. */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.length % 2 !== 0) throw new Error("an ECDSA r||s value has an even length");
  const half = signature.length / 2;
  return sequence(unsignedInteger(signature.subarray(0, half)), unsignedInteger(signature.subarray(half)));
}

/** PEM armour (64-character lines). */
export function toPem(der: Uint8Array, label: string): string {
  let binary = "";
  for (const b of der) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * A PEM `CERTIFICATE REQUEST` for `keyPair` (ECDSA P-256; the private key may be non-extractable: it only signs)
 * with subject CN=`commonName`.
 */
export async function buildCsr(keyPair: CryptoKeyPair, commonName: string): Promise<string> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keyPair.publicKey));
  const subject = sequence(
    set(sequence(oid(OID_COMMON_NAME), tlv(0x0c, new TextEncoder().encode(commonName || "Khatam device key")))),
  );
  const info = sequence(tlv(0x02, new Uint8Array([0])), subject, spki, tlv(0xa0));
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keyPair.privateKey, info as BufferSource),
  );
  const signature = p1363ToDer(raw);
  const request = sequence(
    info,
    sequence(oid(OID_ECDSA_WITH_SHA256)),
    tlv(0x03, new Uint8Array([0]), signature), // BIT STRING, no unused bits
  );
  return toPem(request, "CERTIFICATE REQUEST");
}
