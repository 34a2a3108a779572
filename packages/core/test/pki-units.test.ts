// Behaviour of the PKI building blocks that needs no peer tool, or that a peer tool only reaches with help:
// algorithm identifiers, RSASSA-PSS certificates (checked by openssl), DER ordering of signed attributes,
// OCSP error responses, TSA refusals and CSR parsing errors.

import assert from "node:assert/strict";
import { createHash, createPublicKey, verify } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Attribute, SignedData } from "@peculiar/asn1-cms";
import { CertID, OCSPRequest, OCSPResponse, OCSPResponseStatus, Request, TBSRequest } from "@peculiar/asn1-ocsp";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { MessageImprint, PKIStatus, TimeStampReq, TimeStampResp, TSTInfo } from "@peculiar/asn1-tsp";
import {
  AlgorithmIdentifier,
  AuthorityInfoAccessSyntax,
  Certificate,
  CRLDistributionPoints,
  Extension,
  id_ce_cRLDistributionPoints,
  id_pe_authorityInfoAccess,
} from "@peculiar/asn1-x509";

/** The schema library's reading of a certificate: the reference the library's own reader is compared with. */
const parseCertificate = (der: Uint8Array) => AsnConvert.parse(der, Certificate);

import { setOf, tlv } from "../src/cms/der.js";
import { OID } from "../src/cms/signed-data.js";
import { generateKey, softwareSigner } from "../src/keys/software.js";
import {
  digestAlgorithmIdentifier,
  OID_RSASSA_PSS,
  OID_SHA256,
  signatureAlgorithmIdentifier,
} from "../src/pki/algorithms.js";
import { createRootCertificate, crossCertify, issueCertificate } from "../src/pki/authority.js";
import { serialFromHex, serialHex, toPem } from "../src/pki/certificate.js";
import { InvalidCertificationRequestError, verifyCertificationRequest } from "../src/pki/csr.js";
import { webCryptoCertificationRequest } from "../src/pki/csr-webcrypto.js";
import { inProcessServices } from "../src/pki/in-process.js";
import { createNationalPki, type NationalPki } from "../src/pki/national-pki.js";
import { caIssuersUrls, ocspRequest, revocationUrls } from "../src/pki/ocsp-client.js";
import { FAILURE_BITS } from "../src/pki/tsa.js";
import { OID_AD_CA_ISSUERS, OID_AD_OCSP } from "../src/x509/oids.js";
import { freshDir, run } from "./support/tools.js";

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(new Uint8Array(b)).toString("hex");

describe("algorithm identifiers", () => {
  test("ECDSA uses the signature OID with absent parameters, not id-ecPublicKey", () => {
    const id = signatureAlgorithmIdentifier({ kind: "ecdsa", hash: "SHA-384" });
    assert.equal(hex(AsnConvert.serialize(id)), "300a06082a8648ce3d040303");
  });

  test("RSA PKCS#1 v1.5 carries NULL parameters", () => {
    const id = signatureAlgorithmIdentifier({ kind: "rsa-pkcs1", hash: "SHA-256" });
    assert.equal(hex(AsnConvert.serialize(id)), "300d06092a864886f70d01010b0500");
  });

  test("SHA-2 digest identifiers have absent parameters (RFC 5754 § 2)", () => {
    assert.equal(hex(AsnConvert.serialize(digestAlgorithmIdentifier("SHA-256"))), "300b0609608648016503040201");
  });

  test("RSASSA-PSS states hash, MGF1 hash and salt length explicitly", async () => {
    const id = signatureAlgorithmIdentifier({ kind: "rsa-pss", hash: "SHA-256", saltLength: 32 });
    assert.equal(id.algorithm, OID_RSASSA_PSS);
    const der = hex(id.parameters!);
    // [0] sha256, [1] mgf1(sha256), [2] INTEGER 32; trailerField left at its DEFAULT.
    assert.match(der, /^30..a00f300d0609608648016503040201/);
    assert.match(der, /a11c301a06092a864886f70d010108300d0609608648016503040201/);
    assert.match(der, /a203020120$/);
  });

  test("a certificate chain signed with RSASSA-PSS verifies in openssl", async () => {
    const dir = await freshDir("pki-pss");
    const { privateKey } = await generateKey("RSA-2048");
    const signer = softwareSigner(privateKey, { pss: true });
    const root = await createRootCertificate({ subject: { country: "JP", commonName: "PSS Root" }, signer });
    const ca = { id: "pss", certificate: root.der, signer, publicUrl: "https://khatam.example" };
    const leafKey = await generateKey("P-256");
    const leaf = await issueCertificate(ca, {
      profile: "official",
      subject: { commonName: "PSS leaf" },
      spki: leafKey.publicKey,
    });
    await writeFile(join(dir, "root.pem"), toPem(root.der));
    await writeFile(join(dir, "leaf.pem"), toPem(leaf.der));
    const r = await run("openssl", ["verify", "-x509_strict", "-CAfile", "root.pem", "leaf.pem"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr + r.stdout.toString());
    const text = await run("openssl", ["x509", "-noout", "-text", "-in", "leaf.pem"], { cwd: dir });
    assert.match(text.stdout.toString(), /Signature Algorithm: rsassaPss[\s\S]*Salt Length: 0x20/);
  });
});

describe("serial numbers", () => {
  test("hex round trip keeps the INTEGER positive", () => {
    assert.equal(hex(serialFromHex("80ff")), "0080ff");
    assert.equal(serialHex(serialFromHex("80ff")), "80ff");
    assert.equal(serialHex(new Uint8Array([0, 0x7f])), "7f");
  });
});

describe("signed attributes", () => {
  test("are sorted by their DER encodings, whatever the input order (X.690 § 11.6)", () => {
    const mk = (oid: string, value: number[]) =>
      new Uint8Array(
        AsnConvert.serialize(new Attribute({ attrType: oid, attrValues: [new Uint8Array(value).buffer] })),
      );
    const a = mk("1.2.840.113549.1.9.4", [4, 1, 0xaa]);
    const b = mk("1.2.840.113549.1.9.3", [6, 1, 0x2a]);
    const c = mk("1.2.840.113549.1.9.16.2.47", [0x30, 0]);
    const set = setOf([a, c, b]);
    assert.equal(set[0], 0x31);
    assert.deepEqual(set, tlv(0x31, b, a, c));
  });
});

describe("trust services of one PKI", () => {
  let pki: NationalPki;
  let other: NationalPki;
  before(async () => {
    [pki, other] = await Promise.all([
      createNationalPki({ id: "jp", country: "JP", organization: "Digital Agency", publicUrl: "https://k.example" }),
      createNationalPki({ id: "sa", country: "SA", organization: "MCIT", publicUrl: "https://k.example" }),
    ]);
  });

  function ocspRequestFor(issuerCert: Uint8Array, serial: string, nonce?: Uint8Array): Uint8Array {
    const issuer = parseCertificate(issuerCert);
    const sha256 = (d: ArrayBuffer) => new OctetString(createHash("sha256").update(new Uint8Array(d)).digest());
    const certId = new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID_SHA256 }),
      issuerNameHash: sha256(AsnConvert.serialize(issuer.tbsCertificate.subject)),
      issuerKeyHash: sha256(issuer.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey),
      serialNumber: serialFromHex(serial).buffer as ArrayBuffer,
    });
    const tbsRequest = new TBSRequest({
      requestList: [new Request({ reqCert: certId })],
      requestExtensions: nonce
        ? [
            new Extension({
              extnID: "1.3.6.1.5.5.7.48.1.2",
              extnValue: new OctetString(AsnConvert.serialize(new OctetString(nonce))),
            }),
          ]
        : undefined,
    });
    return new Uint8Array(AsnConvert.serialize(new OCSPRequest({ tbsRequest })));
  }

  const statusOf = (der: Uint8Array) => AsnConvert.parse(der, OCSPResponse).responseStatus;

  test("OCSP client: URLs and request read with the BER reader are those the schema parser finds", async () => {
    for (const [cert, issuer] of [
      [pki.issuing.certificate, pki.root.certificate],
      [pki.tsa.certificate, pki.issuing.certificate],
      [pki.ocsp.certificate, pki.issuing.certificate],
    ] as const) {
      const parsed = parseCertificate(cert);
      const aiaExtension = parsed.tbsCertificate.extensions!.find((e) => e.extnID === id_pe_authorityInfoAccess);
      const aia = aiaExtension ? AsnConvert.parse(aiaExtension.extnValue, AuthorityInfoAccessSyntax) : [];
      const urls = (method: string) =>
        [...aia].filter((ad) => ad.accessMethod === method).map((ad) => ad.accessLocation.uniformResourceIdentifier);
      const dpExtension = parsed.tbsCertificate.extensions!.find((e) => e.extnID === id_ce_cRLDistributionPoints);
      const dp = dpExtension ? AsnConvert.parse(dpExtension.extnValue, CRLDistributionPoints) : [];
      const { ocsp, crl } = revocationUrls(cert);
      assert.deepEqual(ocsp, urls(OID_AD_OCSP));
      if (cert !== pki.issuing.certificate) assert.ok(ocsp.length > 0 && crl.length > 0);
      assert.deepEqual(caIssuersUrls(cert), urls(OID_AD_CA_ISSUERS));
      assert.deepEqual(
        crl,
        [...dp].flatMap((p) => (p.distributionPoint?.fullName ?? []).map((n) => n.uniformResourceIdentifier)),
      );
      // SHA-1 with NULL parameters, as OpenSSL writes a CertID (`openssl ocsp -issuer … -cert …`).
      const expected = new CertID({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: "1.3.14.3.2.26", parameters: null }),
        issuerNameHash: new OctetString(
          createHash("sha1")
            .update(new Uint8Array(AsnConvert.serialize(parsed.tbsCertificate.issuer)))
            .digest(),
        ),
        issuerKeyHash: new OctetString(
          createHash("sha1")
            .update(new Uint8Array(parseCertificate(issuer).tbsCertificate.subjectPublicKeyInfo.subjectPublicKey))
            .digest(),
        ),
        serialNumber: parsed.tbsCertificate.serialNumber,
      });
      const request = new OCSPRequest({
        tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: expected })] }),
      });
      assert.equal(hex(ocspRequest(cert, issuer)), hex(AsnConvert.serialize(request)));
    }
    const request = ocspRequest(pki.tsa.certificate, pki.issuing.certificate);
    assert.equal(statusOf(await pki.ocspRespond(request)), OCSPResponseStatus.successful);
    // Not DER at all: the schema parser's error, as before.
    assert.throws(() => revocationUrls(new Uint8Array([0x30, 0x80, 0, 0])));
  });

  test("in process: POST and the GET form answered as over HTTP; a GET that does not decode is malformedRequest", async () => {
    const fetchIn = inProcessServices("https://k.example", [pki, other]);
    const request = ocspRequest(pki.tsa.certificate, pki.issuing.certificate);
    const body = async (r: Response) => new Uint8Array(await r.arrayBuffer());
    const posted = await fetchIn("https://k.example/pki/jp/ocsp", { method: "POST", body: request as BodyInit });
    assert.equal(statusOf(await body(posted)), OCSPResponseStatus.successful);
    const encoded = encodeURIComponent(Buffer.from(request).toString("base64"));
    const got = await fetchIn(`https://k.example/pki/jp/ocsp/${encoded}`);
    assert.equal(statusOf(await body(got)), OCSPResponseStatus.successful);
    for (const bad of ["%E0%A4%A", "not*base64", "%25%25"]) {
      const answer = await fetchIn(`https://k.example/pki/jp/ocsp/${bad}`);
      assert.equal(answer.status, 200);
      assert.equal(statusOf(await body(answer)), OCSPResponseStatus.malformedRequest, bad);
    }
    for (const url of [
      "https://k.example/pki/fr/ocsp",
      "https://other.example/pki/jp/crl",
      "https://k.example/pki/jp/crl/x",
    ]) {
      assert.equal((await fetchIn(url)).status, 404, url);
    }
  });

  test("OCSP: garbage is answered malformedRequest", async () => {
    assert.equal(statusOf(await pki.ocspRespond(new Uint8Array([1, 2, 3]))), OCSPResponseStatus.malformedRequest);
  });

  test("OCSP: a nonce longer than 32 octets is malformedRequest (RFC 8954)", async () => {
    const req = ocspRequestFor(pki.issuing.certificate, pki.tsa.serial, new Uint8Array(33));
    assert.equal(statusOf(await pki.ocspRespond(req)), OCSPResponseStatus.malformedRequest);
  });

  test("OCSP: a certificate of another CA is answered unauthorized", async () => {
    const req = ocspRequestFor(other.issuing.certificate, other.tsa.serial);
    assert.equal(statusOf(await pki.ocspRespond(req)), OCSPResponseStatus.unauthorized);
  });

  test("OCSP: a serial this CA never issued is unknown, never good", async () => {
    const response = await pki.ocspRespond(ocspRequestFor(pki.issuing.certificate, "0123456789abcdef"));
    assert.equal(statusOf(response), OCSPResponseStatus.successful);
    assert.equal(pki.status("0123456789abcdef").status, "unknown");
    // The SingleResponse carries [2] IMPLICIT NULL (unknown): tag 0x82 0x00.
    assert.ok(Buffer.from(response).includes(Buffer.from([0x82, 0x00])));
  });

  test("revocation is final: a second revoke keeps the first reason", () => {
    pki.revoke(pki.ocsp.serial, "superseded");
    pki.revoke(pki.ocsp.serial, "keyCompromise");
    assert.deepEqual(pki.status(pki.ocsp.serial).reason, "superseded");
    assert.throws(() => pki.revoke("abcdef", "keyCompromise"), /has not issued/);
  });

  function tsRequest(fields: Partial<TimeStampReq>): Uint8Array {
    const request = new TimeStampReq({
      messageImprint: new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID_SHA256 }),
        hashedMessage: new OctetString(createHash("sha256").update("x").digest()),
      }),
      ...fields,
    });
    return new Uint8Array(AsnConvert.serialize(request));
  }

  const refusal = async (der: Uint8Array) => {
    const response = AsnConvert.parse(await pki.timestamp(der), TimeStampResp);
    assert.equal(response.status.status, PKIStatus.rejection);
    assert.equal(response.timeStampToken, undefined);
    // Read the bits as RFC 3161 § 2.4.2 numbers them (asn1-tsp's own flag names are shifted by one bit).
    const bits = new Uint8Array(response.status.failInfo!.value);
    return Object.entries(FAILURE_BITS)
      .filter(([, bit]) => (bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7)))
      .map(([name]) => name);
  };

  test("TSA: refusals carry the RFC 3161 failInfo", async () => {
    assert.deepEqual(await refusal(new Uint8Array([0x30, 0x00])), ["badDataFormat"]);
    assert.deepEqual(await refusal(tsRequest({ reqPolicy: "1.2.3.4" })), ["unacceptedPolicy"]);
    const short = tsRequest({
      messageImprint: new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID_SHA256 }),
        hashedMessage: new OctetString(new Uint8Array(20)),
      }),
    });
    assert.deepEqual(await refusal(short), ["badDataFormat"]);
    const md5 = tsRequest({
      messageImprint: new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: "1.2.840.113549.2.5" }),
        hashedMessage: new OctetString(new Uint8Array(16)),
      }),
    });
    assert.deepEqual(await refusal(md5), ["badAlg"]);
  });

  test("TSA: the token's signed attributes are DER-sorted, bind the TSA certificate and verify", async () => {
    const nonce = new Uint8Array([0x01, 0x02, 0x03]).buffer;
    const response = AsnConvert.parse(await pki.timestamp(tsRequest({ nonce, certReq: true })), TimeStampResp);
    assert.equal(response.status.status, PKIStatus.granted);
    const signedData = AsnConvert.parse(response.timeStampToken!.content, SignedData);
    assert.equal(signedData.certificates?.length, 1);
    const tstInfo = AsnConvert.parse(signedData.encapContentInfo.eContent!.single!.buffer, TSTInfo);
    assert.equal(hex(tstInfo.nonce!), "010203");
    const signerInfo = signedData.signerInfos[0]!;
    const attrs = signerInfo.signedAttrs!;
    const encoded = attrs.map((a) => Buffer.from(AsnConvert.serialize(a)));
    for (let i = 1; i < encoded.length; i++) assert.ok(Buffer.compare(encoded[i - 1]!, encoded[i]!) < 0);
    const essAttr = attrs.find((a) => a.attrType === OID.signingCertificateV2)!;
    const certHash = createHash("sha256").update(pki.tsa.certificate).digest("hex");
    assert.ok(hex(essAttr.attrValues[0]!).includes(certHash));
    // The signature covers the DER SET OF of the attributes as carried (RFC 5652 § 5.4).
    const signed = Buffer.from(tlv(0x31, ...encoded));
    const key = createPublicKey({ key: Buffer.from(pki.tsa.signer.publicKeySpki), format: "der", type: "spki" });
    assert.ok(verify("sha256", signed, key, new Uint8Array(signerInfo.signature.buffer)));
  });

  test("CSR of a non-extractable WebCrypto key (as a device makes it): openssl and the CA's check accept it", async () => {
    const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const pem = await webCryptoCertificationRequest(keyPair, "山田 太郎 — محمد");
    assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END/);
    const verified = verifyCertificationRequest(pem);
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keyPair.publicKey));
    assert.deepEqual(verified.subjectPublicKeyInfo, spki);
    const dir = await freshDir("csr-webcrypto");
    await writeFile(join(dir, "device.csr"), pem);
    const r = await run("openssl", ["req", "-verify", "-noout", "-subject", "-nameopt", "utf8", "-in", "device.csr"], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr.toString());
    assert.match(r.stdout.toString() + r.stderr.toString(), /verify OK|Certificate request self-signature verify OK/);
    assert.match(r.stdout.toString(), /CN\s*=\s*山田 太郎 — محمد/);
  });

  test("CSR: garbage is refused with a clear error", () => {
    assert.throws(
      () => verifyCertificationRequest(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])),
      (error: unknown) => error instanceof InvalidCertificationRequestError && /PKCS#10/.test(error.message),
    );
    assert.throws(() => verifyCertificationRequest("not pem"), InvalidCertificationRequestError);
  });

  test("cross-certification refuses an end-entity certificate", async () => {
    await assert.rejects(crossCertify(pki.issuingCa, pki.tsa.certificate), /only a CA certificate/);
  });

  test("a CA whose signer does not hold its key refuses to issue", async () => {
    const { publicKey } = await generateKey("P-256");
    const wrong = { ...pki.issuingCa, signer: other.issuing.signer };
    await assert.rejects(
      issueCertificate(wrong, { profile: "official", subject: { commonName: "x" }, spki: publicKey }),
      /does not hold the key/,
    );
  });
});
