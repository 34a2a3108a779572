// What the sign page sends with a visible signature (src/lib/signing-choices.ts): the signer's own fields, the
// starting values from the account, the required fields left empty, the image checks made before sending (the
// server's 1 MiB limit, PNG or JPEG by signature), the family name a seal starts with, and the request body.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  familyNameOf,
  fieldsOf,
  imageProblem,
  initialValues,
  MAX_IMAGE_BYTES,
  missingRequired,
  type PlacedField,
  signingBody,
} from "../src/lib/signing-choices.js";

const field = (name: string, kind: PlacedField["kind"], recipient: string, required = false): PlacedField => ({
  name,
  recipient,
  kind,
  page: 1,
  rect: [0, 0, 100, 20],
  label: null,
  required,
});

const FIELDS = [
  field("r1.signature", "signature", "a@jp.demo"),
  field("r1.text.1", "text", "a@jp.demo", true),
  field("r1.checkbox.1", "checkbox", "A@JP.demo", true),
  field("r1.title.1", "title", "a@jp.demo"),
  field("r1.date.1", "date", "a@jp.demo"),
  field("r2.signature", "signature", "b@sa.demo"),
  field("r2.text.1", "text", "b@sa.demo", true),
];

test("the signer's fields are theirs by e-mail, whatever its case", () => {
  assert.deepEqual(
    fieldsOf(FIELDS, "a@JP.demo").map((f) => f.name),
    ["r1.signature", "r1.text.1", "r1.checkbox.1", "r1.title.1", "r1.date.1"],
  );
  assert.deepEqual(fieldsOf(undefined, "a@jp.demo"), []);
});

test("values start from the account, and required fields left empty are found", () => {
  const mine = fieldsOf(FIELDS, "a@jp.demo");
  const values = initialValues(mine, { name: "佐藤 花子", title: "課長" });
  assert.deepEqual(values, { "r1.text.1": "", "r1.checkbox.1": false, "r1.title.1": "課長", "r1.date.1": "" });
  assert.deepEqual(
    missingRequired(mine, values).map((f) => f.name),
    ["r1.text.1", "r1.checkbox.1"],
  );
  assert.deepEqual(missingRequired(mine, { ...values, "r1.text.1": "  x ", "r1.checkbox.1": true }), []);
  assert.deepEqual(
    missingRequired(mine, { ...values, "r1.text.1": "   ", "r1.checkbox.1": true }).map((f) => f.name),
    ["r1.text.1"],
  );
});

test("images: PNG and JPEG by their signature, at most the server's 1 MiB", () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);
  assert.equal(imageProblem(png), undefined);
  assert.equal(imageProblem(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), undefined);
  assert.equal(imageProblem(new TextEncoder().encode("GIF89a")), "not_an_image");
  assert.equal(imageProblem(new Uint8Array()), "empty");
  const large = new Uint8Array(MAX_IMAGE_BYTES + 1);
  large.set(png);
  assert.equal(imageProblem(large), "too_large");
});

test("the seal's family name: first in a Japanese name, last in a Latin one, at most four characters", () => {
  assert.equal(familyNameOf("佐藤 花子"), "佐藤");
  assert.equal(familyNameOf("佐藤\u3000花子"), "佐藤");
  assert.equal(familyNameOf("Hanako Sato"), "Sato");
  assert.equal(familyNameOf("勅使河原 宏"), "勅使河原");
  assert.equal(familyNameOf("Fitzwilliam"), "Fitz");
  assert.equal(familyNameOf(" "), "");
});

test("the body: own values (an empty date and optional text left to the server), the mark and the seal", () => {
  const mine = fieldsOf(FIELDS, "a@jp.demo");
  const body = signingBody(
    mine,
    { "r1.text.1": " JP-13 ", "r1.checkbox.1": true, "r1.title.1": "", "r1.date.1": "" },
    { kind: "drawn", png: new Uint8Array([1, 2, 3]) },
    { kind: "generated", familyName: " 佐藤 " },
  );
  assert.deepEqual(body, {
    fill: { "r1.text.1": "JP-13", "r1.checkbox.1": true },
    mark: { kind: "drawn", image: "AQID" },
    seal: { kind: "generated", familyName: "佐藤" },
  });
  assert.deepEqual(signingBody([], {}, { kind: "typed" }, { kind: "none" }), { mark: { kind: "typed" } });
  assert.deepEqual(
    signingBody([], {}, { kind: "image", image: new Uint8Array([255]) }, { kind: "image", image: new Uint8Array([0]) }),
    { mark: { kind: "image", image: "/w==" }, seal: { kind: "image", image: "AA==" } },
  );
});
