/**
 * Where the register QR code goes on page 1 (issue 13.4): in a free place — the bottom-right corner when it is free,
 * else another corner or a gap found by scanning, never over the page's content, its annotations, the register line
 * or the fields about to be placed (`avoid`) — and in the bottom-right corner as before when the page has no room.
 * zbarimg reads the address from poppler's rendering wherever it lands.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { stampPageOne } from "../src/envelopes/document.js";
import { plainPdf, run } from "./support/envelopes.js";

const URL = "http://khatam.invalid/register/ABCD-EFGH";
const STAMP = { text: `Khatam register: ABCD-EFGH — ${URL}`, url: URL };
const QR = 64;

/** A one-page PDF (595 × 842) with a title line at the top and then `ops`, written with a correct xref table. */
function pageWith(ops: string): Buffer {
  const content = `BT /F1 14 Tf 72 760 Td (Memorandum) Tj ET ${ops}`;
  const bodies = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = "%PDF-1.7\n";
  const offsets = bodies.map((b, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${b}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** Lower-left corner of the QR code's white square in the stamp's last content stream. */
function qrCorner(stamped: Uint8Array): [number, number] {
  const tail = Buffer.from(stamped).toString("latin1");
  const m = [...tail.matchAll(/q 1 g ([\d.]+) ([\d.]+) 64 64 re f 0 g/g)].pop();
  assert.ok(m, "no QR code drawn");
  return [Number(m[1]), Number(m[2])];
}

const overlaps = (a: readonly number[], b: readonly number[]) =>
  a[0]! < b[2]! && b[0]! < a[2]! && a[1]! < b[3]! && b[1]! < a[3]!;

async function decoded(stamped: Uint8Array): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "khatam-qr-"));
  writeFileSync(join(dir, "in.pdf"), stamped);
  assert.equal((await run("pdftoppm", ["-r", "150", "-png", join(dir, "in.pdf"), join(dir, "page")])).code, 0);
  const png = readdirSync(dir).find((f) => f.endsWith(".png"))!;
  return (await run("zbarimg", ["-q", "--raw", join(dir, png)])).stdout.trim();
}

describe("the register QR code's place on page 1", () => {
  test("the bottom-right corner when nothing is there", async () => {
    const stamped = stampPageOne(plainPdf(), STAMP);
    assert.deepEqual(qrCorner(stamped), [595 - 12 - QR, 12]);
    assert.equal(await decoded(stamped), URL);
  });

  test("content in the bottom-right corner: the code goes where it covers nothing", async () => {
    const busy = [400, 0, 595, 200];
    const stamped = stampPageOne(pageWith("0.2 g 400 0 195 200 re f"), STAMP);
    const [x, y] = qrCorner(stamped);
    assert.ok(!overlaps([x, y, x + QR, y + QR], busy), `${x} ${y}`);
    assert.equal(await decoded(stamped), URL);
  });

  test("fields about to be placed (avoid) and the register line are left clear", async () => {
    const fields = [
      [380, 0, 595, 160],
      [0, 100, 200, 300],
    ] as const;
    const stamped = stampPageOne(plainPdf(), { ...STAMP, avoid: fields });
    const [x, y] = qrCorner(stamped);
    const qr = [x, y, x + QR, y + QR];
    for (const f of fields) assert.ok(!overlaps(qr, f), `${qr} over ${f}`);
    assert.ok(!overlaps(qr, [24, 12, 24 + STAMP.text.length * 4.2, 22]), `${qr} over the register line`);
    assert.equal(await decoded(stamped), URL);
  });

  test("a page with no free place keeps today's bottom-right corner", async () => {
    const stamped = stampPageOne(pageWith("0.5 g 0 0 595 842 re f"), STAMP);
    assert.deepEqual(qrCorner(stamped), [595 - 24 - QR, 8]);
  });
});
