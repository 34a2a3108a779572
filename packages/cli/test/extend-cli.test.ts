// `khatam extend` and the platform's trusted list against the REAL trust-services server (packages/server, Fastify
// on 127.0.0.1 with a temporary data directory): an official certificate is issued for an `openssl req` CSR through
// the admin API, PDFs are signed with `khatam sign` using the server's TSA, extended to B-LTA with OCSP answers
// fetched over HTTP, renewed, checked with qpdf, pdfsig, `openssl ts -verify` and `openssl ocsp`, verified offline
// today and, under faketime, three years after the official's certificate expired; GET /trust/list.xml is accepted
// by the list reader and by `khatam verify --trust list.xml` for a JP and an SA official, and refused once tampered.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadCertificates } from "@khatam/core/keys";
import { PdfReader } from "@khatam/core/pdf";
import { parseTrustedList, ServiceStatus, ServiceType, trustAnchorsFromTrustedList } from "@khatam/core/trust";
import { findSignatures, readDss, type ValidationReport } from "@khatam/core/verify";
import type * as Fixtures from "../../core/dist/test/support/fixtures.js";
import type * as Tools from "../../core/dist/test/support/tools.js";
import type * as ServerSupport from "../../server/dist/test/support/server.js";
import { type CliResult, LAUNCHER, runCli, testSupport } from "./support/cli.js";

const fixtures = await testSupport<typeof Fixtures>("core", "fixtures");
const tools = await testSupport<typeof Tools>("core", "tools");
const serverSupport = await testSupport<typeof ServerSupport>("server", "server");
const { adminPost, download, makeCsr, openssl, startApp, temporaryDirectory } = serverSupport;

/** Runs the command through the launcher (under `faketime TIME` when given) from an unrelated working directory. */
const khatam = (args: string[], options: { faketime?: string } = {}) => runCli(LAUNCHER, args, options);

function run(cmd: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const report = (r: CliResult): ValidationReport => JSON.parse(r.stdout) as ValidationReport;
const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;

const data = temporaryDirectory("khatam-extend-data-");
let server: ServerSupport.RunningApp;
let work: string;
/** Files of one country: its served chain (issuing CA, root), the root alone, an official's key and certificate. */
interface Country {
  chain: string;
  root: string;
  issuing: string;
  key: string;
  cert: string;
  serial: string;
  notAfter: Date;
}
const countries: Record<"jp" | "sa", Country> = {} as Record<"jp" | "sa", Country>;
let plain: string;

async function officialOf(ca: "jp" | "sa", subject: string): Promise<Country> {
  const chain = join(work, `${ca}-chain.pem`);
  const certs = loadCertificates(await download(`${server.url}/pki/${ca}/ca.pem`, chain));
  const root = join(work, `${ca}-root.pem`);
  const issuing = join(work, `${ca}-issuing.pem`);
  await writeFile(issuing, pem(certs[0]!));
  await writeFile(root, pem(certs[1]!));
  const { key, csr } = await makeCsr(work, `${ca}-official`, subject);
  const response = await adminPost(`${server.url}/api/admin/cas/${ca}/certificates`, {
    profile: "official",
    csrPem: await readFile(csr, "utf8"),
  });
  assert.equal(response.status, 201);
  const issued = (await response.json()) as { serial: string; pem: string };
  const cert = join(work, `${ca}-official.pem`);
  await writeFile(cert, issued.pem);
  return {
    chain,
    root,
    issuing,
    key,
    cert,
    serial: issued.serial,
    notAfter: new Date(new X509Certificate(issued.pem).validTo),
  };
}

before(async () => {
  server = await startApp(data.path); // both demo CAs P-256
  work = await tools.freshDir("extend-cli");
  plain = join(work, "plain.pdf");
  await writeFile(plain, fixtures.plainPdf());
  countries.jp = await officialOf("jp", "/C=JP/O=Digital Agency/CN=Taro Yamada");
  countries.sa = await officialOf("sa", "/C=SA/O=MCIT/CN=Abdullah Alharbi");
});
after(async () => {
  await server.close();
  data.remove();
});

const signArgs = (c: Country) => ["--key", c.key, "--cert", c.cert, "--chain", c.chain];

describe("GET /trust/list.xml: the platform's trusted list", () => {
  let xml: Buffer;
  let signer: Uint8Array;

  before(async () => {
    const response = await fetch(`${server.url}/trust/list.xml`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/vnd.etsi.tsl+xml");
    xml = Buffer.from(await response.arrayBuffer());
    await writeFile(join(work, "list.xml"), xml);
    signer = loadCertificates(await download(`${server.url}/trust/list-signer.pem`, join(work, "tl-signer.pem")))[0]!;
  });

  test("is signed by the pinned TL signer and yields both countries' root and issuing CAs and TSAs", async () => {
    const anchors = await trustAnchorsFromTrustedList(new Uint8Array(xml), { expectedSigner: [signer] });
    const got = new Set(anchors.map((a) => Buffer.from(a.certificate).toString("base64")));
    for (const c of [countries.jp, countries.sa]) {
      for (const der of loadCertificates(await readFile(c.chain))) {
        assert.ok(got.has(Buffer.from(der).toString("base64")), "the CA is an anchor");
      }
    }
    assert.equal(anchors.length, 6, "root, issuing CA and TSA of each country");
    const list = parseTrustedList(xml);
    assert.equal(list.sequenceNumber, 1);
    assert.equal(list.schemeTerritory, "JP");
    assert.deepEqual(list.schemeOperator.name, { en: "Digital Agency", ja: "デジタル庁" });
    const [jp, sa] = list.providers;
    assert.equal(jp!.name.ja, "デジタル庁");
    assert.equal(sa!.name.ar, "وزارة الاتصالات وتقنية المعلومات");
    assert.deepEqual(
      jp!.services.map((s) => s.type),
      [ServiceType.caPkc, ServiceType.caPkc, ServiceType.tsa, ServiceType.ocsp],
    );
    assert.ok(list.providers.every((p) => p.services.every((s) => s.status === ServiceStatus.granted)));
    assert.ok(list.nextUpdate!.getTime() - list.issueDate.getTime() > 150 * 24 * 3600 * 1000, "about six months");
    // Cached between changes: the same bytes again.
    assert.deepEqual(Buffer.from(await (await fetch(`${server.url}/trust/list.xml`)).arrayBuffer()), xml);
  });

  test("the TL-signing certificate follows TS 119 612 § 5.7.1 (openssl)", async () => {
    const text = await openssl(["x509", "-in", join(work, "tl-signer.pem"), "-noout", "-text"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Subject: C\s?=\s?JP, O\s?=\s?Digital Agency, CN\s?=\s?Khatam Trusted List Signer/);
    assert.match(text.stdout, /CA:FALSE/);
    assert.match(text.stdout, /Digital Signature, Non Repudiation/);
    assert.match(text.stdout, /0\.4\.0\.2231\.3\.0/);
    // Self-signed: the certificate verifies with its own key.
    const v = await openssl([
      "verify",
      "-partial_chain",
      "-CAfile",
      join(work, "tl-signer.pem"),
      join(work, "tl-signer.pem"),
    ]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test("khatam verify --trust list.xml trusts a JP official's and an SA official's signature", async () => {
    for (const ca of ["jp", "sa"] as const) {
      const out = join(work, `${ca}-bb.pdf`);
      const s = await khatam(["sign", plain, "-o", out, ...signArgs(countries[ca])]);
      assert.equal(s.code, 0, s.stderr);
      const v = await khatam(["verify", out, "--trust", join(work, "list.xml"), "--json"]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      const sig = report(v).signatures[0]!;
      assert.equal(sig.signer?.country, ca.toUpperCase());
      assert.equal(sig.revocation.source, "online-ocsp");
      // Without the list, nothing is trusted.
      const none = await khatam(["verify", out, "--json"]);
      assert.notEqual(none.code, 0);
    }
  });

  test("a tampered list is refused (signature no longer valid)", async () => {
    const tampered = xml.toString("utf8").replace("وزارة الاتصالات وتقنية المعلومات", "وزارة الاتصالات");
    assert.notEqual(tampered, xml.toString("utf8"));
    const file = join(work, "tampered-list.xml");
    await writeFile(file, tampered);
    await assert.rejects(trustAnchorsFromTrustedList(new Uint8Array(Buffer.from(tampered))), /signature is not valid/);
    const v = await khatam(["verify", join(work, "jp-bb.pdf"), "--trust", file]);
    assert.equal(v.code, 64, v.stderr);
    assert.match(v.stderr, /signature is not valid/);
  });

  test("a revoked TSA certificate makes a new release: sequence 2, service withdrawn with its granted history", async () => {
    const certs = (await (await fetch(`${server.url}/pki/sa/certs`)).json()) as { serial: string; profile: string }[];
    const tsa = certs.find((c) => c.profile === "tsa")!;
    const revoked = await adminPost(`${server.url}/api/admin/cas/sa/certificates/${tsa.serial}/revoke`, {
      reason: "cessationOfOperation",
    });
    assert.equal(revoked.status, 200);
    const next = Buffer.from(await (await fetch(`${server.url}/trust/list.xml`)).arrayBuffer());
    const list = parseTrustedList(next);
    assert.equal(list.sequenceNumber, 2);
    const service = list.providers[1]!.services.find((s) => s.type === ServiceType.tsa)!;
    assert.equal(service.status, ServiceStatus.withdrawn);
    assert.deepEqual(
      service.history.map((h) => h.status),
      [ServiceStatus.granted],
    );
    const anchors = await trustAnchorsFromTrustedList(new Uint8Array(next), { expectedSigner: [signer] });
    assert.equal(anchors.length, 5, "the withdrawn TSA is no anchor any more");
  });
});

describe("khatam extend against the trust-services server", () => {
  const YEAR = 365.25 * 24 * 3600 * 1000;
  const faketimeFormat = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19);
  let tsa: string;
  let bb: string;
  let bt: string;
  let lta: string;
  let renewed: string;

  before(async () => {
    tsa = `${server.url}/tsa`;
    bb = join(work, "official-bb.pdf");
    bt = join(work, "official-bt.pdf");
    lta = join(work, "official-lta.pdf");
    renewed = join(work, "official-lta-renewed.pdf");
    const jp = countries.jp;
    const s1 = await khatam(["sign", plain, "-o", bb, ...signArgs(jp)]);
    assert.equal(s1.code, 0, s1.stderr);
    const s2 = await khatam(["sign", plain, "-o", bt, ...signArgs(jp), "--level", "B-T", "--tsa", tsa]);
    assert.equal(s2.code, 0, s2.stderr);
  });

  test("B-T → B-LTA: valid offline, level B-LTA, revocation from the embedded OCSP response", async () => {
    const r = await khatam(["extend", bt, "-o", lta, "--level", "B-LTA", "--tsa", tsa]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const input = await readFile(bt);
    const output = await readFile(lta);
    assert.deepEqual(output.subarray(0, input.length), input, "an incremental update of the input");
    const v = await khatam(["verify", lta, "--trust", countries.jp.root, "--offline", "--json"]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const [signature, timestamp] = report(v).signatures;
    assert.equal(report(v).verdict, "VALID");
    assert.equal(signature!.level, "B-LTA");
    assert.equal(signature!.revocation.source, "embedded-ocsp");
    assert.equal(signature!.revocation.status, "good");
    assert.equal(timestamp!.type, "document-timestamp");
  });

  test("B-T without its chain → B-LT: the issuing CA is fetched from the AIA caIssuers URL", async () => {
    const noChain = join(work, "official-bt-nochain.pdf");
    const s = await khatam([
      ...["sign", plain, "-o", noChain, "--key", countries.jp.key, "--cert", countries.jp.cert],
      ...["--level", "B-T", "--tsa", tsa],
    ]);
    assert.equal(s.code, 0, s.stderr);
    const lt = join(work, "official-lt.pdf");
    const r = await khatam(["extend", noChain, "-o", lt, "--level", "B-LT", "--trust", countries.jp.root]);
    assert.equal(r.code, 0, r.stderr);
    const v = await khatam(["verify", lt, "--trust", countries.jp.root, "--offline", "--json"]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.equal(report(v).signatures[0]!.level, "B-LT");
    assert.equal(report(v).signatures[0]!.revocation.source, "embedded-ocsp");
  });

  test("three years after the official's certificate expired (faketime): B-LTA still VALID, B-B INDETERMINATE", async () => {
    const at = faketimeFormat(new Date(countries.jp.notAfter.getTime() + 3 * YEAR));
    const v = await khatam(["verify", lta, "--trust", countries.jp.root, "--offline", "--json"], { faketime: at });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.equal(report(v).verdict, "VALID");
    const b = await khatam(["verify", bb, "--trust", countries.jp.root, "--offline", "--json"], { faketime: at });
    assert.equal(b.code, 2, b.stdout + b.stderr);
    assert.equal(report(b).signatures[0]!.subIndication, "OUT_OF_BOUNDS_NO_POE");
  });

  test("renewal: extending the B-LTA again adds a second document time-stamp; still VALID, also after expiry", async () => {
    const r = await khatam(["extend", lta, "-o", renewed, "--level", "B-LTA", "--tsa", tsa]);
    assert.equal(r.code, 0, r.stderr);
    const v = await khatam(["verify", renewed, "--trust", countries.jp.root, "--offline", "--json"]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    const types = report(v).signatures.map((s) => s.type);
    assert.deepEqual(types, ["signature", "document-timestamp", "document-timestamp"]);
    const at = faketimeFormat(new Date(countries.jp.notAfter.getTime() + 3 * YEAR));
    const later = await khatam(["verify", renewed, "--trust", countries.jp.root, "--offline"], { faketime: at });
    assert.equal(later.code, 0, later.stdout + later.stderr);
  });

  test("qpdf --check is clean and pdfsig validates the CAdES signature of the extended files", async () => {
    for (const file of [lta, renewed]) {
      const q = await run("qpdf", ["--check", file]);
      assert.equal(q.code, 0, q.stdout + q.stderr);
      assert.match(q.stdout, /No syntax or stream encoding errors found/);
      assert.doesNotMatch(q.stdout + q.stderr, /WARNING/);
      const p = await run("pdfsig", [file]);
      assert.match(p.stdout, /Signature #1:[\s\S]*?Signature Validation: Signature is Valid\./, p.stdout + p.stderr);
      // poppler cannot check RFC 3161 document time-stamps; it lists them without a verdict.
      assert.match(p.stdout, /Signature #2:[\s\S]*?Time-Stamping Authority/);
    }
  });

  test("openssl ts -verify accepts each document time-stamp over its byte ranges with the TSA chain", async () => {
    const pdf = new Uint8Array(await readFile(renewed));
    const stamps = findSignatures(PdfReader.open(pdf)).filter((s) => s.type === "document-timestamp");
    assert.equal(stamps.length, 2);
    for (const [i, stamp] of stamps.entries()) {
      const [a, b, c, d] = stamp.byteRange as [number, number, number, number];
      const signed = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
      const dataFile = join(work, `dts-${i}.bin`);
      const tokenFile = join(work, `dts-${i}.tst`);
      await writeFile(dataFile, signed);
      await writeFile(tokenFile, stamp.cms);
      const v = await openssl([
        ...["ts", "-verify", "-data", dataFile, "-in", tokenFile, "-token_in"],
        ...["-CAfile", countries.jp.root, "-untrusted", countries.jp.issuing],
      ]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /Verification: OK/);
    }
  });

  test("openssl ocsp -respin verifies the OCSP responses in the DSS", async () => {
    const dss = readDss(PdfReader.open(new Uint8Array(await readFile(renewed))));
    assert.ok(dss.ocspResponses.length >= 2, "the official's and the TSA's");
    for (const [i, response] of dss.ocspResponses.entries()) {
      const file = join(work, `dss-ocsp-${i}.der`);
      await writeFile(file, response);
      const v = await openssl([
        ...["ocsp", "-respin", file, "-CAfile", countries.jp.root, "-verify_other", countries.jp.issuing],
        "-resp_text",
      ]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stderr + v.stdout, /Response verify OK/);
      assert.match(v.stdout, /Cert Status: good/);
    }
  });

  test("a non-PDF input and missing options fail with one line and no output", async () => {
    const out = join(work, "never.pdf");
    const garbage = join(work, "garbage.pdf");
    await writeFile(garbage, "not a pdf at all");
    const r1 = await khatam(["extend", garbage, "-o", out, "--level", "B-LT"]);
    assert.equal(r1.code, 3, r1.stderr);
    assert.match(r1.stderr, /^khatam: .*not a PDF/);
    const r2 = await khatam(["extend", bt, "-o", out, "--level", "B-LTA"]);
    assert.equal(r2.code, 64);
    assert.match(r2.stderr, /needs --tsa URL/);
    const r3 = await khatam(["extend", plain, "-o", out, "--level", "B-LT"]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /no signatures to extend/);
    await assert.rejects(readFile(out), { code: "ENOENT" });
  });

  test("after revocation through the admin API, a new signature by that certificate is not VALID", async () => {
    const revoked = await adminPost(`${server.url}/api/admin/cas/jp/certificates/${countries.jp.serial}/revoke`, {
      reason: "keyCompromise",
    });
    assert.equal(revoked.status, 200);
    const fresh = join(work, "after-revocation.pdf");
    const s = await khatam(["sign", plain, "-o", fresh, ...signArgs(countries.jp), "--level", "B-T", "--tsa", tsa]);
    assert.equal(s.code, 0, s.stderr);
    // Online: the responder now says revoked.
    const online = await khatam(["verify", fresh, "--trust", countries.jp.root, "--json"]);
    assert.notEqual(online.code, 0, online.stdout);
    const sig = report(online).signatures[0]!;
    assert.notEqual(report(online).verdict, "VALID");
    assert.match(sig.subIndication ?? "", /^REVOKED/);
    assert.equal(sig.revocation.status, "revoked");
    // Extended with a fresh OCSP response, verified offline: the embedded answer says revoked too.
    const extended = join(work, "after-revocation-lta.pdf");
    const r = await khatam(["extend", fresh, "-o", extended, "--level", "B-LTA", "--tsa", tsa]);
    assert.equal(r.code, 0, r.stderr);
    const offline = await khatam(["verify", extended, "--trust", countries.jp.root, "--offline", "--json"]);
    assert.notEqual(report(offline).verdict, "VALID");
    assert.match(report(offline).signatures[0]!.subIndication ?? "", /^REVOKED/);
    assert.equal(report(offline).signatures[0]!.revocation.source, "embedded-ocsp");
  });
});
