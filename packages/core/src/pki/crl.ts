/**
 * Certificate revocation lists, version 2 (RFC 5280 § 5), signed through the CA's {@link Signer}.
 */
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  CertificateList,
  CRLNumber,
  CRLReason,
  CRLReasons,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
  RevokedCertificate,
  TBSCertList,
  Time,
} from "@peculiar/asn1-x509";
import type { Signer } from "../keys/signer.js";
import { Certificate } from "../x509/certificate.js";
import { signatureAlgorithmIdentifier } from "./algorithms.js";
import { extension, keyIdentifier, nameFromDer, serialFromHex } from "./certificate.js";

import type { RevocationReason } from "./revocation-reasons.js";

export type { RevocationReason };

/** The CRLReason code of a reason name (RFC 5280 § 5.3.1). */
export function revocationReasonCode(reason: RevocationReason): number {
  const code = CRLReasons[reason];
  if (code === undefined) throw new Error(`unknown revocation reason "${reason}"`);
  return code;
}

/** One revoked certificate. */
export interface RevokedEntry {
  /** Serial number in hex. */
  readonly serial: string;
  /** When the CA revoked it (§ 5.1.2.6 revocationDate). */
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
}

/** What a CRL says besides its entries. */
export interface CrlOptions {
  /** Monotonically increasing CRL number (§ 5.2.3); the caller persists it. */
  readonly crlNumber: number | bigint;
  /** § 5.1.2.4 (default: now). */
  readonly thisUpdate?: Date;
  /** § 5.1.2.5: when the next CRL will be issued at the latest (default: thisUpdate + 7 days). */
  readonly nextUpdate?: Date;
}

const DEFAULT_CRL_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/**
 * Builds and signs a v2 CRL (RFC 5280 § 5.1) for the CA whose certificate is `caCertificate`: issuer, AKI (§ 5.2.1,
 * MUST), CRL number (§ 5.2.3, MUST), one entry per revoked certificate with its reasonCode (§ 5.3.1) unless the
 * reason is unspecified, which § 5.3.1 says SHOULD be expressed by leaving the extension out. Returns DER.
 */
export async function buildCrl(
  caCertificate: Uint8Array,
  signer: Signer,
  revoked: readonly RevokedEntry[],
  options: CrlOptions,
): Promise<Uint8Array> {
  const ca = Certificate.fromDer(caCertificate);
  const thisUpdate = options.thisUpdate ?? new Date();
  const nextUpdate = options.nextUpdate ?? new Date(thisUpdate.getTime() + DEFAULT_CRL_LIFETIME_MS);
  const signature = signatureAlgorithmIdentifier(signer.algorithm);
  const entries = revoked.map(
    (entry) =>
      new RevokedCertificate({
        userCertificate: serialFromHex(entry.serial).slice().buffer,
        revocationDate: new Time(entry.revokedAt),
        crlEntryExtensions:
          entry.reason === "unspecified"
            ? undefined
            : [extension(id_ce_cRLReasons, false, new CRLReason(revocationReasonCode(entry.reason)))],
      }),
  );
  const tbs = new TBSCertList({
    version: 1, // v2
    signature,
    issuer: nameFromDer(ca.subjectDer),
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(nextUpdate),
    // § 5.1.2.6: when there are no revoked certificates the list MUST be absent, not empty.
    revokedCertificates: entries.length > 0 ? entries : undefined,
    crlExtensions: [
      extension(
        id_ce_authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier({ keyIdentifier: new OctetString(keyIdentifier(ca.spki)) }),
      ),
      extension(id_ce_cRLNumber, false, new CRLNumber(Number(options.crlNumber))),
    ],
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const value = await signer.sign(tbsDer);
  const crl = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: signature,
    signature: value.slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(crl));
}
