/**
 * RFC 3161 time-stamp client: builds a TimeStampReq (§ 2.4.1), sends it over HTTP (§ 3.4), and checks the
 * TimeStampResp (§ 2.4.2) before its token is embedded: granted status, the message imprint we asked for, our nonce.
 */

import { equalBytes } from "../crypto/bytes.js";
import { digestAlgorithmDer } from "./algorithm-identifiers.js";
import {
  children,
  content,
  DerError,
  integer,
  octetString,
  readOid,
  readTlv,
  sequence,
  TAG,
  tlv,
  whole,
} from "./der.js";
import type { HashName } from "./hash.js";
import { OID } from "./signed-data.js";
import { readTstInfo } from "./tst-info.js";

export class TimestampError extends Error {
  override name = "TimestampError";
}

/** What the TSA vouched for, read from the token's TSTInfo. */
export interface TimestampToken {
  /** The whole token: ContentInfo { id-signedData, SignedData }, DER, as the TSA sent it. */
  readonly token: Uint8Array;
  /** genTime. */
  readonly time: Date;
  readonly serial: string;
  readonly policy: string;
}

export function timestampRequest(hash: HashName, digest: Uint8Array, nonce: Uint8Array): Uint8Array {
  return sequence(
    integer(1),
    sequence(digestAlgorithmDer(hash), octetString(digest)),
    integer(nonce),
    tlv(TAG.BOOLEAN, Uint8Array.of(0xff)), // certReq: the TSA's certificate goes in the token
  );
}

/** Asks `url` to time-stamp `digest` (a hash of `hash`); returns the checked token. */
export async function requestTimestamp(
  url: string,
  hash: HashName,
  digest: Uint8Array,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): Promise<TimestampToken> {
  const nonce = crypto.getRandomValues(new Uint8Array(8));
  nonce[0]! &= 0x7f;
  const body = timestampRequest(hash, digest, nonce);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: "POST",
      headers: { "content-type": "application/timestamp-query" },
      body: body as BodyInit,
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
  } catch (e) {
    throw new TimestampError(`time-stamp authority ${url} unreachable: ${(e as Error).message}`);
  }
  if (!response.ok) throw new TimestampError(`time-stamp authority ${url} answered HTTP ${response.status}`);
  return parseTimestampResponse(new Uint8Array(await response.arrayBuffer()), digest, nonce);
}

const STATUS = ["granted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification"];

/** Checks a TimeStampResp against the request and extracts its token. */
export function parseTimestampResponse(resp: Uint8Array, digest: Uint8Array, nonce?: Uint8Array): TimestampToken {
  try {
    const top = readTlv(resp);
    const [statusInfo, token] = children(resp, top);
    if (!statusInfo) throw new TimestampError("empty time-stamp response");
    const [status] = children(resp, statusInfo);
    const code = status ? content(resp, status).reduce((a, b) => a * 256 + b, 0) : -1;
    if (code !== 0 && code !== 1) {
      throw new TimestampError(`time-stamp refused: ${STATUS[code] ?? `status ${code}`}`);
    }
    if (!token) throw new TimestampError("time-stamp response carries no token");
    const tokenDer = whole(resp, token).slice();
    const info = readTstInfo(tstInfoOfToken(tokenDer), { strict: true });
    if (!equalBytes(info.hashedMessage, digest))
      throw new TimestampError("time-stamp token is for a different message imprint");
    if (nonce && (info.nonce === undefined || !equalBytes(stripZeros(info.nonce), stripZeros(nonce))))
      throw new TimestampError("time-stamp token does not echo our nonce");
    return {
      token: tokenDer,
      time: info.genTime,
      serial: Buffer.from(info.serialNumber).toString("hex"),
      policy: info.policy,
    };
  } catch (e) {
    if (e instanceof TimestampError) throw e;
    throw new TimestampError(`malformed time-stamp response: ${(e as Error).message}`);
  }
}

/**
 * The TSTInfo DER inside a token: ContentInfo { id-signedData, [0] SignedData { …, encapContentInfo { id-ct-TSTInfo,
 * [0] OCTET STRING } } } (RFC 3161 § 2.4.2), walked as DER.
 */
function tstInfoOfToken(token: Uint8Array): Uint8Array {
  const ci = readTlv(token);
  const [type, explicit] = children(token, ci);
  if (!type || readOid(token, type) !== OID.signedData || !explicit) throw new DerError("token is not SignedData");
  const [sd] = children(token, explicit);
  const fields = children(token, sd!);
  const encap = fields[2];
  if (!encap) throw new DerError("token has no encapContentInfo");
  const [eType, eContent] = children(token, encap);
  if (!eType || readOid(token, eType) !== OID.tstInfo || !eContent) throw new DerError("token holds no TSTInfo");
  const [octets] = children(token, eContent);
  if (!octets || octets.tag !== TAG.OCTET_STRING) throw new DerError("token holds no TSTInfo");
  return content(token, octets);
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
