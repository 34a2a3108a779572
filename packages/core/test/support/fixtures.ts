// PDF fixtures for the signer's and validator's tests: hand-written PDFs (classic xref table), the same rewritten
// by qpdf (object streams, linearized, encrypted), a form with an empty signature field, documents signed by other
// people's software (@libpdf/core, @signpdf, poppler, mupdf) each with its own openssl-made PKI, broken files, and a
// large file for streaming tests. Results are cached per process (fixtures are immutable: callers get copies).

import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRoot, issueLeaf, type TestLeaf, type TestRoot } from "./pki.js";
import { createNssDb, freshDir, processTempDir, runOk } from "./tools.js";

// ---------------------------------------------------------------------------------------------------------------
// A minimal PDF writer: numbered objects, classic cross-reference table, trailer with /ID.

/** The body of one indirect object (without "N 0 obj" / "endobj"). */
type Body = string | Buffer;

/** A stream object body: the dictionary entries (without /Length) and the data. */
export function streamObject(dict: string, data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  return Buffer.concat([
    Buffer.from(`<< ${dict} /Length ${bytes.length} >>\nstream\n`, "latin1"),
    bytes,
    Buffer.from("\nendstream", "latin1"),
  ]);
}

/**
 * Serialises objects 1..n (`bodies[i]` is object i+1) with a classic xref table. `root` and `info` are object
 * numbers. The header carries the binary-marker comment.
 */
export function writePdf(bodies: readonly Body[], root: number, info?: number): Buffer {
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let pos = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(pos);
    const chunk = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, "latin1"),
      typeof body === "string" ? Buffer.from(body, "latin1") : body,
      Buffer.from("\nendobj\n", "latin1"),
    ]);
    parts.push(chunk);
    pos += chunk.length;
  });
  const xref = [`xref\n0 ${bodies.length + 1}\n`, "0000000000 65535 f \n"];
  for (const off of offsets) xref.push(`${String(off).padStart(10, "0")} 00000 n \n`);
  const id = randomBytes(16).toString("hex");
  xref.push(
    `trailer\n<< /Size ${bodies.length + 1} /Root ${root} 0 R${info ? ` /Info ${info} 0 R` : ""}`,
    ` /ID [<${id}> <${id}>] >>\nstartxref\n${pos}\n%%EOF\n`,
  );
  parts.push(Buffer.from(xref.join(""), "latin1"));
  return Buffer.concat(parts);
}

/** Escapes a string for a PDF literal string. */
function pdfString(s: string): string {
  return `(${s.replace(/[\\()]/g, "\\$&")})`;
}

/** The default page text. */
export const MEMORANDUM_TEXT =
  "Memorandum of cooperation between the Digital Agency of Japan and the MCIT of Saudi Arabia";

function textContent(lines: string[]): string {
  const ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"];
  for (const line of lines) ops.push(`${pdfString(line)} Tj T*`);
  ops.push("ET");
  return ops.join("\n");
}

/** Options of {@link plainPdf}. */
export interface PlainPdfOptions {
  /** Number of pages (default 1). */
  pages?: number;
  /** Text of each page (default {@link MEMORANDUM_TEXT}); the page number is appended on a second line. */
  text?: string;
}

/**
 * A small valid PDF written by hand: catalog, page tree, Helvetica, one text content stream per page, an /Info
 * dictionary, a classic xref table. Not cached (each call has a fresh /ID).
 */
export function plainPdf(options: PlainPdfOptions = {}): Buffer {
  const pages = options.pages ?? 1;
  const text = options.text ?? MEMORANDUM_TEXT;
  // 1 catalog, 2 pages, 3 font, 4 info, then (page, content) pairs.
  const bodies: Body[] = [];
  const kids: string[] = [];
  for (let p = 0; p < pages; p++) kids.push(`${5 + 2 * p} 0 R`);
  bodies.push("<< /Type /Catalog /Pages 2 0 R >>");
  bodies.push(`<< /Type /Pages /Kids [${kids.join(" ")}] /Count ${pages} >>`);
  bodies.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  bodies.push(`<< /Title ${pdfString("Memorandum of cooperation")} /Producer (Khatam test fixtures) >>`);
  for (let p = 0; p < pages; p++) {
    bodies.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${6 + 2 * p} 0 R >>`,
    );
    bodies.push(streamObject("", textContent([text, `Page ${p + 1} of ${pages}`])));
  }
  return writePdf(bodies, 1, 4);
}

/**
 * A one-page PDF with an AcroForm holding a filled text field "name" and an empty signature field "Signature1"
 * (both with widgets on the page), written by hand.
 */
export function formPdf(): Buffer {
  const bodies: Body[] = [
    /* 1 */ "<< /Type /Catalog /Pages 2 0 R /AcroForm 7 0 R >>",
    /* 2 */ "<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
    /* 3 */ "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    /* 4 */ "<< /Title (Form with a signature field) /Producer (Khatam test fixtures) >>",
    /* 5 */ "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R /Annots [8 0 R 9 0 R] >>",
    /* 6 */ streamObject("", textContent([MEMORANDUM_TEXT, "Name:", "", "Signature:"])),
    /* 7 */ "<< /Fields [8 0 R 9 0 R] /DR << /Font << /Helv 3 0 R >> >> /DA (/Helv 0 Tf 0 g) >>",
    /* 8 */ "<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (Jane Doe) /DA (/Helv 12 Tf 0 g) /Rect [120 690 400 710] /P 5 0 R /F 4 /AP << /N 10 0 R >> >>",
    /* 9 */ "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [120 600 400 660] /P 5 0 R /F 4 >>",
    /* 10 */ streamObject(
      "/Type /XObject /Subtype /Form /BBox [0 0 280 20] /Resources << /Font << /Helv 3 0 R >> >>",
      "/Tx BMC\nBT /Helv 12 Tf 0 g 2 5 Td (Jane Doe) Tj ET\nEMC",
    ),
  ];
  return writePdf(bodies, 1, 4);
}

/**
 * A valid PDF of about `sizeMb` MiB (default 20): one page per MiB, each with a 1024×1024 8-bit DeviceGray image
 * XObject of random (incompressible, unfiltered) samples and a text line. Takes well under a second for 20 MiB.
 */
export function largePdf(sizeMb = 20): Buffer {
  const pages = Math.max(1, Math.round(sizeMb));
  const side = 1024;
  const bodies: Body[] = [];
  const kids: string[] = [];
  // 1 catalog, 2 pages, 3 font, 4 info, then (page, content, image) triples.
  for (let p = 0; p < pages; p++) kids.push(`${5 + 3 * p} 0 R`);
  bodies.push("<< /Type /Catalog /Pages 2 0 R >>");
  bodies.push(`<< /Type /Pages /Kids [${kids.join(" ")}] /Count ${pages} >>`);
  bodies.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  bodies.push("<< /Title (Large test document) /Producer (Khatam test fixtures) >>");
  const samples = randomBytes(side * side * Math.min(pages, 4));
  for (let p = 0; p < pages; p++) {
    const page = 5 + 3 * p;
    bodies.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 ${page + 2} 0 R >> >> /Contents ${page + 1} 0 R >>`,
    );
    bodies.push(
      streamObject("", `q 451 0 0 451 72 300 cm /Im1 Do Q\n${textContent([`Annex page ${p + 1} of ${pages}`])}`),
    );
    const off = (p % Math.min(pages, 4)) * side * side;
    bodies.push(
      streamObject(
        `/Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceGray /BitsPerComponent 8`,
        samples.subarray(off, off + side * side),
      ),
    );
  }
  return writePdf(bodies, 1, 4);
}

/** Bytes that are not a PDF at all (random bytes after a text line). */
export function garbage(): Buffer {
  return Buffer.concat([Buffer.from("this is not a PDF\n"), randomBytes(512)]);
}

/** The first `fraction` (default half) of `pdf`: header and some objects, no xref, no trailer. */
export function truncated(pdf: Uint8Array, fraction = 0.5): Buffer {
  return Buffer.from(pdf.subarray(0, Math.max(16, Math.floor(pdf.length * fraction))));
}

// ---------------------------------------------------------------------------------------------------------------
// Cached fixtures made by running tools.

const cache = new Map<string, Promise<unknown>>();

function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (p === undefined) {
    p = make();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Directory where fixture files are kept for this process. */
export async function fixtureDir(): Promise<string> {
  const dir = join(processTempDir(), "fixtures");
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Writes `bytes` to `name` in the fixture directory and returns the path. */
export async function fixtureFile(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(await fixtureDir(), name);
  await writeFile(path, bytes);
  return path;
}

async function qpdfRewrite(name: string, args: string[], input: Buffer = plainPdf({ pages: 3 })): Promise<Buffer> {
  const dir = await fixtureDir();
  const src = join(dir, `${name}-src.pdf`);
  const dst = join(dir, `${name}.pdf`);
  await writeFile(src, input);
  await runOk("qpdf", [...args, src, dst]);
  return readFile(dst);
}

/** {@link plainPdf} (3 pages) rewritten by `qpdf --object-streams=generate`: xref stream and object streams. */
export async function objectStreamPdf(): Promise<Buffer> {
  return Buffer.from(await cached("objstm", () => qpdfRewrite("objstm", ["--object-streams=generate"])));
}

/** {@link plainPdf} (3 pages) rewritten by `qpdf --linearize`. */
export async function linearizedPdf(): Promise<Buffer> {
  return Buffer.from(await cached("linearized", () => qpdfRewrite("linearized", ["--linearize"])));
}

/** Passwords of {@link encryptedPdf}. */
export const ENCRYPTED_PASSWORDS = { user: "user", owner: "owner" } as const;

/** {@link plainPdf} encrypted by `qpdf --encrypt user owner 256 --` (AES-256, user password "user"). */
export async function encryptedPdf(): Promise<Buffer> {
  return Buffer.from(
    await cached("encrypted", () =>
      qpdfRewrite("encrypted", ["--encrypt", ENCRYPTED_PASSWORDS.user, ENCRYPTED_PASSWORDS.owner, "256", "--"]),
    ),
  );
}

/** A PDF signed by another tool, with the PKI to trust it. */
export interface PeerSignedPdf {
  /** The signed PDF. */
  readonly pdf: Buffer;
  /** The signer's root CA (the trust anchor), PEM and DER. */
  readonly rootPem: string;
  readonly rootDer: Buffer;
  /** Path of the root PEM file. */
  readonly rootFile: string;
  /** The signer's certificate and key. */
  readonly signer: TestLeaf;
  /** Which software signed. */
  readonly tool: "@libpdf/core" | "@signpdf" | "pdfsig" | "mutool";
}

async function peerPki(tool: string): Promise<{ root: TestRoot; leaf: TestLeaf }> {
  const root = await createRoot(`${tool} Test Root`);
  const leaf = await issueLeaf(root, `${tool} Test Signer`);
  return { root, leaf };
}

function peerResult(tool: PeerSignedPdf["tool"], pdf: Buffer, root: TestRoot, leaf: TestLeaf): PeerSignedPdf {
  return { pdf, rootPem: root.certPem, rootDer: root.certDer, rootFile: root.certFile, signer: leaf, tool };
}

/**
 * Signs `input` (default: a fresh {@link plainPdf}) with @libpdf/core using the given key and certificate (PEM),
 * as a PAdES B-B signature (SubFilter ETSI.CAdES.detached), or B-T with a signature time-stamp from `tsaUrl`. The
 * key may be RSA or EC (P-256/P-384).
 */
export async function libpdfSign(
  keyPem: string,
  certPem: string,
  options: { input?: Uint8Array; chainPem?: string[]; reason?: string; fieldName?: string; tsaUrl?: string } = {},
): Promise<Buffer> {
  const { PDF, CryptoKeySigner, HttpTimestampAuthority } = await import("@libpdf/core");
  const { createPrivateKey, webcrypto } = await import("node:crypto");
  const { pemToDer } = await import("./tools.js");
  const key = createPrivateKey(keyPem);
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const isRsa = key.asymmetricKeyType === "rsa";
  const namedCurve = key.asymmetricKeyDetails?.namedCurve === "secp384r1" ? "P-384" : "P-256";
  const algorithm = isRsa ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve };
  const cryptoKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]);
  const signer = new CryptoKeySigner(
    cryptoKey as unknown as CryptoKey,
    pemToDer(certPem),
    isRsa ? "RSA" : "EC",
    isRsa ? "RSASSA-PKCS1-v1_5" : "ECDSA",
    (options.chainPem ?? []).map((p) => new Uint8Array(pemToDer(p))),
  );
  const pdf = await PDF.load(options.input ?? plainPdf());
  const { bytes } = await pdf.sign({
    signer,
    reason: options.reason ?? "Approved by the test signer",
    ...(options.fieldName !== undefined ? { fieldName: options.fieldName } : {}),
    subFilter: "ETSI.CAdES.detached",
    ...(options.tsaUrl !== undefined
      ? { level: "B-T" as const, timestampAuthority: new HttpTimestampAuthority(options.tsaUrl) }
      : {}),
  });
  return Buffer.from(bytes);
}

/** A plain PDF signed by @libpdf/core with its own fresh test PKI (cached); sign with your own key by {@link libpdfSign}. */
export function libpdfSignedPdf(): Promise<PeerSignedPdf> {
  return cached("libpdf", async () => {
    const { root, leaf } = await peerPki("libpdf");
    return peerResult("@libpdf/core", await libpdfSign(leaf.keyPem, leaf.certPem), root, leaf);
  });
}

/**
 * Signs `input` (default: a fresh {@link plainPdf}) with @signpdf (placeholder-plain + signer-p12; SubFilter
 * adbe.pkcs7.detached).
 */
export async function signpdfSign(p12: Uint8Array, password: string, input: Buffer = plainPdf()): Promise<Buffer> {
  const signpdfMod = (await import("@signpdf/signpdf")) as unknown as Record<string, unknown>;
  const p12Mod = (await import("@signpdf/signer-p12")) as unknown as Record<string, unknown>;
  const placeholderMod = (await import("@signpdf/placeholder-plain")) as unknown as Record<string, unknown>;
  const pick = (mod: Record<string, unknown>, name: string): unknown =>
    mod[name] ?? (mod["default"] as Record<string, unknown> | undefined)?.[name];
  const SignPdf = pick(signpdfMod, "SignPdf") as new () => { sign(pdf: Buffer, signer: unknown): Promise<Buffer> };
  const signpdf = new SignPdf();
  const P12 = pick(p12Mod, "P12Signer") as new (p12: Buffer, o: { passphrase: string }) => unknown;
  const plainAddPlaceholder = pick(placeholderMod, "plainAddPlaceholder") as (o: Record<string, unknown>) => Buffer;
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: input,
    reason: "Approved by the @signpdf test signer",
    contactInfo: "test@khatam.invalid",
    name: "@signpdf Test Signer",
    location: "Tokyo",
    signatureLength: 8192,
  });
  return Buffer.from(await signpdf.sign(withPlaceholder, new P12(Buffer.from(p12), { passphrase: password })));
}

/** A plain PDF signed by @signpdf with its own fresh test PKI (cached); sign with your own PKCS#12 by {@link signpdfSign}. */
export function signpdfSignedPdf(): Promise<PeerSignedPdf> {
  return cached("signpdf", async () => {
    const { root, leaf } = await peerPki("signpdf");
    return peerResult("@signpdf", await signpdfSign(leaf.p12, leaf.p12Password), root, leaf);
  });
}

/**
 * A plain PDF signed by poppler: the signer's PKCS#12 imported into a fresh NSS database, then
 * `pdfsig -add-signature -nick NAME` (SubFilter adbe.pkcs7.detached: poppler 22.12 refuses `-etsi` with
 * `-add-signature`, "not supported yet"). Cached.
 */
export function pdfsigSignedPdf(): Promise<PeerSignedPdf> {
  return cached("pdfsig", async () => {
    const { root, leaf } = await peerPki("pdfsig");
    const dir = await freshDir("pdfsig-sign");
    const nss = join(dir, "nss");
    await mkdir(nss);
    await createNssDb(nss, [root.certFile]);
    await runOk("pk12util", ["-i", leaf.p12File, "-d", `sql:${nss}`, "-W", leaf.p12Password, "-K", ""]);
    const src = join(dir, "in.pdf");
    const dst = join(dir, "out.pdf");
    await writeFile(src, plainPdf());
    await runOk("pdfsig", [
      ...["-nssdir", `sql:${nss}`, "-add-signature", "-nick", leaf.friendlyName],
      ...["-new-signature-field-name", "PopplerSignature", "-reason", "Approved by the poppler test signer"],
      src,
      dst,
    ]);
    return peerResult("pdfsig", await readFile(dst), root, leaf);
  });
}

/**
 * A {@link formPdf} whose empty signature field is signed by mupdf: `mutool sign -s P12 -P PASSWORD -o OUT IN`.
 * Cached.
 */
export function mutoolSignedPdf(): Promise<PeerSignedPdf> {
  return cached("mutool", async () => {
    const { root, leaf } = await peerPki("mutool");
    const dir = await freshDir("mutool-sign");
    const src = join(dir, "in.pdf");
    const dst = join(dir, "out.pdf");
    await writeFile(src, formPdf());
    await runOk("mutool", ["sign", "-s", leaf.p12File, "-P", leaf.p12Password, "-o", dst, src]);
    return peerResult("mutool", await readFile(dst), root, leaf);
  });
}

/** Every peer-signed fixture that this machine's tools can produce, by tool. */
export const PEER_SIGNERS = {
  "@libpdf/core": libpdfSignedPdf,
  "@signpdf": signpdfSignedPdf,
  pdfsig: pdfsigSignedPdf,
  mutool: mutoolSignedPdf,
} as const;
