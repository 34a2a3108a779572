/**
 * Test support for the platform server: temporary data directories, the app on 127.0.0.1 with a real port,
 * `main.js` as a child process, and OpenSSL.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { type AppOptions, buildApp } from "../../src/app.js";
import { issueCredential } from "../../src/auth/identity.js";
import type { Db } from "../../src/db/connect.js";
import { testDatabase } from "./db.js";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

/** A fresh temporary directory, removed by the returned function. */
export function temporaryDirectory(prefix = "khatam-server-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A TCP port free right now on 127.0.0.1 (so the public URL in certificates can name it before listening). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface RunningApp {
  readonly app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the app on `dataDir` (both demo CAs P-256 for speed unless told) and listens on 127.0.0.1. */
export async function startApp(dataDir: string, options: Partial<AppOptions> = {}): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = await buildApp({
    dataDir,
    publicUrl: url,
    adminToken: ADMIN_TOKEN,
    demoKeyTypes: { jp: "P-256", sa: "P-256" },
    ...options,
  });
  await app.listen({ port, host: "127.0.0.1" });
  return { app, url, close: () => app.close() };
}

/** The app built (not listening) by {@link appOn}, with the data directory and database it owns. */
export interface AppHandle {
  readonly app: FastifyInstance;
  readonly dir: { path: string; remove(): void };
  /** PostgreSQL: the app's own database; undefined on PGlite (in `dir`). */
  readonly databaseUrl: string | undefined;
  /** Drops the database (nothing on PGlite). */
  readonly drop: () => Promise<void>;
  /** Closes the app, drops its database and removes its directory. */
  close(): Promise<void>;
}

/**
 * The app on `engine` without the demo and without background jobs unless `options` say otherwise, in a data
 * directory (and on PostgreSQL a database) of its own — or in those of `reuse`, as a restart would find them.
 */
export async function appOn(
  engine: "pglite" | "postgres",
  options: Partial<AppOptions> = {},
  reuse?: AppHandle,
): Promise<AppHandle> {
  const dir = reuse?.dir ?? temporaryDirectory("khatam-app-");
  let databaseUrl = reuse?.databaseUrl;
  let drop = reuse?.drop ?? (async () => {});
  if (engine === "postgres" && !reuse) {
    const t = await testDatabase("postgres");
    await t.close();
    databaseUrl = t.location.url;
    drop = t.drop;
  }
  const app = await buildApp({
    dataDir: dir.path,
    databaseUrl,
    publicUrl: "https://khatam.example.gov",
    demo: false,
    adminToken: ADMIN_TOKEN,
    backgroundJobs: false,
    ...options,
  });
  const close = async () => {
    await app.close();
    await drop();
    dir.remove();
  };
  return { app, dir, databaseUrl, drop, close };
}

/** OpenSSL's reading of CA `ca`'s CRL on the server at `url` (saved under `work`): its number and the serials it lists. */
export async function crlOf(url: string, work: string, ca: string): Promise<{ number: number; serials: Set<string> }> {
  const path = join(work, `crl-${randomBytes(4).toString("hex")}.der`);
  await saveBody(await fetch(`${url}/pki/${ca}/crl`), path);
  const text = (await openssl(["crl", "-inform", "DER", "-in", path, "-noout", "-text"])).stdout;
  const number = Number.parseInt(/X509v3 CRL Number:\s*\n\s*([0-9A-Fa-f]+)/.exec(text)?.[1] ?? "0", 16);
  const serials = new Set([...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase()));
  return { number, serials };
}

/** Asserts that `response` is a refusal with `status` and the error `code` (the body is the failure's message). */
export async function assertRefusal(response: Response, status: number, code: string): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, code);
}

/** A new API token of the account `email` on the app over `db` (without signing in). */
export async function apiTokenOf(db: Db, email: string): Promise<string> {
  const user = await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  return issueCredential(db, user.id, { kind: "api", label: "test" });
}

/** The compiled main.js next to this file's compiled location. */
export const MAIN_JS = join(dirname(fileURLToPath(import.meta.url)), "../../src/main.js");

/** Starts `node main.js` with `env` and waits until /healthz answers. */
export async function spawnServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; log(): string }> {
  const port = env.PORT ? Number(env.PORT) : await freePort(); // a restart on the same address names its port
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, url, log: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`server did not become ready: ${output}`);
}

/** Waits for a child process to exit; resolves with its signal or code. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Runs openssl; resolves with stdout and stderr whatever the exit code (`code` tells). */
export function openssl(
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("openssl", args, { cwd: options.cwd, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `openssl verify` of the certificate file `cert` up to the root in `caFile`, through the certificates in `untrusted`. */
export function opensslVerify(caFile: string, untrusted: string, cert: string) {
  return openssl(["verify", "-CAfile", caFile, "-untrusted", untrusted, cert]);
}

/** `openssl ts -verify` of the time-stamp reply file `reply` for `query`, up to `caFile` through `untrusted`. */
export function opensslVerifyTimeStamp(reply: string, query: string, caFile: string, untrusted: string) {
  return openssl(["ts", "-verify", "-in", reply, "-queryfile", query, "-CAfile", caFile, "-untrusted", untrusted]);
}

/** Writes the body of `response` to `path` (for OpenSSL to read); returns `path`. */
export async function saveBody(response: Response, path: string): Promise<string> {
  writeFileSync(path, Buffer.from(await response.arrayBuffer()));
  return path;
}

/** Makes a P-256 key and a CSR with `subject` (OpenSSL syntax) in `dir`; returns the paths. */
export async function makeCsr(dir: string, name: string, subject: string): Promise<{ key: string; csr: string }> {
  const key = join(dir, `${name}.key.pem`);
  const csr = join(dir, `${name}.csr.pem`);
  const result = await openssl([
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    key,
    "-subj",
    subject,
    "-out",
    csr,
  ]);
  if (result.code !== 0) throw new Error(`openssl req failed: ${result.stderr}`);
  return { key, csr };
}

/** POSTs JSON with the admin token (or `token`, or none when null). */
export function adminPost(url: string, body: unknown, token: string | null = ADMIN_TOKEN): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token !== null && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

/** Downloads `url` into `path`, returning the bytes. */
export async function download(url: string, path: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  writeFileSync(path, bytes);
  return bytes;
}

/** What the tests read of `trust_state.state` (server trust/store.ts). */
export interface StoredTrustState {
  readonly trustedList: {
    readonly key: { readonly kind: string; readonly file?: string };
    readonly release: { readonly sequenceNumber: number };
  };
}

/** The trust services' state and software keys as a closed data directory's embedded database holds them. */
export async function storedTrustState(
  dataDir: string,
): Promise<{ state: StoredTrustState; keys: Map<string, string> }> {
  const { openDatabase } = await import("../../src/db/connect.js");
  const { db, close } = await openDatabase({ dataDir });
  try {
    const row = await db.selectFrom("trust_state").select("state").executeTakeFirstOrThrow();
    const keys = await db.selectFrom("trust_keys").select(["name", "pem"]).execute();
    return { state: row.state as StoredTrustState, keys: new Map(keys.map((k) => [k.name, k.pem])) };
  } finally {
    await close();
  }
}
