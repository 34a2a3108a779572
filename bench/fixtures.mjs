// Benchmark fixtures, written to bench/work/ (gitignored): 300 distinct one-page PDFs of 2–5 KB, one ~20 MiB PDF
// (20 pages, each with a 1024×1024 unfiltered random-gray image XObject), and an openssl-made PKI: a P-256 root CA
// and P-256 leaf (keyUsage digitalSignature,nonRepudiation), plus an RSA-2048 root and leaf for @signpdf (node-forge
// signs only with RSA and cannot read EC certificates). Both leaves are also bundled as PKCS#12 (PBE-SHA1-3DES, which forge reads).
// The PDF writer and the large file are the core tests' (packages/core/test/support/fixtures.ts, built to dist/ before
// the bench runs; its large file repeats four blocks of random samples, which costs a signer or reader the same):
// one writer of classic-xref PDFs for the repository, and nothing shipped depends on it.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { largePdf, streamObject, writePdf } from "../packages/core/dist/test/support/fixtures.js";
import { issueForCsr, newKeyAndCsr, openssl, P256, RSA_2048 } from "./openssl.mjs";

export const SMALL_COUNT = 300;
export const LARGE_MB = 20;
export const P12_PASSWORD = "bench-password";

const pdfString = (s) => `(${s.replace(/[\\()]/g, "\\$&")})`;

function textContent(lines) {
  const ops = ["BT", "/F1 11 Tf", "13 TL", "72 770 Td"];
  for (const line of lines) ops.push(`${pdfString(line)} Tj T*`);
  ops.push("ET");
  return ops.join("\n");
}

const WORDS = (
  "agreement cooperation ministry agency digital signature trust service certificate authority border exchange " +
  "document official register identity record annex article party parties shall hereby notify validation " +
  "electronic seal qualified timestamp archive evidence protocol memorandum understanding council decree"
).split(" ");

/** One-page document number `n`: 22–49 lines of text derived from n, so every file differs (about 2–5 KB). */
function smallPdf(n) {
  const seed = createHash("sha256").update(`doc-${n}`).digest();
  const lineCount = 22 + (seed[0] % 28);
  const lines = [`Document ${n + 1} of ${SMALL_COUNT}: memorandum ${seed.toString("hex").slice(0, 16)}`];
  for (let i = 1; i < lineCount; i++) {
    const words = [];
    for (let w = 0; w < 8; w++) words.push(WORDS[(seed[(i + w) % 32] + i * 7 + w * 13 + n) % WORDS.length]);
    lines.push(`${i}. ${words.join(" ")}.`);
  }
  const bodies = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Title ${pdfString(`Bench document ${n + 1}`)} /Producer (Khatam bench) >>`,
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R >>",
    streamObject("", textContent(lines)),
  ];
  return writePdf(bodies, 1, 4);
}

function makePki(dir) {
  mkdirSync(dir, { recursive: true });
  const root = (name, keyArgs, cn, serial) =>
    openssl(
      ["req", "-x509", ...keyArgs, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "3650"]
        .concat(["-sha256", "-subj", `/C=JP/O=Khatam Bench/CN=${cn}`, "-set_serial", String(serial)])
        .concat(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        .concat(["-addext", "subjectKeyIdentifier=hash"]),
      { cwd: dir },
    );
  root("root", P256, "Khatam Bench Root CA", 1);
  // node-forge (@signpdf/signer-p12) cannot parse a PKCS#12 that holds any EC certificate: an RSA root of its own.
  root("root-rsa", RSA_2048, "Khatam Bench RSA Root CA", 4);
  writeFileSync(
    join(dir, "leaf.ext"),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,nonRepudiation",
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid",
      "",
    ].join("\n"),
  );
  const leaf = (name, keyArgs, serial, ca) => {
    newKeyAndCsr(dir, name, keyArgs, `/C=JP/O=Khatam Bench/CN=Bench Signer ${name}`);
    issueForCsr(dir, name, { ca: `${ca}.pem`, caKey: `${ca}.key`, serial, days: 825, extfile: "leaf.ext" });
    openssl(
      ["pkcs12", "-export", "-inkey", `${name}.key`, "-in", `${name}.pem`, "-certfile", `${ca}.pem`, "-name", name]
        .concat(["-passout", `pass:${P12_PASSWORD}`, "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES"])
        .concat(["-macalg", "sha1", "-out", `${name}.p12`]),
      { cwd: dir },
    );
  };
  leaf("leaf", P256, 2, "root");
  leaf("leaf-rsa", RSA_2048, 3, "root-rsa");
  // The chain to embed: the root (there is no intermediate).
  writeFileSync(join(dir, "chain.pem"), execFileSync("cat", [join(dir, "root.pem")]));
}

/** Creates (or reuses, when complete) everything under `work`; returns the paths. */
export function makeFixtures(work) {
  const paths = {
    work,
    small: join(work, "small"),
    large: join(work, "large"),
    largeFile: join(work, "large", "large.pdf"),
    pki: join(work, "pki"),
  };
  mkdirSync(work, { recursive: true });
  if (!existsSync(paths.small) || readdirSync(paths.small).length !== SMALL_COUNT) {
    rmSync(paths.small, { recursive: true, force: true });
    mkdirSync(paths.small, { recursive: true });
    for (let n = 0; n < SMALL_COUNT; n++)
      writeFileSync(join(paths.small, `doc-${String(n + 1).padStart(3, "0")}.pdf`), smallPdf(n));
  }
  if (!existsSync(paths.largeFile)) {
    mkdirSync(paths.large, { recursive: true });
    writeFileSync(paths.largeFile, largePdf(LARGE_MB));
  }
  if (!existsSync(join(paths.pki, "leaf-rsa.p12"))) {
    rmSync(paths.pki, { recursive: true, force: true });
    makePki(paths.pki);
  }
  return paths;
}
