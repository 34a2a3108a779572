// The signature-level validation (ETSI EN 319 102-1) of validateCades, over national PKIs made by createNationalPki,
// CMS made by our own signer and by `openssl cms` (another implementation), and tokens from our TSA: one test per
// indication the building blocks yield, named after the anomaly.

import assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { sha } from "../src/cms/hash.js";
import { assembleSignedData, attribute, OID, type SignedParts, signAttributes } from "../src/cms/signed-data.js";
import { parseTimestampResponse, requestTimestamp, timestampRequest } from "../src/cms/timestamp.js";
import { generateKey, type KeyType, softwareSigner } from "../src/keys/software.js";
import { issueCertificate } from "../src/pki/authority.js";
import { buildCrl } from "../src/pki/crl.js";
import { createNationalPki, type NationalPki } from "../src/pki/national-pki.js";
import { parseBer } from "../src/validation/ber.js";
import { type CadesValidationInput, validateCades } from "../src/validation/cades.js";
import { ocspRequest } from "../src/validation/revocation.js";
import { Certificate } from "../src/x509/certificate.js";
import { text } from "./support/messages.js";
import { japanPki } from "./support/national.js";
import { freshDir, type OpensslSigner, opensslCmsSign, opensslSigner } from "./support/tools.js";
import { startOpensslTsa } from "./support/tsa-server.js";

const CONTENT = new TextEncoder().encode("Memorandum of cooperation between the Digital Agency and MCIT — byte ranges");
const YEAR = 365 * 24 * 3600 * 1000;
const digestOf = (content: Uint8Array) => (h: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512") => sha(h, content);

interface Official {
  readonly pki: NationalPki;
  readonly key: KeyObject;
  readonly certificate: Uint8Array;
  readonly serial: string;
}

async function official(pki: NationalPki, type: KeyType = "P-256", options: { now?: Date; years?: number } = {}) {
  const { privateKey, publicKey } = await generateKey(type);
  const issued = await pki.issue("official", {
    spki: publicKey,
    subject: { commonName: `Official ${Math.random().toString(36).slice(2, 8)}` },
    ...options,
  });
  return { pki, key: privateKey, certificate: issued.der, serial: issued.serial } satisfies Official;
}

async function sign(who: Official, options: { pss?: boolean; content?: Uint8Array } = {}): Promise<SignedParts> {
  const signer = softwareSigner(who.key, { pss: options.pss });
  return signAttributes({
    contentDigest: sha(signer.algorithm.hash, options.content ?? CONTENT),
    signer,
    certificate: who.certificate,
    chain: [who.pki.issuing.certificate],
  });
}

/** A signature time-stamp (unsigned attribute) from `pki`'s TSA at `at`. */
async function signatureTimestamp(pki: NationalPki, parts: SignedParts, at?: Date): Promise<Uint8Array> {
  const imprint = sha("SHA-256", parts.signature);
  const response = await pki.timestamp(timestampRequest("SHA-256", imprint, Uint8Array.of(1, 2, 3)), at);
  return attribute(OID.signatureTimeStampToken, parseTimestampResponse(response, imprint).token);
}

function input(
  cms: Uint8Array,
  anchors: Uint8Array[],
  extra: Partial<CadesValidationInput> = {},
): CadesValidationInput {
  return {
    cms,
    signedContentDigest: digestOf(CONTENT),
    kind: "signature",
    trustAnchors: anchors.map((certificate) => ({ certificate })),
    validationTime: new Date(),
    ...extra,
  };
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at]! ^= 0x01;
  return out;
}

let jp: NationalPki;
let sa: NationalPki;
let alice: Official;
before(async () => {
  jp = await japanPki();
  sa = await createNationalPki({
    id: "sa",
    country: "SA",
    organization: "MCIT",
    publicUrl: "https://sa.khatam.example",
    keyType: "RSA-3072",
  });
  alice = await official(jp);
});

describe("valid signatures", () => {
  test("a P-256 signature with a CRL in the DSS is TOTAL_PASSED", async () => {
    const cms = assembleSignedData(await sign(alice));
    const r = await validateCades(input(cms, [jp.root.certificate], { crls: [await jp.crl()] }));
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.equal(r.subIndication, null);
    assert.deepEqual(
      r.chain.map((c) => c.trusted),
      [false, false, true],
    );
    assert.match(r.signer!.subject, /^CN=Official [a-z0-9]+,C=JP$/);
    assert.equal(r.signer!.country, "JP");
    assert.equal(r.signer!.serial, alice.serial);
    assert.deepEqual(r.revocation, { status: "good", source: "embedded-crl" });
    assert.equal(r.hashAlgorithm, "SHA-256");
    assert.equal(r.signatureAlgorithm, "ecdsa-with-SHA256");
    assert.ok(r.signedAttributes.includes(OID.signingCertificateV2));
    assert.equal(r.hasSignatureTimestamp, false);
  });

  test("an RSA-3072 PKCS#1 v1.5 signature is TOTAL_PASSED", async () => {
    const bob = await official(sa, "RSA-3072");
    const r = await validateCades(
      input(assembleSignedData(await sign(bob)), [sa.root.certificate], { crls: [await sa.crl()] }),
    );
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.equal(r.signatureAlgorithm, "sha256WithRSAEncryption");
  });

  test("an RSASSA-PSS signature is verified with the parameters of its algorithm identifier", async () => {
    const bob = await official(sa, "RSA-3072");
    const r = await validateCades(
      input(assembleSignedData(await sign(bob, { pss: true })), [sa.root.certificate], { crls: [await sa.crl()] }),
    );
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.equal(r.signatureAlgorithm, "RSASSA-PSS");
  });

  test("a Saudi signer validates for a Japanese relying party through a cross-certificate (bridge model)", async () => {
    const bob = await official(sa, "RSA-3072");
    const cross = await jp.crossCertify(sa.root.certificate);
    const cms = assembleSignedData(await sign(bob));
    const alone = await validateCades(input(cms, [jp.root.certificate], { crls: [await sa.crl()] }));
    assert.equal(alone.subIndication, "NO_CERTIFICATE_CHAIN_FOUND");
    // The DSS also carries SA's self-signed root, a dead end the path builder must back out of.
    const r = await validateCades(
      input(cms, [jp.root.certificate], {
        crls: [await sa.crl()],
        extraCertificates: [sa.root.certificate, cross.der],
      }),
    );
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.equal(r.chain.length, 4);
    assert.match(r.chain[2]!.subject, /CN=MCIT Root CA/);
    assert.match(r.chain[3]!.subject, /CN=Digital Agency Root CA/);
    assert.equal(r.chain[3]!.trusted, true);
  });

  test("online OCSP through the injected fetch gives the status when nothing is embedded", async () => {
    const calls: string[] = [];
    const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push(`${init?.method} ${url} ${(init?.headers as Record<string, string> | undefined)?.["content-type"]}`);
      const answer = await jp.ocspRespond(new Uint8Array(init!.body as Uint8Array));
      return new Response(answer as BodyInit, { headers: { "content-type": "application/ocsp-response" } });
    }) as typeof fetch;
    const cms = assembleSignedData(await sign(alice));
    const r = await validateCades(input(cms, [jp.root.certificate], { online: { fetch: fakeFetch } }));
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.deepEqual(r.revocation, { status: "good", source: "online-ocsp" });
    assert.deepEqual(calls, ["POST https://khatam.example/pki/jp/ocsp application/ocsp-request"]);
  });
});

describe("failures of the signature itself", () => {
  test("one flipped byte in the signed content is TOTAL_FAILED HASH_FAILURE", async () => {
    const cms = assembleSignedData(await sign(alice));
    const r = await validateCades(
      input(cms, [jp.root.certificate], { crls: [await jp.crl()], signedContentDigest: digestOf(flip(CONTENT, 10)) }),
    );
    assert.equal(r.indication, "TOTAL_FAILED");
    assert.equal(r.subIndication, "HASH_FAILURE");
  });

  test("one flipped byte in the signature value is TOTAL_FAILED SIG_CRYPTO_FAILURE", async () => {
    const parts = await sign(alice);
    const tampered = { ...parts, signature: flip(parts.signature, parts.signature.length - 3) };
    const r = await validateCades(
      input(assembleSignedData(tampered), [jp.root.certificate], { crls: [await jp.crl()] }),
    );
    assert.equal(r.indication, "TOTAL_FAILED");
    assert.equal(r.subIndication, "SIG_CRYPTO_FAILURE");
  });

  test("a hash failure outranks a missing chain (EN 319 102-1 § 5.3.4)", async () => {
    const cms = assembleSignedData(await sign(alice));
    const r = await validateCades(
      input(cms, [sa.root.certificate], { signedContentDigest: digestOf(flip(CONTENT, 0)) }),
    );
    assert.equal(r.subIndication, "HASH_FAILURE");
    assert.ok(r.errors.map(text).some((e) => /no certification path/.test(e)));
  });

  test("a signing-certificate-v2 naming another certificate is INDETERMINATE NO_SIGNING_CERTIFICATE_FOUND", async () => {
    const { publicKey } = await generateKey("P-256").then(() => ({ publicKey: alice.key }));
    const twin = await jp.issue("official", {
      spki: publicKey,
      subject: { commonName: "Same key, other certificate" },
    });
    const parts = await sign(alice);
    const swapped = { ...parts, options: { ...parts.options, certificate: twin.der } };
    const r = await validateCades(
      input(assembleSignedData(swapped), [jp.root.certificate], { crls: [await jp.crl()] }),
    );
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "NO_SIGNING_CERTIFICATE_FOUND");
  });

  test("garbage, truncated and empty CMS are FORMAT_FAILURE, never a throw", async () => {
    const good = assembleSignedData(await sign(alice));
    for (const cms of [
      new Uint8Array(0),
      new TextEncoder().encode("%PDF-1.7 not a signature"),
      good.subarray(0, good.length - 40),
      Uint8Array.of(0x30, 0x80, 0x06, 0x03, 0x2a, 0x03, 0x04),
    ]) {
      const r = await validateCades(input(cms, [jp.root.certificate]));
      assert.equal(r.indication, "TOTAL_FAILED");
      assert.equal(r.subIndication, "FORMAT_FAILURE");
      assert.ok(r.errors.map(text)[0]!.length > 0);
    }
  });
});

describe("certificate path and revocation", () => {
  test("a trust anchor of another country is INDETERMINATE NO_CERTIFICATE_CHAIN_FOUND", async () => {
    const r = await validateCades(
      input(assembleSignedData(await sign(alice)), [sa.root.certificate], { crls: [await jp.crl()] }),
    );
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "NO_CERTIFICATE_CHAIN_FOUND");
    assert.deepEqual(r.chain, [{ subject: r.signer!.subject, trusted: false }]);
  });

  test("a sub-CA below an issuing CA with pathLen 0 is INDETERMINATE CHAIN_CONSTRAINTS_FAILURE", async () => {
    const subKey = await generateKey("P-256");
    const subSigner = softwareSigner(subKey.privateKey);
    const sub = await issueCertificate(jp.issuingCa, {
      profile: "issuing-ca",
      subject: { country: "JP", commonName: "Unauthorised sub-CA" },
      spki: subSigner.publicKeySpki,
    });
    const subCa = { id: "jp-sub", certificate: sub.der, signer: subSigner, publicUrl: "https://khatam.example" };
    const leafKey = await generateKey("P-256");
    const leaf = await issueCertificate(subCa, {
      profile: "official",
      subject: { commonName: "Below" },
      spki: leafKey.publicKey,
    });
    const who = { pki: jp, key: leafKey.privateKey, certificate: leaf.der, serial: leaf.serial };
    const parts = await sign(who);
    const cms = assembleSignedData({
      ...parts,
      options: { ...parts.options, chain: [sub.der, jp.issuing.certificate] },
    });
    const subCrl = await buildCrl(sub.der, subSigner, [], { crlNumber: 1 });
    const r = await validateCades(input(cms, [jp.root.certificate], { crls: [subCrl, await jp.crl()] }));
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "CHAIN_CONSTRAINTS_FAILURE");
    assert.match(r.errors.map(text).join(" "), /allows 0 CA certificates below it/);
  });

  test("no revocation data offline is INDETERMINATE TRY_LATER", async () => {
    const r = await validateCades(input(assembleSignedData(await sign(alice)), [jp.root.certificate]));
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "TRY_LATER");
    assert.deepEqual(r.revocation, { status: "unknown", source: "none" });
  });

  test("revoked per an embedded CRL, with nothing proving the signature earlier, is REVOKED_NO_POE", async () => {
    const carol = await official(jp);
    const cms = assembleSignedData(await sign(carol));
    jp.revoke(carol.serial, "keyCompromise", new Date(Date.now() - 60_000));
    const r = await validateCades(input(cms, [jp.root.certificate], { crls: [await jp.crl()] }));
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "REVOKED_NO_POE");
    assert.deepEqual(r.revocation, { status: "revoked", source: "embedded-crl" });
  });

  test("revoked per an embedded OCSP response is REVOKED_NO_POE, time-stamped after the revocation too (EN 319 102-1 § 5.5.4 4 a)", async () => {
    const carol = await official(jp);
    const parts = await sign(carol);
    jp.revoke(carol.serial, "keyCompromise", new Date(Date.now() - 3_600_000));
    const request = ocspRequest(Certificate.fromDer(carol.certificate), Certificate.fromDer(jp.issuing.certificate));
    const ocsp = await jp.ocspRespond(request);
    const plain = await validateCades(
      input(assembleSignedData(parts), [jp.root.certificate], { ocspResponses: [ocsp] }),
    );
    assert.equal(plain.subIndication, "REVOKED_NO_POE");
    assert.deepEqual(plain.revocation, { status: "revoked", source: "embedded-ocsp" });
    const stamped = assembleSignedData(parts, [await signatureTimestamp(jp, parts)]);
    const r = await validateCades(input(stamped, [jp.root.certificate], { ocspResponses: [ocsp] }));
    assert.equal(r.timestamp?.valid, true, r.warnings.map(text).join("; "));
    // The time-stamp proves the signature existed after the revocation, not that it was made after it.
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "REVOKED_NO_POE");
  });

  test("a content time-stamp made after the revocation proves signing after it: TOTAL_FAILED / REVOKED", async () => {
    const dan = await official(jp);
    jp.revoke(dan.serial, "keyCompromise", new Date(Date.now() - 3_600_000));
    // id-aa-ets-contentTimestamp (a signed attribute): the TSA's token over the signed content, made now.
    const imprint = sha("SHA-256", CONTENT);
    const response = await jp.timestamp(timestampRequest("SHA-256", imprint, Uint8Array.of(7)));
    const contentTimestamp = attribute("1.2.840.113549.1.9.16.2.20", parseTimestampResponse(response, imprint).token);
    const signer = softwareSigner(dan.key);
    const parts = await signAttributes({
      contentDigest: sha(signer.algorithm.hash, CONTENT),
      signer,
      certificate: dan.certificate,
      chain: [jp.issuing.certificate],
      extraSignedAttributes: [contentTimestamp],
    });
    const ocsp = await jp.ocspRespond(
      ocspRequest(Certificate.fromDer(dan.certificate), Certificate.fromDer(jp.issuing.certificate)),
    );
    const r = await validateCades(input(assembleSignedData(parts), [jp.root.certificate], { ocspResponses: [ocsp] }));
    assert.equal(r.indication, "TOTAL_FAILED", r.warnings.map(text).join("; "));
    assert.equal(r.subIndication, "REVOKED");
    // A content time-stamp over other content is no lower bound: back to REVOKED_NO_POE, with a warning.
    const otherImprint = sha("SHA-256", new TextEncoder().encode("other content"));
    const other = await jp.timestamp(timestampRequest("SHA-256", otherImprint, Uint8Array.of(8)));
    const wrong = await signAttributes({
      contentDigest: sha(signer.algorithm.hash, CONTENT),
      signer,
      certificate: dan.certificate,
      chain: [jp.issuing.certificate],
      extraSignedAttributes: [
        attribute("1.2.840.113549.1.9.16.2.20", parseTimestampResponse(other, otherImprint).token),
      ],
    });
    const w = await validateCades(input(assembleSignedData(wrong), [jp.root.certificate], { ocspResponses: [ocsp] }));
    assert.equal(w.subIndication, "REVOKED_NO_POE");
    assert.ok(
      w.warnings.map(text).some((x) => /content time-stamp/.test(x)),
      w.warnings.map(text).join("; "),
    );
  });

  test("OCSP signed by an unrelated key is ignored", async () => {
    const request = ocspRequest(Certificate.fromDer(alice.certificate), Certificate.fromDer(jp.issuing.certificate));
    const forged = await sa.ocspRespond(request); // SA's responder does not speak for JP's CA: "unauthorized"
    const r = await validateCades(
      input(assembleSignedData(await sign(alice)), [jp.root.certificate], { ocspResponses: [forged] }),
    );
    assert.equal(r.subIndication, "TRY_LATER");
  });
});

describe("time: expiry and proof of existence", () => {
  let old: NationalPki;
  let dave: Official;
  before(async () => {
    old = await japanPki({ now: new Date(Date.now() - 5 * YEAR) });
    dave = await official(old, "P-256", { now: new Date(Date.now() - 3 * YEAR), years: 1 });
  });

  test("an expired signer certificate without proof of existence is OUT_OF_BOUNDS_NO_POE", async () => {
    const r = await validateCades(input(assembleSignedData(await sign(dave)), [old.root.certificate]));
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "OUT_OF_BOUNDS_NO_POE");
  });

  test("a signature time-stamp inside the validity period and a later CRL make it TOTAL_PASSED", async () => {
    const parts = await sign(dave);
    const cms = assembleSignedData(parts, [await signatureTimestamp(old, parts, new Date(Date.now() - 2.5 * YEAR))]);
    const r = await validateCades(input(cms, [old.root.certificate], { crls: [await old.crl()] }));
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.equal(r.hasSignatureTimestamp, true);
    assert.equal(r.timestamp?.valid, true);
    assert.match(r.timestamp!.tsa, /Time-Stamping Authority/);
    const noRevocation = await validateCades(input(cms, [old.root.certificate]));
    assert.equal(noRevocation.subIndication, "OUT_OF_BOUNDS_NO_POE");
  });

  test("a POE from a later document time-stamp serves like a signature time-stamp", async () => {
    const cms = assembleSignedData(await sign(dave));
    const r = await validateCades(
      input(cms, [old.root.certificate], { crls: [await old.crl()], poe: new Date(Date.now() - 2.5 * YEAR) }),
    );
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
  });

  test("a time-stamp over another signature value is not a proof of existence", async () => {
    const parts = await sign(dave);
    const other = await sign(dave);
    const cms = assembleSignedData(parts, [await signatureTimestamp(old, other, new Date(Date.now() - 2.5 * YEAR))]);
    const r = await validateCades(input(cms, [old.root.certificate], { crls: [await old.crl()] }));
    assert.equal(r.timestamp?.valid, false);
    assert.equal(r.subIndication, "OUT_OF_BOUNDS_NOT_REVOKED");
    assert.ok(r.warnings.map(text).some((w) => /message imprint/.test(w)));
  });
});

describe("document time-stamps", () => {
  async function documentTimestamp(content: Uint8Array): Promise<Uint8Array> {
    const imprint = sha("SHA-256", content);
    return parseTimestampResponse(await jp.timestamp(timestampRequest("SHA-256", imprint, Uint8Array.of(7))), imprint)
      .token;
  }

  test("an RFC 3161 token over the byte ranges is TOTAL_PASSED with the TSA as signer", async () => {
    const token = await documentTimestamp(CONTENT);
    const r = await validateCades(
      input(token, [jp.root.certificate], {
        kind: "document-timestamp",
        crls: [await jp.crl()],
        extraCertificates: [jp.issuing.certificate], // from the DSS
      }),
    );
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.match(r.signer!.subject, /Time-Stamping Authority/);
    assert.equal(r.timestamp?.valid, true);
  });

  test("a token over other bytes is HASH_FAILURE", async () => {
    const token = await documentTimestamp(flip(CONTENT, 3));
    const r = await validateCades(input(token, [jp.root.certificate], { kind: "document-timestamp" }));
    assert.equal(r.subIndication, "HASH_FAILURE");
  });

  test("a signature's CMS given as a document time-stamp is FORMAT_FAILURE", async () => {
    const r = await validateCades(
      input(assembleSignedData(await sign(alice)), [jp.root.certificate], { kind: "document-timestamp" }),
    );
    assert.equal(r.subIndication, "FORMAT_FAILURE");
  });
});

describe("signatures made by openssl cms", () => {
  let dir: string;
  let aliceFiles: OpensslSigner;
  /** `who`'s certificate, key and issuing CA written for openssl as `name`.*. */
  const files = (name: string, who: Official) =>
    opensslSigner(dir, name, { certificate: who.certificate, key: who.key, chain: [who.pki.issuing.certificate] });
  before(async () => {
    dir = await freshDir("cades-openssl");
    await writeFile(join(dir, "content.bin"), CONTENT);
    aliceFiles = await files("alice", alice);
  });

  /** Alice's signature over CONTENT, made by openssl. */
  const opensslSign = (...extra: string[]) => opensslCmsSign(aliceFiles, "content.bin", ...extra);

  test("an adbe.pkcs7.detached-style signature without signing-certificate-v2 passes with warnings", async () => {
    const cms = await opensslSign("-md", "sha256");
    const r = await validateCades(
      input(cms, [jp.root.certificate], { crls: [await jp.crl()], subFilter: "adbe.pkcs7.detached" }),
    );
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.ok(r.warnings.map(text).some((w) => /signing-time/.test(w)));
    assert.ok(r.warnings.map(text).some((w) => /signing-certificate-v2/.test(w)));
  });

  test("the same as ETSI.CAdES.detached is FORMAT_FAILURE; with -cades it passes", async () => {
    const plain = await validateCades(
      input(await opensslSign("-md", "sha256"), [jp.root.certificate], { subFilter: "ETSI.CAdES.detached" }),
    );
    assert.equal(plain.subIndication, "FORMAT_FAILURE");
    const cades = await validateCades(
      input(await opensslSign("-md", "sha256", "-cades"), [jp.root.certificate], {
        crls: [await jp.crl()],
        subFilter: "ETSI.CAdES.detached",
      }),
    );
    assert.equal(cades.indication, "TOTAL_PASSED", cades.errors.map(text).join("; "));
  });

  test("SHA-1 is INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE", async () => {
    const r = await validateCades(
      input(await opensslSign("-md", "sha1"), [jp.root.certificate], { crls: [await jp.crl()] }),
    );
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "CRYPTO_CONSTRAINTS_FAILURE");
    assert.equal(r.hashAlgorithm, "SHA-1");
  });

  test("a BER (indefinite-length, -stream) signature is read, and passes once detached", async () => {
    const attached = Buffer.from(await opensslSign("-md", "sha256", "-stream"));
    assert.deepEqual([...attached.subarray(0, 2)], [0x30, 0x80]);
    // openssl streams the content in as a constructed OCTET STRING; FC reads it and refuses it as not detached.
    const r1 = await validateCades(input(attached, [jp.root.certificate], { crls: [await jp.crl()] }));
    assert.equal(r1.subIndication, "FORMAT_FAILURE");
    assert.match(r1.errors.map(text)[0]!, /detached/);
    // Cutting the eContent out needs no length fix-up in indefinite-length BER; the signature stays valid.
    const encap = parseBer(attached).children[1]!.children[0]!.children[2]!;
    const eContent = Buffer.from(encap.children[1]!.raw);
    const at = attached.indexOf(eContent);
    const cms = Buffer.concat([attached.subarray(0, at), attached.subarray(at + eContent.length)]);
    const r = await validateCades(input(cms, [jp.root.certificate], { crls: [await jp.crl()] }));
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
  });

  test("an RSASSA-PSS signature by openssl passes", async () => {
    const bob = await files("bob", await official(sa, "RSA-3072"));
    const cms = await opensslCmsSign(bob, "content.bin", "-keyopt", "rsa_padding_mode:pss", "-md", "sha384");
    const r = await validateCades(input(cms, [sa.root.certificate], { crls: [await sa.crl()] }));
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.equal(r.signatureAlgorithm, "RSASSA-PSS");
    assert.equal(r.hashAlgorithm, "SHA-384");
  });

  test("legacy PKCS#7 without signed attributes (-noattr) verifies over the content, with a warning", async () => {
    const cms = await opensslSign("-md", "sha256", "-noattr");
    const content = () => [CONTENT.subarray(0, 10), CONTENT.subarray(10)];
    const r = await validateCades(
      input(cms, [jp.root.certificate], {
        crls: [await jp.crl()],
        subFilter: "adbe.pkcs7.detached",
        signedContent: content,
      }),
    );
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
    assert.deepEqual(r.signedAttributes, []);
    assert.equal(r.signer?.serial, alice.serial);
    assert.ok(r.warnings.map(text).some((w) => /no signed attributes: the signing certificate is not bound/.test(w)));
    // SubFilter absent: the same.
    const absent = await validateCades(
      input(cms, [jp.root.certificate], { crls: [await jp.crl()], signedContent: content }),
    );
    assert.equal(absent.indication, "TOTAL_PASSED", absent.errors.map(text).join("; "));

    const tampered = await validateCades(
      input(cms, [jp.root.certificate], {
        crls: [await jp.crl()],
        signedContent: () => [flip(CONTENT, 3)],
        signedContentDigest: digestOf(flip(CONTENT, 3)),
      }),
    );
    assert.equal(tampered.indication, "TOTAL_FAILED");
    assert.equal(tampered.subIndication, "SIG_CRYPTO_FAILURE");

    const cades = await validateCades(
      input(cms, [jp.root.certificate], { subFilter: "ETSI.CAdES.detached", signedContent: content }),
    );
    assert.equal(cades.subIndication, "FORMAT_FAILURE");

    const noContent = await validateCades(input(cms, [jp.root.certificate], { crls: [await jp.crl()] }));
    assert.equal(noContent.indication, "INDETERMINATE");
  });

  test("legacy PKCS#7 without signed attributes: RSA PKCS#1 v1.5 and RSASSA-PSS", async () => {
    const bob = await files("bob2", await official(sa, "RSA-2048"));
    for (const pss of [false, true]) {
      const padding = pss ? ["-keyopt", "rsa_padding_mode:pss"] : [];
      const cms = await opensslCmsSign(bob, "content.bin", "-noattr", ...padding, "-md", "sha384");
      const r = await validateCades(
        input(cms, [sa.root.certificate], { crls: [await sa.crl()], signedContent: () => [CONTENT] }),
      );
      assert.equal(r.indication, "TOTAL_PASSED", `${pss ? "PSS" : "PKCS#1"}: ${r.errors.map(text).join("; ")}`);
      assert.equal(r.hashAlgorithm, "SHA-384");
      const bad = await validateCades(
        input(cms, [sa.root.certificate], { crls: [await sa.crl()], signedContent: () => [flip(CONTENT, 0)] }),
      );
      assert.equal(bad.subIndication, "SIG_CRYPTO_FAILURE");
    }
  });

  test("a document time-stamp from the openssl TSA passes against its root", async () => {
    const tsa = await startOpensslTsa();
    try {
      const token = await requestTimestamp(tsa.url, "SHA-256", sha("SHA-256", CONTENT));
      const r = await validateCades(input(token.token, [tsa.rootDer], { kind: "document-timestamp" }));
      assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
      assert.equal(r.timestamp?.time, token.time.toISOString());
      assert.ok(r.warnings.map(text).some((w) => /revocation/.test(w)));
    } finally {
      await tsa.close();
    }
  });
});
