/**
 * Test support for the envelope workflow: the whole app on either engine (listening on 127.0.0.1, so the OCSP URLs
 * in its certificates answer pdfsig), a small federation of users with bearer tokens and certificates from their own
 * country's CA, a hand-written PDF, multipart uploads, and poppler's pdfsig with an NSS database of both roots.
 */
import { execFile } from "node:child_process";
import { type createPrivateKey, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { issueCredential } from "../../src/auth/identity.js";
import type { Db } from "../../src/db/connect.js";
import { loadMasterKey } from "../../src/trust-keys.js";
import { PG_ADMIN_URL } from "./db.js";
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
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (engine === "postgres") {
    const name = `khatam_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    databaseUrl = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const running = await startApp(dir.path, { databaseUrl, backgroundJobs: false } as Parameters<typeof startApp>[1]);
  return {
    running,
    url: running.url,
    db: running.app.db,
    dataDir: dir.path,
    close: async () => {
      await running.close();
      await dropDatabase();
      dir.remove();
    },
  };
}

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly token: string;
  readonly agencyId: string;
}

export interface Federation {
  readonly jpOfficial: TestUser;
  readonly saOfficial: TestUser;
  readonly saClerk: TestUser;
  readonly jpAdmin: TestUser;
  /** An official of a third agency (Japan, another ministry), recipient of nothing. */
  readonly stranger: TestUser;
  /** An SA official whose key is on their device (for /sign/prepare and /sign/complete). */
  readonly saDevice: TestUser & { readonly privateKey: ReturnType<typeof createPrivateKey> };
}

/**
 * Countries, agencies, users with API tokens and officials' certificates from their own country's issuing CA
 * (platform-held keys in the key store's directory, encrypted under the master key as the key store writes them).
 */
export async function seedFederation(platform: Platform): Promise<Federation> {
  const { db } = platform;
  const app = platform.running.app;
  const suffix = randomBytes(3).toString("hex");
  const countries = await db.selectFrom("countries").select("id").execute();
  for (const [id, iso, en] of [
    ["jp", "JP", "Japan"],
    ["sa", "SA", "Saudi Arabia"],
  ] as const) {
    if (!countries.some((c) => c.id === id)) {
      await db
        .insertInto("countries")
        .values({ id, iso_code: iso, names: JSON.stringify({ en }) })
        .execute();
    }
  }
  const agency = async (country: string, en: string) => {
    const id = randomUUID();
    await db
      .insertInto("agencies")
      .values({ id, country_id: country, names: JSON.stringify({ en }) })
      .execute();
    return id;
  };
  const jpAgency = await agency("jp", "Digital Agency");
  const saAgency = await agency("sa", "MCIT");
  const otherAgency = await agency("jp", "Ministry of Foreign Affairs");
  const user = async (email: string, name: string, agencyId: string, role: "official" | "clerk" | "agency_admin") => {
    const id = randomUUID();
    await db
      .insertInto("users")
      .values({ id, email, display_name: name, agency_id: agencyId, role, password_hash: null })
      .execute();
    const token = await issueCredential(db, id, { kind: "api", label: "test" });
    return { id, email, token, agencyId };
  };
  const jpOfficial = await user(`official-${suffix}@jp.demo`, "Taro Yamada", jpAgency, "official");
  const saOfficial = await user(`official-${suffix}@sa.demo`, "Fatimah Alharbi", saAgency, "official");
  const saClerk = await user(`clerk-${suffix}@sa.demo`, "Sa Clerk", saAgency, "clerk");
  const jpAdmin = await user(`admin-${suffix}@jp.demo`, "Jp Admin", jpAgency, "agency_admin");
  const stranger = await user(`stranger-${suffix}@mofa.jp.demo`, "Jiro Suzuki", otherAgency, "official");
  const saDeviceUser = await user(`device-${suffix}@sa.demo`, "Noura Alqahtani", saAgency, "official");

  const masterKey = await loadMasterKey(platform.dataDir);
  const keysDir = join(platform.dataDir, "keys");
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const certify = async (u: TestUser, ca: string, platformHeld: boolean) => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pki = app.trustStore.get(ca);
    const issued = await pki.issue("official", {
      spki: publicKey,
      subject: { commonName: nameOf(u.email), organization: pki.organization, country: pki.country, email: u.email },
    });
    let keyRef: string | null = null;
    if (platformHeld) {
      const file = `user-${u.id}-1.key.pem`;
      const pem = privateKey.export({
        type: "pkcs8",
        format: "pem",
        cipher: "aes-256-cbc",
        passphrase: masterKey.toString("base64"),
      });
      writeFileSync(join(keysDir, file), pem, { mode: 0o600 });
      keyRef = JSON.stringify({ kind: "software", file });
    }
    await db
      .insertInto("signing_certificates")
      .values({
        id: randomUUID(),
        user_id: u.id,
        agency_id: u.agencyId,
        ca_id: ca,
        serial: issued.serial,
        profile: "official",
        subject: `CN=${nameOf(u.email)},C=${pki.country}`,
        not_after: issued.notAfter,
        der: issued.der,
        key_ref: keyRef,
      })
      .execute();
    return privateKey;
  };
  const names = new Map<string, string>();
  const nameOf = (email: string) => names.get(email) ?? email;
  names.set(jpOfficial.email, "Taro Yamada");
  names.set(saOfficial.email, "Fatimah Alharbi");
  names.set(stranger.email, "Jiro Suzuki");
  names.set(saDeviceUser.email, "Noura Alqahtani");
  await certify(jpOfficial, "jp", true);
  await certify(saOfficial, "sa", true);
  await certify(stranger, "jp", true);
  const devicePrivateKey = await certify(saDeviceUser, "sa", false);
  return {
    jpOfficial,
    saOfficial,
    saClerk,
    jpAdmin,
    stranger,
    saDevice: { ...saDeviceUser, privateKey: devicePrivateKey },
  };
}

/** A small one-page PDF written by hand (classic xref table). */
export function plainPdf(text = "Memorandum of cooperation between Japan and Saudi Arabia"): Buffer {
  const content = `BT /F1 14 Tf 72 760 Td (${text.replace(/[\\()]/g, "\\$&")}) Tj ET`;
  const bodies = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
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

/** A request with the user's bearer token. */
export function api(
  platform: Platform,
  user: TestUser | null,
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
