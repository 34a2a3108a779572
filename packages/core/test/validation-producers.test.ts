// Encodings other signing software writes that ours does not (found by running the validator over public corpora of
// signed PDFs from Adobe Acrobat, iText, EU DSS, pyHanko …). Every fixture is made here: a document signed by us,
// whose /Contents is then rewritten the way the other producer writes it, in place (nothing else moves, so the
// signature over the byte range stays valid).

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { children, integer, oid, readTlv, sequence, setOf, tlv, whole } from "../src/cms/der.js";
import { signPdf } from "../src/pades/sign.js";
import type { TrustAnchor } from "../src/validation/cades.js";
import type { ValidationReport } from "../src/validation/report.js";
import { validatePdf } from "../src/validation/validate.js";
import { plainPdf } from "./support/fixtures.js";
import { testSigner } from "./support/revisions.js";

const summary = (r: ValidationReport) =>
  JSON.stringify(r.signatures.map((s) => [s.field, s.indication, s.subIndication, s.modifications, s.errors]));

let anchors: TrustAnchor[];

before(async () => {
  anchors = [{ certificate: (await testSigner()).certificate }];
});

async function signedWithReserve(reserve?: number): Promise<Uint8Array> {
  const { signer, certificate } = await testSigner();
  return signPdf(plainPdf(), { signer, certificate, reserve });
}

/** The /Contents hole of the (only) signature: offsets of its hex digits. */
function hole(pdf: Uint8Array): { start: number; end: number } {
  const m = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)/.exec(Buffer.from(pdf).toString("latin1"));
  assert.ok(m);
  return { start: Number(m[1]) + 1, end: Number(m[2]) - 1 };
}

/** The CMS in the hole, without its zero padding (our CMS is DER: its length says where it ends). */
function cmsOf(pdf: Uint8Array): Uint8Array {
  const { start, end } = hole(pdf);
  const all = Buffer.from(Buffer.from(pdf.subarray(start, end)).toString("latin1"), "hex");
  return new Uint8Array(all.subarray(0, readTlv(all).end));
}

/** `pdf` with `cms` written into the hole, zero-padded, as every producer pads it. */
function withCms(pdf: Uint8Array, cms: Uint8Array): Uint8Array {
  const { start, end } = hole(pdf);
  const hex = Buffer.from(cms).toString("hex").toUpperCase();
  assert.ok(hex.length <= end - start, "the CMS fits in the hole");
  const out = new Uint8Array(pdf);
  out.set(Buffer.from(hex.padEnd(end - start, "0"), "latin1"), start);
  return out;
}

/** ContentInfo → [0] → SignedData: the DER of SignedData's fields. */
function signedDataFields(cms: Uint8Array): Uint8Array[] {
  const [, explicit] = children(cms, readTlv(cms));
  const sd = children(cms, explicit!)[0]!;
  return children(cms, sd).map((t) => whole(cms, t));
}

const ID_SIGNED_DATA = "1.2.840.113549.1.7.2";

describe("CMS encodings of other producers", () => {
  test("a signature whose CMS uses indefinite-length BER (as Adobe Acrobat writes it), zero-padded, still validates", async () => {
    const pdf = await signedWithReserve();
    const der = cmsOf(pdf);
    // ContentInfo, its [0] and SignedData with indefinite lengths, each closed by end-of-contents (00 00): the
    // padding after the CMS is zeros too, so only walking the encoding tells where it ends.
    const eoc = new Uint8Array(2);
    const ber = Buffer.concat([
      Uint8Array.of(0x30, 0x80),
      oid(ID_SIGNED_DATA),
      Uint8Array.of(0xa0, 0x80, 0x30, 0x80),
      ...signedDataFields(der),
      eoc,
      eoc,
      eoc,
    ]);
    const report = await validatePdf(withCms(pdf, ber), { trustAnchors: anchors });
    assert.equal(report.signatures.length, 1);
    assert.equal(report.signatures[0]!.indication, "TOTAL_PASSED", summary(report));
    assert.equal(report.verdict, "VALID");
  });

  test("a CMS of more than 10,000 ASN.1 elements (CRLs embedded, as Acrobat archives them) still validates", async () => {
    const pdf = await signedWithReserve(120_000);
    const der = cmsOf(pdf);
    const fields = signedDataFields(der);
    // An unsigned attribute of 12,000 INTEGERs stands for the revoked-certificate entries of a large CRL.
    const signerInfos = fields.at(-1)!;
    const signerInfo = children(signerInfos, readTlv(signerInfos))[0]!;
    const bulky = tlv(
      0xa1,
      sequence(
        oid("1.3.6.1.4.1.99999.1"),
        setOf([sequence(...Array.from({ length: 12_000 }, (_, i) => integer(i + 70_000)))]),
      ),
    );
    const newSignerInfo = sequence(...children(signerInfos, signerInfo).map((t) => whole(signerInfos, t)), bulky);
    const cms = sequence(oid(ID_SIGNED_DATA), tlv(0xa0, sequence(...fields.slice(0, -1), setOf([newSignerInfo]))));
    const report = await validatePdf(withCms(pdf, cms), { trustAnchors: anchors });
    assert.equal(report.signatures[0]!.indication, "TOTAL_PASSED", summary(report));
  });
});
