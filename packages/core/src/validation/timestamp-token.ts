/**
 * Validation of an RFC 3161 time-stamp token (ETSI EN 319 102-1 § 5.4, time-stamp validation building block):
 * a CMS signature in its own right over a TSTInfo (RFC 3161 § 2.4.2) whose messageImprint must be the digest of
 * what it stamps: the signer's signature value for a signature time-stamp (ETSI EN 319 122-1 § 5.3), the
 * document's byte ranges for a document time-stamp (ETSI EN 319 142-1 § 5.4). The TSA certificate must carry
 * id-kp-timeStamping and chain to a trust anchor.
 */
import { readTstInfo, type TstInfo } from "../cms/tst-info.js";
import { equalBytes } from "./ber.js";
import { decisive, type Failure, failure } from "./checks.js";
import { digest, type HashName, hashOfDigestOid } from "./crypto.js";
import { checkFormat } from "./format-checking.js";
import { dateParam, detailOf, type Message, message } from "./messages.js";
import { parseSignedData } from "./signed-data.js";
import { type SignerValidation, type ValidationContext, validateSigner } from "./signer-validation.js";

/**
 * The token's signer validated as every CMS signer is (signer-validation.ts), its failures joined by the token's
 * own, and what the TSTInfo says.
 */
export interface TimestampValidation extends Omit<SignerValidation, "scheme"> {
  /** genTime, when the TSTInfo could be read. */
  readonly time: Date | null;
  /** Subject of the TSA certificate, or the TSTInfo's tsa name, or "". */
  readonly tsa: string;
  /** No failure at all: the token can serve as a proof of existence. */
  readonly valid: boolean;
  readonly imprintHash?: HashName;
  /** The hash of the token's signature algorithm. */
  readonly signatureHash?: HashName;
  readonly signedAttributes: string[];
}

const empty = (f: Failure, time: Date | null = null): TimestampValidation => ({
  time,
  tsa: "",
  valid: false,
  failures: [f],
  warnings: [],
  signer: null,
  path: [],
  trusted: false,
  signerRevocation: null,
  signedAttributes: [],
});

/**
 * Validates `token` (a ContentInfo) against `imprint`, which gives the digest of the stamped data for a hash.
 * Never throws: structural problems are FORMAT_FAILURE.
 */
export async function validateTimestampToken(
  token: Uint8Array,
  imprint: (hash: HashName) => Uint8Array,
  context: ValidationContext,
  poe?: Date,
): Promise<TimestampValidation> {
  const fc = (m: Message) => failure("FC", "FORMAT_FAILURE", m);
  let sd: ReturnType<typeof parseSignedData>;
  let info: TstInfo;
  try {
    sd = parseSignedData(token);
  } catch (e) {
    return empty(fc(message("ts.notSignedData", { detail: detailOf(e) })));
  }
  const format = checkFormat(sd, { kind: "timestamp" });
  if (format.failure || !format.signerInfo) return empty(format.failure!);
  try {
    info = readTstInfo(sd.eContent!);
  } catch (e) {
    return empty(fc(message("ts.tstInfoUnreadable", { detail: detailOf(e) })));
  }
  const time = info.genTime;
  const imprintHash = hashOfDigestOid(info.hashAlgorithm);
  if (!imprintHash) {
    return empty(fc(message("ts.imprintHashUnsupported", { oid: info.hashAlgorithm })), time);
  }
  const failures: Failure[] = [];
  if (!equalBytes(info.hashedMessage, imprint(imprintHash))) {
    failures.push(failure("CV", "HASH_FAILURE", message("ts.imprintMismatch")));
  }
  if (imprintHash === "SHA-1") {
    failures.push(failure("SAV", "CRYPTO_CONSTRAINTS_FAILURE", message("ts.imprintSha1")));
  }
  if (time.getTime() > context.validationTime.getTime() + 5 * 60 * 1000) {
    failures.push(
      failure(
        "XCV",
        { indication: "INDETERMINATE", subIndication: "NOT_YET_VALID" },
        message("ts.inFuture", { time: dateParam(time) }),
      ),
    );
  }
  const eContent = sd.eContent!;
  const signer = await validateSigner(
    sd,
    format.signerInfo,
    { purpose: "timestamp", signedDigest: (h) => digest(h, eContent), poe, requireSignerRevocation: false },
    context,
  );
  const all = [...failures, ...signer.failures];
  return {
    time,
    tsa: signer.signer?.subject ?? "",
    valid: decisive(all) === null,
    failures: all,
    warnings: [...format.warnings, ...signer.warnings],
    signer: signer.signer,
    path: signer.path,
    trusted: signer.trusted,
    signerRevocation: signer.signerRevocation,
    imprintHash,
    hash: signer.hash,
    signatureHash: signer.scheme?.hash,
    signedAttributes: format.signerInfo.signedAttributes.map((a) => a.oid),
  };
}
