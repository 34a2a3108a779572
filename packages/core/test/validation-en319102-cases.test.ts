// Certificate, time and revocation cases where EN 319 102-1 (as EU DSS and pyHanko apply it) decides otherwise than
// a naive validator (issue 14.3), each built with OpenSSL: a back-dated signature, an unrecognised critical
// extension, name constraints of every form, revocation before a later time-stamp, a content time-stamp after the
// revocation or expiry, a certificate on hold (from an `openssl ca` CRL and an `openssl ocsp` response), and the
// legacy adbe.x509.rsa_sha1 format. The X.509 validation block (XCV) is driven with the OpenSSL certificates and
// the revocation status and proof-of-existence times each case states.

import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { PdfReader } from "../src/pdf/reader.js";
import { findSignatures } from "../src/validation/pdf-signatures.js";
import { type RevocationStatus, revocationStatus } from "../src/validation/revocation.js";
import { validateCertificatePath } from "../src/validation/x509-validation.js";
import { Certificate } from "../src/x509/certificate.js";
import { text } from "./support/messages.js";
import { createCa, issueWithExtensions } from "./support/pki.js";
import { freshDir, pemToDer, runOk } from "./support/tools.js";

const DAY = 86_400_000;
const good: RevocationStatus = { status: "good", source: "embedded-ocsp", notes: [] };

let dir: string;

async function file(name: string): Promise<Certificate> {
  return Certificate.fromDer(new Uint8Array(pemToDer(await readFile(join(dir, name), "utf8"))));
}

/** A CA: self-signed, with a subject key identifier and `extra` -addext arguments (e.g. nameConstraints). */
async function ca(name: string, extra: string[] = []): Promise<void> {
  await createCa(dir, name, `/C=JP/O=Khatam Test/CN=${name}`, { extensions: ["subjectKeyIdentifier=hash", ...extra] });
}

/** A signer certificate from `issuer` with subject `subject` and extension lines `extensions`. */
async function leaf(name: string, issuer: string, subject: string, extensions: string[] = []): Promise<void> {
  await issueWithExtensions(
    dir,
    name,
    subject,
    { certFile: join(dir, `${issuer}.pem`), keyFile: join(dir, `${issuer}.key`) },
    ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,nonRepudiation", ...extensions].join(
      "\n",
    ),
  );
}

function xcv(
  path: Certificate[],
  options: { revocation?: RevocationStatus; poe?: Date; signedAfter?: Date; at?: Date } = {},
) {
  return validateCertificatePath({
    path,
    revocation: [options.revocation ?? good, ...path.slice(1).map(() => null)],
    purpose: "signature",
    validationTime: options.at ?? new Date(),
    poe: options.poe,
    signedAfter: options.signedAfter,
    requireSignerRevocation: true,
  });
}

const subs = (r: ReturnType<typeof xcv>) => r.failures.map((f) => `${f.indication}/${f.subIndication}`);

describe("EN 319 102-1 cases built with OpenSSL", () => {
  before(async () => {
    dir = await freshDir("en319102");
    await ca("root");
    await leaf("plain", "root", "/C=JP/O=Khatam Test/CN=Plain Signer");
  });

  test("a signature time-stamped before the certificate was issued is back-dated: TOTAL_FAILED / NOT_YET_VALID", async () => {
    const signer = await file("plain.pem");
    const root = await file("root.pem");
    const before = new Date(signer.notBefore.getTime() - 2 * DAY);
    assert.deepEqual(subs(xcv([signer, root], { poe: before })), ["TOTAL_FAILED/NOT_YET_VALID"]);
    // The same when the certificate has expired since (the comparison used to be made only then).
    const later = new Date(signer.notAfter.getTime() + 30 * DAY);
    assert.deepEqual(subs(xcv([signer, root], { poe: before, at: later })), ["TOTAL_FAILED/NOT_YET_VALID"]);
    // Inside the validity period, nothing to report.
    assert.deepEqual(subs(xcv([signer, root], { poe: new Date(signer.notBefore.getTime() + DAY) })), []);
  });

  test("an unrecognised critical extension fails the path: INDETERMINATE / CHAIN_CONSTRAINTS_FAILURE", async () => {
    await leaf("critical", "root", "/C=JP/O=Khatam Test/CN=Critical", [
      "1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:must-understand",
    ]);
    const r = xcv([await file("critical.pem"), await file("root.pem")]);
    assert.deepEqual(subs(r), ["INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE"]);
    assert.match(text(r.failures[0]!), /1\.3\.6\.1\.4\.1\.55555\.1/);
    // The same extension, not critical, is ignored as RFC 5280 allows.
    await leaf("noncritical", "root", "/C=JP/O=Khatam Test/CN=Noncritical", [
      "1.3.6.1.4.1.55555.1=ASN1:UTF8String:may-ignore",
    ]);
    assert.deepEqual(subs(xcv([await file("noncritical.pem"), await file("root.pem")])), []);
  });

  test("name constraints: directoryName, rfc822Name, dNSName, URI and iPAddress, permitted and excluded", async () => {
    const config = join(dir, "nc.cnf");
    await writeFile(config, "[req]\ndistinguished_name=dn\n[dn]\n[ministry]\nC=JP\nO=Ministry\n");
    await createCa(dir, "nc", "/C=JP/O=Ministry/CN=Constrained CA", {
      config,
      extensions: [
        "nameConstraints=critical,permitted;dirName:ministry,permitted;email:.ministry.example.jp,permitted;DNS:ministry.example.jp,permitted;URI:.ministry.example.jp,excluded;IP:10.9.0.0/255.255.0.0",
      ],
    });
    const caCert = await file("nc.pem");
    const check = async (name: string, subject: string, extensions: string[] = []) => {
      await leaf(name, "nc", subject, extensions);
      return subs(xcv([await file(`${name}.pem`), caCert]));
    };
    const refused = ["INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE"];
    assert.deepEqual(
      await check("inside", "/C=JP/O=Ministry/CN=Official", [
        "subjectAltName=email:official@mail.ministry.example.jp,DNS:www.ministry.example.jp,URI:https://docs.ministry.example.jp/x,IP:10.8.1.1",
      ]),
      [],
    );
    assert.deepEqual(await check("outside-dn", "/C=JP/O=Prime Minister's Office/CN=Taro"), refused);
    assert.deepEqual(
      await check("outside-mail", "/C=JP/O=Ministry/CN=Mail", ["subjectAltName=email:someone@evil.example"]),
      refused,
    );
    assert.deepEqual(
      await check("outside-mail-attribute", "/C=JP/O=Ministry/CN=Attr/emailAddress=someone@evil.example"),
      refused,
    );
    assert.deepEqual(
      await check("outside-dns", "/C=JP/O=Ministry/CN=Dns", ["subjectAltName=DNS:ministry.example.jp.evil.example"]),
      refused,
    );
    assert.deepEqual(
      await check("outside-uri", "/C=JP/O=Ministry/CN=Uri", ["subjectAltName=URI:https://evil.example/ministry"]),
      refused,
    );
    assert.deepEqual(await check("excluded-ip", "/C=JP/O=Ministry/CN=Ip", ["subjectAltName=IP:10.9.3.4"]), refused);

    // A constraint of a form not evaluated fails the path instead of being ignored.
    await createCa(dir, "other", "/C=JP/O=Ministry/CN=Other CA", {
      extensions: ["nameConstraints=critical,permitted;otherName:1.3.6.1.5.5.7.8.9;UTF8:x@ministry.example.jp"],
    });
    await leaf("under-other", "other", "/C=JP/O=Ministry/CN=Under Other");
    assert.deepEqual(subs(xcv([await file("under-other.pem"), await file("other.pem")])), refused);
  });

  test("revoked before a later signature time-stamp: INDETERMINATE / REVOKED_NO_POE; after a content time-stamp: TOTAL_FAILED / REVOKED", async () => {
    const signer = await file("plain.pem");
    const root = await file("root.pem");
    // Times within the certificate's validity period (it was issued moments ago): revoked, then time-stamped.
    const now = signer.notBefore.getTime() + 10 * DAY;
    const revoked: RevocationStatus = {
      status: "revoked",
      source: "embedded-crl",
      revokedAt: new Date(now - 2 * DAY),
      notes: [],
    };
    // The signature time-stamp (one day after the revocation) proves existence, not signing after the revocation.
    assert.deepEqual(subs(xcv([signer, root], { revocation: revoked, poe: new Date(now - DAY), at: new Date(now) })), [
      "INDETERMINATE/REVOKED_NO_POE",
    ]);
    // A content time-stamp after the revocation proves the signature was made after it.
    assert.deepEqual(
      subs(
        xcv([signer, root], { revocation: revoked, poe: new Date(now - DAY), signedAfter: new Date(now - 1.5 * DAY) }),
      ),
      ["TOTAL_FAILED/REVOKED"],
    );
    // A content time-stamp after notAfter proves the signature was made with an expired certificate.
    const afterExpiry = new Date(signer.notAfter.getTime() + DAY);
    assert.deepEqual(
      subs(
        xcv([signer, root], {
          signedAfter: afterExpiry,
          poe: new Date(afterExpiry.getTime() + DAY),
          at: new Date(afterExpiry.getTime() + 2 * DAY),
        }),
      ),
      ["TOTAL_FAILED/EXPIRED"],
    );
    // Revoked after the signature was proven to exist: a warning, not a failure.
    const late: RevocationStatus = { ...revoked, revokedAt: new Date(now - DAY / 2) };
    assert.deepEqual(subs(xcv([signer, root], { revocation: late, poe: new Date(now - DAY), at: new Date(now) })), []);
  });

  test("a certificate on hold (openssl ca CRL and openssl ocsp response) is suspended: INDETERMINATE / TRY_LATER", async () => {
    const cadir = join(dir, "ca");
    await runOk("mkdir", ["-p", cadir]);
    await writeFile(join(cadir, "index.txt"), "");
    await writeFile(join(cadir, "crlnumber"), "1000\n");
    const cnf = join(cadir, "ca.cnf");
    await writeFile(
      cnf,
      [
        "[ca]",
        "default_ca = d",
        "[d]",
        `database = ${cadir}/index.txt`,
        `new_certs_dir = ${cadir}`,
        `certificate = ${dir}/root.pem`,
        `private_key = ${dir}/root.key`,
        `crlnumber = ${cadir}/crlnumber`,
        "default_md = sha256",
        "default_crl_days = 30",
        "default_days = 365",
        "policy = p",
        "[p]",
        "commonName = supplied",
        "",
      ].join("\n"),
    );
    await leaf("held", "root", "/C=JP/O=Khatam Test/CN=Held");
    await runOk("openssl", ["ca", "-config", cnf, "-valid", join(dir, "held.pem")]);
    await runOk("openssl", ["ca", "-config", cnf, "-revoke", join(dir, "held.pem"), "-crl_reason", "certificateHold"]);
    await runOk("openssl", ["ca", "-config", cnf, "-gencrl", "-out", join(cadir, "crl.pem")]);
    const crl = new Uint8Array(pemToDer(await readFile(join(cadir, "crl.pem"), "utf8")));
    const held = await file("held.pem");
    const root = await file("root.pem");
    const fromCrl = await revocationStatus(held, root, new Date(), {
      ocspResponses: [],
      crls: [crl],
      certificates: [],
      validationTime: new Date(),
    });
    assert.equal(fromCrl.status, "revoked");
    assert.equal(fromCrl.onHold, true);
    const r = xcv([held, root], { revocation: fromCrl });
    assert.deepEqual(subs(r), ["INDETERMINATE/TRY_LATER"]);
    assert.match(text(r.failures[0]!), /suspended/);

    await runOk("openssl", [
      "ocsp",
      "-issuer",
      join(dir, "root.pem"),
      "-cert",
      join(dir, "held.pem"),
      "-no_nonce",
      "-reqout",
      join(cadir, "req.der"),
    ]);
    await runOk("openssl", [
      "ocsp",
      "-index",
      join(cadir, "index.txt"),
      "-rsigner",
      join(dir, "root.pem"),
      "-rkey",
      join(dir, "root.key"),
      "-CA",
      join(dir, "root.pem"),
      "-reqin",
      join(cadir, "req.der"),
      "-respout",
      join(cadir, "resp.der"),
      "-ndays",
      "1",
    ]);
    const fromOcsp = await revocationStatus(held, root, new Date(), {
      ocspResponses: [new Uint8Array(await readFile(join(cadir, "resp.der")))],
      crls: [],
      certificates: [],
      validationTime: new Date(),
    });
    assert.equal(fromOcsp.status, "revoked", fromOcsp.notes.map(text).join("; "));
    assert.equal(fromOcsp.onHold, true);
    // A final revocation stays final.
    await leaf("revoked", "root", "/C=JP/O=Khatam Test/CN=Revoked");
    await runOk("openssl", ["ca", "-config", cnf, "-valid", join(dir, "revoked.pem")]);
    await runOk("openssl", ["ca", "-config", cnf, "-revoke", join(dir, "revoked.pem"), "-crl_reason", "keyCompromise"]);
    await runOk("openssl", ["ca", "-config", cnf, "-gencrl", "-out", join(cadir, "crl2.pem")]);
    const final = await revocationStatus(await file("revoked.pem"), root, new Date(), {
      ocspResponses: [],
      crls: [new Uint8Array(pemToDer(await readFile(join(cadir, "crl2.pem"), "utf8")))],
      certificates: [],
      validationTime: new Date(),
    });
    assert.equal(final.status, "revoked");
    assert.ok(!final.onHold);
  });

  test("a /SubFilter adbe.x509.rsa_sha1 signature is named as an unsupported legacy format", () => {
    const contents = "30".padEnd(400, "0");
    const parts = [
      "%PDF-1.7\n",
      "1 0 obj\n<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>\nendobj\n",
      "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
      "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>\nendobj\n",
      "4 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sig1) /Rect [0 0 0 0] /P 3 0 R /V 5 0 R >>\nendobj\n",
    ];
    const head = parts.join("");
    const sigStart = `5 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.x509.rsa_sha1 /Cert <00> /ByteRange [0 0000000000 0000000000 0000000000] /Contents <`;
    const sigEnd = `> >>\nendobj\n`;
    const before = head + sigStart;
    const holeStart = before.length - 1;
    const holeEnd = holeStart + contents.length + 2;
    const afterSig = sigEnd;
    const xrefAt = (head + sigStart + contents + sigEnd).length;
    const offsets = [0, ...parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("").length), head.length];
    let xref = "xref\n0 6\n0000000000 65535 f \n";
    for (const o of offsets.slice(1)) xref += `${String(o).padStart(10, "0")} 00000 n \n`;
    const tail = `${xref}trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    const total = xrefAt + tail.length;
    const br = `[0 ${String(holeStart).padStart(10, "0")} ${String(holeEnd).padStart(10, "0")} ${String(total - holeEnd).padStart(10, "0")}]`;
    const pdf = Buffer.from(
      head + sigStart.replace("[0 0000000000 0000000000 0000000000]", br) + contents + afterSig + tail,
      "latin1",
    );
    const [signature] = findSignatures(PdfReader.open(new Uint8Array(pdf)));
    assert.ok(signature);
    assert.ok(
      signature.formatErrors.map(text).some((e) => /adbe\.x509\.rsa_sha1, a legacy format/.test(e)),
      signature.formatErrors.join("; "),
    );
  });
});
