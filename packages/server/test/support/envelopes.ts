/**
 * Test support for the envelope workflow: the whole app on either engine (listening on 127.0.0.1, so the OCSP URLs
 * in its certificates answer pdfsig), the demo federation's users signed in (plus an official with a device key), a hand-written PDF, multipart uploads, and poppler's pdfsig with an NSS database of both roots.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NationalPki } from "@khatam/core/pki";
import { issueCredential } from "../../src/auth/identity.js";
import type { Db } from "../../src/db/connect.js";
import { freshPostgres } from "./db.js";
import { type RunningApp, startApp, temporaryDirectory } from "./server.js";

export interface Platform {
  readonly running: RunningApp;
  readonly url: string;
  readonly db: Db;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** The app on `engine` (PGlite in a temporary data directory, or a fresh PostgreSQL database). */
export async function startPlatform(engine: "pglite" | "postgres"): Promise<Platform> {
  const dir = temporaryDirectory("khatam-envelopes-");
  const postgres = engine === "postgres" ? await freshPostgres() : undefined;
  const running = await startApp(dir.path, { databaseUrl: postgres?.url, backgroundJobs: false });
  return {
    running,
    url: running.url,
    db: running.app.db,
    dataDir: dir.path,
    close: async () => {
      await running.close();
      await postgres?.drop();
      dir.remove();
    },
  };
}

/** The app on `engine` with the demo federation's people signed in ({@link seedFederation}), as most suites start. */
export async function seededPlatform(
  engine: "pglite" | "postgres",
): Promise<{ platform: Platform; people: Federation }> {
  const platform = await startPlatform(engine);
  return { platform, people: await seedFederation(platform) };
}

/** The root certificates of both demo countries on `platform`: the trust anchors of what it signs. */
export function platformRoots(platform: Platform): Uint8Array[] {
  return ["jp", "sa"].map((id) => platform.running.app.trustStore.get(id).root.certificate);
}

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly token: string;
  readonly agencyId: string;
}

export interface Federation {
  /** official@jp.demo (Hanako Sato, Digital Agency), platform-held JP certificate. */
  readonly jpOfficial: TestUser;
  /** official@sa.demo (Noura Al-Qahtani, MCIT), platform-held SA certificate. */
  readonly saOfficial: TestUser;
  /** clerk@sa.demo: no signing rights. */
  readonly saClerk: TestUser;
  /** admin@jp.demo: a colleague of the JP official. */
  readonly jpAdmin: TestUser;
  /** admin@sa.demo: of another agency than the JP creator, and recipient of nothing. */
  readonly stranger: TestUser;
  /** An SA official (created here) whose key is on their device, for /sign/prepare and /sign/complete. */
  readonly saDevice: TestUser & { readonly privateKey: KeyObject };
}

export const DEMO_PASSWORD = "khatam-demo";

/** An API token of `email` on the server at `origin`, signed in with the demo password, as an Authorization value. */
export async function bearerToken(origin: string, email: string): Promise<string> {
  const response = await fetch(`${origin}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return `Bearer ${((await response.json()) as { token: string }).token}`;
}

/** Signs in with the demo password through POST /api/auth/login. */
export async function login(platform: Platform, email: string): Promise<TestUser> {
  const response = await fetch(`${platform.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login ${email}: ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  const row = await platform.db
    .selectFrom("users")
    .select(["id", "agency_id"])
    .where("email", "=", email)
    .executeTakeFirstOrThrow();
  return { id: row.id, email, token, agencyId: row.agency_id! };
}

/**
 * The demo federation's users, signed in, plus one SA official with a device-held key: their certificate is issued
 * by the SA CA for a key generated here (the platform never sees it), as a device CSR would be.
 */
export async function seedFederation(platform: Platform): Promise<Federation> {
  const { db } = platform;
  const [jpOfficial, saOfficial, saClerk, jpAdmin, stranger] = await Promise.all(
    ["official@jp.demo", "official@sa.demo", "clerk@sa.demo", "admin@jp.demo", "admin@sa.demo"].map((e) =>
      login(platform, e),
    ),
  );
  const saDevice = await deviceOfficial(db, platform.running.app.trustStore.get("sa"), saOfficial!.agencyId);
  return {
    jpOfficial: jpOfficial!,
    saOfficial: saOfficial!,
    saClerk: saClerk!,
    jpAdmin: jpAdmin!,
    stranger: stranger!,
    saDevice,
  };
}

/**
 * A Saudi official of `agencyId` whose key is on their device (the platform never sees it): an account, a
 * certificate from `pki` (the SA CA) for a key generated here, as a device CSR would get, and an API token.
 */
export async function deviceOfficial(
  db: Db,
  pki: NationalPki,
  agencyId: string,
): Promise<TestUser & { readonly privateKey: KeyObject }> {
  const id = randomUUID();
  const email = `device-${randomBytes(3).toString("hex")}@sa.demo`;
  await db
    .insertInto("users")
    .values({ id, email, display_name: "Fatimah Alharbi", agency_id: agencyId, role: "official" })
    .execute();
  const token = await issueCredential(db, id, { kind: "api", label: "test" });
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const issued = await pki.issue("official", {
    spki: publicKey,
    subject: { commonName: "Fatimah Alharbi", organization: pki.organization, country: pki.country, email },
  });
  await db
    .insertInto("signing_certificates")
    .values({
      id: randomUUID(),
      user_id: id,
      agency_id: agencyId,
      ca_id: "sa",
      serial: issued.serial,
      profile: "official",
      subject: `CN=Fatimah Alharbi,O=${pki.organization},C=SA`,
      not_after: issued.notAfter,
      der: issued.der,
      key_ref: null,
    })
    .execute();
  return { id, email, token, agencyId, privateKey };
}

/**
 * A small PDF written by hand (classic xref table): `text` on one page, or on each of `pages` pages with "Page n of
 * N" below it.
 */
export function plainPdf(text = "Memorandum of cooperation between Japan and Saudi Arabia", pages = 1): Buffer {
  const pdfEscape = (s: string) => s.replace(/[\\()]/g, "\\$&");
  const kids = Array.from({ length: pages }, (_, p) => `${4 + 2 * p} 0 R`).join(" ");
  const bodies = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
  ];
  for (let p = 1; p <= pages; p++) {
    const footer = pages > 1 ? ` 0 -20 Td (${pdfEscape(`Page ${p} of ${pages}`)}) Tj` : "";
    const content = `BT /F1 14 Tf 72 760 Td (${pdfEscape(text)}) Tj${footer} ET`;
    bodies.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * (p - 1)} 0 R >>`,
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    );
  }
  let out = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
  const offsets: number[] = [];
  bodies.forEach((b, i) => {
    offsets.push(Buffer.byteLength(out, "latin1"));
    out += `${i + 1} 0 obj\n${b}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "latin1");
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  const id = randomBytes(16).toString("hex");
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R /ID [<${id}> <${id}>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** A request to the server at `platform.url` with the user's bearer token (none: anonymous); a JSON or form body. */
export function api(
  platform: Pick<Platform, "url">,
  user: Pick<TestUser, "token"> | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (user) headers.authorization = `Bearer ${user.token}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  return fetch(`${platform.url}${path}`, { method, headers, body: payload });
}

/** The multipart form of POST /api/envelopes. */
export function envelopeForm(pdf: Uint8Array, meta: unknown): FormData {
  const form = new FormData();
  form.set("meta", typeof meta === "string" ? meta : JSON.stringify(meta));
  form.set("file", new Blob([new Uint8Array(pdf)], { type: "application/pdf" }), "document.pdf");
  return form;
}

/** Runs a command; resolves with its exit code and output whatever the code. */
export function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** pdfsig on `file` with an NSS database in `dir` that trusts `roots` (DER). */
export async function pdfsig(dir: string, file: string, roots: readonly Uint8Array[]): Promise<string> {
  const nss = join(dir, `nss-${randomBytes(4).toString("hex")}`);
  mkdirSync(nss);
  const init = await run("certutil", ["-N", "-d", `sql:${nss}`, "--empty-password"]);
  if (init.code !== 0) throw new Error(`certutil -N: ${init.stderr}`);
  for (const [i, root] of roots.entries()) {
    const path = join(nss, `root-${i}.der`);
    writeFileSync(path, root);
    const added = await run("certutil", ["-A", "-d", `sql:${nss}`, "-n", `root-${i}`, "-t", "CT,C,C", "-i", path]);
    if (added.code !== 0) throw new Error(`certutil -A: ${added.stderr}`);
  }
  const result = await run("pdfsig", ["-nssdir", `sql:${nss}`, file]);
  return result.stdout + result.stderr;
}

/** An answer of the API, as the tests read it: field by field. */
// biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, checked field by field
export type Json = any;

/** The JSON body of `response`, which must have `status` (the body is the failure's message). */
export async function json(response: Response, status = 200): Promise<Json> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return JSON.parse(text);
}

/** The platform's validation report of `pdf` (POST /api/verify, the public verifier). */
export async function verifyOnPlatform(platform: Platform, pdf: Uint8Array): Promise<Json> {
  return json(
    await fetch(`${platform.url}/api/verify`, {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body: new Uint8Array(pdf),
    }),
  );
}

/**
 * pdfsig's report on `file` trusting `roots`, and its block for each CAdES signature (not the document time-stamps),
 * each checked valid and its certificate trusted.
 */
export async function pdfsigSignatures(
  dir: string,
  file: string,
  roots: readonly Uint8Array[],
): Promise<{ listing: string; signatures: string[] }> {
  const listing = await pdfsig(dir, file, roots);
  const signatures = listing
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .filter((b) => /Signature Type: ETSI\.CAdES\.detached/.test(b));
  for (const b of signatures) {
    assert.match(b, /Signature Validation: Signature is Valid\./, listing);
    assert.match(b, /Certificate Validation: Certificate is Trusted\./, listing);
  }
  return { listing, signatures };
}
