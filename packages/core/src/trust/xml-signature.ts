/**
 * XML plumbing for trusted lists: a hostile-input-safe parser, reading and writing helpers, and the set-up of xadesjs/xmldsigjs so that an
 * XML signature value can come from an abstract {@link Signer} (a software key, a PKCS#11 token…) rather than a
 * WebCrypto private key.
 *
 * xmldsigjs takes its crypto from one process-wide engine (`Application.setEngine`), and that call also sets the
 * pkijs engine. We install WebCrypto (`globalThis.crypto`) itself, with only `subtle.sign` wrapped: for the
 * placeholder keys made by {@link signerCryptoKey} it calls the Signer, for every other key it is WebCrypto's own
 * `sign`. So the engine behaves exactly as the stock WebCrypto one for everybody else.
 */
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import { Application, setNodeDependencies } from "xadesjs";
import { derToP1363 } from "../keys/ecdsa-sig-value.js";
import type { Signer } from "../keys/signer.js";

/** The largest trusted list we read (the EU LOTL is ~0.5 MB, the largest national lists a few MB). */
export const MAX_TRUSTED_LIST_BYTES = 20 * 1024 * 1024;

export const DS_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#";
export const XADES_NAMESPACE = "http://uri.etsi.org/01903/v1.3.2#";
export const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
export const ENVELOPED_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/** Why an XML document was refused before or while parsing. */
export class XmlInputError extends Error {
  override name = "XmlInputError";
}

/**
 * Parses XML that may be hostile. Refuses, before parsing: more than {@link MAX_TRUSTED_LIST_BYTES}, bytes that
 * are not UTF-8 (TS 119 612 Annex B requires UTF-8), and any document type declaration or entity declaration
 * (XXE, "billion laughs"); then refuses any error or fatal error of the parser, not only the fatal ones.
 */
export function parseXmlSafely(input: string | Uint8Array): Document {
  let text: string;
  if (typeof input === "string") {
    if (input.length > MAX_TRUSTED_LIST_BYTES) throw new XmlInputError(`larger than ${MAX_TRUSTED_LIST_BYTES} bytes`);
    text = input;
  } else {
    if (input.length > MAX_TRUSTED_LIST_BYTES) throw new XmlInputError(`larger than ${MAX_TRUSTED_LIST_BYTES} bytes`);
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input);
    } catch {
      throw new XmlInputError("not UTF-8 text");
    }
  }
  text = text.replace(/^\uFEFF/, "");
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new XmlInputError("a document type or entity declaration is not allowed (XXE / entity expansion)");
  }
  const head = text.trimStart();
  if (!head.startsWith("<")) throw new XmlInputError("not XML");
  const m = /^<\?xml[^?]*encoding\s*=\s*["']([^"']+)["']/.exec(head);
  if (m && !/^utf-?8$/i.test(m[1]!)) throw new XmlInputError(`declared encoding ${m[1]} is not UTF-8`);
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") throw new XmlInputError(message.split("\n")[0]!.trim());
      },
    }).parseFromString(text, "application/xml") as unknown as Document;
  } catch (e) {
    const message = (e as Error).message.split("\n")[0]!.trim();
    throw new XmlInputError(`not well-formed XML: ${message.replace(/^\[xmldom [a-z ]+\]\s*/i, "")}`);
  }
  if (!doc.documentElement) throw new XmlInputError("not well-formed XML: no root element");
  return doc;
}

/** Escapes text for element content or a double-quoted attribute value; refuses characters XML 1.0 forbids. */
export function escapeXml(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(value)) {
    throw new Error(`a control character cannot be written in XML: ${JSON.stringify(value)}`);
  }
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/\r/g, "&#13;");
}

/** The element children of `parent` named `name` in `namespace`, in document order. */
export function childElements(parent: Element, namespace: string, name: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).localName === name && (node as Element).namespaceURI === namespace) {
      out.push(node as Element);
    }
  }
  return out;
}

export function serializeXml(node: Node): string {
  return new XMLSerializer().serializeToString(node as never);
}

/** A placeholder CryptoKey standing for a Signer, with what the curve's size is for r||s. */
interface SignerKeyEntry {
  readonly signer: Signer;
  /** ECDSA field size in bytes; 0 for RSA. */
  readonly ecSize: number;
}

const signerKeys = new WeakMap<object, SignerKeyEntry>();
let engine: (Crypto & { name?: string }) | undefined;

/** Makes xadesjs usable in Node and installs the crypto engine (see the module comment). Idempotent. */
export function ensureXmlCrypto(): void {
  setNodeDependencies({ DOMParser, XMLSerializer });
  if (!engine) {
    const webcrypto = globalThis.crypto;
    const subtle = webcrypto.subtle;
    const sign = async (algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer> => {
      const entry = signerKeys.get(key);
      if (!entry) return subtle.sign(algorithm, key, data);
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const value = await entry.signer.sign(bytes);
      // XML Signature carries ECDSA as r||s (XMLDSig 1.1 § 6.4.3), the Signer returns the DER of CMS.
      const out = entry.ecSize ? derToP1363(value, entry.ecSize) : value;
      return out.slice().buffer as ArrayBuffer;
    };
    const wrappedSubtle = new Proxy(subtle, {
      get(target, property) {
        if (property === "sign") return sign;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    engine = {
      subtle: wrappedSubtle,
      getRandomValues: <T extends ArrayBufferView>(array: T) => webcrypto.getRandomValues(array),
      randomUUID: () => webcrypto.randomUUID(),
    } as Crypto;
  }
  let current: unknown;
  try {
    current = Application.crypto;
  } catch {
    current = undefined;
  }
  if (current !== engine) Application.setEngine("khatam-webcrypto", engine);
}

const CURVE_SIZES: Readonly<Record<string, number>> = {
  "1.2.840.10045.3.1.7": 32, // P-256
  "1.3.132.0.34": 48, // P-384
  "1.3.132.0.35": 66, // P-521
};

export const NAMED_CURVES: Readonly<Record<string, string>> = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
};

/**
 * A placeholder CryptoKey for xadesjs: its `algorithm` tells xmldsigjs which SignatureMethod to write, and the
 * engine's `sign` routes it to `signer`. `curveOid` is the named curve of an EC key.
 */
export function signerCryptoKey(signer: Signer, curveOid?: string): CryptoKey {
  const hash = { name: signer.algorithm.hash };
  let algorithm: KeyAlgorithm & Record<string, unknown>;
  let ecSize = 0;
  switch (signer.algorithm.kind) {
    case "ecdsa": {
      ecSize = (curveOid && CURVE_SIZES[curveOid]) || 0;
      if (!ecSize) throw new Error(`unsupported elliptic curve ${curveOid ?? "(none)"} for an XML signature`);
      algorithm = { name: "ECDSA", namedCurve: NAMED_CURVES[curveOid!], hash };
      break;
    }
    case "rsa-pkcs1":
      algorithm = { name: "RSASSA-PKCS1-v1_5", hash };
      break;
    default:
      throw new Error("RSASSA-PSS keys cannot sign a trusted list yet; use ECDSA or RSA PKCS#1 v1.5");
  }
  const key = { type: "private", extractable: false, algorithm, usages: ["sign"] } as unknown as CryptoKey;
  signerKeys.set(key, { signer, ecSize });
  return key;
}
