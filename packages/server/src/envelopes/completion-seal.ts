/**
 * The platform's seal on certificates of completion: a PAdES signature (B-T, time-stamped by the country's TSA)
 * with a seal certificate (profile "seal") that the envelope's country CA issued to the platform, so a reader's
 * PDF software (pdfsig, Acrobat) shows the certificate untouched since the platform made it.
 *
 * One seal per CA, made on first use: its key in the platform's key store (encrypted file or PKCS#11 token), its
 * certificate and key reference in `platform_seals`. Two replicas making one at once both succeed; the first row
 * wins and the other key is simply not used.
 */
import type { Signer } from "@khatam/core/keys";
import type { Db } from "../db/connect.js";
import type { KeyReference, KeyStore } from "../trust/keys.js";
import type { TrustStore } from "../trust/store.js";
import { signWithPlatformKey } from "./signing.js";
import * as store from "./store.js";

export interface SealContext {
  readonly db: Db;
  readonly keyStore: KeyStore;
  readonly trustStore: TrustStore;
  readonly publicUrl: string;
}

const made = new Map<string, Promise<{ signer: Signer; certificate: Uint8Array }>>();

async function platformSeal(ctx: SealContext, caId: string): Promise<{ signer: Signer; certificate: Uint8Array }> {
  const stored = await store.platformSeal(ctx.db, caId);
  if (stored) {
    const key = await ctx.keyStore.open(stored.key_ref as KeyReference);
    return { signer: key.signer, certificate: new Uint8Array(stored.der) };
  }
  const pki = ctx.trustStore.get(caId);
  const { key, reference } = await ctx.keyStore.createNamed(`seal-${caId}-${Date.now().toString(36)}`, "P-256");
  const issued = await ctx.trustStore.issue(caId, "seal", {
    spki: key.signer.publicKeySpki,
    subject: {
      country: pki.country,
      organization: pki.organization,
      commonName: "Khatam certificate of completion seal",
    },
  });
  await store.insertPlatformSeal(ctx.db, caId, issued.der, reference);
  return platformSeal(ctx, caId); // the row that won
}

/** `pdf` sealed by the platform under CA `caId`. */
export async function sealCompletionCertificate(ctx: SealContext, caId: string, pdf: Uint8Array): Promise<Uint8Array> {
  let seal = made.get(caId);
  if (!seal) {
    seal = platformSeal(ctx, caId);
    made.set(caId, seal);
    seal.catch(() => made.delete(caId));
  }
  const { signer, certificate } = await seal;
  return signWithPlatformKey({
    trust: { trustStore: ctx.trustStore, publicUrl: ctx.publicUrl },
    pdf,
    signer,
    certificate,
    caId,
    reason: "Khatam certificate of completion",
  });
}
