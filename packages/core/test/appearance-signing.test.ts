// Visible signatures (issue 13): the appearance drawn in the signature's own revision, checked with other people's
// tools — poppler's pdftotext (names in logical order) and pdftoppm (pixels in the rectangle, red for the seal),
// mupdf's renderer (no errors or warnings), qpdf --check, pdfsig (valid) — and Khatam's validator (TOTAL_PASSED).
// The memorandum's page is also looked at in Chromium's own PDF viewer (PDFium, which headless Chromium runs: the PDF
// opened as a page, without its toolbar, fitted to the window), as issue 13 asks it to look the same there.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { decode as decodePng, encode as encodePng } from "fast-png";
import { chromium } from "playwright-core";
import { AppearanceError, type SignatureAppearance, textFieldAppearance } from "../src/appearance.js";
import { loadCertificates, loadPrivateKey } from "../src/keys/pem.js";
import { softwareSigner } from "../src/keys/software.js";
import { completeExternalSignature, prepareExternalSignature } from "../src/pades/external.js";
import { type PadesSignOptions, SignError, signPdf } from "../src/pades/sign.js";
import { type PdfDict, PdfStream } from "../src/pdf/objects.js";
import { PdfReader } from "../src/pdf/reader.js";
import { IncrementalUpdate } from "../src/pdf/writer.js";
import { validatePdf } from "../src/validation/validate.js";
import { plainPdf } from "./support/fixtures.js";
import { createRoot, issueLeaf, signingIdentity, type TestLeaf, type TestRoot } from "./support/pki.js";
import { png } from "./support/png.js";
import { freshDir, pdfsig, qpdfCheck, run, runOk } from "./support/tools.js";

let root: TestRoot;
let leaf: TestLeaf;
const RECT = [60, 480, 340, 600] as const;
const SIGNED_AT = new Date("2026-12-04T05:00:00Z");

const options = (appearance: SignatureAppearance, extra: Partial<PadesSignOptions> = {}): PadesSignOptions => ({
  ...signingIdentity(leaf, root),
  appearance,
  rect: RECT,
  signingTime: SIGNED_AT,
  ...extra,
});

before(async () => {
  root = await createRoot("Khatam Appearance Test Root", { country: "SA" });
  leaf = await issueLeaf(root, "Visible Signer", { key: "ec:P-256" });
});

/** Every check a visible signature must pass; returns pdftotext's text and the page rendered at 100 dpi. */
async function checkVisible(pdf: Uint8Array): Promise<{ text: string; pixels: ReturnType<typeof decodePng> }> {
  const dir = await freshDir("appearance");
  const file = join(dir, "signed.pdf");
  await import("node:fs/promises").then((fs) => fs.writeFile(file, pdf));
  // pdftotext marks the direction of runs with embedding controls (U+202A–U+202C); the words are what count.
  const text = (await runOk("pdftotext", [file, "-"])).stdout
    .toString("utf8")
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/[ \t]+/g, " ");
  await runOk("pdftoppm", ["-r", "100", "-png", "-singlefile", file, join(dir, "page")]);
  const pixels = decodePng(await readFile(join(dir, "page.png")));
  const draw = await run("mutool", ["draw", "-o", join(dir, "m.png"), file]);
  assert.equal(draw.code, 0, draw.stderr);
  // Besides its progress line ("page FILE 1"), this mutool build says once that it has no colour management;
  // anything else is a problem with the file.
  const warnings = draw.stderr
    .split("\n")
    .filter((l) => l.trim() && !/ICC support is not available/.test(l) && !/^page .* \d+$/.test(l));
  assert.deepEqual(warnings, []);
  const q = await qpdfCheck(pdf);
  assert.equal(q.ok, true, q.raw);
  const ps = await pdfsig(pdf, { trust: [root.certDer] });
  assert.equal(ps.signatures.at(-1)!.validity, "Signature is Valid.", ps.raw);
  const report = await validatePdf(pdf, { trustAnchors: [{ certificate: root.certDer }] });
  assert.equal(report.signatures.at(-1)!.indication, "TOTAL_PASSED", JSON.stringify(report.signatures.at(-1)));
  return { text, pixels };
}

/** Pixels in the signature rectangle (at 100 dpi on an 842-point page) that pass `test`. */
function countIn(
  png: ReturnType<typeof decodePng>,
  test: (r: number, g: number, b: number) => boolean,
  rect: readonly number[] = RECT,
): number {
  const k = 100 / 72;
  const [x1, y1, x2, y2] = rect.map((v) => Math.round(v * k)) as [number, number, number, number];
  const top = Math.round(842 * k) - y2;
  const bottom = Math.round(842 * k) - y1;
  let count = 0;
  const c = png.channels;
  for (let y = top; y < bottom; y++)
    for (let x = x1; x < x2; x++) {
      const i = (y * png.width + x) * c;
      if (test(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!)) count++;
    }
  return count;
}
const dark = (r: number, g: number, b: number) => r + g + b < 300;
const red = (r: number, g: number, b: number) => r > 150 && g < 90 && b < 90;

const CHROMIUM = "/usr/bin/chromium";

/**
 * The first page as Chromium's built-in viewer (PDFium) shows it, with a function counting pixels in a rectangle given
 * in PDF points (an A4 page, 595 × 842): the page is found in the screenshot as the light area on the viewer's dark
 * background, so the count does not depend on the viewer's margins or zoom. One launch, one page.
 */
async function inChromium(pdf: Uint8Array) {
  const file = join(await freshDir("appearance-chromium"), "signed.pdf");
  await writeFile(file, pdf);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 700, height: 1000 } });
    await page.goto(`${pathToFileURL(file).href}#toolbar=0&navpanes=0&view=Fit`);
    // The viewer draws after the load event: wait until two screenshots a moment apart agree and show ink.
    let shot = decodePng(await page.screenshot());
    for (let tries = 0; tries < 40; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const next = decodePng(await page.screenshot());
      const same = Buffer.compare(Buffer.from(next.data), Buffer.from(shot.data)) === 0;
      shot = next;
      if (same && countInBox(shot, dark, pageBox(shot)) > 0) break;
    }
    const box = pageBox(shot);
    const scale = (box.right - box.left) / 595;
    return (test: (r: number, g: number, b: number) => boolean, rect: readonly number[]) =>
      countInBox(shot, test, {
        left: Math.round(box.left + rect[0]! * scale),
        right: Math.round(box.left + rect[2]! * scale),
        top: Math.round(box.top + (842 - rect[3]!) * scale),
        bottom: Math.round(box.top + (842 - rect[1]!) * scale),
      });
  } finally {
    await browser.close();
  }
}

interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** The bounding box of the near-white pixels: the page on the viewer's grey. */
function pageBox(png: ReturnType<typeof decodePng>): Box {
  let left = png.width;
  let right = 0;
  let top = png.height;
  let bottom = 0;
  const c = png.channels;
  for (let y = 0; y < png.height; y++)
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * c;
      if (png.data[i]! > 245 && png.data[i + 1]! > 245 && png.data[i + 2]! > 245) {
        left = Math.min(left, x);
        right = Math.max(right, x + 1);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y + 1);
      }
    }
  return { left, right, top, bottom };
}

function countInBox(png: ReturnType<typeof decodePng>, test: (r: number, g: number, b: number) => boolean, box: Box) {
  let count = 0;
  const c = png.channels;
  for (let y = Math.max(0, box.top); y < Math.min(png.height, box.bottom); y++)
    for (let x = Math.max(0, box.left); x < Math.min(png.width, box.right); x++) {
      const i = (y * png.width + x) * c;
      if (test(png.data[i]!, png.data[i + 1]!, png.data[i + 2]!)) count++;
    }
  return count;
}

/** A drawn signature as a canvas gives it: a dark stroke on a transparent background, RGBA. */
function drawnPng(width = 400, height = 120): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let x = 20; x < width - 20; x++) {
    const y = Math.round(height / 2 + Math.sin(x / 25) * (height / 3));
    for (let dy = -3; dy <= 3; dy++) data.set([10, 20, 90, 255], ((y + dy) * width + x) * 4);
  }
  return encodePng({ width, height, data, channels: 4, depth: 8 });
}

describe("visible signatures", () => {
  test("an Arabic name with the Umm al-Qura date: shaped, right to left, extracted in logical order", async () => {
    const signed = await signPdf(
      plainPdf(),
      options({
        name: "محمد بن عبدالله آل سعود",
        title: "وزير الخارجية",
        agency: "وزارة الخارجية",
        country: "SA",
        issuer: "Khatam Appearance Test Root",
        signedAt: SIGNED_AT,
        locale: "ar",
      }),
    );
    const { text, pixels } = await checkVisible(signed);
    assert.match(text, /محمد بن عبدالله آل سعود/);
    assert.match(text, /UTC/); // Latin and digits inside the Arabic date line are laid out by the bidi algorithm
    assert.match(text, /وزير الخارجية/);
    assert.match(text, /جمادى الآخرة ١٤٤٨/); // 4 December 2026 is 24 Jumada al-Akhirah 1448 (Umm al-Qura)
    assert.ok(countIn(pixels, dark) > 2000, "the block is drawn in the rectangle");
    // The widget carries the rectangle and the appearance, in the signature's revision.
    const reader = PdfReader.open(signed);
    const widget = [...reader.pages()].flatMap((p) => {
      const annots = reader.resolve(reader.dict(p, "page").get("Annots"));
      return Array.isArray(annots) ? annots.map((a) => reader.resolve(a)) : [];
    })[0] as PdfDict;
    assert.deepEqual(reader.resolve(widget.get("Rect")), [...RECT]);
    assert.ok(reader.resolve((reader.resolve(widget.get("AP")) as PdfDict).get("N")) instanceof PdfStream);
  });

  test("a Japanese name with a generated seal and the era date: the seal is red, the name extractable", async () => {
    const signed = await signPdf(
      plainPdf(),
      options({
        name: "山田 太郎",
        title: "外務大臣",
        agency: "外務省",
        country: "JP",
        issuer: "Khatam Appearance Test Root",
        signedAt: SIGNED_AT,
        locale: "ja",
        seal: { kind: "generated", familyName: "山田" },
      }),
    );
    const { text, pixels } = await checkVisible(signed);
    assert.match(text, /山田 太郎/);
    assert.match(text, /令和8年12月4日/);
    assert.match(text, /2026年12月4日/);
    // The seal's characters are outlines, not text: the family name is extracted from the block's lines only.
    assert.equal(text.match(/山田/g)?.length, 2, "the mark and the 'signed by' line");
    assert.ok(countIn(pixels, red) > 800, `red seal pixels: ${countIn(pixels, red)}`);
  });

  test("an English signer with a drawn PNG mark, signed with a key on their device (two steps)", async () => {
    // The external path as a device key uses it: the platform prepares, the holder signs the attributes.
    const certificate = loadCertificates(leaf.certPem)[0]!;
    const appearance: SignatureAppearance = {
      name: "Jane Smith",
      title: "Director, Legal Affairs",
      agency: "Ministry of Foreign Affairs",
      country: "GB",
      issuer: "Khatam Appearance Test Root",
      signedAt: SIGNED_AT,
      locale: "en",
      mark: { kind: "image", bytes: drawnPng() },
    };
    const pdf = plainPdf();
    const prepared = await prepareExternalSignature(pdf, {
      certificate,
      chain: [root.certDer],
      algorithm: { kind: "ecdsa", hash: "SHA-256" },
      signingTime: SIGNED_AT,
      appearance,
      rect: RECT,
    });
    const value = await softwareSigner(loadPrivateKey(leaf.keyPem)).sign(prepared.signedAttributes);
    const signed = Buffer.concat([pdf, await completeExternalSignature(prepared, value)]);
    const { text, pixels } = await checkVisible(signed);
    assert.match(text, /Signed by: Jane Smith/);
    assert.match(text, /4 December 2026/);
    assert.ok(/\/SMask/.test(signed.toString("latin1")), "the drawing's transparency is a soft mask");
    // The stroke is dark blue in the upper part of the block.
    const blue = (r: number, g: number, b: number) => b > 60 && r < 60 && g < 60;
    assert.ok(countIn(pixels, blue) > 300, `stroke pixels: ${countIn(pixels, blue)}`);
  });

  test("an uploaded seal as a JPEG (DCTDecode, passed through) and a gray PNG mark", async () => {
    // A JPEG made by poppler from a page with a red disc: the kind of scan of a stamp an official uploads.
    const dir = await freshDir("jpeg-seal");
    const stamp = join(dir, "stamp.pdf");
    const { writeFile } = await import("node:fs/promises");
    const disc =
      "1 0 0 rg 50 50 m 50 77.6 27.6 100 0 100 c -27.6 100 -50 77.6 -50 50 c -50 22.4 -27.6 0 0 0 c 27.6 0 50 22.4 50 50 c f";
    await writeFile(
      stamp,
      `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[-50 0 50 100]/Contents 4 0 R>>endobj 4 0 obj<</Length ${disc.length}>>stream\n${disc}\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
    );
    await runOk("pdftoppm", ["-r", "144", "-jpeg", "-singlefile", stamp, join(dir, "stamp")]);
    const jpeg = await readFile(join(dir, "stamp.jpg"));
    const gray = encodePng({
      width: 200,
      height: 60,
      data: new Uint8Array(200 * 60).map((_, i) => (Math.abs((i % 200) / 4 - Math.floor(i / 200)) < 3 ? 0 : 255)),
      channels: 1,
      depth: 8,
    });
    const signed = await signPdf(
      plainPdf(),
      options({
        name: "佐藤 花子",
        signedAt: SIGNED_AT,
        locale: "ja",
        mark: { kind: "image", bytes: gray },
        seal: { kind: "image", bytes: jpeg },
      }),
    );
    assert.match(Buffer.from(signed).toString("latin1"), /\/DCTDecode/);
    const { text, pixels } = await checkVisible(signed);
    assert.match(text, /佐藤 花子/);
    assert.ok(countIn(pixels, red) > 800, `red seal pixels: ${countIn(pixels, red)}`);
  });

  test("signing into a field placed before signing keeps its rectangle", async () => {
    const { formPdf } = await import("./support/fixtures.js");
    const signed = await signPdf(
      formPdf(),
      options({ name: "Jane Smith", signedAt: SIGNED_AT, locale: "en" }, { fieldName: "Signature1", rect: undefined }),
    );
    const text = Buffer.from(signed).toString("latin1");
    assert.match(text, /\/AP <<\/N \d+ 0 R/);
    const { text: extracted } = await checkVisible(signed);
    assert.match(extracted, /Jane Smith/);
  });

  test("co-signing visibly: the second block is an allowed change (FORM_FILLING) for the first, certifying, signature", async () => {
    const first = await signPdf(
      plainPdf(),
      options(
        { name: "山田 太郎", signedAt: SIGNED_AT, locale: "ja", seal: { kind: "generated", familyName: "山田" } },
        { certify: "form-filling", rect: [40, 480, 290, 600] },
      ),
    );
    const both = await signPdf(
      first,
      options({ name: "محمد بن عبدالله", signedAt: SIGNED_AT, locale: "ar" }, { rect: [305, 480, 555, 600] }),
    );
    const report = await validatePdf(both, { trustAnchors: [{ certificate: root.certDer }] });
    assert.equal(report.verdict, "VALID");
    assert.deepEqual(
      report.signatures.map((s) => [s.indication, s.modifications]),
      [
        ["TOTAL_PASSED", "FORM_FILLING"],
        ["TOTAL_PASSED", "NONE"],
      ],
    );
    const ps = await pdfsig(both, { trust: [root.certDer] });
    assert.deepEqual(
      ps.signatures.map((s) => s.validity),
      ["Signature is Valid.", "Signature is Valid."],
    );
    const { text } = await checkVisible(both);
    assert.match(text, /山田 太郎/);
    assert.match(text, /محمد بن عبدالله/);
  });

  test("on a page shown turned (/Rotate 90) the block is built for the turned box and turned back by /Matrix", async () => {
    const pdf = plainPdf();
    const reader = PdfReader.open(pdf);
    const update = new IncrementalUpdate(reader);
    const pageRef = reader.pages()[0]!;
    update.set(pageRef, reader.dict(pageRef, "the page").clone().set("Rotate", 90));
    const rotated = Buffer.concat([pdf, update.toBytes()]);
    const signed = await signPdf(
      rotated,
      options(
        { name: "山田 太郎", signedAt: SIGNED_AT, locale: "ja", seal: { kind: "generated", familyName: "山田" } },
        { rect: [300, 300, 420, 580] },
      ),
    );
    const { text } = await checkVisible(signed);
    assert.match(text, /署名者: 山田 太郎/);
    // The reader sees the 120 × 280 rectangle as 280 wide and 120 high: the form is drawn so, turned a quarter back.
    const latin = Buffer.from(signed).toString("latin1");
    assert.match(latin, /\/BBox \[0 0 280 120\]\n\/Matrix \[0 1 -1 0 0 0\]/);
  });

  test("the memorandum: fields placed for a JP and an SA official, each fills and signs visibly in their field", async () => {
    const { addFields, readFields } = await import("../src/forms.js");
    const placed = addFields(plainPdf(), [
      { name: "jp.signature", recipient: "jp", kind: "signature", page: 1, rect: [305, 420, 555, 540] },
      { name: "jp.title", recipient: "jp", kind: "title", page: 1, rect: [305, 545, 555, 565] },
      { name: "sa.signature", recipient: "sa", kind: "signature", page: 1, rect: [40, 420, 290, 540] },
      { name: "sa.title", recipient: "sa", kind: "title", page: 1, rect: [40, 545, 290, 565] },
    ]);
    const first = await signPdf(
      placed,
      options(
        {
          name: "山田 太郎",
          title: "外務大臣",
          country: "JP",
          signedAt: SIGNED_AT,
          locale: "ja",
          seal: { kind: "generated", familyName: "山田" },
        },
        { fieldName: "jp.signature", rect: undefined, fill: { "jp.title": "外務大臣" } },
      ),
    );
    const both = await signPdf(
      first,
      options(
        { name: "محمد بن عبدالله", title: "وزير الخارجية", country: "SA", signedAt: SIGNED_AT, locale: "ar" },
        { fieldName: "sa.signature", rect: undefined, fill: { "sa.title": "وزير الخارجية" } },
      ),
    );
    const report = await validatePdf(both, { trustAnchors: [{ certificate: root.certDer }] });
    assert.deepEqual(
      report.signatures.map((s) => [s.indication, s.modifications]),
      [
        ["TOTAL_PASSED", "FORM_FILLING"],
        ["TOTAL_PASSED", "NONE"],
      ],
    );
    assert.equal(report.verdict, "VALID");
    const { text, pixels } = await checkVisible(both);
    assert.match(text, /山田 太郎/);
    assert.match(text, /محمد بن عبدالله/);
    assert.match(text, /令和8年12月4日/);
    assert.match(text, /جمادى الآخرة/);
    // The seal is in the JP official's field, drawn where forms placed it.
    assert.ok(countIn(pixels, red, [305, 420, 555, 540]) > 800);
    assert.ok(countIn(pixels, dark, [40, 420, 290, 540]) > 300);
    // The same in Chromium's viewer (PDFium): ink in both blocks, the seal red in the JP official's. The page fills a
    // 700 px window (about 1.16 px a point, against pdftoppm's 1.39): measured 3015 and 1250 dark pixels, 1283 red
    // (pdftoppm: 5000, 2347, 1925).
    if (existsSync(CHROMIUM)) {
      const count = await inChromium(both);
      for (const rect of [
        [305, 420, 555, 540],
        [40, 420, 290, 540],
      ])
        assert.ok(count(dark, rect) > 300, `Chromium shows no ink in [${rect.join(" ")}]`);
      assert.ok(count(red, [305, 420, 555, 540]) > 800, "Chromium shows no red seal in the JP field");
      // The SA official has no seal: at most a few anti-aliased edge pixels pass for red there.
      assert.ok(count(red, [40, 420, 290, 540]) < 50);
    }
    assert.deepEqual(
      readFields(both).map((f) => [f.name, f.signed]),
      [
        ["jp.signature", true],
        ["jp.title", true],
        ["sa.signature", true],
        ["sa.title", true],
      ],
    );
  });

  test("/M says the time the block shows when no signing time is given", async () => {
    const signed = await signPdf(plainPdf(), {
      ...options({ name: "Jane Smith", signedAt: SIGNED_AT, locale: "en" }),
      signingTime: undefined,
    });
    assert.match(Buffer.from(signed).toString("latin1"), /\/M \(D:20261204050000Z\)/);
  });

  test("without an appearance the signature stays invisible", async () => {
    const signed = await signPdf(plainPdf(), { ...options({} as SignatureAppearance), appearance: undefined });
    assert.match(Buffer.from(signed).toString("latin1"), /\/Rect \[0 0 0 0\]/);
    assert.doesNotMatch(Buffer.from(signed).toString("latin1"), /\/AP/);
  });
});

describe("refusals: a clear error and nothing written", () => {
  const base: SignatureAppearance = { name: "Jane Smith", signedAt: SIGNED_AT, locale: "en" };
  const refused = async (appearance: SignatureAppearance, code: string) => {
    await assert.rejects(
      () => signPdf(plainPdf(), options(appearance)),
      (e: unknown) => e instanceof AppearanceError && e.code === code,
    );
  };
  test("not an image", () =>
    refused({ ...base, mark: { kind: "image", bytes: Buffer.from("GIF89a...") } }, "not_an_image"));
  test("an image larger than 4096 pixels on a side", () =>
    refused(
      {
        ...base,
        mark: { kind: "image", bytes: png({ width: 5000, height: 10, depth: 8, colorType: 0 }, new Uint8Array(10)) },
      },
      "image_too_large",
    ));
  test("a decompression bomb: 16 MB of image data behind a 10×10 header", () =>
    refused(
      {
        ...base,
        seal: {
          kind: "image",
          bytes: png({ width: 10, height: 10, depth: 8, colorType: 0 }, new Uint8Array(16 * 1024 * 1024)),
        },
      },
      "decompression_bomb",
    ));
  test("text in a script no shipped font covers", () => refused({ ...base, name: "𓀀𓀁" }, "unsupported_script"));
  test("a seal of more than four characters", () =>
    refused({ ...base, locale: "ja", seal: { kind: "generated", familyName: "長谷川田中" } }, "bad_seal_name"));
  test("a rectangle off the page, or on a page that does not exist", async () => {
    await assert.rejects(
      () => signPdf(plainPdf(), options(base, { rect: [500, 700, 800, 820] })),
      (e: unknown) => e instanceof SignError && /outside page 1 \(\[0 0 595 842\]\)/.test(e.message),
    );
    await assert.rejects(
      () => signPdf(plainPdf(), options(base, { page: 3 })),
      (e: unknown) => e instanceof SignError && /no page 3/.test(e.message),
    );
  });

  test("a rectangle too small for a legible block", async () => {
    await assert.rejects(
      () => signPdf(plainPdf(), options(base, { rect: [0, 0, 20, 10] })),
      (e: unknown) => e instanceof AppearanceError && e.code === "does_not_fit",
    );
  });
});

describe("text field appearances (for filled fields)", () => {
  test("a value is shaped, embedded as a Type0 font with ToUnicode, and written as a form XObject", () => {
    const a = textFieldAppearance("مرحبا 123", 120, 20, { locale: "ar" });
    const content = new TextDecoder().decode(a.content);
    assert.match(content, /^\/Tx BMC/);
    assert.match(content, /ActualText/);
    const reader = PdfReader.open(plainPdf());
    const update = new IncrementalUpdate(reader);
    const resources = a.resources((o) => update.add(o));
    const fonts = resources.get("Font") as PdfDict;
    assert.equal(fonts.map.size, 1);
    assert.deepEqual(a.bbox, [0, 0, 120, 20]);
  });
});
