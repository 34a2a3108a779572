/**
 * The certificate of completion (`GET /api/envelopes/:id/audit?format=pdf`): a plain text PDF that states the
 * envelope, its document hashes, whether the audit chain verifies, and every event with its time, actor, address
 * and hash. It is a readable summary, not evidence in itself: the evidence is the signed document and the chain.
 */
import type { AuditEvent, ChainVerification } from "./audit.js";

export interface CompletionCertificateInput {
  readonly envelopeId: string;
  readonly title: string;
  readonly status: string;
  readonly registerCode: string;
  readonly originalSha256: string;
  readonly documentSha256: string;
  readonly completedAt: string | null;
  readonly events: readonly AuditEvent[];
  readonly chain: ChainVerification;
  readonly generatedAt: Date;
}

const LINES_PER_PAGE = 60;
const WRAP = 110;

export function completionCertificatePdf(input: CompletionCertificateInput): Uint8Array {
  const lines: string[] = [
    "Khatam - certificate of completion",
    "",
    `Title:            ${input.title}`,
    `Envelope:         ${input.envelopeId}`,
    `Status:           ${input.status}${input.completedAt ? ` (completed ${input.completedAt})` : ""}`,
    `Register code:    ${input.registerCode}`,
    `Original SHA-256: ${input.originalSha256}`,
    `Document SHA-256: ${input.documentSha256}`,
    `Audit chain:      ${
      input.chain.valid
        ? `intact (${input.chain.length} events)`
        : `BROKEN at event ${input.chain.seq}: ${input.chain.reason}`
    }`,
    `Generated:        ${input.generatedAt.toISOString()}`,
    "",
    "Events (each hash = SHA-256 of the previous hash and the event):",
  ];
  for (const e of input.events) {
    lines.push("");
    lines.push(`#${e.seq}  ${e.at}  ${e.type}  by ${e.actorEmail ?? "the platform"}  from ${e.ip ?? "-"}`);
    if (e.documentSha256) lines.push(`    document ${e.documentSha256}`);
    const details = JSON.stringify(e.details);
    if (details !== "{}") lines.push(...wrap(`    ${details}`));
    lines.push(`    hash ${e.hash}`);
  }
  return textPdf(lines);
}

function wrap(line: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < line.length; i += WRAP)
    out.push(i === 0 ? line.slice(0, WRAP) : `      ${line.slice(i, i + WRAP)}`);
  return out;
}

/** A PDF of A4 pages with the lines in 8-point Courier (WinAnsi; other characters become "?"). */
export function textPdf(lines: readonly string[]): Uint8Array {
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_PAGE) pages.push(lines.slice(i, i + LINES_PER_PAGE));
  if (pages.length === 0) pages.push([]);
  // Objects: 1 catalog, 2 pages, 3 font, then per page: page, content.
  const bodies: Buffer[] = [];
  const kids = pages.map((_, i) => `${4 + 2 * i} 0 R`).join(" ");
  bodies.push(Buffer.from("<< /Type /Catalog /Pages 2 0 R >>", "latin1"));
  bodies.push(Buffer.from(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`, "latin1"));
  bodies.push(Buffer.from("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>", "latin1"));
  pages.forEach((pageLines, i) => {
    bodies.push(
      Buffer.from(
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`,
        "latin1",
      ),
    );
    const ops: Buffer[] = [Buffer.from("BT /F1 8 Tf 10 TL 40 800 Td\n", "latin1")];
    for (const l of pageLines) ops.push(literal(l), Buffer.from(" Tj T*\n", "latin1"));
    ops.push(Buffer.from("ET\n", "latin1"));
    const content = Buffer.concat(ops);
    bodies.push(
      Buffer.concat([
        Buffer.from(`<< /Length ${content.length} >>\nstream\n`, "latin1"),
        content,
        Buffer.from("\nendstream", "latin1"),
      ]),
    );
  });
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let pos = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(pos);
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, "latin1"), body, Buffer.from("\nendobj\n", "latin1")]);
    parts.push(chunk);
    pos += chunk.length;
  });
  let xref = `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) xref += `${String(o).padStart(10, "0")} 00000 n \n`;
  xref += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\nstartxref\n${pos}\n%%EOF\n`;
  parts.push(Buffer.from(xref, "latin1"));
  return new Uint8Array(Buffer.concat(parts));
}

function literal(text: string): Buffer {
  const out: number[] = [0x28];
  for (const c of text) {
    const code = c.charCodeAt(0);
    const b = code >= 0x20 && code <= 0xff ? code : 0x3f;
    if (b === 0x28 || b === 0x29 || b === 0x5c) out.push(0x5c);
    out.push(b);
  }
  out.push(0x29);
  return Buffer.from(out);
}
