/**
 * The PAdES work of the workflow, kept apart from its state: one signature per signer with their own certificate,
 * chaining to their own country's CA (DESIGN principle 2).
 *
 * - {@link signWithPlatformKey}: a platform-held key signs at B-T, time-stamped by the signer's country's TSA.
 * - {@link prepareDeviceSignature} / {@link completeDeviceSignature}: a device-held key (WebCrypto in the browser)
 *   signs the CAdES signed attributes; the platform checks the value and time-stamps it.
 * - {@link toLongTerm}: every signature is then made B-LT (a DSS with the OCSP answers and certificates for the
 *   signer's and the TSA's chains), and the completed document gets a document time-stamp over it all (B-LTA).
 *
 * All trust services are the platform's own, called in process (trust/in-process.ts).
 */

import { createPublicKey } from "node:crypto";
import { algorithmFor, type SignatureAlgorithm, type Signer } from "@khatam/core/keys";
import { PdfReader } from "@khatam/core/pdf";
import {
  completeExternalSignature,
  extendToLongTerm,
  type PreparedSignature,
  prepareExternalSignature,
  SignError,
  signPdf,
} from "@khatam/core/sign";
import { findSignatures } from "@khatam/core/verify";
import { inProcessTrustFetch, inProcessTsa, platformRoots } from "../trust/in-process.js";
import type { TrustStore } from "../trust/store.js";
import { EnvelopeError } from "./errors.js";
import { asEnvelopeError, type signingFieldOptions } from "./fields.js";

/** The signer's field, values and appearance (envelopes/fields.ts); empty for an invisible signature. */
export type FieldOptions = Awaited<ReturnType<typeof signingFieldOptions>>;

export interface PlatformTrust {
  readonly trustStore: TrustStore;
  readonly publicUrl: string;
}

/** The issuing CA and root of CA `caId`, the chain embedded with a signer's certificate. */
export function chainOf(trust: PlatformTrust, caId: string): Uint8Array[] {
  const pki = trust.trustStore.get(caId);
  return [pki.issuing.certificate, pki.root.certificate];
}

export async function signWithPlatformKey(options: {
  readonly trust: PlatformTrust;
  readonly pdf: Uint8Array;
  readonly signer: Signer;
  readonly certificate: Uint8Array;
  readonly caId: string;
  readonly reason: string;
  readonly field?: FieldOptions;
}): Promise<Uint8Array> {
  try {
    return await signPdf(options.pdf, {
      signer: options.signer,
      certificate: options.certificate,
      chain: chainOf(options.trust, options.caId),
      level: "B-T",
      timestamp: inProcessTsa(options.trust.trustStore, options.caId),
      reason: options.reason,
      ...options.field,
    });
  } catch (e) {
    throw await asEnvelopeError(e);
  }
}

/** The signature algorithm a device key of this certificate uses (ECDSA with the curve's hash, or RSA PKCS#1 v1.5). */
export function algorithmForCertificate(spki: Uint8Array): SignatureAlgorithm {
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  if (key.asymmetricKeyType !== "ec" && key.asymmetricKeyType !== "rsa")
    throw new EnvelopeError("no_signing_certificate", `unsupported key type ${key.asymmetricKeyType}`);
  return algorithmFor(key);
}

export async function prepareDeviceSignature(options: {
  readonly trust: PlatformTrust;
  readonly pdf: Uint8Array;
  readonly certificate: Uint8Array;
  readonly spki: Uint8Array;
  readonly caId: string;
  readonly reason: string;
  readonly field?: FieldOptions;
}): Promise<PreparedSignature> {
  try {
    return await prepareExternalSignature(options.pdf, {
      certificate: options.certificate,
      chain: chainOf(options.trust, options.caId),
      algorithm: algorithmForCertificate(options.spki),
      level: "B-T",
      reason: options.reason,
      ...options.field,
    });
  } catch (e) {
    throw await asEnvelopeError(e);
  }
}

/** Checks the device's value, time-stamps it and returns the whole signed file (base + finished update). */
export async function completeDeviceSignature(options: {
  readonly trust: PlatformTrust;
  readonly base: Uint8Array;
  readonly prepared: PreparedSignature;
  readonly signatureValue: Uint8Array;
  readonly caId: string;
}): Promise<Uint8Array> {
  let update: Uint8Array;
  try {
    update = await completeExternalSignature(options.prepared, options.signatureValue, {
      timestamp: inProcessTsa(options.trust.trustStore, options.caId),
    });
  } catch (error) {
    if (error instanceof SignError) throw new EnvelopeError("invalid_signature_value", error.message);
    throw error;
  }
  return Buffer.concat([options.base, update]);
}

/** B-LT (DSS) for every signature; with `archiveTsaCa`, a document time-stamp by that CA's TSA over it (B-LTA). */
export async function toLongTerm(trust: PlatformTrust, pdf: Uint8Array, archiveTsaCa?: string): Promise<Uint8Array> {
  return extendToLongTerm(pdf, {
    level: archiveTsaCa ? "B-LTA" : "B-LT",
    fetch: inProcessTrustFetch(trust.trustStore, trust.publicUrl),
    // The archive TSA's issuing CA too: a verifier must reach its root even if no signer shares its country.
    extraCertificates: [...platformRoots(trust.trustStore), ...(archiveTsaCa ? chainOf(trust, archiveTsaCa) : [])],
    ...(archiveTsaCa && { timestamp: inProcessTsa(trust.trustStore, archiveTsaCa) }),
  });
}

/** The field name of the newest signature in `pdf`. */
export function lastSignatureField(pdf: Uint8Array): string | null {
  const signatures = findSignatures(PdfReader.open(pdf)).filter((s) => s.type === "signature");
  return signatures.at(-1)?.field ?? null;
}

/** PreparedSignature as JSON for `signing_sessions.state` (the update bytes go in `prepared`). */
export function preparedToState(p: PreparedSignature): Record<string, unknown> {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
  return {
    signedAttributes: b64(p.signedAttributes),
    holeOffset: p.holeOffset,
    certificate: b64(p.certificate),
    chain: p.chain.map(b64),
    algorithm: p.algorithm,
    level: p.level,
  };
}

export function preparedFromState(update: Uint8Array, state: Record<string, unknown>): PreparedSignature {
  const bytes = (s: unknown) => new Uint8Array(Buffer.from(String(s), "base64"));
  return {
    update,
    signedAttributes: bytes(state.signedAttributes),
    holeOffset: Number(state.holeOffset),
    certificate: bytes(state.certificate),
    chain: (state.chain as string[]).map(bytes),
    algorithm: state.algorithm as SignatureAlgorithm,
    level: state.level as "B-B" | "B-T",
  };
}
