// Interoperability of the national PKI with OpenSSL, for an ECDSA P-256 and an RSA-3072 country: certificates and
// paths (openssl verify -x509_strict), extensions (x509 -text), CRLs, OCSP responses, RFC 3161 tokens, issuance
// for an openssl-made CSR, and a cross-certified path between the two countries.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { generateKey, type KeyType, softwareSigner } from "../src/keys/software.js";
import { toPem } from "../src/pki/certificate.js";
import { InvalidCertificationRequestError } from "../src/pki/csr.js";
import { createNationalPki, type NationalPki, type TrustServiceRole } from "../src/pki/national-pki.js";
import { respondOcsp } from "../src/pki/ocsp.js";
import { NEWKEY } from "./support/pki.js";
import { freshDir, run, runOk } from "./support/tools.js";

const PUBLIC_URL = "https://khatam.example";

/** A PKI whose keys are all generated in parallel up front (RSA-3072 key generation is the slow part). */
async function makePki(id: string, country: string, organization: string, keyType: KeyType): Promise<NationalPki> {
  const roles: TrustServiceRole[] = ["root", "issuing", "tsa", "ocsp"];
  const keys = await Promise.all(roles.map(() => generateKey(keyType)));
  return createNationalPki({
    id,
    country,
    organization,
    keyType,
    publicUrl: PUBLIC_URL,
    keyFor: async (role) => {
      const { privateKey } = keys[roles.indexOf(role)]!;
      return { signer: softwareSigner(privateKey), privateKey };
    },
  });
}

async function write(dir: string, name: string, data: Uint8Array | string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, data);
  return file;
}

async function openssl(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const r = await run("openssl", args, { cwd });
  return { code: r.code, out: `${r.stdout.toString("utf8")}${r.stderr}` };
}

/**
 * `openssl ocsp` checking the response in file `resp` against the request in `req` (its nonce echoed) and the
 * chain root.pem ← issuing.pem in `dir`, printing the response.
 */
function verifyOcspByChain(dir: string, req: string, resp: string): Promise<{ code: number; out: string }> {
  return openssl(
    ["ocsp", "-reqin", req, "-respin", resp, "-CAfile", "root.pem", "-verify_other", "issuing.pem", "-resp_text"],
    dir,
  );
}

const CASES: { keyType: KeyType; signatureAlgorithm: string }[] = [
  { keyType: "P-256", signatureAlgorithm: "ecdsa-with-SHA256" },
  { keyType: "RSA-3072", signatureAlgorithm: "sha256WithRSAEncryption" },
];

for (const { keyType, signatureAlgorithm } of CASES) {
  describe(`national PKI with ${keyType} keys, checked by OpenSSL`, () => {
    let pki: NationalPki;
    let dir: string;
    let official: { serial: string; file: string };
    let revoked: { serial: string; file: string };

    before(async () => {
      dir = await freshDir(`pki-${keyType}`);
      const [made, subjectA, subjectB] = await Promise.all([
        makePki("jp", "JP", "Digital Agency", keyType),
        generateKey("P-256"),
        generateKey("P-256"),
      ]);
      pki = made;
      await write(dir, "root.pem", toPem(pki.root.certificate));
      await write(dir, "issuing.pem", toPem(pki.issuing.certificate));
      await write(dir, "tsa.pem", toPem(pki.tsa.certificate));
      await write(dir, "ocsp.pem", toPem(pki.ocsp.certificate));
      const a = await pki.issue("official", {
        subject: { organization: "Ministry of Foreign Affairs", commonName: "Taro Yamada", email: "official@jp.demo" },
        spki: subjectA.publicKey,
      });
      const b = await pki.issue("official", {
        subject: { organization: "Ministry of Foreign Affairs", commonName: "Jiro Suzuki" },
        spki: subjectB.publicKey,
      });
      official = { serial: a.serial, file: await write(dir, "official.pem", toPem(a.der)) };
      revoked = { serial: b.serial, file: await write(dir, "revoked.pem", toPem(b.der)) };
      pki.revoke(b.serial, "keyCompromise");
    });

    test("every certificate verifies to the root under -x509_strict, for any purpose", async () => {
      for (const file of ["issuing.pem", "official.pem", "tsa.pem", "ocsp.pem"]) {
        const r = await openssl(
          ["verify", "-x509_strict", "-purpose", "any", "-CAfile", "root.pem", "-untrusted", "issuing.pem", file],
          dir,
        );
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, new RegExp(`${file}: OK`));
      }
    });

    test("an official certificate does not verify without its issuing CA", async () => {
      const r = await openssl(["verify", "-CAfile", "root.pem", "official.pem"], dir);
      assert.notEqual(r.code, 0);
      assert.match(r.out, /unable to get local issuer certificate/);
    });

    test("x509 -text shows each profile's extensions", async () => {
      const text = async (file: string) => (await openssl(["x509", "-noout", "-text", "-in", file], dir)).out;
      const root = await text("root.pem");
      assert.match(root, /Basic Constraints: critical\s+CA:TRUE\n/);
      assert.match(root, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
      assert.match(root, new RegExp(`Signature Algorithm: ${signatureAlgorithm}`));

      const issuing = await text("issuing.pem");
      assert.match(issuing, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      assert.match(issuing, /Issuer: C = JP, O = Digital Agency, CN = Digital Agency Root CA/);

      const leaf = await text("official.pem");
      assert.match(leaf, /Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
      assert.match(leaf, /Subject: C = JP, O = Ministry of Foreign Affairs, CN = Taro Yamada/);
      assert.match(leaf, /Subject Key Identifier/);
      assert.match(leaf, /Authority Key Identifier/);
      assert.match(leaf, /email:official@jp\.demo/);
      assert.match(leaf, /OCSP - URI:https:\/\/khatam\.example\/pki\/jp\/ocsp/);
      assert.match(leaf, /CA Issuers - URI:https:\/\/khatam\.example\/pki\/jp\/ca\.cer/);
      assert.match(leaf, /CRL Distribution Points:\s+Full Name:\s+URI:https:\/\/khatam\.example\/pki\/jp\/crl/);
      assert.doesNotMatch(leaf, /Basic Constraints/);
      // 16-byte positive serial: 16 colon-separated octets, first below 0x80.
      assert.match(leaf, /Serial Number:\s+[0-7][0-9a-f](:[0-9a-f]{2}){15}\n/);

      const tsa = await text("tsa.pem");
      assert.match(tsa, /Key Usage: critical\s+Digital Signature\n/);
      assert.match(tsa, /Extended Key Usage: critical\s+Time Stamping\n/);

      const ocsp = await text("ocsp.pem");
      assert.match(ocsp, /Extended Key Usage:\s+OCSP Signing/);
      assert.match(ocsp, /OCSP No Check/);
    });

    test("validity: officials two years, never beyond the issuing CA", async () => {
      const { publicKey } = await generateKey("P-256");
      const now = new Date();
      const twoYears = await pki.issue("seal", { subject: { organization: "Digital Agency" }, spki: publicKey, now });
      assert.equal(twoYears.notAfter.getUTCFullYear() - twoYears.notBefore.getUTCFullYear(), 2);
      const long = await pki.issue("seal", { subject: { organization: "Digital Agency" }, spki: publicKey, years: 50 });
      const issuingEnd = new Date(await issuingNotAfter(dir));
      assert.equal(long.notAfter.getTime(), issuingEnd.getTime());
    });

    test("the CRL verifies and lists the revoked certificate with its reason; openssl verify -crl_check uses it", async () => {
      const crl = await pki.crl();
      await write(dir, "crl.der", crl);
      const r = await openssl(
        ["crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "issuing.pem", "-noout", "-text"],
        dir,
      );
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /verify OK/);
      assert.match(r.out, /Version 2/);
      assert.match(r.out, /CRL Number:\s+\d+/);
      assert.match(r.out, /Authority Key Identifier/);
      assert.match(r.out, new RegExp(`Serial Number: ${revoked.serial.toUpperCase()}\\s+Revocation Date`));
      assert.match(r.out, /Reason Code:\s+Key Compromise/);
      assert.doesNotMatch(r.out, new RegExp(official.serial.toUpperCase()));

      await runOk("openssl", ["crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem"], { cwd: dir });
      const strict = [
        "verify",
        "-crl_check",
        "-CRLfile",
        "crl.pem",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "issuing.pem",
      ];
      const good = await openssl([...strict, "official.pem"], dir);
      assert.equal(good.code, 0, good.out);
      const bad = await openssl([...strict, "revoked.pem"], dir);
      assert.notEqual(bad.code, 0);
      assert.match(bad.out, /certificate revoked/);
    });

    for (const digest of ["sha1", "sha256"]) {
      test(`OCSP (${digest} CertID): good and revoked, delegated responder verified by openssl, nonce echoed`, async () => {
        for (const [name, file, status] of [
          ["good", official.file, /Cert Status: good/],
          ["revoked", revoked.file, /Cert Status: revoked\s+Revocation Time: .*\s+Revocation Reason: keyCompromise/],
        ] as const) {
          const req = `${name}-${digest}.req`;
          await runOk("openssl", ["ocsp", `-${digest}`, "-issuer", "issuing.pem", "-cert", file, "-reqout", req], {
            cwd: dir,
          });
          const resp = await pki.ocspRespond(await readFile(join(dir, req)));
          await write(dir, `${name}-${digest}.resp`, resp);
          // With -reqin openssl also checks that the response echoes the request's nonce.
          const viaChain = await verifyOcspByChain(dir, req, `${name}-${digest}.resp`);
          assert.equal(viaChain.code, 0, viaChain.out);
          assert.match(viaChain.out, /Response verify OK/);
          assert.doesNotMatch(viaChain.out, /Nonce Verify error|WARNING: no nonce/);
          assert.match(viaChain.out, status);
          const viaVa = await openssl(
            ["ocsp", "-reqin", req, "-respin", `${name}-${digest}.resp`, "-VAfile", "ocsp.pem"],
            dir,
          );
          assert.match(viaVa.out, /Response verify OK/);
        }
      });
    }

    test("OCSP signed by the CA itself verifies without a responder certificate", async () => {
      await runOk("openssl", ["ocsp", "-issuer", "issuing.pem", "-cert", official.file, "-reqout", "ca.req"], {
        cwd: dir,
      });
      const resp = await respondOcsp(await readFile(join(dir, "ca.req")), {
        caCertificate: pki.issuing.certificate,
        signer: pki.issuing.signer,
        lookup: (serial) => pki.status(serial),
      });
      await write(dir, "ca.resp", resp);
      const r = await verifyOcspByChain(dir, "ca.req", "ca.resp");
      assert.match(r.out, /Response verify OK/);
      assert.match(r.out, /Cert Status: good/);
      assert.doesNotMatch(r.out, /-----BEGIN CERTIFICATE-----/);
    });

    test("RFC 3161: openssl ts -query | our TSA | openssl ts -verify", async () => {
      await write(dir, "data.txt", "memorandum of cooperation");
      for (const [hashOpt, certReq] of [
        ["-sha256", true],
        ["-sha512", false],
      ] as const) {
        const query = ["ts", "-query", "-data", "data.txt", hashOpt, "-out", "ts.req"];
        await runOk("openssl", certReq ? [...query, "-cert"] : query, { cwd: dir });
        await write(dir, "ts.resp", await pki.timestamp(await readFile(join(dir, "ts.req"))));
        const text = await openssl(["ts", "-reply", "-in", "ts.resp", "-text"], dir);
        assert.match(text.out, /Status: Granted/);
        assert.match(text.out, /Policy OID: 0\.4\.0\.2023\.1\.1/);
        assert.match(text.out, /Accuracy: 0x01 seconds/);
        assert.match(text.out, /Nonce: 0x[0-9A-F]+/);
        // Without certReq the TSA certificate is absent, so the verifier is given it.
        const untrusted = certReq ? "issuing.pem" : "tsa-chain.pem";
        if (!certReq) {
          await write(dir, "tsa-chain.pem", toPem(pki.issuing.certificate) + toPem(pki.tsa.certificate));
        }
        const verify = await openssl(
          ["ts", "-verify", "-in", "ts.resp", "-queryfile", "ts.req", "-CAfile", "root.pem", "-untrusted", untrusted],
          dir,
        );
        assert.equal(verify.code, 0, verify.out);
        assert.match(verify.out, /Verification: OK/);
        const data = await openssl(
          ["ts", "-verify", "-in", "ts.resp", "-data", "data.txt", "-CAfile", "root.pem", "-untrusted", untrusted],
          dir,
        );
        assert.match(data.out, /Verification: OK/);
      }
    });

    test("RFC 3161: a SHA-1 imprint is refused with badAlg", async () => {
      await runOk("openssl", ["ts", "-query", "-data", "data.txt", "-sha1", "-out", "sha1.req"], { cwd: dir });
      await write(dir, "sha1.resp", await pki.timestamp(await readFile(join(dir, "sha1.req"))));
      const text = await openssl(["ts", "-reply", "-in", "sha1.resp", "-text"], dir);
      assert.match(text.out, /Status: Rejected/);
      assert.match(text.out, /unrecognized or unsupported algorithm identifier/);
    });

    test("issues for an openssl req CSR, and refuses a tampered one", async () => {
      await runOk(
        "openssl",
        [
          ...["req", "-new", ...NEWKEY["ec:P-256"], "-nodes", "-keyout", "csr.key"],
          ...["-subj", "/C=JP/O=Ministry of Justice/CN=Hanako Sato", "-outform", "DER", "-out", "csr.der"],
        ],
        { cwd: dir },
      );
      const csr = await readFile(join(dir, "csr.der"));
      const issued = await pki.issue("official", { csr });
      await write(dir, "from-csr.pem", toPem(issued.der));
      const r = await openssl(
        ["verify", "-x509_strict", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "from-csr.pem"],
        dir,
      );
      assert.equal(r.code, 0, r.out);
      const text = await openssl(["x509", "-noout", "-subject", "-in", "from-csr.pem"], dir);
      assert.match(text.out, /subject=C = JP, O = Ministry of Justice, CN = Hanako Sato/);
      const match = await openssl(["x509", "-noout", "-pubkey", "-in", "from-csr.pem"], dir);
      const keyPub = await openssl(["pkey", "-in", "csr.key", "-pubout"], dir);
      assert.equal(match.out, keyPub.out);

      const tampered = Buffer.from(csr);
      const at = tampered.indexOf("Hanako");
      tampered[at] = "J".charCodeAt(0);
      await assert.rejects(pki.issue("official", { csr: tampered }), (error: unknown) => {
        assert.ok(error instanceof InvalidCertificationRequestError);
        assert.match(error.message, /does not verify/);
        return true;
      });
    });
  });
}

/** The issuing CA's notAfter as openssl reads it. */
async function issuingNotAfter(dir: string): Promise<string> {
  const r = await runOk("openssl", ["x509", "-noout", "-enddate", "-in", "issuing.pem"], { cwd: dir });
  return r.stdout.toString("utf8").trim().replace("notAfter=", "");
}

describe("cross-certification between two national PKIs (bridge model)", () => {
  test("a Saudi (RSA) official verifies against the Japanese (ECDSA) root through a cross-certificate, and not without it", async () => {
    const dir = await freshDir("pki-cross");
    const [jp, sa, officialKey] = await Promise.all([
      makePki("jp", "JP", "Digital Agency", "P-256"),
      makePki("sa", "SA", "MCIT", "RSA-3072"),
      generateKey("P-256"),
    ]);
    const official = await sa.issue("official", {
      subject: { organization: "Ministry of Foreign Affairs", commonName: "Abdullah Alharbi" },
      spki: officialKey.publicKey,
    });
    const cross = await jp.crossCertify(sa.root.certificate);
    await write(dir, "jp-root.pem", toPem(jp.root.certificate));
    await write(dir, "sa-official.pem", toPem(official.der));
    await write(dir, "sa-chain.pem", toPem(sa.issuing.certificate) + toPem(cross.der));
    await write(dir, "sa-issuing.pem", toPem(sa.issuing.certificate));
    await write(dir, "cross.pem", toPem(cross.der));

    const text = await openssl(["x509", "-noout", "-text", "-in", "cross.pem"], dir);
    assert.match(text.out, /Issuer: C = JP, O = Digital Agency, CN = Digital Agency Root CA/);
    assert.match(text.out, /Subject: C = SA, O = MCIT, CN = MCIT Root CA/);
    assert.match(text.out, /Basic Constraints: critical\s+CA:TRUE\n/);

    const ok = await openssl(
      [
        "verify",
        "-x509_strict",
        "-show_chain",
        "-CAfile",
        "jp-root.pem",
        "-untrusted",
        "sa-chain.pem",
        "sa-official.pem",
      ],
      dir,
    );
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /sa-official\.pem: OK/);
    assert.match(ok.out, /MCIT Root CA/);

    const without = await openssl(
      ["verify", "-CAfile", "jp-root.pem", "-untrusted", "sa-issuing.pem", "sa-official.pem"],
      dir,
    );
    assert.notEqual(without.code, 0);
  });
});
