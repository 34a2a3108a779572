// A new PDF of text (appearance/text-document.ts), checked with other people's tools: qpdf finds the file sound,
// poppler's pdftotext reads each paragraph in its logical order in all three scripts, pdffonts finds the fonts
// embedded as subsets with a ToUnicode map, and pdftoppm draws it; core's own reader and validator open it.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { textDocument } from "../src/appearance.js";
import { PdfString } from "../src/pdf/objects.js";
import { PdfReader } from "../src/pdf/reader.js";
import { validatePdf } from "../src/validation/validate.js";
import { freshDir, qpdfCheck, runOk } from "./support/tools.js";

const ARABIC = "مذكرة تعاون في مجال الحكومة الرقمية";
const JAPANESE = "デジタル・ガバメント分野における協力覚書";
const LONG =
  "The Participants intend to cooperate on digital platforms, electronic signatures and documentation, and to " +
  "recognise each other's signatures. ";

describe("text documents", () => {
  const pdf = textDocument(
    [
      { text: "Memorandum of Cooperation", size: 16 },
      { text: ARABIC, language: "ar" },
      { text: JAPANESE.repeat(4), language: "ja" },
      // Enough text for a second page.
      ...Array.from({ length: 40 }, () => ({ text: LONG })),
    ],
    { title: "覚書 — مذكرة" },
  );

  test("a sound file (qpdf), read by core as several pages with its title and no signature", async () => {
    const check = await qpdfCheck(pdf);
    assert.ok(check.ok && !check.hasWarnings, check.raw);
    const reader = PdfReader.open(pdf);
    assert.ok(reader.pages().length >= 2, "the text goes on to further pages");
    const info = reader.dict(reader.trailer.get("Info"), "the document information");
    const title = reader.resolve(info.get("Title"));
    assert.ok(title instanceof PdfString && title.text === "覚書 — مذكرة");
    const report = await validatePdf(pdf, { trustAnchors: [] });
    assert.equal(report.signatures.length, 0);
  });

  test("pdftotext reads every script in logical order; the fonts are embedded subsets with ToUnicode", async () => {
    const dir = await freshDir("text-document");
    const file = join(dir, "doc.pdf");
    await writeFile(file, pdf);
    const text = (await runOk("pdftotext", [file, "-"])).stdout.toString("utf8");
    assert.match(text, /Memorandum of Cooperation/);
    // poppler marks a right-to-left line with embedding characters; the letters are in reading order.
    assert.ok(text.replace(/[\u202a-\u202e]/g, "").includes(ARABIC), text.slice(0, 400));
    // A wrapped Japanese paragraph breaks between characters, never inside one.
    assert.ok(text.replace(/\n/g, "").includes(JAPANESE.repeat(4)));
    const fonts = (await runOk("pdffonts", [file])).stdout.toString("utf8");
    for (const face of ["NotoSans-Regular", "NotoNaskhArabic-Regular", "NotoSansJP-Regular"]) {
      const row = fonts.split("\n").find((l) => l.includes(face));
      assert.ok(row, `${face} in ${fonts}`);
      assert.match(row, /^[A-Z]{6}\+/, "a subset's tag");
      assert.match(row, /yes\s+yes\s+yes/, "embedded, subset, ToUnicode");
    }
    // Subsets: a few dozen kilobytes for three faces (Noto Sans JP alone is 5 MB).
    assert.ok(pdf.length < 80_000, `${pdf.length} bytes`);
    await runOk("pdftoppm", ["-r", "30", "-png", file, join(dir, "page")]);
  });
});
