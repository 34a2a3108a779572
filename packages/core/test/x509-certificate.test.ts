// The library's one certificate reader (x509/certificate.ts) held to what node:crypto (OpenSSL) reads from the same
// bytes; parsed once per certificate; a malformed extension found by readAll, not by fromDer; and the one TSTInfo
// reader (cms/tst-info.ts) strict for the time-stamp client, lenient for the validator.

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { before, describe, test } from "node:test";
import { integer, octetString, oid, sequence, TAG, tlv } from "../src/cms/der.js";
import { readTstInfo } from "../src/cms/tst-info.js";
import { generateKey } from "../src/keys/software.js";
import { createNationalPki, type NationalPki } from "../src/pki/national-pki.js";
import { Certificate } from "../src/x509/certificate.js";
import { OID_COMMON_NAME, OID_KP_TIME_STAMPING } from "../src/x509/oids.js";

let jp: NationalPki;
let official: Uint8Array;

before(async () => {
  jp = await createNationalPki({ id: "jp", country: "JP", organization: "Digital Agency", publicUrl: "http://k.test" });
  const { publicKey } = await generateKey("P-256");
  official = (
    await jp.issue("official", {
      spki: publicKey,
      subject: { commonName: "Sato Hanako", email: "hanako@example.jp" },
    })
  ).der;
});

describe("Certificate", () => {
  test("reads the facts OpenSSL reads", () => {
    for (const der of [
      jp.root.certificate,
      jp.issuing.certificate,
      jp.tsa.certificate,
      jp.ocsp.certificate,
      official,
    ]) {
      const cert = Certificate.fromDer(der);
      const openssl = new X509Certificate(der);
      assert.equal(cert.serial, openssl.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ""));
      assert.equal(cert.notBefore.getTime(), new Date(openssl.validFrom).getTime());
      assert.equal(cert.notAfter.getTime(), new Date(openssl.validTo).getTime());
      assert.deepEqual(
        Buffer.from(cert.spki),
        openssl.publicKey.export({ type: "spki", format: "der" }),
        "the SubjectPublicKeyInfo as received",
      );
      assert.equal(cert.fingerprint, openssl.fingerprint256.replaceAll(":", "").toLowerCase());
      assert.equal(cert.basicConstraints?.ca ?? false, openssl.ca);
      assert.equal(cert.selfIssued, openssl.subject === openssl.issuer);
      assert.equal(cert.subject, openssl.subject.split("\n").reverse().join(","));
      assert.equal(cert.issuer, openssl.issuer.split("\n").reverse().join(","));
      assert.equal(cert.country, "JP");
    }
    const tsa = Certificate.fromDer(jp.tsa.certificate);
    assert.deepEqual(tsa.extendedKeyUsage, [OID_KP_TIME_STAMPING]);
    assert.ok(tsa.ocspUrls.length > 0 && tsa.crlUrls.length > 0 && tsa.caIssuersUrls.length > 0);
    const person = Certificate.fromDer(official);
    assert.equal(person.subjectAttribute(OID_COMMON_NAME), "Sato Hanako");
    assert.deepEqual(person.names.emails, ["hanako@example.jp"]);
    assert.equal(person.keyUsage?.digitalSignature, true);
    assert.equal(person.keyUsage?.keyCertSign, false);
  });

  test("is parsed once: the same bytes, or a copy of them, give the same object", () => {
    const cert = Certificate.fromDer(official);
    assert.equal(Certificate.fromDer(official), cert);
    assert.equal(Certificate.fromDer(official.slice()), cert);
    assert.equal(cert.basicConstraints, cert.basicConstraints);
  });

  test("a malformed extension is found by readAll, not when the skeleton is read", () => {
    const der = jp.issuing.certificate.slice();
    // basicConstraints: OID 2.5.29.19, then (critical) and extnValue OCTET STRING { SEQUENCE … }; lengthen the
    // inner SEQUENCE so that it runs past its OCTET STRING.
    const at = Buffer.from(der).indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x13]));
    const value = Buffer.from(der).indexOf(Buffer.from([0x04]), at + 5);
    assert.equal(der[value + 2], 0x30);
    der[value + 3]! += 1;
    const cert = Certificate.fromDer(der);
    assert.equal(cert.serial, Certificate.fromDer(jp.issuing.certificate).serial);
    assert.throws(() => cert.basicConstraints, /basicConstraints|2\.5\.29\.19/);
    assert.throws(() => cert.readAll());
  });

  test("what is not a certificate is refused with a plain message", () => {
    assert.throws(() => Certificate.fromDer(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01)), /TBSCertificate/);
    assert.throws(() => Certificate.fromDer(new TextEncoder().encode("not a certificate")), /certificate/);
  });
});

describe("TSTInfo", () => {
  const imprint = sequence(sequence(oid("2.16.840.1.101.3.4.2.1")), octetString(new Uint8Array(32).fill(7)));
  const time = (text: string) => tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode(text));
  const tstInfo = (genTime: Uint8Array, ...rest: Uint8Array[]) =>
    sequence(integer(1), oid("1.2.3.4"), imprint, integer(0x1234), genTime, ...rest);
  /** The same value with an indefinite length (BER, X.690 § 8.1.3.6) on its outer SEQUENCE. */
  const indefinite = (der: Uint8Array) => {
    const header = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
    return Uint8Array.from([0x30, 0x80, ...der.subarray(header), 0, 0]);
  };

  test("reads the fields both the client and the validator use", () => {
    const info = readTstInfo(tstInfo(time("20260102030405.5Z"), integer(Uint8Array.of(9, 9))), { strict: true });
    assert.equal(info.policy, "1.2.3.4");
    assert.equal(info.hashAlgorithm, "2.16.840.1.101.3.4.2.1");
    assert.deepEqual(info.hashedMessage, new Uint8Array(32).fill(7));
    assert.deepEqual(info.serialNumber, Uint8Array.of(0x12, 0x34));
    assert.equal(info.genTime.toISOString(), "2026-01-02T03:04:05.500Z");
    assert.deepEqual(info.nonce, Uint8Array.of(9, 9));
  });

  test("strict (the client) refuses BER and a genTime that is not UTC with seconds; the validator reads them", () => {
    for (const [what, der] of [
      ["an indefinite length", indefinite(tstInfo(time("20260102030405Z")))],
      ["a local time", tstInfo(time("20260102030405"))],
      ["an offset", tstInfo(time("20260102040405+0100"))],
      ["no seconds", tstInfo(time("202601020304Z"))],
    ] as const) {
      assert.throws(() => readTstInfo(der, { strict: true }), /DER|genTime/, what);
      assert.equal(readTstInfo(der).genTime.getUTCHours(), 3, what);
    }
  });
});
