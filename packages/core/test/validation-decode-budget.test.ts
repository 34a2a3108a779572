// Amplification through decoding (security issue 9.2): one decoded-byte budget per document across all its streams,
// sections and revision views; each stream decoded once; DSS references deduplicated and capped. The figures that
// matter are deterministic (bytes decoded), so they are asserted; a generous time bound only guards against a hang.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DecodeBudgetExceeded, DOCUMENT_DECODE_BUDGET, StreamDecoder } from "../src/pdf/filters.js";
import { PdfReader } from "../src/pdf/reader.js";
import { readDss } from "../src/validation/dss.js";
import { NotAPdfError, validatePdf } from "../src/validation/validate.js";
import { dssBombPdf, emptyRowsXrefPdf, xrefStreamChainPdf } from "./support/hostile-pdfs.js";

const MiB = 1024 * 1024;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T | Error; ms: number }> {
  const start = performance.now();
  try {
    return { value: await work(), ms: performance.now() - start };
  } catch (e) {
    return { value: e as Error, ms: performance.now() - start };
  }
}

describe("a document's decode budget", () => {
  test("a /DSS naming one 16 MiB bomb 3 × 1000 times decodes it once", async () => {
    const pdf = dssBombPdf(1000);
    assert.ok(pdf.length < 64 * 1024, `${pdf.length} bytes`);
    const reader = PdfReader.open(pdf);
    const dss = readDss(reader);
    // One item per list (the same reference), each the same decoded bytes, decoded once in all.
    assert.equal(dss.certificates.length, 1);
    assert.equal(dss.ocspResponses.length, 1);
    assert.equal(dss.crls.length, 1);
    assert.ok(reader.decoder.decodedBytes <= 17 * MiB, `${reader.decoder.decodedBytes} bytes decoded`);
    const { value, ms } = await timed(() => validatePdf(pdf, { trustAnchors: [] }));
    assert.ok(!(value instanceof Error) || value instanceof NotAPdfError, String(value));
    assert.ok(ms < 10_000, `${ms} ms`);
  });

  test("distinct DSS streams stop at the budget instead of exhausting memory", () => {
    const decoder = new StreamDecoder(40 * MiB);
    const reader = PdfReader.open(dssBombPdf(1, 16 * MiB), decoder);
    readDss(reader);
    assert.ok(decoder.decodedBytes <= 40 * MiB);
  });

  test("20 chained cross-reference streams of 64 MiB each are refused at the budget", async () => {
    const pdf = xrefStreamChainPdf(20);
    assert.ok(pdf.length < 2 * MiB, `${pdf.length} bytes`);
    assert.throws(() => PdfReader.open(pdf), DecodeBudgetExceeded);
    const { value, ms } = await timed(() => validatePdf(pdf, { trustAnchors: [] }));
    assert.ok(value instanceof NotAPdfError, String(value));
    assert.match(value.message, new RegExp(`beyond ${DOCUMENT_DECODE_BUDGET / MiB} MB in all`));
    assert.ok(ms < 10_000, `${ms} ms`);
  });

  test("revision views of one document share its decoder: nothing is decoded twice", () => {
    const pdf = xrefStreamChainPdf(3, MiB);
    const full = PdfReader.open(pdf);
    const afterFull = full.decoder.decodedBytes;
    assert.ok(afterFull >= 3 * MiB && afterFull < 4 * MiB, `${afterFull}`);
    // Each earlier revision, as validation opens them.
    for (const section of full.sections.slice(1)) {
      const end = pdf.indexOf("%%EOF", section.offset) + 6;
      PdfReader.open(pdf.subarray(0, end), full.decoder);
    }
    assert.equal(full.decoder.decodedBytes, afterFull);
  });

  test("a cross-reference stream of empty rows declaring billions of entries is not read (the file is repaired)", () => {
    // Refused as a section; the reader then rebuilds the table by scanning, as for any damaged file.
    const reader = PdfReader.open(emptyRowsXrefPdf());
    assert.equal(reader.repaired, true);
    assert.ok(reader.objectNumbers().length < 10);
  });
});
