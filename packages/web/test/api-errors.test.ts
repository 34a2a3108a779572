// Every error code the server can send has a text in Arabic, Japanese and English (i18n/api-errors.ts), so a page
// never shows the API's English `message` to a reader: the codes are read from the server's source, where each is
// thrown (HttpError, EnvelopeError, `code: "…"`).
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { API_ERROR_CODES, API_ERRORS } from "../src/i18n/api-errors.js";

const serverSource = fileURLToPath(new URL("../../../server/src", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Codes the server emits: `new HttpError(status, "code"`, `new EnvelopeError("code"`, `code: "code"` in replies. */
function serverCodes(): Set<string> {
  const codes = new Set<string>();
  const patterns = [
    /HttpError\(\s*\d+,\s*"([a-z_]+)"/g,
    /EnvelopeError\(\s*"([a-z_]+)"/g,
    /error: \{ code: "([a-z_]+)"/g,
    /sendError\([^,]+,\s*\d+,\s*"([a-z_]+)"/g,
  ];
  for (const file of sources(serverSource)) {
    const text = readFileSync(file, "utf8");
    for (const p of patterns) for (const m of text.matchAll(p)) codes.add(m[1]!);
  }
  return codes;
}

test("every error code in the server's source has a text for readers", () => {
  const emitted = serverCodes();
  assert.ok(emitted.size > 20, `found only ${emitted.size} codes: the patterns no longer match the server`);
  const known = new Set<string>(API_ERROR_CODES);
  const missing = [...emitted].filter((c) => !known.has(c));
  assert.deepEqual(missing, [], "codes the server sends that no page can put into words");
});

test("each code reads naturally in every language: present, not empty, not English on ar/ja pages", () => {
  for (const code of API_ERROR_CODES) {
    for (const language of ["en", "ar", "ja"] as const)
      assert.ok(API_ERRORS[language][code]?.trim(), `${language} ${code}`);
    assert.notEqual(API_ERRORS.ar[code], API_ERRORS.en[code]);
    assert.notEqual(API_ERRORS.ja[code], API_ERRORS.en[code]);
    assert.match(API_ERRORS.ar[code], /[\u0600-\u06ff]/, `ar ${code} is Arabic`);
    assert.match(API_ERRORS.ja[code], /[\u3040-\u30ff\u4e00-\u9fff]/, `ja ${code} is Japanese`);
  }
});
