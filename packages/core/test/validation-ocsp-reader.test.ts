// The validation engine reads OCSP responses with its own BER reader (validation/revocation.ts); these tests hold
// it to what a schema-based decoder (@peculiar/asn1-ocsp) reads from the same bytes: responses of our responder
// (good, revoked with a reason, unknown), openssl-shaped times (fractions, no nextUpdate), and malformed input.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, test } from "node:test";
import { BasicOCSPResponse, CertID, OCSPRequest, OCSPResponse, Request, TBSRequest } from "@peculiar/asn1-ocsp";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { integer, octetString, oid, sequence, tlv } from "../src/cms/der.js";
import { generateKey } from "../src/keys/software.js";
import { createNationalPki, type NationalPki } from "../src/pki/national-pki.js";
import { toHex } from "../src/validation/ber.js";
import { ocspRequest, readOcspResponse } from "../src/validation/revocation.js";
import { Certificate } from "../src/x509/certificate.js";

let jp: NationalPki;
let sa: NationalPki;

before(async () => {
  [jp, sa] = await Promise.all([
    createNationalPki({ id: "jp", country: "JP", organization: "Digital Agency", publicUrl: "http://127.0.0.1:9" }),
    createNationalPki({ id: "sa", country: "SA", organization: "MCIT", publicUrl: "http://127.0.0.1:9" }),
  ]);
});

async function issued(pki: NationalPki) {
  const { publicKey } = await generateKey("P-256");
  return pki.issue("official", { spki: publicKey, subject: { commonName: "Reader Test" } });
}

/** Both decoders' reading of `der`, asserted equal field by field. */
function assertSameReading(der: Uint8Array) {
  const ours = readOcspResponse(der);
  const response = AsnConvert.parse(der, OCSPResponse);
  assert.ok(ours && response.responseBytes);
  const basic = AsnConvert.parse(new Uint8Array(response.responseBytes.response.buffer), BasicOCSPResponse);
  assert.equal(ours.producedAt.getTime(), basic.tbsResponseData.producedAt.getTime());
  assert.equal(ours.responses.length, basic.tbsResponseData.responses.length);
  basic.tbsResponseData.responses.forEach((theirs, i) => {
    const mine = ours.responses[i]!;
    assert.equal(mine.certId.hashOid, theirs.certID.hashAlgorithm.algorithm);
    assert.equal(toHex(mine.certId.issuerNameHash), toHex(new Uint8Array(theirs.certID.issuerNameHash.buffer)));
    assert.equal(toHex(mine.certId.issuerKeyHash), toHex(new Uint8Array(theirs.certID.issuerKeyHash.buffer)));
    assert.equal(mine.certId.serialHex, toHex(new Uint8Array(theirs.certID.serialNumber)));
    const status = theirs.certStatus;
    assert.equal(mine.status, status.revoked ? "revoked" : status.unknown !== undefined ? "unknown" : "good");
    assert.equal(mine.revokedAt?.getTime(), status.revoked?.revocationTime.getTime());
    assert.equal(mine.thisUpdate.getTime(), theirs.thisUpdate.getTime());
    assert.equal(mine.nextUpdate?.getTime(), theirs.nextUpdate?.getTime());
  });
  return ours;
}

describe("OCSP responses read with the BER reader", () => {
  test("good, revoked (with a reason) and unknown answers read as the schema decoder reads them", async () => {
    const cert = await issued(jp);
    const issuer = Certificate.fromDer(jp.issuing.certificate);
    const request = ocspRequest(Certificate.fromDer(cert.der), issuer);
    assert.equal(assertSameReading(await jp.ocspRespond(request)).responses[0]!.status, "good");

    const at = new Date(Date.now() - 3600_000);
    jp.revoke(cert.serial, "keyCompromise", at);
    const revoked = assertSameReading(await jp.ocspRespond(request)).responses[0]!;
    assert.equal(revoked.status, "revoked");
    assert.equal(revoked.revokedAt?.getTime(), Math.floor(at.getTime() / 1000) * 1000);

    // A serial the JP CA never issued, asked under the JP issuer's name and key.
    const stranger = Certificate.fromDer((await issued(sa)).der);
    const unknown = assertSameReading(await jp.ocspRespond(ocspRequest(stranger, issuer))).responses[0]!;
    assert.notEqual(unknown.status, "good");
  });

  test("an unsuccessful status gives no answer; malformed responses throw", async () => {
    // OCSPResponse { responseStatus tryLater (3) }.
    assert.equal(readOcspResponse(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x03)), undefined);
    const cert = await issued(jp);
    const der = await jp.ocspRespond(
      ocspRequest(Certificate.fromDer(cert.der), Certificate.fromDer(jp.issuing.certificate)),
    );
    assert.throws(() => readOcspResponse(der.subarray(0, der.length - 1)));
    assert.throws(() => readOcspResponse(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), /responseStatus/);
    // The inner BasicOCSPResponse's SEQUENCE tag turned into a SET.
    const broken = der.slice();
    const basicOid = Buffer.from([0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01]);
    const at = Buffer.from(broken).indexOf(basicOid) + basicOid.length; // the response OCTET STRING
    assert.ok(at > basicOid.length && broken[at] === 0x04);
    const lengthForm = broken[at + 1]!;
    broken[at + 2 + (lengthForm & 0x80 ? lengthForm & 0x7f : 0)] = 0x31;
    assert.throws(() => readOcspResponse(broken));
  });

  test("times with fractions, version and extensions fields, no nextUpdate: as the schema decoder; offsets", () => {
    const time = (text: string) => tlv(0x18, new TextEncoder().encode(text));
    const single = (status: Uint8Array, thisUpdate: string, next?: string) =>
      sequence(
        sequence(
          sequence(oid("1.3.14.3.2.26"), Uint8Array.of(0x05, 0x00)),
          octetString(new Uint8Array(20)),
          octetString(new Uint8Array(20)),
          integer(Uint8Array.of(0x00, 0x9a, 0x01)),
        ),
        status,
        time(thisUpdate),
        ...(next ? [tlv(0xa0, time(next))] : []),
        tlv(0xa1, sequence()),
      );
    const response = (revocationTime: string, unknownThisUpdate: string) => {
      const tbs = sequence(
        tlv(0xa0, integer(0)),
        tlv(0xa2, octetString(new Uint8Array(20))),
        time("20260301101500.25Z"),
        sequence(
          single(Uint8Array.of(0x80, 0x00), "20260301101500Z", "20260308101500.5Z"),
          single(tlv(0xa1, time(revocationTime), tlv(0xa0, Uint8Array.of(0x0a, 0x01, 0x01))), "20260301101500.123Z"),
          single(Uint8Array.of(0x82, 0x00), unknownThisUpdate),
        ),
        tlv(0xa1, sequence()),
      );
      const basic = sequence(tbs, sequence(oid("1.2.840.10045.4.3.2")), tlv(0x03, Uint8Array.of(0x00, 0x01)));
      return sequence(
        Uint8Array.of(0x0a, 0x01, 0x00),
        tlv(0xa0, sequence(oid("1.3.6.1.5.5.7.48.1.1"), octetString(basic))),
      );
    };
    const ours = assertSameReading(response("20241231150000Z", "20260301114500Z"));
    assert.equal(ours.producedAt.toISOString(), "2026-03-01T10:15:00.250Z");
    assert.deepEqual(
      ours.responses.map((r) => r.status),
      ["good", "revoked", "unknown"],
    );
    // Offsets (not DER, X.690 § 11.7.1, but BER allows them): read as offsets from UTC. (asn1js misreads them, so no
    // comparison here.)
    const offsets = readOcspResponse(response("20250101000000+0900", "20260301101500-0130"))!;
    assert.equal(offsets.responses[1]!.revokedAt?.toISOString(), "2024-12-31T15:00:00.000Z");
    assert.equal(offsets.responses[2]!.thisUpdate.toISOString(), "2026-03-01T11:45:00.000Z");
  });

  test("the OCSP request is written byte for byte as the schema encoder writes it", async () => {
    const issuer = Certificate.fromDer(jp.issuing.certificate);
    for (let i = 0; i < 4; i++) {
      const cert = Certificate.fromDer((await issued(jp)).der);
      const certId = new CertID({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: "1.3.14.3.2.26", parameters: null }),
        issuerNameHash: new OctetString(createHash("sha1").update(issuer.subjectDer).digest()),
        issuerKeyHash: new OctetString(createHash("sha1").update(issuer.publicKeyBits).digest()),
        serialNumber: cert.serialBytes.slice().buffer,
      });
      const request = new OCSPRequest({
        tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certId })] }),
      });
      assert.equal(toHex(ocspRequest(cert, issuer)), toHex(new Uint8Array(AsnConvert.serialize(request))));
    }
  });
});
