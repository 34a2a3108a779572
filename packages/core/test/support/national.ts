// The two national test PKIs of the validation tests (Japan: ECDSA P-256, Saudi Arabia: RSA-3072), officials with
// certificates from their own country's issuing CA, and the trust services answered in this process (OCSP, CRL at
// the URLs the certificates name; RFC 3161 time-stamps without HTTP), as packages/cli/src/demo.ts wires them.
// Also the documents the validation tests share: B-B, co-signed B-T and B-LTA memoranda. Cached per process.

import type { Signer } from "../../src/keys/signer.js";
import { generateKey, type KeyType, softwareSigner } from "../../src/keys/software.js";
import { extendToLongTerm } from "../../src/pades/long-term.js";
import { signPdf } from "../../src/pades/sign.js";
import { inProcessServices as coreInProcessServices, inProcessTsa } from "../../src/pki/in-process.js";
import { createNationalPki, type NationalPki, type NationalPkiOptions } from "../../src/pki/national-pki.js";
import { plainPdf } from "./fixtures.js";

/** Where the test PKIs say their OCSP responders and CRLs are (never contacted: see {@link inProcessServices}). */
export const PUBLIC_URL = "http://khatam-test.invalid:8080";

/** An official's signing identity: what signPdf takes. */
export interface Official {
  readonly signer: Signer;
  readonly certificate: Uint8Array;
  readonly chain: Uint8Array[];
  readonly notAfter: Date;
}

/** Issues an official's certificate from `pki` (default validity of the "official" profile unless `years`). */
export async function official(
  pki: NationalPki,
  commonName: string,
  options: { years?: number } = {},
): Promise<Official> {
  const keyType: KeyType = pki.country === "SA" ? "RSA-3072" : "P-256";
  const { privateKey, publicKey } = await generateKey(keyType);
  const cert = await pki.issue("official", {
    spki: publicKey,
    subject: { commonName, organization: pki.organization, country: pki.country },
    ...(options.years !== undefined ? { years: options.years } : {}),
  });
  return {
    signer: softwareSigner(privateKey),
    certificate: cert.der,
    chain: [pki.issuing.certificate, pki.root.certificate],
    notAfter: cert.notAfter,
  };
}

/** OCSP and CRL requests to {@link PUBLIC_URL} answered by the given PKIs in this process. */
export function inProcessServices(pkis: readonly NationalPki[]): typeof fetch {
  return coreInProcessServices(PUBLIC_URL, pkis);
}

export { inProcessTsa };

/**
 * A fresh Japanese PKI (the Digital Agency's, the core's default key type) for tests that need one of their own
 * rather than the shared {@link nationalFixtures}, with `options` changed (e.g. `now`).
 */
export function japanPki(options: Partial<NationalPkiOptions> = {}): Promise<NationalPki> {
  return createNationalPki({
    id: "jp",
    country: "JP",
    organization: "Digital Agency",
    publicUrl: "https://khatam.example",
    ...options,
  });
}

/** The documents and PKIs the validation tests share. */
export interface NationalFixtures {
  readonly jp: NationalPki;
  readonly sa: NationalPki;
  /** Officials whose certificates last one year (for validation after expiry). */
  readonly jpOfficial: Official;
  readonly saOfficial: Official;
  /** A one-page memorandum signed B-B by the Japanese official. */
  readonly bb: Uint8Array;
  /** The memorandum signed B-T by the Japanese official, then countersigned B-T by the Saudi official. */
  readonly coSignedBt: Uint8Array;
  /** {@link coSignedBt} extended to B-LTA (OCSP answers of both countries in a DSS, a JP document time-stamp). */
  readonly bLta: Uint8Array;
  /** OCSP/CRL of both countries, answered in this process. */
  readonly fetch: typeof fetch;
}

let shared: Promise<NationalFixtures> | undefined;

/** Creates (once per process) the JP and SA PKIs, their one-year officials and the shared documents. */
export function nationalFixtures(): Promise<NationalFixtures> {
  shared ??= (async () => {
    const [jp, sa] = await Promise.all([
      createNationalPki({
        id: "jp",
        country: "JP",
        organization: "Digital Agency",
        keyType: "P-256",
        publicUrl: PUBLIC_URL,
      }),
      createNationalPki({ id: "sa", country: "SA", organization: "MCIT", keyType: "RSA-3072", publicUrl: PUBLIC_URL }),
    ]);
    const [jpOfficial, saOfficial] = await Promise.all([
      official(jp, "Taro Yamada", { years: 1 }),
      official(sa, "Abdullah Al-Saud", { years: 1 }),
    ]);
    const memo = plainPdf();
    const bb = await signPdf(memo, { ...jpOfficial, reason: "Approved", location: "Tokyo" });
    const jpSigned = await signPdf(memo, { ...jpOfficial, level: "B-T", timestamp: inProcessTsa(jp) });
    const coSignedBt = await signPdf(jpSigned, { ...saOfficial, level: "B-T", timestamp: inProcessTsa(sa) });
    const fetch = inProcessServices([jp, sa]);
    const bLta = await extendToLongTerm(coSignedBt, {
      level: "B-LTA",
      fetch,
      extraCertificates: [jp.root.certificate, sa.root.certificate],
      timestamp: inProcessTsa(jp),
    });
    return { jp, sa, jpOfficial, saOfficial, bb, coSignedBt, bLta, fetch };
  })();
  return shared;
}
