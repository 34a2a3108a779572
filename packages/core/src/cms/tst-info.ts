/**
 * The one reading of a TSTInfo (RFC 3161 § 2.4.2), for the time-stamp client and the validator alike:
 *
 * ```
 * TSTInfo ::= SEQUENCE { version INTEGER { v1(1) }, policy TSAPolicyId, messageImprint MessageImprint,
 *   serialNumber INTEGER, genTime GeneralizedTime, accuracy Accuracy OPTIONAL, ordering BOOLEAN DEFAULT FALSE,
 *   nonce INTEGER OPTIONAL, tsa [0] GeneralName OPTIONAL, extensions [1] IMPLICIT Extensions OPTIONAL }
 * MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
 * ```
 *
 * Two strictnesses. The validator reads tokens from any producer, so by default BER is accepted (indefinite lengths,
 * a constructed OCTET STRING) and genTime is any GeneralizedTime. The client, checking the answer of the TSA it
 * asked before embedding it, is `strict`: the TSTInfo must be DER, as § 2.4.2 requires, and genTime must be
 * YYYYMMDDhhmmss[.s…]Z, UTC with its seconds (§ 2.4.2).
 */
import {
  AsnStructureError,
  type BerNode,
  expect,
  generalizedTime,
  isUniversal,
  octetsOf,
  oidOf,
  parseBer,
  UNIVERSAL,
} from "../validation/ber.js";

/** The fields of a TSTInfo that are checked or reported. */
export interface TstInfo {
  /** The TSA's policy under which the token was made (TSAPolicyId). */
  readonly policy: string;
  /** The messageImprint's hash algorithm OID. */
  readonly hashAlgorithm: string;
  readonly hashedMessage: Uint8Array;
  /** The serialNumber INTEGER's content octets. */
  readonly serialNumber: Uint8Array;
  readonly genTime: Date;
  /** The nonce INTEGER's content octets, when the token has one. */
  readonly nonce?: Uint8Array;
}

export interface TstInfoOptions {
  /** DER and RFC 3161's genTime form only (the client's check of a fresh answer); otherwise any BER. */
  readonly strict?: boolean;
}

/** RFC 3161 § 2.4.2: "YYYYMMDDhhmmss[.s...]Z", no trailing zeros in the fraction being a DER matter. */
const RFC_3161_TIME = /^\d{14}(\.\d+)?Z$/;

/** Reads a TSTInfo (the eContent of a time-stamp token); throws AsnStructureError when it is not one. */
export function readTstInfo(der: Uint8Array, options: TstInfoOptions = {}): TstInfo {
  const root = parseBer(der, "TSTInfo");
  if (options.strict) requireDer(root);
  const fields = expect(root, UNIVERSAL.SEQUENCE, "TSTInfo").children;
  const [, policy, imprint, serial, genTime] = fields;
  const [hashAlgorithm, hashedMessage] = expect(imprint, UNIVERSAL.SEQUENCE, "messageImprint").children;
  if (options.strict) {
    const text = String.fromCharCode(...expect(genTime, UNIVERSAL.GENERALIZED_TIME, "genTime").content);
    if (!RFC_3161_TIME.test(text)) throw new AsnStructureError(`genTime ${text} is not UTC with seconds`);
  }
  // After genTime: accuracy SEQUENCE, ordering BOOLEAN, then nonce, the only INTEGER.
  const nonce = fields.slice(5).find((n) => isUniversal(n, UNIVERSAL.INTEGER));
  return {
    policy: oidOf(policy, "policy"),
    hashAlgorithm: oidOf(expect(hashAlgorithm, UNIVERSAL.SEQUENCE, "hashAlgorithm").children[0]),
    hashedMessage: octetsOf(hashedMessage, "hashedMessage"),
    serialNumber: expect(serial, UNIVERSAL.INTEGER, "serialNumber").content,
    genTime: generalizedTime(genTime, "genTime"),
    nonce: nonce?.content,
  };
}

/**
 * Refuses what only BER allows (X.690 § 10.1, § 10.2): an indefinite length (length octet 0x80) or a constructed
 * string, anywhere in the value.
 */
function requireDer(node: BerNode): void {
  const lengthOctet = node.raw[tagLength(node.raw)];
  if (lengthOctet === 0x80) throw new AsnStructureError("an indefinite length where DER is required");
  if (
    node.constructed &&
    node.tagClass === 0 &&
    node.tagNumber !== UNIVERSAL.SEQUENCE &&
    node.tagNumber !== UNIVERSAL.SET
  ) {
    throw new AsnStructureError("a constructed string where DER is required");
  }
  for (const child of node.children) requireDer(child);
}

/** The number of identifier octets (X.690 § 8.1.2.4: high tag numbers continue while bit 8 is set). */
function tagLength(raw: Uint8Array): number {
  if ((raw[0]! & 0x1f) !== 0x1f) return 1;
  let i = 1;
  while (raw[i]! & 0x80) i++;
  return i + 1;
}
