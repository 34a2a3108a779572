/**
 * Signatures whose value is computed elsewhere — a key on the official's device (a browser's non-extractable
 * WebCrypto key), a remote signing service — in two steps, so the private key never comes near the document:
 *
 * 1. `prepareExternalSignature`: the signature revision is built with its /Contents hole, the byte range hashed,
 *    and the CAdES signed attributes computed; the caller sends `signedAttributes` to the signer.
 * 2. `completeExternalSignature`: the signature value that comes back is checked against the certificate, time-
 *    stamped for B-T, assembled into the CMS and written into the hole.
 *
 * `PreparedSignature` is plain data (bytes and numbers), so it can be stored between the two HTTP requests.
 */
import { constants, createPublicKey, verify } from "node:crypto";
import type { SignatureAppearance } from "../appearance/signature-appearance.js";
import { sha } from "../cms/hash.js";
import { assembleSignedData, attribute, OID, signedAttributesFor } from "../cms/signed-data.js";
import type { FillValues } from "../forms/fill.js";
import { p1363ToDer } from "../keys/ecdsa-sig-value.js";
import type { HashAlgorithm, SignatureAlgorithm, Signer } from "../keys/signer.js";
import { docMdpPermission } from "../pdf/acroform.js";
import { Certificate } from "../x509/certificate.js";
import { formFillFor } from "./form-fill.js";
import {
  addSignatureRevision,
  cadesSignatureEntries,
  fillHole,
  openForSigning,
  SignError,
} from "./signature-revision.js";
import { obtainTimestamp } from "./timestamp-source.js";
import { visibleSignature } from "./visible-signature.js";

export interface ExternalSignOptions {
  /** The signer's certificate (DER); its public key checks the value that comes back. */
  readonly certificate: Uint8Array;
  readonly chain?: readonly Uint8Array[];
  readonly algorithm: SignatureAlgorithm;
  readonly level?: "B-B" | "B-T";
  readonly fieldName?: string;
  readonly reason?: string;
  readonly location?: string;
  readonly signingTime?: Date;
  /** 1-based page for a new field's widget. */
  readonly page?: number;
  /** A visible signature, as in `PadesSignOptions.appearance`. */
  readonly appearance?: SignatureAppearance;
  /** x1 y1 x2 y2 for a visible signature in a new field. */
  readonly rect?: readonly [number, number, number, number];
  /** Values for the signer's own placed fields, as in `PadesSignOptions.fill`. */
  readonly fill?: FillValues;
}

export interface PreparedSignature {
  /** The incremental update with an empty hole (append to the base document). */
  readonly update: Uint8Array;
  /** What the external signer signs (hashing it with `algorithm.hash`). */
  readonly signedAttributes: Uint8Array;
  readonly holeOffset: number;
  readonly certificate: Uint8Array;
  readonly chain: readonly Uint8Array[];
  readonly algorithm: SignatureAlgorithm;
  readonly level: "B-B" | "B-T";
}

/** Space for the CMS: it cannot grow after the signer has signed, so B-T reserves generously for the token. */
const RESERVE_EXTRA = { "B-B": 2048, "B-T": 12_000 } as const;

export async function prepareExternalSignature(
  pdf: Uint8Array,
  options: ExternalSignOptions,
): Promise<PreparedSignature> {
  const reader = openForSigning(pdf);
  if (docMdpPermission(reader) === 1)
    throw new SignError("the document is certified with no changes allowed; it cannot be signed again");
  const level = options.level ?? "B-B";
  const chain = options.chain ?? [];
  // A visible signature shows its time; /M and a "date signed" field say the same unless told otherwise.
  const signingTime = options.signingTime ?? options.appearance?.signedAt ?? new Date();
  const form = await formFillFor(reader, options.fieldName, options.fill, {
    locale: options.appearance?.locale,
    signingTime,
  });
  const entries = cadesSignatureEntries({ ...options, signingTime });
  if (form.references.length > 0) entries.push(["Reference", [...form.references]]);
  let signedAttributes: Uint8Array | undefined;
  let holeOffset = -1;
  const certs = [options.certificate, ...chain].reduce((n, c) => n + c.length, 0);
  const update = await addSignatureRevision(reader, {
    entries,
    fieldName: options.fieldName,
    page: options.page,
    visible: options.appearance ? await visibleSignature(options.appearance, options.rect) : undefined,
    alsoWrite: form.write,
    reserve: certs + 1024 + RESERVE_EXTRA[level],
    hash: options.algorithm.hash,
    produce: async (digest, hole) => {
      signedAttributes = signedAttributesFor(
        { contentDigest: digest, certificate: options.certificate, chain },
        options.algorithm.hash,
      );
      holeOffset = hole.holeOffset;
      return new Uint8Array(0);
    },
  });
  return {
    update,
    signedAttributes: signedAttributes!,
    holeOffset,
    certificate: options.certificate,
    chain,
    algorithm: options.algorithm,
    level,
  };
}

/**
 * Completes a prepared signature with the signature value over `signedAttributes` (ECDSA as DER or as WebCrypto's
 * r||s). Refuses a value that does not verify with the certificate's key. Returns the finished update.
 */
export async function completeExternalSignature(
  prepared: PreparedSignature,
  signatureValue: Uint8Array,
  options: { tsaUrl?: string; timestamp?: (hash: HashAlgorithm, digest: Uint8Array) => Promise<Uint8Array> } = {},
): Promise<Uint8Array> {
  const { algorithm } = prepared;
  const key = createPublicKey({
    key: Buffer.from(Certificate.fromDer(prepared.certificate).spki),
    format: "der",
    type: "spki",
  });
  const verifies = (candidate: Uint8Array): boolean => {
    try {
      return verify(
        algorithm.hash.replace("-", "").toLowerCase(),
        prepared.signedAttributes,
        algorithm.kind === "rsa-pss"
          ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength }
          : { key, dsaEncoding: "der" },
        candidate,
      );
    } catch {
      return false;
    }
  };
  // An ECDSA value may come as DER (Node, HSMs) or as WebCrypto's r||s; an r||s value can begin with 0x30 too, so
  // the form is not guessed from the first byte: whichever encoding verifies is the signature (CMS carries DER).
  const candidates = [signatureValue];
  if (algorithm.kind === "ecdsa" && signatureValue.length % 2 === 0) {
    try {
      candidates.push(p1363ToDer(signatureValue));
    } catch {
      // not an r||s value either; the DER candidate decides
    }
  }
  const signature = candidates.find(verifies);
  const ok = signature !== undefined;
  if (!ok) throw new SignError("the signature value does not verify with the signer's certificate");
  const unsigned: Uint8Array[] = [];
  if (prepared.level === "B-T") {
    if (!options.tsaUrl && !options.timestamp) throw new SignError("level B-T needs a time-stamp authority");
    const imprint = sha(algorithm.hash, signature);
    const token = await obtainTimestamp(options, algorithm.hash, imprint);
    unsigned.push(attribute(OID.signatureTimeStampToken, token));
  }
  const signer: Pick<Signer, "algorithm"> = { algorithm };
  const cms = assembleSignedData(
    {
      options: {
        contentDigest: new Uint8Array(0),
        signer: signer as Signer,
        certificate: prepared.certificate,
        chain: prepared.chain,
      },
      signedAttributes: prepared.signedAttributes,
      signature,
    },
    unsigned,
  );
  const update = prepared.update.slice();
  fillHole(update, prepared.holeOffset, cms);
  return update;
}
