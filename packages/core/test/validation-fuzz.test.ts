// Property-style fuzzing of validatePdf and hostile inputs. Three signed files (ours B-B, ours JP+SA co-signed B-T,
// one signed by @libpdf/core) are mutated ~100 times each with a seeded PRNG: bytes flipped, inserted, deleted,
// truncated, ranges duplicated, /ByteRange numbers and cross-reference offsets replaced, revisions spliced. For every
// mutant: validatePdf throws nothing but NotAPdfError, returns within 2 s, and a signature whose signed bytes changed
// is never TOTAL_PASSED (its hash is over exactly those bytes, so no parser leniency can make it pass). Then hostile
// files (deep nesting, cycles, huge /Length, /Prev loops, decompression bombs, 50 MB of "[") are each rejected
// with NotAPdfError or reported, within seconds, without crashing.
//
// The seed is random per run and printed; KHATAM_FUZZ_SEED=<seed> replays the same mutation sequence (the signed
// files themselves are made afresh per process, so offsets may differ by a few bytes).

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { constants, deflateRawSync } from "node:zlib";
import { PdfName, type PdfRef } from "../src/pdf/objects.js";
import { PdfReader } from "../src/pdf/reader.js";
import type { TrustAnchor } from "../src/validation/cades.js";
import { findSignatures } from "../src/validation/pdf-signatures.js";
import type { ValidationReport } from "../src/validation/report.js";
import { NotAPdfError, type ValidatePdfOptions, validatePdf } from "../src/validation/validate.js";
import { libpdfSignedPdf, plainPdf, writePdf } from "./support/fixtures.js";
import { nationalFixtures } from "./support/national.js";
import { append, page, signed, stream, testSigner } from "./support/revisions.js";

const SEED = Number(process.env.KHATAM_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MUTATIONS_PER_FILE = 100;
const PER_CALL_MS = 2000;

/** mulberry32: a small, fast, seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! };
}
type Rng = ReturnType<typeof prng>;

interface Subject {
  readonly name: string;
  readonly pdf: Uint8Array;
  readonly options: ValidatePdfOptions;
  /** Each signature's field and signed ranges, read from the original. */
  readonly signatures: { field: string; byteRange: [number, number, number, number] }[];
}

interface Mutant {
  readonly kind: string;
  readonly bytes: Uint8Array;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Offsets of every match of `re` in `pdf` with the number it captured. */
function numbersMatching(pdf: Uint8Array, re: RegExp): { at: number; text: string }[] {
  const out: { at: number; text: string }[] = [];
  const withIndices = new RegExp(re.source, "gd");
  for (const m of latin1(pdf).matchAll(withIndices)) out.push({ at: m.indices![1]![0], text: m[1]! });
  return out;
}

/** Positions just past each `%%EOF` (revision ends). */
function revisionEnds(pdf: Uint8Array): number[] {
  return [...latin1(pdf).matchAll(/%%EOF\r?\n?/g)].map((m) => m.index! + m[0].length);
}

function randomNumberText(rng: Rng, like: string): string {
  switch (rng.int(4)) {
    case 0:
      return String(Number(like) + rng.pick([-1, 1, -2, 2, 10, -10]));
    case 1:
      return String(rng.int(10 ** like.length)).padStart(like.length, "0");
    case 2:
      return rng.pick(["0", "-1", "4294967296", "99999999999999999999", "1e9", "1.5"]);
    default:
      return String(rng.int(2 ** 31));
  }
}

function mutate(rng: Rng, pdf: Uint8Array, others: readonly Uint8Array[]): Mutant {
  const n = pdf.length;
  const at = rng.int(n);
  switch (rng.int(9)) {
    case 0: {
      const out = new Uint8Array(pdf);
      out[at] = out[at]! ^ (1 + rng.int(255));
      return { kind: `flip byte ${at}`, bytes: out };
    }
    case 1: {
      const out = new Uint8Array(pdf);
      const k = 1 + rng.int(8);
      for (let i = 0; i < k; i++) {
        const p = rng.int(n);
        out[p] = out[p]! ^ (1 + rng.int(255));
      }
      return { kind: `flip ${k} random bytes`, bytes: out };
    }
    case 2: {
      const ins = new Uint8Array(1 + rng.int(16)).map(() => rng.int(256));
      return { kind: `insert ${ins.length} bytes at ${at}`, bytes: concat(pdf.subarray(0, at), ins, pdf.subarray(at)) };
    }
    case 3: {
      const k = 1 + rng.int(64);
      return { kind: `delete ${k} bytes at ${at}`, bytes: concat(pdf.subarray(0, at), pdf.subarray(at + k)) };
    }
    case 4:
      return { kind: `truncate at ${at}`, bytes: pdf.slice(0, at) };
    case 5: {
      const from = rng.int(n);
      const len = 1 + rng.int(Math.min(4096, n - from));
      const to = rng.int(n);
      return {
        kind: `duplicate ${len} bytes from ${from} at ${to}`,
        bytes: concat(pdf.subarray(0, to), pdf.subarray(from, from + len), pdf.subarray(to)),
      };
    }
    case 6: {
      const spots = numbersMatching(pdf, /\/ByteRange\s*\[[^\]]*?(\d+)/g).concat(
        numbersMatching(pdf, /\/ByteRange\s*\[\s*\d+\s+\d+\s+\d+\s+(\d+)/g),
        numbersMatching(pdf, /\/ByteRange\s*\[\s*\d+\s+(\d+)/g),
      );
      const spot = rng.pick(spots);
      const text = randomNumberText(rng, spot.text);
      const bytes = concat(
        pdf.subarray(0, spot.at),
        Buffer.from(text, "latin1"),
        pdf.subarray(spot.at + spot.text.length),
      );
      return { kind: `ByteRange number at ${spot.at} ${spot.text} → ${text}`, bytes };
    }
    case 7: {
      const spots = numbersMatching(pdf, /startxref\s+(\d+)/g).concat(
        numbersMatching(pdf, /(\d{10}) \d{5} n/g),
        numbersMatching(pdf, /\/Prev\s+(\d+)/g),
      );
      const spot = rng.pick(spots);
      const text =
        rng.next() < 0.5
          ? randomNumberText(rng, spot.text).padStart(spot.text.length, "0").slice(-spot.text.length)
          : randomNumberText(rng, spot.text);
      const bytes = concat(
        pdf.subarray(0, spot.at),
        Buffer.from(text, "latin1"),
        pdf.subarray(spot.at + spot.text.length),
      );
      return { kind: `xref offset at ${spot.at} ${spot.text} → ${text}`, bytes };
    }
    default: {
      // Splice: a prefix ending at one of this file's revisions, then a tail (a later revision of this or another
      // signed file, or this file's last revision repeated).
      const ends = revisionEnds(pdf);
      const cut = rng.pick(ends);
      const donor = rng.pick([pdf, ...others]);
      const donorEnds = [0, ...revisionEnds(donor)];
      const i = rng.int(donorEnds.length - 1);
      const tail = donor.subarray(donorEnds[i]!, donorEnds[i + 1]!);
      return {
        kind: `splice at ${cut} + revision ${i} of a ${donor === pdf ? "same" : "other"} file`,
        bytes: concat(pdf.subarray(0, cut), tail, pdf.subarray(cut)),
      };
    }
  }
}

/** True when the bytes `signature` signed in the original are no longer at the same offsets in `mutant`. */
function signedBytesChanged(
  original: Uint8Array,
  mutant: Uint8Array,
  byteRange: [number, number, number, number],
): boolean {
  const [, b, c, d] = byteRange;
  if (mutant.length < c + d) return true;
  return (
    Buffer.compare(original.subarray(0, b), mutant.subarray(0, b)) !== 0 ||
    Buffer.compare(original.subarray(c, c + d), mutant.subarray(c, c + d)) !== 0
  );
}

/** Runs validatePdf on hostile input: a report or NotAPdfError, nothing else, within `ms`. */
async function validateBounded(
  bytes: Uint8Array,
  options: ValidatePdfOptions,
  ms: number,
  what: string,
): Promise<ValidationReport | NotAPdfError> {
  const start = performance.now();
  let result: ValidationReport | NotAPdfError;
  try {
    result = await validatePdf(bytes, options);
  } catch (e) {
    assert.ok(e instanceof NotAPdfError, `${what}: threw ${(e as Error)?.stack ?? e}`);
    result = e;
  }
  const elapsed = performance.now() - start;
  assert.ok(elapsed < ms, `${what}: took ${Math.round(elapsed)} ms`);
  return result;
}

let subjects: Subject[];

function describeSignatures(pdf: Uint8Array): Subject["signatures"] {
  return findSignatures(PdfReader.open(pdf)).map((s) => ({
    field: s.field,
    byteRange: s.byteRange as [number, number, number, number],
  }));
}

before(async () => {
  const national = await nationalFixtures();
  const ours: TrustAnchor[] = [{ certificate: (await testSigner()).certificate }];
  const bb = (await signed(plainPdf())).pdf;
  const peer = await libpdfSignedPdf();
  const make = (name: string, pdf: Uint8Array, options: ValidatePdfOptions): Subject => ({
    name,
    pdf,
    options,
    signatures: describeSignatures(pdf),
  });
  subjects = [
    make("ours B-B", bb, { trustAnchors: ours }),
    make("ours JP+SA co-signed B-T", national.coSignedBt, {
      trustAnchors: [{ certificate: national.jp.root.certificate }, { certificate: national.sa.root.certificate }],
      online: { fetch: national.fetch },
    }),
    make("@libpdf/core B-B", peer.pdf, { trustAnchors: [{ certificate: peer.rootDer }] }),
  ];
});

describe(`mutations (seed ${SEED}; KHATAM_FUZZ_SEED reproduces)`, () => {
  test("the unmutated files pass, so that every failure below is the mutation's doing", async () => {
    for (const s of subjects) {
      const report = await validatePdf(s.pdf, s.options);
      assert.equal(report.verdict, "VALID", `${s.name}: ${JSON.stringify(report.signatures.map((x) => x.errors))}`);
      assert.equal(report.signatures.length, s.signatures.length);
    }
  });

  test(`${MUTATIONS_PER_FILE} mutants per file: only NotAPdfError, < 2 s each, changed signed bytes never TOTAL_PASSED`, async (t) => {
    t.diagnostic(`seed ${SEED}`);
    const rng = prng(SEED);
    const tally = { reports: 0, notAPdf: 0, passedUnaffected: 0, signedBytesChanged: 0 };
    for (const subject of subjects) {
      const others = subjects.filter((s) => s !== subject).map((s) => s.pdf);
      for (let i = 0; i < MUTATIONS_PER_FILE; i++) {
        const mutant = mutate(rng, subject.pdf, others);
        const what = `seed ${SEED}, ${subject.name}, mutant ${i}: ${mutant.kind}`;
        const result = await validateBounded(mutant.bytes, subject.options, PER_CALL_MS, what);
        if (result instanceof NotAPdfError) {
          tally.notAPdf++;
          continue;
        }
        tally.reports++;
        const names = new Set(subject.signatures.map((s) => s.field));
        const changed = new Set(
          subject.signatures
            .filter((s) => signedBytesChanged(subject.pdf, mutant.bytes, s.byteRange))
            .map((s) => s.field),
        );
        tally.signedBytesChanged += changed.size;
        for (const s of result.signatures) {
          if (s.indication !== "TOTAL_PASSED" || s.type !== "signature") continue;
          assert.ok(names.has(s.field), `${what}: a signature in a new field '${s.field}' passed`);
          assert.ok(!changed.has(s.field), `${what}: '${s.field}' passed although its signed bytes changed`);
          tally.passedUnaffected++;
        }
        // No verdict assertion: a file cut back to an earlier revision is that earlier, validly signed document;
        // the later signature is simply absent from it (and so not TOTAL_PASSED), which is the property above.
      }
    }
    t.diagnostic(JSON.stringify(tally));
    // The mutations reach all three outcomes, so the property is not vacuous.
    assert.ok(tally.notAPdf > 0 && tally.reports > 0 && tally.signedBytesChanged > 0, JSON.stringify(tally));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hostile inputs

const HOSTILE_MS = 10_000;
const options: ValidatePdfOptions = { trustAnchors: [] };

/** A zlib stream of `prefix` then `zeros` NUL bytes (PDF white space), built without holding the output. */
function zlibBomb(prefix: Uint8Array, zeros: number): Buffer {
  const chunk = 8 * 1024 * 1024;
  const sync = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const head = deflateRawSync(prefix, sync);
  const block = deflateRawSync(new Uint8Array(chunk), sync);
  const count = Math.ceil(zeros / chunk);
  // Adler-32 (RFC 1950) of prefix + count*chunk zeros: zeros leave A alone and add A to B once per byte.
  let a = 1;
  let b = 0;
  for (const x of prefix) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  b = (b + Number((BigInt(a) * BigInt(count * chunk)) % 65521n)) % 65521;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((b << 16) | a) >>> 0);
  const parts = [Buffer.from([0x78, 0xda]), head];
  for (let i = 0; i < count; i++) parts.push(block);
  parts.push(Buffer.from([0x03, 0x00]), adler); // final empty fixed-Huffman block
  return Buffer.concat(parts);
}

const GIB = 1024 * 1024 * 1024;

/** A PDF whose catalog lives in an object stream that inflates to 1 GiB (xref stream, uncompressed). */
function objectStreamBomb(): Buffer {
  const header = Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1");
  const catalog = "<< /Type /Catalog /Pages 2 0 R >>";
  const first = 8;
  const data = zlibBomb(Buffer.from(`${"1 0".padEnd(first, " ")}${catalog}`, "latin1"), GIB);
  const objs = [
    "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
    "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n",
  ].map((s) => Buffer.from(s, "latin1"));
  const objStm = Buffer.concat([
    Buffer.from(
      `4 0 obj\n<< /Type /ObjStm /N 1 /First ${first} /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
      "latin1",
    ),
    data,
    Buffer.from("\nendstream\nendobj\n", "latin1"),
  ]);
  const offsets: number[] = [];
  let pos = header.length;
  for (const o of [...objs, objStm]) {
    offsets.push(pos);
    pos += o.length;
  }
  const row = (type: number, f2: number, f3: number) => {
    const r = Buffer.alloc(7);
    r[0] = type;
    r.writeUInt32BE(f2, 1);
    r.writeUInt16BE(f3, 5);
    return r;
  };
  const table = Buffer.concat([
    row(0, 0, 65535),
    row(2, 4, 0),
    row(1, offsets[0]!, 0),
    row(1, offsets[1]!, 0),
    row(1, offsets[2]!, 0),
    row(1, pos, 0),
  ]);
  const xref = Buffer.concat([
    Buffer.from(
      `5 0 obj\n<< /Type /XRef /W [1 4 2] /Size 6 /Root 1 0 R /Length ${table.length} >>\nstream\n`,
      "latin1",
    ),
    table,
    Buffer.from(`\nendstream\nendobj\nstartxref\n${pos}\n%%EOF\n`, "latin1"),
  ]);
  return Buffer.concat([header, ...objs, objStm, xref]);
}

/** A PDF whose cross-reference stream inflates to 1 GiB. */
function xrefStreamBomb(): Buffer {
  const base = latin1(plainPdf());
  const body = base.slice(0, base.indexOf("xref\n"));
  const pos = body.length;
  const data = zlibBomb(new Uint8Array(7), GIB);
  return Buffer.concat([
    Buffer.from(body, "latin1"),
    Buffer.from(
      `99 0 obj\n<< /Type /XRef /W [1 4 2] /Size 100 /Root 1 0 R /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
      "latin1",
    ),
    data,
    Buffer.from(`\nendstream\nendobj\nstartxref\n${pos}\n%%EOF\n`, "latin1"),
  ]);
}

describe("hostile inputs are rejected or reported within seconds", () => {
  const expectHandled = async (what: string, bytes: Uint8Array, opts: ValidatePdfOptions = options) =>
    validateBounded(bytes, opts, HOSTILE_MS, what);

  test("arrays nested 100,000 deep (catalog, page, and after the signed revision)", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const pdf = writePdf(
      [
        `<< /Type /Catalog /Pages 2 0 R /Deep ${deep} >>`,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots ${deep} >>`,
      ],
      1,
    );
    await expectHandled("deep arrays", pdf);
    // The same nesting in a dictionary chain, unbalanced, and in an appended revision of a signed file.
    await expectHandled("deep dictionaries", writePdf([`<< /Type /Catalog /A ${"<< /A ".repeat(100_000)} >>`], 1));
    await expectHandled("unbalanced", writePdf([`<< /Type /Catalog /Pages ${"[".repeat(100_000)} >>`], 1));
    const { pdf: s } = await signed(plainPdf());
    const tail = `\n50 0 obj\n${deep}\nendobj\n`;
    const attacked = Buffer.concat([Buffer.from(s), Buffer.from(tail, "latin1")]);
    const r = await expectHandled("deep arrays after signing", attacked, {
      trustAnchors: [{ certificate: (await testSigner()).certificate }],
    });
    if (!(r instanceof NotAPdfError)) assert.notEqual(r.verdict, "VALID");
  });

  test("cyclic /Kids and /Parent in the page tree and the form field tree", async () => {
    const pageCycle = writePdf(
      [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 /Parent 3 0 R >>",
        "<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>",
      ],
      1,
    );
    await expectHandled("page tree cycle", pageCycle);
    const fieldCycle = writePdf(
      [
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        "<< /T (a) /FT /Sig /Kids [5 0 R] /Parent 5 0 R >>",
        "<< /T (b) /Kids [4 0 R 5 0 R] /Parent 4 0 R >>",
      ],
      1,
    );
    await expectHandled("field tree cycle", fieldCycle);
    // A signed file whose next revision turns the page tree into a cycle: modification analysis must cope.
    const { pdf: s } = await signed(plainPdf());
    const attacked = append(s, (r, u) => {
      const pagesRef = r.catalog.get("Pages") as PdfRef;
      const { ref } = page(r);
      u.set(pagesRef, r.dict(pagesRef, "pages").clone().set("Kids", [ref, pagesRef]));
      u.set(ref, page(r).dict.clone().set("Parent", ref).set("Type", PdfName.of("Pages")).set("Kids", [pagesRef]));
    });
    const report = await expectHandled("page tree cycle after signing", attacked, {
      trustAnchors: [{ certificate: (await testSigner()).certificate }],
    });
    if (!(report instanceof NotAPdfError)) {
      assert.equal(report.signatures[0]?.modifications, "OTHER");
      assert.equal(report.verdict, "INVALID");
    }
  });

  test("a stream /Length of 2^40, in the original and after a signature", async () => {
    const huge = writePdf(
      [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        "<< /Length 1099511627776 >>\nstream\nBT (x) Tj ET\nendstream",
      ],
      1,
    );
    await expectHandled("/Length 2^40", huge);
    const { pdf: s } = await signed(plainPdf());
    const attacked = append(s, (r, u) => {
      u.set(page(r).dict.get("Contents") as PdfRef, stream({}, "BT (forged) Tj ET"));
    });
    const text = latin1(attacked);
    const at = text.lastIndexOf("/Length ");
    const patched = Buffer.from(
      text.slice(0, at) + text.slice(at).replace(/\/Length \d+/, "/Length 1099511627776"),
      "latin1",
    );
    const r = await expectHandled("/Length 2^40 after signing", patched, {
      trustAnchors: [{ certificate: (await testSigner()).certificate }],
    });
    if (!(r instanceof NotAPdfError)) assert.notEqual(r.verdict, "VALID");
  });

  test("a cross-reference /Prev that loops (to itself, and between two sections)", async () => {
    const text = latin1(plainPdf());
    const startxref = Number(/startxref\s+(\d+)/.exec(text)![1]);
    const self = Buffer.from(text.replace("trailer\n<< ", `trailer\n<< /Prev ${startxref} `), "latin1");
    assert.ok(self.includes(`/Prev ${startxref}`));
    await expectHandled("/Prev to itself", self);
    // Two sections pointing at each other: an incremental update whose /Prev is patched to its own successor.
    const { pdf: s } = await signed(plainPdf());
    const st = latin1(s);
    const last = Number([...st.matchAll(/startxref\s+(\d+)/g)].at(-1)![1]);
    const prev = /\/Prev (\d+)/.exec(st.slice(last))!;
    const looped =
      st.slice(0, last) + st.slice(last).replace(prev[0], `/Prev ${String(last).padEnd(prev[1]!.length, " ")}`);
    await expectHandled("/Prev loop in a signed file", Buffer.from(looped, "latin1"));
    // And the unsigned original's trailer pointing forward at the signature's section.
    const first = st.indexOf("trailer\n<< ");
    const forward = `${st.slice(0, first)}trailer\n<< /Prev ${last} ${st.slice(first + "trailer\n<< ".length)}`;
    await expectHandled("/Prev loop forward", Buffer.from(forward, "latin1"));
  });

  test("a 1 GiB decompression bomb in an object stream and in a cross-reference stream", async () => {
    const start = performance.now();
    const bombs = [objectStreamBomb(), xrefStreamBomb()];
    assert.ok(
      bombs.every((b) => b.length < 16 * 1024 * 1024),
      "the bombs themselves are small",
    );
    const before = process.memoryUsage().rss;
    await expectHandled("object stream bomb", bombs[0]!);
    await expectHandled("xref stream bomb", bombs[1]!);
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < 512 * 1024 * 1024, `memory grew by ${grown} bytes`);
    assert.ok(performance.now() - start < 2 * HOSTILE_MS);
  });

  test("50 MB of '[' after a PDF header", async () => {
    const bytes = Buffer.alloc(50 * 1024 * 1024, "[".charCodeAt(0));
    bytes.write("%PDF-1.7\n", 0, "latin1");
    await expectHandled("50 MB of [", bytes);
    // And with a startxref at the end pointing into the brackets.
    const tail = Buffer.from("\nstartxref\n100\n%%EOF\n", "latin1");
    await expectHandled("50 MB of [ with a startxref", Buffer.concat([bytes, tail]));
  });

  test("objects that reference themselves: /Root, /AcroForm, /Fields and /V", async () => {
    const pdf = writePdf(
      [
        "<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>",
        "2 0 R",
        "<< /Fields [4 0 R 4 0 R] /SigFlags 3 >>",
        "<< /FT /Sig /T (Signature1) /V 4 0 R /Kids 4 0 R >>",
      ],
      1,
    );
    await expectHandled("self references", pdf);
    const rootSelf = writePdf(["1 0 R"], 1);
    await expectHandled("root is a reference to itself", rootSelf);
  });
});
