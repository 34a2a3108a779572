// Line layout for visible signatures (appearance/text-layout.ts): the bidi algorithm's visual order and mirroring
// (UAX #9 rule L4), checked on the glyphs fontkit places, left to right.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { face } from "../src/appearance/fonts.js";
import { shapeLine } from "../src/appearance/text-layout.js";

const gid = (ch: string) => face("naskh").font.glyphForCodePoint(ch.codePointAt(0)!).id;
const visual = (text: string) => shapeLine(text, "naskh").runs.flatMap((r) => r.glyphs.map((g) => g.gid));

describe("text layout", () => {
  test("brackets in right-to-left text are mirrored: “(محمد)” shows “(” at its left end and “)” at its right", () => {
    const glyphs = visual("(محمد)");
    assert.equal(glyphs[0], gid("("));
    assert.equal(glyphs.at(-1), gid(")"));
  });

  test("brackets in left-to-right text are left as they are", () => {
    const glyphs = visual("Khatam (JP)");
    assert.equal(glyphs[7], gid("("));
    assert.equal(glyphs.at(-1), gid(")"));
  });

  test("an Arabic line with a Latin name: the Latin run keeps its order and sits left of the Arabic run", () => {
    const line = shapeLine("وزارة الخارجية (MOFA)", "naskh");
    assert.equal(line.rtl, true);
    const texts = line.runs.map((r) => r.text);
    assert.ok(texts.indexOf("MOFA") >= 0, texts.join("|"));
    const latin = line.runs.find((r) => r.text === "MOFA")!;
    assert.equal(latin.rtl, false);
    const arabicAt = line.runs.findIndex((r) => r.text.includes("وزارة"));
    assert.ok(line.runs.indexOf(latin) < arabicAt, "the Latin word is painted left of the Arabic words");
    // Every character is in exactly one run.
    assert.equal(texts.join("").length, line.text.length);
  });
});
