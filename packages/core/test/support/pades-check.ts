// Checks that one of Khatam's PAdES signatures in a PDF is what CONTRACTS.md § 2 promises, using other people's
// tools: poppler's pdfsig (valid and trusted), mupdf (digest), qpdf (structure), openssl (detached CMS over the byte
// ranges, the printed structure) and a small DER walk of the CMS (attribute set, order, algorithms, certificates).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { TestLeaf, TestRoot } from "./pki.js";
import {
  type Anchor,
  type ExtractedSignature,
  extractSignatureContents,
  type MutoolResult,
  mutoolVerify,
  opensslCmsPrint,
  opensslVerifyDetached,
  type PdfsigResult,
  pdfsig,
  qpdfCheck,
} from "./tools.js";

// ---------------------------------------------------------------------------------------------------------------
// A minimal DER reader

/** One TLV of a DER encoding. */
export interface DerNode {
  readonly tag: number;
  /** Offset of the tag byte in the buffer. */
  readonly start: number;
  /** Offset of the first value byte. */
  readonly valueStart: number;
  /** Offset just after the value. */
  readonly end: number;
  /** The whole TLV. */
  readonly der: Buffer;
  /** The value bytes. */
  readonly value: Buffer;
}

/** Reads the TLV at `offset` of `buf` (single-byte tags, definite lengths: DER). */
export function derNode(buf: Buffer, offset = 0): DerNode {
  const tag = buf[offset]!;
  let p = offset + 1;
  const first = buf[p++]!;
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    assert.ok(n > 0 && n <= 4, `unsupported DER length form at ${offset}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  const end = p + len;
  assert.ok(end <= buf.length, `DER value at ${offset} runs past the end`);
  return { tag, start: offset, valueStart: p, end, der: buf.subarray(offset, end), value: buf.subarray(p, end) };
}

/** The TLVs inside a constructed node. */
export function derChildren(node: DerNode | Buffer): DerNode[] {
  const value = Buffer.isBuffer(node) ? node : node.value;
  const out: DerNode[] = [];
  for (let p = 0; p < value.length; ) {
    const child = derNode(value, p);
    out.push(child);
    p = child.end;
  }
  return out;
}

/** Dotted form of an OBJECT IDENTIFIER node. */
export function oidOf(node: DerNode): string {
  assert.equal(node.tag, 0x06, "expected an OBJECT IDENTIFIER");
  const v = node.value;
  const arcs: number[] = [];
  let n = 0;
  for (const b of v) {
    n = n * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(n < 80 ? Math.floor(n / 40) : 2, n < 80 ? n % 40 : n - 80);
      else arcs.push(n);
      n = 0;
    }
  }
  return arcs.join(".");
}

/** One attribute of a SignerInfo. */
export interface CmsAttribute {
  readonly oid: string;
  /** The whole Attribute SEQUENCE as encoded. */
  readonly der: Buffer;
  /** The encoded values of its SET. */
  readonly values: Buffer[];
}

/** The parts of a CMS SignedData (one signer) that the tests look at. */
export interface CmsSummary {
  readonly certificates: Buffer[];
  readonly digestAlgorithm: string;
  readonly signedAttributes: CmsAttribute[];
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
  readonly unsignedAttributes: CmsAttribute[];
}

function attributes(node: DerNode): CmsAttribute[] {
  return derChildren(node).map((a) => {
    const [type, set] = derChildren(a);
    return { oid: oidOf(type!), der: Buffer.from(a.der), values: derChildren(set!).map((v) => Buffer.from(v.der)) };
  });
}

/** Walks a ContentInfo { id-signedData, SignedData } with exactly one SignerInfo. */
export function parseCms(contentInfo: Buffer): CmsSummary {
  const ci = derNode(contentInfo);
  const [type, explicit] = derChildren(ci);
  assert.equal(oidOf(type!), "1.2.840.113549.1.7.2", "not a SignedData");
  const [sd] = derChildren(explicit!);
  const parts = derChildren(sd!);
  const certificates = parts.find((p) => p.tag === 0xa0);
  const signerInfos = parts[parts.length - 1]!;
  const infos = derChildren(signerInfos);
  assert.equal(infos.length, 1, "expected one SignerInfo");
  const si = derChildren(infos[0]!);
  // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs
  const signed = si.find((p) => p.tag === 0xa0);
  const unsigned = si.find((p) => p.tag === 0xa1);
  const rest = si.filter((p) => p.tag === 0x30);
  const octets = si.find((p) => p.tag === 0x04)!;
  return {
    certificates: certificates ? derChildren(certificates).map((c) => Buffer.from(c.der)) : [],
    digestAlgorithm: oidOf(derChildren(rest[1]!)[0]!),
    signedAttributes: signed ? attributes(signed) : [],
    signatureAlgorithm: oidOf(derChildren(rest[2]!)[0]!),
    signature: Buffer.from(octets.value),
    unsignedAttributes: unsigned ? attributes(unsigned) : [],
  };
}

export const OIDS = {
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecPublicKey: "1.2.840.10045.2.1",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  rsaPss: "1.2.840.113549.1.1.10",
  sha256: "2.16.840.1.101.3.4.2.1",
} as const;

// ---------------------------------------------------------------------------------------------------------------
// The full check

/** What a Khatam signature is expected to be. */
export interface ExpectedSignature {
  /** Trust anchors for pdfsig: the roots of every signer in the file. */
  readonly trust: readonly Anchor[];
  /** Root (PEM) of this signature's signer, for openssl cms -verify. */
  readonly rootPem: string;
  /** The signer's certificate (DER); must be in the CMS and named by signing-certificate-v2. */
  readonly certificate: Buffer;
  /** Further certificates that must be in the CMS (the chain). */
  readonly chain?: readonly Buffer[];
  /** Signature algorithm OID expected in the SignerInfo. */
  readonly signatureAlgorithm: string;
  /** Number of signatures in the file (default 1); ours is the last one. */
  readonly count?: number;
  /** The byte length of the document before our signature (0: signed from nothing known). */
  readonly previousLength?: number;
  /** The pdfsig field name of our signature (the one pdfsig says covers the whole document). */
  readonly fieldName?: string;
  /** qpdf --check warnings (text after the last ": ") that are known and tolerated, e.g. from @signpdf. */
  readonly qpdfWarnings?: readonly string[];
  /** Skip mutool (for algorithms mupdf's PKCS#7 code does not know, such as RSA-PSS). */
  readonly skipMutool?: boolean;
  /** B-T: a signature-time-stamp unsigned attribute must be present (and, otherwise, no unsigned attributes). */
  readonly timestamped?: boolean;
}

/**
 * What a signature by `leaf` is expected to be when its root `root` is the one trusted and embedded as the chain,
 * with the rest (the signature algorithm, counts, field name …) from `expected`, which may also replace those.
 */
export function expectedFor(
  leaf: TestLeaf,
  root: TestRoot,
  expected: Partial<ExpectedSignature> & Pick<ExpectedSignature, "signatureAlgorithm">,
): ExpectedSignature {
  return {
    trust: [root.certDer],
    rootPem: root.certPem,
    certificate: leaf.certDer,
    chain: [root.certDer],
    ...expected,
  };
}

/** What {@link checkKhatamSignature} found, for further assertions. */
export interface CheckedSignature {
  readonly pdfsig: PdfsigResult;
  /** pdfsig's signatures without the empty signature fields it also lists. */
  readonly signatures: PdfsigResult["signatures"];
  readonly mutool: MutoolResult | undefined;
  readonly extracted: ExtractedSignature;
  readonly cms: CmsSummary;
  readonly printed: string;
}

/**
 * Asserts that the last signature of `pdf` is a valid Khatam PAdES signature and that every earlier one is still
 * valid: pdfsig "Signature is Valid." and "Certificate is Trusted." for all, "Total document signed" only for ours
 * (the one with {@link ExpectedSignature.fieldName}, if given);
 * mutool digest OK for all, ours unchanged since signing; qpdf --check clean; openssl cms -verify of ours over its
 * byte ranges against its root; SubFilter ETSI.CAdES.detached; signed attributes exactly content-type,
 * message-digest (of the byte ranges) and signing-certificate-v2 (naming the signer), DER-sorted, no signing-time;
 * the certificate chain embedded; the expected signature algorithm.
 */
export async function checkKhatamSignature(pdf: Buffer, expected: ExpectedSignature): Promise<CheckedSignature> {
  const count = expected.count ?? 1;

  const ps = await pdfsig(pdf, { trust: expected.trust });
  // pdfsig also lists empty signature fields ("The signature form field is not signed."): leave them out.
  const signatures = ps.signatures.filter((s) => s.validity !== undefined || s.subFilter !== undefined);
  assert.equal(signatures.length, count, ps.raw);
  signatures.forEach((s, i) => {
    assert.equal(s.validity, "Signature is Valid.", `signature #${i + 1}: ${ps.raw}`);
    assert.equal(s.certificate, "Certificate is Trusted.", `signature #${i + 1}: ${ps.raw}`);
  });
  // pdfsig lists signatures in field order, not revision order: ours is the one that covers the whole file.
  const whole = signatures.filter((s) => s.totalDocumentSigned);
  assert.equal(whole.length, 1, `exactly one signature covers the whole document: ${ps.raw}`);
  const ours = whole[0]!;
  assert.equal(ours.subFilter, "ETSI.CAdES.detached", ps.raw);
  assert.equal(ours.hashAlgorithm, "SHA-256", ps.raw);
  if (expected.fieldName !== undefined) assert.equal(ours.name, expected.fieldName, ps.raw);

  let mutool: MutoolResult | undefined;
  if (!expected.skipMutool) {
    mutool = await mutoolVerify(pdf);
    const signed = mutool.signatures.filter((s) => s.digest !== undefined);
    assert.equal(signed.length, count, mutool.raw);
    for (const s of signed) assert.ok(s.digestOk, mutool.raw);
    assert.equal(signed.filter((s) => s.unchanged).length, 1, mutool.raw);
  }

  const q = await qpdfCheck(pdf);
  const warnings = q.warnings.filter((w) => w.startsWith("WARNING")).map((w) => w.replace(/^.*: /, ""));
  const unexpected = warnings.filter((w) => !(expected.qpdfWarnings ?? []).includes(w));
  assert.deepEqual(unexpected, [], q.raw);
  assert.ok(q.ok || (q.hasWarnings && warnings.length > 0), q.raw);
  if (q.ok) assert.match(q.raw, /No syntax or stream encoding errors found/, q.raw);

  const all = extractSignatureContents(pdf);
  assert.equal(all.length, count);
  const extracted = all.find((s) => s.byteRange[2] + s.byteRange[3] === pdf.length);
  assert.ok(extracted, "no signature covers the whole file");
  assert.equal(extracted.byteRange[0], 0);
  const update = pdf.subarray(expected.previousLength ?? 0).toString("latin1");
  assert.match(update, /\/SubFilter\s*\/ETSI\.CAdES\.detached/);
  assert.match(update, /\/Filter\s*\/Adobe\.PPKLite/);

  const verified = await opensslVerifyDetached(extracted.contents, extracted.signedBytes, expected.rootPem);
  assert.ok(verified.ok, verified.raw);

  const cms = parseCms(extracted.contents);
  assert.deepEqual(
    cms.signedAttributes.map((a) => a.oid),
    [OIDS.contentType, OIDS.messageDigest, OIDS.signingCertificateV2],
    "signed attributes: exactly content-type, message-digest, signing-certificate-v2",
  );
  assert.ok(!cms.signedAttributes.some((a) => a.oid === OIDS.signingTime), "no signing-time attribute");
  for (let i = 1; i < cms.signedAttributes.length; i++) {
    const [a, b] = [cms.signedAttributes[i - 1]!.der, cms.signedAttributes[i]!.der];
    assert.ok(Buffer.compare(a, b) < 0, `signed attribute ${i - 1} sorts after ${i}: not DER order`);
  }
  const digest = createHash("sha256").update(extracted.signedBytes).digest();
  assert.deepEqual(derNode(cms.signedAttributes[1]!.values[0]!).value, digest, "message-digest of the byte ranges");
  const certHash = createHash("sha256").update(expected.certificate).digest();
  assert.ok(cms.signedAttributes[2]!.values[0]!.includes(certHash), "signing-certificate-v2 names the signer");
  assert.equal(cms.digestAlgorithm, OIDS.sha256);
  assert.equal(cms.signatureAlgorithm, expected.signatureAlgorithm);
  assert.ok(
    cms.certificates.some((c) => c.equals(expected.certificate)),
    "signer certificate embedded",
  );
  for (const c of expected.chain ?? [])
    assert.ok(
      cms.certificates.some((d) => d.equals(c)),
      "chain certificate embedded",
    );
  if (expected.timestamped) {
    assert.deepEqual(
      cms.unsignedAttributes.map((a) => a.oid),
      [OIDS.signatureTimeStampToken],
    );
  } else assert.deepEqual(cms.unsignedAttributes, []);

  const printed = await opensslCmsPrint(extracted.contents);
  // Our SignerInfo up to its unsigned attributes (a time-stamp token there has its own signing-time).
  const afterInfos = printed.slice(printed.indexOf("signerInfos:"));
  const unsignedAt = afterInfos.indexOf("unsignedAttrs:");
  const signerInfo = unsignedAt < 0 ? afterInfos : afterInfos.slice(0, unsignedAt);
  assert.doesNotMatch(signerInfo, /signingTime/);
  const attrNames = [...signerInfo.matchAll(/object: (\S+) \(/g)].map((m) => m[1]);
  assert.deepEqual(
    attrNames.slice(0, 3),
    ["contentType", "messageDigest", "id-smime-aa-signingCertificateV2"],
    signerInfo,
  );
  if (expected.signatureAlgorithm === OIDS.ecdsaWithSha256) {
    assert.match(signerInfo, /signatureAlgorithm:\s*\n\s*algorithm: ecdsa-with-SHA256/, signerInfo);
    assert.doesNotMatch(signerInfo, /id-ecPublicKey/, signerInfo);
  }
  return { pdfsig: ps, signatures, mutool, extracted, cms, printed };
}
