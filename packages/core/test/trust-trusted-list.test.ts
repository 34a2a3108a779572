// ETSI TS 119 612 trusted lists, both directions: a JP list (ECDSA P-256 TL-signing key) and an SA list
// (RSA-3072 TL-signing key) written, read back, verified, tampered with, and turned into trust anchors.

import "reflect-metadata";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { before, describe, test } from "node:test";
import { DOMParser } from "@xmldom/xmldom";
import { derToP1363, p1363ToDer } from "../src/keys/ecdsa-sig-value.js";
import type { Signer } from "../src/keys/signer.js";
import { generateKey, type KeyType, softwareSigner } from "../src/keys/software.js";
import { createRootCertificate } from "../src/pki/authority.js";
import { createNationalPki, type NationalPki } from "../src/pki/national-pki.js";
import {
  type MultilingualString,
  nonEuTslType,
  parseTrustedList,
  ServiceStatus,
  ServiceType,
  type TrustedList,
  type TrustService,
  trustAnchorsFromTrustedList,
  verifyTrustedList,
} from "../src/trust/trusted-list.js";
import { writeTrustedList } from "../src/trust/trusted-list-writer.js";
import { text as messageText } from "./support/messages.js";

const DS = "http://www.w3.org/2000/09/xmldsig#";
const XADES = "http://uri.etsi.org/01903/v1.3.2#";
const TSL = "http://uri.etsi.org/02231/v2#";

interface Country {
  pki: NationalPki;
  tlSigner: Signer;
  tlCertificate: Uint8Array;
  withdrawnCa: Uint8Array;
  list: TrustedList;
  xml: string;
}

async function tlSigningKey(pki: NationalPki, keyType: KeyType, organization: string) {
  const { privateKey } = await generateKey(keyType);
  const tlSigner = softwareSigner(privateKey);
  const issued = await pki.issue("seal", {
    spki: tlSigner.publicKeySpki,
    subject: { organization, commonName: `${organization} Trusted List Signer` },
  });
  return { tlSigner, tlCertificate: issued.der };
}

async function oldRoot(keyType: KeyType, country: string, organization: string): Promise<Uint8Array> {
  const { privateKey } = await generateKey(keyType);
  const root = await createRootCertificate({
    subject: { country, organization, commonName: `${organization} Root CA 2015` },
    signer: softwareSigner(privateKey),
  });
  return root.der;
}

const t = (iso: string) => new Date(iso);

/** A status and the time it took effect. */
type Status = readonly [status: string, since: string];

const granted = (since: string): Status => [ServiceStatus.granted, since];

/** A service with one certificate: its current status, and its earlier ones (most recent first) under the same type and name. */
function service(
  type: string,
  name: MultilingualString,
  certificate: Uint8Array,
  [status, since]: Status,
  ...history: Status[]
): TrustService {
  return {
    type,
    name,
    digitalIdentities: [certificate],
    status,
    statusStartingTime: t(since),
    history: history.map(([status, since]) => ({ type, name, status, statusStartingTime: t(since) })),
  };
}

function jpList(pki: NationalPki, withdrawnCa: Uint8Array): TrustedList {
  const address = {
    postal: [
      {
        lang: "en",
        streetAddress: "Tokyo Garden Terrace Kioicho 19F, 1-3 Kioicho",
        locality: "Chiyoda-ku, Tokyo",
        postalCode: "102-0094",
        countryName: "JP",
      },
      {
        lang: "ja",
        streetAddress: "紀尾井町1-3 東京ガーデンテラス紀尾井町19階",
        locality: "東京都千代田区",
        countryName: "JP",
      },
    ],
    electronic: ["mailto:trust@digital.go.jp", "https://www.digital.go.jp/en/"],
  };
  const names = {
    root: { en: "Digital Agency Root CA", ja: "デジタル庁ルート認証局" },
    issuing: { en: "Digital Agency Issuing CA", ja: "デジタル庁発行認証局" },
    tsa: { en: "Digital Agency Time-Stamping Authority", ja: "デジタル庁タイムスタンプ局" },
    oldRoot: { en: "Digital Agency Root CA 2015", ja: "デジタル庁ルート認証局 2015" },
  };
  const withdrawn: Status = [ServiceStatus.withdrawn, "2025-02-01T00:00:00Z"];
  const recognised: Status = [ServiceStatus.recognisedAtNationalLevel, "2025-01-01T00:00:00Z"];
  return {
    schemeOperator: { name: { en: "Digital Agency", ja: "デジタル庁" }, address },
    schemeName: { en: "JP:Trusted list of Japan", ja: "JP:日本のトラストリスト" },
    schemeInformationUris: ["https://www.digital.go.jp/en/trust/"],
    schemeTerritory: "JP",
    sequenceNumber: 3,
    issueDate: t("2025-04-01T00:00:00Z"),
    nextUpdate: t("2025-09-30T00:00:00Z"),
    tslType: nonEuTslType("JP"),
    distributionPoints: ["http://127.0.0.1:8080/trust/list.xml"],
    providers: [
      {
        name: { en: "Digital Agency", ja: "デジタル庁" },
        tradeName: { en: "NTRJP-1234567890123", ja: "デジタル庁 認証局" },
        address,
        informationUris: ["https://www.digital.go.jp/en/policies/pki/"],
        services: [
          service(ServiceType.caPkc, names.root, pki.root.certificate, granted("2025-01-01T00:00:00Z")),
          service(
            ServiceType.caPkc,
            names.issuing,
            pki.issuing.certificate,
            granted("2025-03-01T00:00:00Z"),
            recognised,
          ),
          service(ServiceType.tsa, names.tsa, pki.tsa.certificate, granted("2025-01-01T00:00:00Z")),
          service(ServiceType.caPkc, names.oldRoot, withdrawnCa, withdrawn, granted("2016-07-01T00:00:00Z")),
        ],
      },
    ],
  };
}

function saList(pki: NationalPki, withdrawnCa: Uint8Array): TrustedList {
  const address = {
    postal: [
      { lang: "en", streetAddress: "King Fahd Road", locality: "Riyadh", postalCode: "12382", countryName: "SA" },
      { lang: "ar", streetAddress: "طريق الملك فهد", locality: "الرياض", postalCode: "12382", countryName: "SA" },
    ],
    electronic: ["mailto:trust@ncdc.gov.sa", "https://www.ncdc.gov.sa/"],
  };
  const since2025 = granted("2025-01-01T00:00:00Z");
  return {
    schemeOperator: {
      name: { en: "National Center for Digital Certification", ar: "المركز الوطني للتصديق الرقمي" },
      address,
    },
    schemeName: { en: "SA:Trusted list of Saudi Arabia", ar: "SA:القائمة الموثوقة للمملكة العربية السعودية" },
    schemeInformationUris: ["https://www.ncdc.gov.sa/trust"],
    schemeTerritory: "SA",
    sequenceNumber: 1,
    issueDate: t("2025-05-01T08:30:00Z"),
    nextUpdate: t("2025-10-01T08:30:00Z"),
    tslType: nonEuTslType("SA"),
    providers: [
      {
        name: { en: "National Center for Digital Certification", ar: "المركز الوطني للتصديق الرقمي" },
        address,
        services: [
          service(
            ServiceType.caQc,
            { en: "NCDC Root CA", ar: "المرجع الجذري للمركز" },
            pki.root.certificate,
            since2025,
          ),
          service(ServiceType.caQc, { en: "NCDC Issuing CA", ar: "جهة الإصدار" }, pki.issuing.certificate, since2025),
          service(
            ServiceType.tsaQtst,
            { en: "NCDC Time-Stamping Authority", ar: "جهة ختم الوقت" },
            pki.tsa.certificate,
            since2025,
          ),
          service(
            ServiceType.caQc,
            { en: "NCDC Old Root CA", ar: "المرجع الجذري القديم" },
            withdrawnCa,
            [ServiceStatus.withdrawn, "2025-03-15T00:00:00Z"],
            granted("2018-01-01T00:00:00Z"),
          ),
        ],
      },
    ],
  };
}

const b64 = (der: Uint8Array) => Buffer.from(der).toString("base64");
const dom = (xml: string) => new DOMParser().parseFromString(xml, "application/xml") as unknown as Document;

/** Changes one character of `needle`'s first occurrence (inside `xml`), keeping it valid base64/text. */
function flipOne(xml: string, needle: string, at = Math.floor(needle.length / 2)): string {
  const index = xml.indexOf(needle);
  assert.ok(index >= 0, "needle not found");
  const position = index + at;
  const replacement = xml[position] === "A" ? "B" : "A";
  return xml.slice(0, position) + replacement + xml.slice(position + 1);
}

let jp: Country;
let sa: Country;

before(async () => {
  const [jpPki, saPki] = await Promise.all([
    createNationalPki({
      id: "jp",
      country: "JP",
      organization: "Digital Agency",
      keyType: "P-256",
      publicUrl: "http://127.0.0.1:8080",
    }),
    createNationalPki({
      id: "sa",
      country: "SA",
      organization: "National Center for Digital Certification",
      keyType: "RSA-3072",
      publicUrl: "http://127.0.0.1:8080",
    }),
  ]);
  const make = async (pki: NationalPki, keyType: KeyType, organization: string, listOf: typeof jpList) => {
    const { tlSigner, tlCertificate } = await tlSigningKey(pki, keyType, organization);
    const withdrawnCa = await oldRoot(keyType, pki.country, organization);
    const list = listOf(pki, withdrawnCa);
    const xml = await writeTrustedList(list, {
      signer: tlSigner,
      certificate: tlCertificate,
      signingTime: t("2025-04-01T00:00:05Z"),
    });
    return { pki, tlSigner, tlCertificate, withdrawnCa, list, xml };
  };
  [jp, sa] = await Promise.all([
    make(jpPki, "P-256", "Digital Agency", jpList),
    make(saPki, "RSA-3072", "National Center for Digital Certification", saList),
  ]);
});

describe("writing a trusted list", () => {
  test("the XML follows TS 119 612: namespace, TSLTag, version 6, scheme information, services", () => {
    const doc = dom(jp.xml);
    const root = doc.documentElement;
    assert.equal(root.localName, "TrustServiceStatusList");
    assert.equal(root.namespaceURI, TSL);
    assert.equal(root.getAttribute("TSLTag"), "http://uri.etsi.org/19612/TSLTag");
    const textOf = (name: string) => doc.getElementsByTagNameNS(TSL, name)[0]?.textContent;
    assert.equal(textOf("TSLVersionIdentifier"), "6");
    assert.equal(textOf("TSLType"), "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/JPlist");
    assert.equal(
      textOf("StatusDeterminationApproach"),
      "http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/JPdetermination",
    );
    assert.equal(textOf("HistoricalInformationPeriod"), "65535");
    assert.equal(textOf("ListIssueDateTime"), "2025-04-01T00:00:00Z");
    assert.equal(doc.getElementsByTagNameNS(TSL, "TSPService").length, 4);
    // Service history identifies the service by X509SKI, without a certificate (§ 5.6.3).
    const history = doc.getElementsByTagNameNS(TSL, "ServiceHistoryInstance")[0]!;
    assert.equal(history.getElementsByTagNameNS(TSL, "X509Certificate").length, 0);
    const ski = history.getElementsByTagNameNS(TSL, "X509SKI")[0]!.textContent!;
    const issuing = new X509Certificate(jp.pki.issuing.certificate);
    assert.ok(issuing.ca);
    assert.equal(Buffer.from(ski, "base64").length, 20);
  });

  test('the signature is enveloped XAdES-BES: URI="", enveloped + exc-c14n, SigningCertificateV2, one KeyInfo certificate', () => {
    for (const { xml, tlCertificate } of [jp, sa]) {
      const doc = dom(xml);
      const signature = doc.getElementsByTagNameNS(DS, "Signature");
      assert.equal(signature.length, 1);
      assert.equal(signature[0]!.parentNode, doc.documentElement);
      assert.equal(doc.documentElement.lastChild, signature[0]);
      const canon = doc.getElementsByTagNameNS(DS, "CanonicalizationMethod")[0]!.getAttribute("Algorithm");
      assert.equal(canon, "http://www.w3.org/2001/10/xml-exc-c14n#");
      const whole = Array.from(doc.getElementsByTagNameNS(DS, "Reference")).filter((r) => r.getAttribute("URI") === "");
      assert.equal(whole.length, 1);
      const transforms = Array.from(whole[0]!.getElementsByTagNameNS(DS, "Transform")).map((e) =>
        e.getAttribute("Algorithm"),
      );
      assert.deepEqual(transforms, [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
      ]);
      assert.equal(doc.getElementsByTagNameNS(XADES, "SigningCertificateV2").length, 1);
      assert.equal(
        doc.getElementsByTagNameNS(XADES, "SigningTime")[0]!.textContent?.startsWith("2025-04-01T00:00:05"),
        true,
      );
      const keyInfoCerts = doc.getElementsByTagNameNS(DS, "X509Certificate");
      assert.equal(keyInfoCerts.length, 1);
      assert.equal(keyInfoCerts[0]!.textContent, b64(tlCertificate));
    }
  });

  test("ECDSA signature values are r||s (64 bytes for P-256), RSA-3072 ones 384 bytes", () => {
    const value = (xml: string) =>
      Buffer.from(dom(xml).getElementsByTagNameNS(DS, "SignatureValue")[0]!.textContent!.replace(/\s+/g, ""), "base64");
    assert.equal(value(jp.xml).length, 64);
    assert.equal(
      dom(jp.xml).getElementsByTagNameNS(DS, "SignatureMethod")[0]!.getAttribute("Algorithm"),
      "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    );
    assert.equal(value(sa.xml).length, 384);
  });

  test("refuses a certificate that is not the signer's, and a list without an English name", async () => {
    await assert.rejects(
      writeTrustedList(jp.list, { signer: jp.tlSigner, certificate: sa.tlCertificate }),
      /does not certify/,
    );
    const noEnglish = { ...jp.list, schemeOperator: { ...jp.list.schemeOperator, name: { ja: "デジタル庁" } } };
    await assert.rejects(
      writeTrustedList(noEnglish, { signer: jp.tlSigner, certificate: jp.tlCertificate }),
      /English/,
    );
  });
});

describe("reading a trusted list", () => {
  test("round trip: every field, Japanese and Arabic names intact", () => {
    assert.deepStrictEqual(parseTrustedList(jp.xml), jp.list);
    // TSPInformationURI is mandatory (schema and § 5.4.4): the SA TSP gave none, so the scheme's is written.
    const saProvider = { ...sa.list.providers[0]!, informationUris: sa.list.schemeInformationUris };
    assert.deepStrictEqual(parseTrustedList(new TextEncoder().encode(sa.xml)), { ...sa.list, providers: [saProvider] });
    const parsed = parseTrustedList(sa.xml);
    assert.equal(parsed.providers[0]!.services[2]!.name.ar, "جهة ختم الوقت");
    assert.equal(parseTrustedList(jp.xml).schemeOperator.name.ja, "デジタル庁");
  });

  test("signatures verify (ECDSA and RSA) and name the TL-signing certificate", async () => {
    for (const { xml, tlCertificate } of [jp, sa]) {
      const result = await verifyTrustedList(xml, { expectedSigner: [tlCertificate] });
      assert.deepEqual(result.errors, []);
      assert.equal(result.valid, true);
      assert.deepEqual(result.signerCertificate, tlCertificate);
    }
  });

  test("one changed character in a listed certificate invalidates the signature", async () => {
    for (const country of [jp, sa]) {
      const tampered = flipOne(country.xml, b64(country.pki.tsa.certificate));
      const result = await verifyTrustedList(tampered);
      assert.equal(result.valid, false);
      assert.match(result.errors.map(messageText).join(" "), /changed|digest/i);
    }
  });

  test("changing a withdrawn status to granted invalidates the signature, and yields no anchors", async () => {
    const tampered = jp.xml.replace(
      `<ServiceStatus>${ServiceStatus.withdrawn}</ServiceStatus>`,
      `<ServiceStatus>${ServiceStatus.granted}</ServiceStatus>`,
    );
    assert.notEqual(tampered, jp.xml);
    assert.equal((await verifyTrustedList(tampered)).valid, false);
    await assert.rejects(
      trustAnchorsFromTrustedList(new TextEncoder().encode(tampered), { source: "jp.xml" }),
      /jp\.xml: trusted list signature is not valid/,
    );
  });

  test("a change in the signed properties or the signature value is detected", async () => {
    const signingTime = dom(jp.xml).getElementsByTagNameNS(XADES, "SigningTime")[0]!.textContent!;
    const moved = jp.xml.replace(signingTime, signingTime.replace("2025", "2024"));
    assert.equal((await verifyTrustedList(moved)).valid, false);
    const value = dom(sa.xml).getElementsByTagNameNS(DS, "SignatureValue")[0]!.textContent!;
    const badValue = flipOne(sa.xml, value, 10);
    assert.equal((await verifyTrustedList(badValue)).valid, false);
  });

  test("a list signed by another key than the expected signer is refused", async () => {
    // The SA list is correctly signed, but not by the JP scheme operator.
    const wrong = await verifyTrustedList(sa.xml, { expectedSigner: [jp.tlCertificate] });
    assert.equal(wrong.valid, false);
    assert.match(wrong.errors.map(messageText).join(" "), /other than the expected/);
    // An impostor re-signs the JP list's content with its own key and certificate.
    const { privateKey } = await generateKey("P-256");
    const impostor = softwareSigner(privateKey);
    const impostorCert = (
      await createRootCertificate({ subject: { country: "JP", organization: "Digital Agency" }, signer: impostor })
    ).der;
    const forged = await writeTrustedList(jp.list, { signer: impostor, certificate: impostorCert });
    assert.equal((await verifyTrustedList(forged)).valid, true, "self-consistent on its own");
    assert.equal((await verifyTrustedList(forged, { expectedSigner: [jp.tlCertificate] })).valid, false);
    await assert.rejects(
      trustAnchorsFromTrustedList(new TextEncoder().encode(forged), { expectedSigner: [jp.tlCertificate] }),
      /other than the expected/,
    );
  });

  test("a second signature or a signature moved out of the root is refused", async () => {
    const doc = dom(jp.xml);
    const signature = doc.getElementsByTagNameNS(DS, "Signature")[0]!;
    const twice = jp.xml.replace(
      "</TrustServiceStatusList>",
      `${new (await import("@xmldom/xmldom")).XMLSerializer().serializeToString(signature as never)}</TrustServiceStatusList>`,
    );
    assert.match((await verifyTrustedList(twice)).errors.map(messageText).join(" "), /2 ds:Signature/);
    const unsigned = jp.xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "");
    assert.match((await verifyTrustedList(unsigned)).errors.map(messageText).join(" "), /not signed/);
  });

  test("trust anchors: root, issuing CA and TSA of each country; withdrawn services excluded", async () => {
    for (const country of [jp, sa]) {
      const anchors = await trustAnchorsFromTrustedList(new TextEncoder().encode(country.xml), { source: "list.xml" });
      assert.deepStrictEqual(
        anchors.map((a) => b64(a.certificate)).sort(),
        [country.pki.root.certificate, country.pki.issuing.certificate, country.pki.tsa.certificate].map(b64).sort(),
      );
      assert.ok(anchors.every((a) => a.source === "list.xml"));
      assert.ok(!anchors.some((a) => b64(a.certificate) === b64(country.withdrawnCa)));
    }
  });

  test("services smuggled into the unsigned part of ds:Signature are not read", async () => {
    // Content of a ds:Object outside the signed properties is covered by no reference, so the signature stays
    // valid; the reader must only take TrustServiceProviderList from the root.
    const smuggled = `<ds:Object><TrustServiceProviderList xmlns="${TSL}"><TrustServiceProvider><TSPInformation><TSPName><Name xml:lang="en">Mallory</Name></TSPName></TSPInformation><TSPServices><TSPService><ServiceInformation><ServiceTypeIdentifier>${ServiceType.caPkc}</ServiceTypeIdentifier><ServiceName><Name xml:lang="en">Mallory CA</Name></ServiceName><ServiceDigitalIdentity><DigitalId><X509Certificate>${b64(sa.pki.root.certificate)}</X509Certificate></DigitalId></ServiceDigitalIdentity><ServiceStatus>${ServiceStatus.granted}</ServiceStatus><StatusStartingTime>2025-01-01T00:00:00Z</StatusStartingTime></ServiceInformation></TSPService></TSPServices></TrustServiceProvider></TrustServiceProviderList></ds:Object></ds:Signature>`;
    const xml = jp.xml.replace("</ds:Signature>", smuggled);
    assert.equal((await verifyTrustedList(xml)).valid, true);
    const anchors = await trustAnchorsFromTrustedList(new TextEncoder().encode(xml));
    assert.equal(anchors.length, 3);
    assert.ok(!anchors.some((a) => b64(a.certificate) === b64(sa.pki.root.certificate)));
  });

  test("an unsigned list is refused unless requireSignature is false", async () => {
    const unsigned = new TextEncoder().encode(jp.xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, ""));
    await assert.rejects(
      trustAnchorsFromTrustedList(unsigned, { source: "jp.xml" }),
      /^TrustedListError: jp\.xml: trusted list signature is not valid: the list is not signed/,
    );
    const anchors = await trustAnchorsFromTrustedList(unsigned, { requireSignature: false });
    assert.equal(anchors.length, 3);
  });

  test("DOCTYPE and entity declarations are refused before parsing (XXE, billion laughs)", async () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<TrustServiceStatusList xmlns="${TSL}">&lol2;</TrustServiceStatusList>`;
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`;
    for (const xml of [laughs, xxe]) {
      await assert.rejects(
        trustAnchorsFromTrustedList(new TextEncoder().encode(xml), { source: "evil.xml" }),
        (e: Error) => {
          assert.match(
            e.message,
            /^evil\.xml: not a trusted list: a document type or entity declaration is not allowed/,
          );
          assert.ok(!e.message.includes("\n"));
          return true;
        },
      );
      assert.throws(() => parseTrustedList(xml), /document type or entity/);
      assert.equal((await verifyTrustedList(xml)).valid, false);
    }
    // A signed list with a DOCTYPE spliced in is refused too.
    const spliced = jp.xml.replace("?>\n", '?>\n<!DOCTYPE TrustServiceStatusList [<!ENTITY x "y">]>\n');
    await assert.rejects(trustAnchorsFromTrustedList(new TextEncoder().encode(spliced)), /document type/);
  });

  test("XML that is not a trusted list, and text that is not XML, are refused with one clear line", async () => {
    const cases: [string | Uint8Array, RegExp][] = [
      [
        '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
        /not an ETSI TS 119 612 trusted list: the root element is \{http:\/\/www\.w3\.org\/1999\/xhtml\}html/,
      ],
      ["<TrustServiceStatusList/>", /not an ETSI TS 119 612 trusted list/],
      [
        '<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><Scheme',
        /not a trusted list: not well-formed XML/,
      ],
      [`<TrustServiceStatusList xmlns="${TSL}"/>`, /TrustServiceStatusList has no SchemeInformation element/],
      [new Uint8Array([0x3c, 0x61, 0xff, 0xfe, 0x3e]), /not UTF-8/],
      [new Uint8Array(20 * 1024 * 1024 + 1).fill(0x20), /larger than/],
    ];
    for (const [input, expected] of cases) {
      const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
      await assert.rejects(trustAnchorsFromTrustedList(bytes, { source: "x.xml" }), (e: Error) => {
        assert.match(e.message, expected);
        assert.ok(e.message.startsWith("x.xml: "));
        assert.ok(!e.message.includes("\n"), e.message);
        return true;
      });
    }
  });
});

describe("ECDSA signature encodings", () => {
  test("derToP1363 inverts p1363ToDer, including short and high-bit integers", () => {
    for (const size of [32, 48, 66]) {
      for (const pattern of [0x00, 0x80, 0x7f]) {
        const rs = new Uint8Array(size * 2).map((_, i) => (i * 37 + pattern) & 0xff);
        rs[0] = pattern; // leading zero / high bit in r
        rs[1] = 0;
        rs[size] = 0; // leading zero in s
        rs[size + 1] = 0;
        assert.deepEqual(derToP1363(p1363ToDer(rs), size), rs);
      }
    }
    assert.throws(() => derToP1363(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), 32), /not a DER ECDSA signature/);
  });
});
