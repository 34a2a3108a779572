/**
 * Test support for the platform server: temporary data directories, the app on 127.0.0.1 with a real port,
 * `main.js` as a child process, and OpenSSL.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { type AppOptions, buildApp } from "../../src/app.js";

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
