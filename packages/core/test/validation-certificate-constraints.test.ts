// Certificate constraints that RFC 5280 puts on a path and the validator used to ignore: critical extensions it does
// not recognise (§ 4.2) and name constraints (§ 4.2.1.10, § 6.1.3 (b), (c), § 6.1.4 (g)). The certificates are made
// by `openssl x509 -req` with custom extensions under the keys of a createNationalPki root and issuing CA, so the
// extensions come from another implementation's encoder; the signatures are ours.

import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { sha } from "../src/cms/hash.js";
import { assembleSignedData, signAttributes } from "../src/cms/signed-data.js";
import { softwareSigner } from "../src/keys/software.js";
import { toPem } from "../src/pki/certificate.js";
import { buildCrl } from "../src/pki/crl.js";
import type { NationalPki } from "../src/pki/national-pki.js";
import { validateCades } from "../src/validation/cades.js";
import { text } from "./support/messages.js";
import { japanPki } from "./support/national.js";
import { type Issued, issueWithExtensions } from "./support/pki.js";
import { freshDir } from "./support/tools.js";

const CONTENT = new TextEncoder().encode("Memorandum — constrained names");

let jp: NationalPki;
let dir: string;

const LEAF = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature,nonRepudiation",
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid",
];
const CA = [
  "basicConstraints=critical,CA:TRUE,pathlen:0",
  "keyUsage=critical,keyCertSign,cRLSign",
  "subjectKeyIdentifier=hash",
  "authorityKeyIdentifier=keyid",
];

/** Signs CONTENT with `leaf` and validates it against JP's root, with a CRL from each CA of `cas` (leaf's first). */
async function validate(leaf: Issued, cas: readonly Issued[]) {
  const key = createPrivateKey(await readFile(leaf.keyFile, "utf8"));
  const parts = await signAttributes({
    contentDigest: sha("SHA-256", CONTENT),
    signer: softwareSigner(key),
    certificate: leaf.der,
    chain: cas.map((c) => c.der),
  });
  const crls = [];
  for (const ca of cas) {
    const caKey = createPrivateKey(await readFile(ca.keyFile, "utf8"));
    crls.push(await buildCrl(ca.der, softwareSigner(caKey), [], { crlNumber: 1 }));
  }
  return validateCades({
    cms: assembleSignedData(parts),
    signedContentDigest: (h) => sha(h, CONTENT),
    kind: "signature",
    trustAnchors: [{ certificate: jp.root.certificate }],
    validationTime: new Date(),
    crls,
  });
}

let root: Issued;
let issuing: Issued;

before(async () => {
  jp = await japanPki();
  dir = await freshDir("constraints");
  const write = async (name: string, der: Uint8Array, key: ReturnType<typeof createPrivateKey>): Promise<Issued> => {
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}.key`);
    await writeFile(certFile, toPem(der));
    await writeFile(keyFile, key.export({ type: "pkcs8", format: "pem" }));
    return { certFile, keyFile, der };
  };
  root = await write("root", jp.root.certificate, jp.root.privateKey!);
  issuing = await write("issuing", jp.issuing.certificate, jp.issuing.privateKey!);
});

describe("critical extensions (RFC 5280 § 4.2)", () => {
  test("a signer certificate with an unrecognised critical extension is INDETERMINATE CHAIN_CONSTRAINTS_FAILURE", async () => {
    const leaf = await issueWithExtensions(
      dir,
      "unknown-critical",
      "/C=JP/CN=Critical Stranger",
      issuing,
      [...LEAF, "1.3.6.1.4.1.55555.1=critical,DER:05:00"].join("\n"),
    );
    const r = await validate(leaf, [issuing]);
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "CHAIN_CONSTRAINTS_FAILURE");
    assert.match(r.errors.map(text)[0]!, /signer's certificate has a critical extension .*1\.3\.6\.1\.4\.1\.55555\.1/);
  });

  test("the same extension not critical is ignored: TOTAL_PASSED (the control)", async () => {
    const leaf = await issueWithExtensions(
      dir,
      "unknown-noncritical",
      "/C=JP/CN=Harmless Stranger",
      issuing,
      [...LEAF, "1.3.6.1.4.1.55555.1=DER:05:00"].join("\n"),
    );
    const r = await validate(leaf, [issuing]);
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
  });

  test("a CA certificate with an unrecognised critical extension, or policyConstraints (policy processing is not implemented), fails the path", async () => {
    for (const [name, ext] of [
      ["ca-unknown", "1.3.6.1.4.1.55555.2=critical,DER:05:00"],
      ["ca-policy", "policyConstraints=critical,requireExplicitPolicy:0"],
    ] as const) {
      const ca = await issueWithExtensions(
        dir,
        name,
        `/C=JP/O=Digital Agency/CN=${name}`,
        root,
        [...CA, ext].join("\n"),
      );
      const leaf = await issueWithExtensions(dir, `${name}-leaf`, "/C=JP/CN=Below", ca, LEAF.join("\n"));
      const r = await validate(leaf, [ca]);
      assert.equal(r.indication, "INDETERMINATE", name);
      assert.equal(r.subIndication, "CHAIN_CONSTRAINTS_FAILURE", name);
      assert.match(r.errors.map(text).join("\n"), new RegExp(`CA certificate .*CN=${name}.* critical extension`), name);
    }
  });
});

describe("name constraints (RFC 5280 § 4.2.1.10)", () => {
  let constrained: Issued;
  before(async () => {
    constrained = await issueWithExtensions(
      dir,
      "constrained-ca",
      "/C=JP/O=Digital Agency/CN=Constrained CA",
      root,
      [
        ...CA,
        "nameConstraints=critical,permitted;dirName:permitted_dn,permitted;email:.digital.go.jp," +
          "permitted;DNS:digital.go.jp,permitted;URI:.digital.go.jp,permitted;IP:192.0.2.0/255.255.255.0," +
          "excluded;DNS:secret.digital.go.jp,excluded;email:leak@mail.digital.go.jp",
        "[permitted_dn]",
        "C=JP",
        "O=Digital Agency",
      ].join("\n"),
    );
  });

  const SAN = "email:taro@mail.digital.go.jp,DNS:sign.digital.go.jp,URI:https://id.digital.go.jp/taro,IP:192.0.2.7";

  test("a signer whose every name is inside the permitted subtrees is TOTAL_PASSED", async () => {
    const leaf = await issueWithExtensions(
      dir,
      "nc-inside",
      "/C=JP/O=Digital Agency/CN=Taro",
      constrained,
      [...LEAF, `subjectAltName=${SAN}`].join("\n"),
    );
    const r = await validate(leaf, [constrained]);
    assert.equal(r.indication, "TOTAL_PASSED", r.errors.map(text).join("; "));
  });

  const cases: [string, string, string, RegExp][] = [
    ["directoryName outside", "/C=JP/O=Other Agency/CN=Taro", SAN, /subject name .* outside/],
    [
      "rfc822Name outside",
      "/C=JP/O=Digital Agency/CN=Taro",
      "email:taro@example.com",
      /e-mail address taro@example.com is outside/,
    ],
    [
      "rfc822Name excluded",
      "/C=JP/O=Digital Agency/CN=Taro",
      "email:leak@mail.digital.go.jp",
      /e-mail address leak@mail.digital.go.jp is in a subtree the issuing CA excludes/,
    ],
    [
      "emailAddress in the subject outside",
      "/C=JP/O=Digital Agency/CN=Taro/emailAddress=taro@example.com",
      "DNS:sign.digital.go.jp",
      /e-mail address taro@example.com is outside/,
    ],
    ["dNSName outside", "/C=JP/O=Digital Agency/CN=Taro", "DNS:digital.go.jp.evil.example", /DNS name/],
    ["dNSName excluded", "/C=JP/O=Digital Agency/CN=Taro", "DNS:x.secret.digital.go.jp", /excludes/],
    ["URI outside", "/C=JP/O=Digital Agency/CN=Taro", "URI:https://evil.example/digital.go.jp", /URI/],
    ["iPAddress outside", "/C=JP/O=Digital Agency/CN=Taro", "IP:198.51.100.7", /IP address 198\.51\.100\.7/],
  ];
  for (const [name, subject, san, message] of cases) {
    test(`${name}: INDETERMINATE CHAIN_CONSTRAINTS_FAILURE`, async () => {
      const file = `nc-${name.replace(/\W+/g, "-")}`;
      const leaf = await issueWithExtensions(
        dir,
        file,
        subject,
        constrained,
        [...LEAF, `subjectAltName=${san}`].join("\n"),
      );
      const r = await validate(leaf, [constrained]);
      assert.equal(r.indication, "INDETERMINATE");
      assert.equal(r.subIndication, "CHAIN_CONSTRAINTS_FAILURE");
      assert.match(r.errors.map(text)[0]!, message);
      assert.match(r.errors.map(text)[0]!, /name constraints of CN=Constrained CA/);
    });
  }

  test("a critical constraint of a form not implemented (registeredID) fails the path", async () => {
    const ca = await issueWithExtensions(
      dir,
      "nc-rid-ca",
      "/C=JP/O=Digital Agency/CN=RID CA",
      root,
      [...CA, "nameConstraints=critical,permitted;RID:1.2.392.200091"].join("\n"),
    );
    const leaf = await issueWithExtensions(dir, "nc-rid-leaf", "/C=JP/O=Digital Agency/CN=Jiro", ca, LEAF.join("\n"));
    const r = await validate(leaf, [ca]);
    assert.equal(r.indication, "INDETERMINATE");
    assert.equal(r.subIndication, "CHAIN_CONSTRAINTS_FAILURE");
    assert.match(r.errors.map(text)[0]!, /form that is not evaluated .*registeredID/);
  });
});
