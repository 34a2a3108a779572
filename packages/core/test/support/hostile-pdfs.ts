/**
 * Hostile PDFs of the outside security test (issue 9.2), built byte by byte: small files that name one
 * decompression bomb many times, or chain cross-reference streams that each inflate to the per-stream limit.
 */
import { deflateSync } from "node:zlib";

const latin1 = (s: string) => Buffer.from(s, "latin1");

/** Objects `1..n` in order, then a classic xref table and trailer with `trailerExtra`. */
function classicPdf(bodies: (string | Buffer)[], trailerExtra = ""): Buffer {
  const parts: Buffer[] = [latin1("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(length);
    const chunk = Buffer.concat([
      latin1(`${i + 1} 0 obj\n`),
      typeof body === "string" ? latin1(body) : body,
      latin1("\nendobj\n"),
    ]);
    parts.push(chunk);
    length += chunk.length;
  });
  let xref = `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) xref += `${String(o).padStart(10, "0")} 00000 n \n`;
  xref += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(latin1(xref));
  return Buffer.concat(parts);
}

/** A stream object compressed `times` times with FlateDecode, decoding to `size` zero bytes. */
function bombStream(size: number, times: number): Buffer {
  let data: Buffer = Buffer.alloc(size);
  for (let i = 0; i < times; i++) data = deflateSync(data, { level: 9 });
  const filters = Array(times).fill("/FlateDecode").join(" ");
  return Buffer.concat([
    latin1(`<< /Length ${data.length} /Filter [${filters}] >>\nstream\n`),
    data,
    latin1("\nendstream"),
  ]);
}

/**
 * A /DSS whose /Certs, /OCSPs and /CRLs each list one reference `references` times, to a doubly-compressed stream
 * of `size` bytes (the test's 819-byte file did this with 16 MiB).
 */
export function dssBombPdf(references: number, size = 16 * 1024 * 1024): Buffer {
  const list = `[${Array(references).fill("4 0 R").join(" ")}]`;
  return classicPdf([
    "<< /Type /Catalog /Pages 2 0 R /DSS 5 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    bombStream(size, 2),
    `<< /Certs ${list} /OCSPs ${list} /CRLs ${list} >>`,
  ]);
}

/** `count` revisions, each with a cross-reference stream (/Prev chained) that inflates to `size` bytes. */
export function xrefStreamChainPdf(count: number, size = 64 * 1024 * 1024): Buffer {
  const base = classicPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
  ]);
  const parts: Buffer[] = [base];
  let length = base.length;
  let prev = Number(/startxref\n(\d+)/.exec(base.toString("latin1"))![1]);
  // Rows of /W [1 4 2] that are all zero: free entries, as many as /Index declares (3); the rest is padding.
  const compressed = deflateSync(Buffer.alloc(size), { level: 9 });
  for (let i = 0; i < count; i++) {
    const num = 4 + i;
    const offset = length;
    const object = Buffer.concat([
      latin1(
        `${num} 0 obj\n<< /Type /XRef /Size ${num + 1} /W [1 4 2] /Index [${num} 1] /Root 1 0 R /Prev ${prev} ` +
          `/Filter /FlateDecode /Length ${compressed.length} >>\nstream\n`,
      ),
      compressed,
      latin1(`\nendstream\nendobj\nstartxref\n${offset}\n%%EOF\n`),
    ]);
    parts.push(object);
    length += object.length;
    prev = offset;
  }
  return Buffer.concat(parts);
}

/** A cross-reference stream with /W [0 0 0] declaring billions of entries that take no bytes. */
export function emptyRowsXrefPdf(): Buffer {
  const base = classicPdf(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"]);
  const prev = Number(/startxref\n(\d+)/.exec(base.toString("latin1"))![1]);
  const data = deflateSync(Buffer.alloc(0));
  const offset = base.length;
  const object = Buffer.concat([
    latin1(
      `3 0 obj\n<< /Type /XRef /Size 4 /W [0 0 0] /Index [0 4000000000] /Root 1 0 R /Prev ${prev} ` +
        `/Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
    ),
    data,
    latin1(`\nendstream\nendobj\nstartxref\n${offset}\n%%EOF\n`),
  ]);
  return Buffer.concat([base, object]);
}
