/**
 * The trust services over real HTTP, checked with OpenSSL: certificate issuance for an `openssl req` CSR through the
 * admin API, OCSP good then revoked, the CRL verified and listing the revoked serial, RFC 3161 time-stamps verified,
 * and the error answers of CONTRACTS § 3.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ADMIN_TOKEN,
  adminPost,
  assertRefusal,
  download,
  makeCsr,
  openssl,
  opensslVerify,
  opensslVerifyTimeStamp,
  type RunningApp,
  saveBody,
  startApp,
  temporaryDirectory,
} from "./support/server.js";

describe("trust services over HTTP, checked with OpenSSL", () => {
  const data = temporaryDirectory();
  const work = temporaryDirectory("khatam-openssl-");
  let server: RunningApp;
  let chain: string; // issuing CA then root, as served
  let issuedSerial: string;
  let issuedCert: string;

  before(async () => {
    server = await startApp(data.path);
    chain = join(work.path, "jp-chain.pem");
    await download(`${server.url}/pki/jp/ca.pem`, chain);
  });
  after(async () => {
    await server.close();
    data.remove();
    work.remove();
  });

  it("serves the chain issuing CA first, root last, and ca.cer is the issuing CA in DER", async () => {
    const pem = readFileSync(chain, "utf8");
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
    assert.equal(blocks.length, 2);
    writeFileSync(join(work.path, "issuing.pem"), blocks[0]!);
    writeFileSync(join(work.path, "root.pem"), blocks[1]!);
    const issuing = await openssl(["x509", "-in", join(work.path, "issuing.pem"), "-noout", "-subject"]);
    assert.match(issuing.stdout, /CN = Digital Agency Issuing CA/);
    const root = await openssl(["x509", "-in", join(work.path, "root.pem"), "-noout", "-subject", "-issuer"]);
    assert.match(root.stdout, /subject=C = JP, O = Digital Agency, CN = Digital Agency Root CA/);
    assert.match(root.stdout, /issuer=C = JP, O = Digital Agency, CN = Digital Agency Root CA/);
    await download(`${server.url}/pki/jp/ca.cer`, join(work.path, "ca.cer"));
    const der = await openssl(["x509", "-inform", "DER", "-in", join(work.path, "ca.cer"), "-outform", "PEM"]);
    assert.equal(der.stdout, blocks[0]);
    const verify = await openssl(["verify", "-CAfile", join(work.path, "root.pem"), join(work.path, "issuing.pem")]);
    assert.equal(verify.code, 0, verify.stderr);
  });

  it("refuses the admin API without the bearer token (401) and with a wrong one", async () => {
    const { csr } = await makeCsr(work.path, "nobody", "/C=JP/O=Digital Agency/CN=Nobody");
    const body = { profile: "official", csrPem: readFileSync(csr, "utf8") };
    for (const token of [null, "wrong-token", `${ADMIN_TOKEN}x`]) {
      const response = await adminPost(`${server.url}/api/admin/cas/jp/certificates`, body, token);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="khatam"');
      const json = (await response.json()) as { error: { code: string } };
      assert.equal(json.error.code, "unauthorized");
    }
    const revoke = await adminPost(
      `${server.url}/api/admin/cas/jp/certificates/01/revoke`,
      { reason: "superseded" },
      null,
    );
    assert.equal(revoke.status, 401);
  });

  it("issues a certificate for an openssl CSR that chains to the national root", async () => {
    const { key, csr } = await makeCsr(work.path, "official", "/C=JP/O=Digital Agency/CN=Taro Yamada");
    const response = await adminPost(`${server.url}/api/admin/cas/jp/certificates`, {
      profile: "official",
      csrPem: readFileSync(csr, "utf8"),
    });
    assert.equal(response.status, 201);
    const { serial, pem } = (await response.json()) as { serial: string; pem: string };
    assert.match(serial, /^[0-9a-f]+$/);
    issuedSerial = serial;
    issuedCert = join(work.path, "official.pem");
    writeFileSync(issuedCert, pem);
    const verify = await opensslVerify(join(work.path, "root.pem"), join(work.path, "issuing.pem"), issuedCert);
    assert.equal(verify.code, 0, verify.stderr);
    const text = await openssl(["x509", "-in", issuedCert, "-noout", "-text", "-serial"]);
    assert.match(text.stdout, /Subject: C = JP, O = Digital Agency, CN = Taro Yamada/);
    assert.match(text.stdout, new RegExp(`OCSP - URI:${server.url}/pki/jp/ocsp`));
    assert.match(text.stdout, new RegExp(`CA Issuers - URI:${server.url}/pki/jp/ca.cer`));
    assert.match(text.stdout, new RegExp(`URI:${server.url}/pki/jp/crl`));
    assert.equal(text.stdout.match(/serial=([0-9A-F]+)/)![1]!.toLowerCase(), serial);
    // The key the CSR was made with matches the certificate.
    const certKey = await openssl(["x509", "-in", issuedCert, "-noout", "-pubkey"]);
    const csrKey = await openssl(["pkey", "-in", key, "-pubout"]);
    assert.equal(certKey.stdout, csrKey.stdout);

    const listing = (await (await fetch(`${server.url}/pki/jp/certs`)).json()) as {
      serial: string;
      subject: string;
      status: string;
      notAfter: string;
      pem?: string;
    }[];
    const entry = listing.find((c) => c.serial === serial)!;
    assert.equal(entry.subject, "CN=Taro Yamada,O=Digital Agency,C=JP");
    assert.equal(entry.status, "good");
    // A person's certificate is listed, not published: its subjectAltName holds their e-mail address.
    assert.equal(entry.pem, undefined);
    assert.ok(pem.length > 0);
    assert.ok(new Date(entry.notAfter) > new Date());
  });

  it("refuses a tampered CSR and an unknown profile (400)", async () => {
    const { csr } = await makeCsr(work.path, "tampered", "/C=JP/O=Digital Agency/CN=Mallory");
    const pem = readFileSync(csr, "utf8");
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5]! ^= 0x01; // inside the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    const bad = await adminPost(`${server.url}/api/admin/cas/jp/certificates`, {
      profile: "official",
      csrPem: tampered,
    });
    await assertRefusal(bad, 400, "invalid_csr");
    const profile = await adminPost(`${server.url}/api/admin/cas/jp/certificates`, { profile: "root-ca", csrPem: pem });
    assert.equal(profile.status, 400);
  });

  const ocsp = (cert: string, extra: string[] = []) =>
    openssl([
      "ocsp",
      "-url",
      `${server.url}/pki/jp/ocsp`,
      "-issuer",
      join(work.path, "issuing.pem"),
      "-cert",
      cert,
      "-CAfile",
      chain,
      ...extra,
    ]);

  it("answers OCSP good for the issued certificate (openssl ocsp, response verified)", async () => {
    const result = await ocsp(issuedCert);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr + result.stdout, /Response verify OK/);
    assert.match(result.stdout, /: good/);
  });

  it("revokes through the admin API; OCSP then says revoked with the reason", async () => {
    const response = await adminPost(`${server.url}/api/admin/cas/jp/certificates/${issuedSerial}/revoke`, {
      reason: "keyCompromise",
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { status: string; reason: string; revokedAt: string };
    assert.equal(body.status, "revoked");
    assert.equal(body.reason, "keyCompromise");
    const result = await ocsp(issuedCert);
    assert.match(result.stderr + result.stdout, /Response verify OK/);
    assert.match(result.stdout, /: revoked/);
    assert.match(result.stdout, /Reason: keyCompromise/);
    // Revocation is final: a second call keeps the first reason.
    const again = await adminPost(`${server.url}/api/admin/cas/jp/certificates/${issuedSerial}/revoke`, {
      reason: "superseded",
    });
    assert.equal(((await again.json()) as { reason: string }).reason, "keyCompromise");
    const unknown = await adminPost(`${server.url}/api/admin/cas/jp/certificates/abcdef/revoke`, {
      reason: "superseded",
    });
    assert.equal(unknown.status, 404);
    const badReason = await adminPost(`${server.url}/api/admin/cas/jp/certificates/${issuedSerial}/revoke`, {
      reason: "certificateHold",
    });
    assert.equal(badReason.status, 400);
  });

  it("answers the GET form of RFC 6960 appendix A", async () => {
    const request = join(work.path, "ocsp-get.req");
    const made = await openssl([
      "ocsp",
      "-issuer",
      join(work.path, "issuing.pem"),
      "-cert",
      issuedCert,
      "-no_nonce",
      "-reqout",
      request,
    ]);
    assert.equal(made.code, 0, made.stderr);
    const encoded = encodeURIComponent(readFileSync(request).toString("base64"));
    const response = await fetch(`${server.url}/pki/jp/ocsp/${encoded}`);
    assert.equal(response.headers.get("content-type"), "application/ocsp-response");
    writeFileSync(join(work.path, "ocsp-get.resp"), Buffer.from(await response.arrayBuffer()));
    const read = await openssl([
      "ocsp",
      "-respin",
      join(work.path, "ocsp-get.resp"),
      "-issuer",
      join(work.path, "issuing.pem"),
      "-cert",
      issuedCert,
      "-CAfile",
      chain,
    ]);
    assert.match(read.stderr + read.stdout, /Response verify OK/);
    assert.match(read.stdout, /: revoked/);
  });

  it("serves a CRL that openssl verifies against the CA and that lists the revoked serial", async () => {
    const crl = join(work.path, "jp.crl");
    const response = await fetch(`${server.url}/pki/jp/crl`);
    assert.equal(response.headers.get("content-type"), "application/pkix-crl");
    await saveBody(response, crl);
    const verified = await openssl(["crl", "-inform", "DER", "-in", crl, "-CAfile", chain, "-noout", "-verify"]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr + verified.stdout, /verify OK/);
    const text = await openssl(["crl", "-inform", "DER", "-in", crl, "-noout", "-text"]);
    assert.match(text.stdout, new RegExp(`Serial Number: ${issuedSerial.toUpperCase()}`));
    assert.match(text.stdout, /Key Compromise/);
    const number = Number(text.stdout.match(/X509v3 CRL Number: *\n *(\d+)/)![1]);
    // Served again without a change: the same CRL.
    const again = Buffer.from(await (await fetch(`${server.url}/pki/jp/crl`)).arrayBuffer());
    assert.deepEqual(again, readFileSync(crl));
    assert.ok(number >= 1);
  });

  it("time-stamps an openssl ts query at /tsa and /pki/sa/tsa; openssl ts -verify accepts the replies", async () => {
    const document = join(work.path, "document.txt");
    writeFileSync(document, "memorandum of cooperation\n");
    const query = join(work.path, "query.tsq");
    const made = await openssl(["ts", "-query", "-data", document, "-sha256", "-cert", "-out", query]);
    assert.equal(made.code, 0, made.stderr);
    for (const [path, ca] of [
      ["/tsa", "jp"],
      ["/pki/sa/tsa", "sa"],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/timestamp-query" },
        body: readFileSync(query),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/timestamp-reply");
      const reply = join(work.path, `${ca}.tsr`);
      await saveBody(response, reply);
      const caChain = join(work.path, `${ca}-tsa-chain.pem`);
      await download(`${server.url}/pki/${ca}/ca.pem`, caChain);
      const rootOnly = join(work.path, `${ca}-root.pem`);
      writeFileSync(rootOnly, readFileSync(caChain, "utf8").split(/(?<=-----END CERTIFICATE-----\n)/)[1]!);
      const verified = await opensslVerifyTimeStamp(reply, query, rootOnly, caChain);
      assert.equal(verified.code, 0, verified.stderr + verified.stdout);
      assert.match(verified.stdout, /Verification: OK/);
      const text = await openssl(["ts", "-reply", "-in", reply, "-text"]);
      assert.match(text.stdout, new RegExp(`TSA: DirName:/C=${ca.toUpperCase()}/`));
    }
  });

  it("answers garbage in the protocols' own terms: OCSP malformedRequest, TimeStampResp rejection", async () => {
    /** Posts `body` as `type` to `path`; the answer (200) saved as `name` in the work directory. */
    const answerSaved = async (path: string, type: string, body: string, name: string) => {
      const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": type }, body });
      assert.equal(response.status, 200);
      return saveBody(response, join(work.path, name));
    };
    const ocspFile = await answerSaved(
      "/pki/jp/ocsp",
      "application/ocsp-request",
      "not an OCSP request",
      "garbage.ocsp",
    );
    const ocspText = await openssl(["ocsp", "-respin", ocspFile, "-resp_text", "-noverify"]);
    assert.match(ocspText.stdout + ocspText.stderr, /malformedrequest/i);

    const tsFile = await answerSaved("/tsa", "application/timestamp-query", "not a query", "garbage.tsr");
    const tsText = await openssl(["ts", "-reply", "-in", tsFile, "-text"]);
    assert.match(tsText.stdout, /Status: Rejected/);
    assert.match(tsText.stdout, /Status description: not a TimeStampReq/);
  });

  it("answers HTTP errors as JSON: unknown CA 404, wrong media type 415, oversized body 413", async () => {
    const unknown = await fetch(`${server.url}/pki/xx/crl`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { error: { code: "unknown_ca", message: 'no CA with id "xx"' } });
    for (const path of ["/pki/jp/ocsp", "/tsa"]) {
      const wrong = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      await assertRefusal(wrong, 415, "unsupported_media_type");
    }
    const unknownType = await fetch(`${server.url}/tsa`, {
      method: "POST",
      headers: { "content-type": "application/x-whatever" },
      body: "x",
    });
    assert.equal(unknownType.status, 415);
    const big = await fetch(`${server.url}/pki/jp/ocsp`, {
      method: "POST",
      headers: { "content-type": "application/ocsp-request" },
      body: Buffer.alloc(100_000),
    });
    await assertRefusal(big, 413, "payload_too_large");
    const noRoute = await fetch(`${server.url}/nothing-here`);
    await assertRefusal(noRoute, 404, "not_found");
  });

  it("publishes the bridge: each root cross-certified the other country's root", async () => {
    const cross = join(work.path, "jp-cross.pem");
    await download(`${server.url}/pki/jp/cross.pem`, cross);
    const text = await openssl(["x509", "-in", cross, "-noout", "-subject", "-issuer"]);
    assert.match(text.stdout, /subject=C = SA, O = MCIT, CN = MCIT Root CA/);
    assert.match(text.stdout, /issuer=C = JP, O = Digital Agency, CN = Digital Agency Root CA/);
    // A relying party trusting only Japan's root reaches a Saudi issuing CA through the cross-certificate.
    const saChain = join(work.path, "sa-chain.pem");
    await download(`${server.url}/pki/sa/ca.pem`, saChain);
    const saIssuing = join(work.path, "sa-issuing.pem");
    writeFileSync(saIssuing, readFileSync(saChain, "utf8").split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
    const verify = await openssl(["verify", "-CAfile", join(work.path, "root.pem"), "-untrusted", cross, saIssuing]);
    assert.equal(verify.code, 0, verify.stderr);
  });
});
