/**
 * The whole platform for auth and tenancy tests, on either engine: a temporary data directory and, for PostgreSQL,
 * a fresh database on the server at 127.0.0.1:5432 (dropped afterwards). The app listens on 127.0.0.1 so OpenSSL
 * can reach its OCSP responder; requests in tests go through `app.inject` or fetch.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { AppOptions } from "../../src/app.js";
import { freshPostgres } from "./db.js";
import { startApp, temporaryDirectory } from "./server.js";

export interface TestPlatform {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly dataDir: string;
  readonly databaseUrl?: string;
  /** Closes the app only (the data stay, for a restart). */
  stop(): Promise<void>;
  /** Closes the app and deletes its data and database. */
  close(): Promise<void>;
}

/** The platform with the demo federation on `engine`. */
export async function startPlatform(
  engine: "pglite" | "postgres",
  options: Partial<AppOptions> & { dataDir?: string; databaseUrl?: string } = {},
): Promise<TestPlatform> {
  const dir = options.dataDir ? undefined : temporaryDirectory("khatam-auth-");
  const dataDir = options.dataDir ?? dir!.path;
  const postgres = engine === "postgres" && !options.databaseUrl ? await freshPostgres() : undefined;
  const databaseUrl = options.databaseUrl ?? postgres?.url;
  const running = await startApp(dataDir, {
    backgroundJobs: false,
    ...options,
    databaseUrl,
  } as Partial<AppOptions>);
  return {
    app: running.app,
    url: running.url,
    dataDir,
    databaseUrl,
    stop: () => running.close(),
    close: async () => {
      await running.close().catch(() => {});
      await postgres?.drop();
      dir?.remove();
    },
  };
}

/** JSON request through inject; `token` as bearer. */
export function call(
  app: FastifyInstance,
  method: "GET" | "POST" | "PATCH" | "DELETE",
  url: string,
  options: { token?: string; body?: unknown; cookie?: string; ip?: string } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: {
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...(options.cookie && { cookie: options.cookie }),
      ...(options.body !== undefined && { "content-type": "application/json" }),
    },
    ...(options.ip && { remoteAddress: options.ip }),
    ...(options.body !== undefined && { payload: JSON.stringify(options.body) }),
  });
}

/** Signs in and returns the bearer token (asserting success). */
export async function login(
  app: FastifyInstance,
  email: string,
  password = "khatam-demo",
  totp?: string,
): Promise<string> {
  const response = await call(app, "POST", "/api/auth/login", { body: { email, password, ...(totp && { totp }) } });
  if (response.statusCode !== 200) throw new Error(`login ${email}: ${response.statusCode} ${response.body}`);
  return response.json<{ token: string }>().token;
}
