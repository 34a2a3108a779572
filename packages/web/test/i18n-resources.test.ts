// The messages are complete in every language: each English key exists in Arabic and Japanese with a non-empty
// value that is not the English text (no English left on an Arabic or Japanese page), interpolation variables
// are kept, and language negotiation follows CONTRACTS § 5.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { directionOf, negotiateLanguage, supported } from "../src/i18n/languages.js";
import { MESSAGES } from "../src/i18n/resources.js";

type Tree = { readonly [key: string]: string | Tree };

/** Every leaf of `tree` as [dotted key, value]. */
function leaves(tree: Tree, prefix = ""): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === "string" ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  );
}

/** Keys whose value is a proper noun written the same in every language: each language's own name. */
const SAME_IN_EVERY_LANGUAGE = new Set(["language.en", "language.ar", "language.ja"]);

const en = new Map(leaves(MESSAGES.en as unknown as Tree));
const variables = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

for (const language of ["ar", "ja"] as const) {
  describe(`${language} messages`, () => {
    const other = new Map(leaves(MESSAGES[language] as unknown as Tree));

    test("have exactly the English keys", () => {
      assert.deepEqual([...other.keys()].sort(), [...en.keys()].sort());
    });

    test("are all non-empty and translated (only the whitelisted proper nouns equal English)", () => {
      for (const [key, value] of en) {
        const translated = other.get(key);
        assert.ok(translated?.trim(), `${language}: ${key} is empty`);
        if (!SAME_IN_EVERY_LANGUAGE.has(key)) assert.notEqual(translated, value, `${language}: ${key} is untranslated`);
      }
    });

    test("keep every interpolation variable", () => {
      for (const [key, value] of en) assert.deepEqual(variables(other.get(key)!), variables(value), key);
    });

    test("contain no sentence of English words", () => {
      // Acronyms and standard names (PDF, SHA-256, OpenAPI, PAdES, ETSI …) are fine; runs of English words are not.
      for (const [key, value] of other) {
        if (SAME_IN_EVERY_LANGUAGE.has(key)) continue;
        assert.doesNotMatch(value.replace(/\{\{\w+\}\}/g, ""), /\b[a-z]{3,}\s+[a-z]{3,}\b/, `${language}: ${key}`);
      }
    });
  });
}

describe("language negotiation (CONTRACTS § 5)", () => {
  test("?lang wins over everything", () => {
    assert.equal(negotiateLanguage({ query: "ar", stored: "ja", account: "ja", accepted: ["ja"] }), "ar");
  });
  test("then the stored choice, then the account's locale", () => {
    assert.equal(negotiateLanguage({ query: null, stored: "ja", account: "ar", accepted: ["en"] }), "ja");
    assert.equal(negotiateLanguage({ stored: null, account: "ar", accepted: ["en"] }), "ar");
  });
  test("then Accept-Language, first supported tag", () => {
    assert.equal(negotiateLanguage({ accepted: ["fr-FR", "ja-JP", "ar"] }), "ja");
    assert.equal(negotiateLanguage({ accepted: ["ar-SA"] }), "ar");
  });
  test("unsupported values are skipped; English is the last resort", () => {
    assert.equal(negotiateLanguage({ query: "de", stored: "xx", accepted: ["fr"] }), "en");
    assert.equal(supported("AR_sa"), "ar");
    assert.equal(supported(""), undefined);
  });
  test("Arabic is right to left", () => {
    assert.equal(directionOf("ar"), "rtl");
    assert.equal(directionOf("ja"), "ltr");
    assert.equal(directionOf("en"), "ltr");
  });
});
