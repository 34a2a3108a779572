/**
 * The validator's findings as data (issue 14.4): every message id exists in English, Arabic and Japanese with the
 * same parameters, and real reports — a valid file, tampered ones, an unsigned one — carry findings that render in
 * every language with nothing left unfilled and, in English, exactly as the report's `errors`/`warnings`.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { PdfRef } from "../src/pdf/objects.js";
import type { TrustAnchor } from "../src/validation/cades.js";
import { ar } from "../src/validation/messages/ar.js";
import { en } from "../src/validation/messages/en.js";
import { ja } from "../src/validation/messages/ja.js";
import { type Catalogue, type Message, messageParts, renderMessage } from "../src/validation/messages.js";
import type { ValidationReport } from "../src/validation/report.js";
import { validatePdf } from "../src/validation/validate.js";
import { plainPdf } from "./support/fixtures.js";
import { append, page, signed, stream, testSigner } from "./support/revisions.js";

const placeholders = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("message catalogues", () => {
  for (const [name, catalogue] of [
    ["ar", ar],
    ["ja", ja],
  ] as const) {
    test(`${name} has every id of en, with the same parameters, and no English left`, () => {
      assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(en).sort());
      for (const [id, template] of Object.entries(en)) {
        const translated = (catalogue as Record<string, string>)[id]!;
        assert.deepEqual(placeholders(translated), placeholders(template), `${name} ${id}`);
        // A translation that is the English sentence again (beyond names, OIDs and PDF keys) was forgotten.
        if (/[a-z]{4,} [a-z]{4,} [a-z]{4,}/.test(template.replace(/\{\w+\}|\/\w+|[A-Za-z-]+\.[A-Za-z.]+/g, "")))
          assert.notEqual(translated, template, `${name} ${id} is untranslated`);
      }
    });
  }

  test("parameters: values, dates, nested messages and lists render in the catalogue's language", () => {
    const m: Message = {
      id: "xcv.revokedAfterPoe",
      params: { role: { id: "role.signerCertificate" }, at: { date: "2026-01-02T03:04:05.000Z" } },
    };
    assert.equal(
      renderMessage(m),
      "the signer's certificate was revoked on 2026-01-02T03:04:05.000Z, after the signature was proven to exist",
    );
    assert.equal(
      renderMessage(m, ja, () => "令和8年1月2日"),
      "署名者の証明書は 令和8年1月2日 に失効しましたが、それは署名の存在が証明された後です",
    );
    assert.match(renderMessage(m, ar), /^أُلغيت شهادة الموقّع في /);
    const list: Message = {
      id: "mod.structureChanged",
      params: { problems: [{ id: "struct.nextKeyBack" }, { id: "struct.parentTreeRemoved" }] },
    };
    assert.equal(
      renderMessage(list),
      "the logical structure (/StructTreeRoot) was changed: /ParentTreeNextKey went back; /ParentTree was removed",
    );
    // A page isolates each parameter: the parts keep values apart from the template's text.
    const parts = messageParts(
      { id: "rev.ocspUnreachable", params: { url: "http://ocsp.example/", detail: "timeout" } },
      ar,
    );
    assert.deepEqual(
      parts.filter((p) => "value" in p),
      [{ value: "http://ocsp.example/" }, { value: "timeout" }],
    );
  });
});

describe("reports carry findings", () => {
  let signedOnce: Uint8Array;
  let trustAnchors: TrustAnchor[];
  before(async () => {
    signedOnce = (await signed(plainPdf())).pdf;
    trustAnchors = [{ certificate: (await testSigner()).certificate }];
  });

  const rendersEverywhere = (report: ValidationReport) => {
    const all = [...(report.findings ?? []), ...report.signatures.flatMap((s) => s.findings)];
    for (const f of all)
      for (const catalogue of [en, ar, ja] as Catalogue[]) {
        const text = renderMessage(f, catalogue);
        assert.doesNotMatch(text, /\{\w+\}|\[object Object\]|undefined/, `${f.id}: ${text}`);
      }
    for (const s of report.signatures) {
      assert.deepEqual(
        s.findings.filter((f) => f.level === "error").map((f) => renderMessage(f)),
        s.errors,
      );
      assert.deepEqual(
        s.findings.filter((f) => f.level === "warning").map((f) => renderMessage(f)),
        s.warnings ?? [],
      );
    }
    return all;
  };

  test("an unsigned file: one warning, file.noSignatures", async () => {
    const report = await validatePdf(plainPdf(), { trustAnchors });
    const all = rendersEverywhere(report);
    assert.deepEqual(
      all.map((f) => [f.level, f.id]),
      [["warning", "file.noSignatures"]],
    );
  });

  test("a signed file whose page content is rewritten later: the finding names the revision and the change", async () => {
    const attacked = append(signedOnce, (r, u) => {
      u.set(page(r).dict.get("Contents") as PdfRef, stream({}, "BT /F1 24 Tf 72 700 Td (Forged) Tj ET"));
    });
    const report = await validatePdf(attacked, { trustAnchors });
    const all = rendersEverywhere(report);
    const changed = all.find((f) => f.id === "mod.changed");
    assert.ok(changed, JSON.stringify(all.map((f) => f.id)));
    assert.equal(changed.level, "error");
    const inRevision = changed.params!.reason as Message;
    assert.equal(inRevision.id, "mod.inRevision");
    assert.match(renderMessage(changed, ja), /^署名後に変更されました: 署名後のリビジョン 1: /);
  });

  test("a flipped byte in the signed range: the decisive error is cv.hashFailure in every language", async () => {
    const tampered = new Uint8Array(signedOnce);
    tampered[40] ^= 1;
    const report = await validatePdf(tampered, { trustAnchors });
    rendersEverywhere(report);
    const first = report.signatures[0]!.findings[0]!;
    assert.equal(first.id, "cv.hashFailure");
    assert.equal(
      renderMessage(first, ja),
      "署名された内容が改変されています。ダイジェストが message-digest 属性と一致しません",
    );
    assert.match(renderMessage(first, ar), /تم تغيير المحتوى الموقّع/);
  });
});
