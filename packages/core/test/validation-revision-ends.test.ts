// findRevisionEnds: the "%%EOF" search (Buffer.indexOf in Node, a Horspool scan where there is no Buffer) gives the
// same offsets as a byte-by-byte reference, on random binary data with markers planted at awkward places.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { findRevisionEnds } from "../src/validation/pdf-signatures.js";

function reference(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const marker = [0x25, 0x25, 0x45, 0x4f, 0x46];
  for (let i = 0; i + 5 <= bytes.length; i++) {
    if (!marker.every((m, k) => bytes[i + k] === m)) continue;
    let end = i + 5;
    out.push(end);
    if (bytes[end] === 0x0d) end++;
    if (bytes[end] === 0x0a) end++;
    if (end !== i + 5) out.push(end);
  }
  return out;
}

function withoutBuffer<T>(f: () => T): T {
  const g = globalThis as { Buffer?: unknown };
  const saved = g.Buffer;
  g.Buffer = undefined;
  try {
    return f();
  } finally {
    g.Buffer = saved;
  }
}

test("findRevisionEnds matches a byte-by-byte scan, with and without Buffer", () => {
  const enc = new TextEncoder();
  const plant = ["%%EOF", "%%EOF\n", "%%EOF\r\n", "%%EOF\r", "%%%EOF", "%%EO%%EOF", "%%EOF%%EOF", "%EOF", "%%EOX"];
  for (let round = 0; round < 20; round++) {
    const bytes = new Uint8Array(randomBytes(50_000 + round));
    for (const p of plant) bytes.set(enc.encode(p), Math.floor(Math.random() * (bytes.length - 12)));
    bytes.set(enc.encode("%%EOF"), 0);
    bytes.set(enc.encode("%%EOF"), bytes.length - 5);
    const expected = reference(bytes);
    assert.deepEqual(findRevisionEnds(bytes), expected);
    assert.deepEqual(
      withoutBuffer(() => findRevisionEnds(bytes)),
      expected,
    );
    const view = bytes.subarray(3, bytes.length - 2); // a view into a larger buffer: offsets are the view's
    assert.deepEqual(findRevisionEnds(view), reference(view));
    assert.deepEqual(
      withoutBuffer(() => findRevisionEnds(view)),
      reference(view),
    );
  }
  assert.deepEqual(findRevisionEnds(enc.encode("%%EO")), []);
  assert.deepEqual(
    withoutBuffer(() => findRevisionEnds(enc.encode("%%EOF"))),
    [5],
  );
});
