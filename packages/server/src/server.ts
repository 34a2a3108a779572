/**
 * `node packages/server/dist/src/main.js`: the platform server, configured by the environment of CONTRACTS § 3.
 * Stops gracefully on SIGTERM and SIGINT (in-flight requests finish, the PKCS#11 session is closed).
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { KeyType } from "@khatam/core/keys";
import { INSTANCE_ID } from "./federation/instance-id.js";
import { DEMO_USERS } from "./tenancy/demo-people.js";
import { demoCas } from "./trust/demo-cas.js";
import { CA_KEY_ROLES, keyDirectory, pregenerate } from "./trust/key-pregeneration.js";

// Everything the server writes (database, keys, master key) is for its own user only.
process.umask(0o077);
// The embedded database is PostgreSQL compiled to WebAssembly (10 MB). V8 runs it with its baseline compiler and
// re-compiles with its optimising one each function that has run past a budget; at the default budget a start
// optimises hundreds of functions that run only then (~400 ms of CPU beside the start's own work and the CA key
// generation, on a two-core machine), and short OLTP statements run no faster for it. A budget 30× larger leaves
// those to the baseline code and optimises what stays hot: measured, a start costs ~35% less CPU, 3,000 short
// statements take the same time, and a CPU-heavy statement reaches the same speed after a few runs. Set before the
// database module is compiled (its first PGlite.create); it concerns WebAssembly only.
setFlagsFromString("--wasm-tiering-budget=54000000");
const env = process.env;
const port = Number(env.PORT ?? 8080);
const host = env.HOST ?? "127.0.0.1";
const urlHost = host.includes(":") ? `[${host}]` : host;
const demoKeyType = env.KHATAM_DEMO_KEY_TYPE as KeyType | undefined; // development and tests: e.g. P-256 for speed
/** A requests-per-minute setting: a positive integer, or unset for the default. */
function perMinute(name: string): number | undefined {
  const value = env[name] ? Number(env[name]) : undefined;
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    console.error(`khatam server: ${name} must be a positive integer (requests per minute)`);
    process.exit(1);
  }
  return value;
}
// POST /api/verify (default 30) and the trust services (default 600), per minute and client address; load tests
// (bench/) raise them.
const verifyPerMinute = perMinute("KHATAM_VERIFY_RATE_LIMIT");
/** KHATAM_TRUST_PROXY: "true", a hop count, or comma-separated addresses and CIDR blocks of the reverse proxies. */
function trustProxy(value: string | undefined): boolean | number | string[] | undefined {
  if (!value) return undefined;
  if (value === "true" || value === "false") return value === "true";
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}
const protocolPerMinute = perMinute("KHATAM_PROTOCOL_RATE_LIMIT");
// How often the outbox is polled (ms): a message to a partner instance waits up to this long before it leaves.
const outboxInterval = env.KHATAM_OUTBOX_INTERVAL_MS ? Number(env.KHATAM_OUTBOX_INTERVAL_MS) : undefined;
if (outboxInterval !== undefined && !(Number.isInteger(outboxInterval) && outboxInterval >= 10)) {
  console.error("khatam server: KHATAM_OUTBOX_INTERVAL_MS must be a whole number of milliseconds, at least 10");
  process.exit(1);
}
const dataDir = env.KHATAM_DATA ?? "./data";
const demo = (env.KHATAM_DEMO ?? "1") === "1";
/** KHATAM_INSTANCE: this server is one country's own instance (lower-case letters, digits, hyphens). */
const instance = env.KHATAM_INSTANCE || undefined;
if (instance !== undefined && !INSTANCE_ID.test(instance)) {
  console.error("khatam server: KHATAM_INSTANCE must be lower-case letters, digits and hyphens (e.g. jp)");
  process.exit(1);
}
const demoKeyTypes = demoKeyType ? { jp: demoKeyType, sa: demoKeyType } : undefined;

// A first start of the demo makes its CAs' keys; they are started now and made while Node loads the rest of the
// server (issue 14.1: RSA-3072 keys take most of the first start). The rest is imported only then. A first start is
// an embedded database not yet made (the keys live in it), in a data directory without the key files of earlier
// versions; on PostgreSQL the keys are made when the empty database is found.
const firstStart = !env.DATABASE_URL && !existsSync(join(dataDir, "db")) && !existsSync(keyDirectory(dataDir));
if (demo && !env.KHATAM_PKCS11_MODULE && firstStart) {
  for (const ca of demoCas(demoKeyTypes)) {
    if (!instance || ca.id === instance) pregenerate(ca.keyType, CA_KEY_ROLES.length);
  }
}
const { buildApp } = await import("./app.js");

const app = await buildApp({
  dataDir,
  databaseUrl: env.DATABASE_URL || undefined,
  publicUrl: env.KHATAM_PUBLIC_URL ?? `http://${urlHost}:${port}`,
  demo,
  instance,
  demoKeyTypes,
  adminToken: env.KHATAM_ADMIN_TOKEN || undefined,
  demoPassword: env.KHATAM_DEMO_PASSWORD || undefined,
  oidc: env.KHATAM_OIDC_ISSUER
    ? {
        issuer: env.KHATAM_OIDC_ISSUER,
        clientId: env.KHATAM_OIDC_CLIENT_ID ?? "",
        clientSecret: env.KHATAM_OIDC_CLIENT_SECRET || undefined,
      }
    : undefined,
  smtpUrl: env.KHATAM_SMTP_URL || undefined,
  mailFrom: env.KHATAM_MAIL_FROM || undefined,
  masterKey: env.KHATAM_MASTER_KEY || undefined,
  pkcs11: env.KHATAM_PKCS11_MODULE
    ? { module: env.KHATAM_PKCS11_MODULE, token: env.KHATAM_PKCS11_TOKEN, pin: env.KHATAM_PKCS11_PIN }
    : undefined,
  verifyPerMinute,
  protocolPerMinute,
  outboxIntervalMs: outboxInterval,
  trustProxy: trustProxy(env.KHATAM_TRUST_PROXY),
  webhookAllow: env.KHATAM_WEBHOOK_ALLOW || undefined,
  logger: { level: env.LOG_LEVEL ?? "info", redact: ["req.headers.authorization", "req.headers.cookie"] },
}).catch((error: unknown) => {
  console.error(`khatam server: cannot start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}

const address = await app.listen({ port, host });
// The route schemas are compiled at first use (http/lazy-schemas.ts); the rest a second after the start, in the
// background, one at a time: later requests do not wait for theirs, and a schema that cannot compile is reported.
setTimeout(() => {
  app.compileSchemas().then(
    (count) => app.log.debug({ count }, "route schemas compiled"),
    (error: unknown) => app.log.error({ err: error }, "a route schema does not compile"),
  );
}, 1000).unref();
const demoNote = demo
  ? `\n  Demo users: ${DEMO_USERS.filter((u) => !instance || u.country === instance)
      .map((u) => u.email)
      .join(", ")}` + ` (password: ${env.KHATAM_DEMO_PASSWORD ? "as set in KHATAM_DEMO_PASSWORD" : "khatam-demo"})`
  : "";
process.stdout.write(
  `\nKhatam is running at ${address} (${app.dbEngine === "postgres" ? "PostgreSQL" : `embedded database in ${env.KHATAM_DATA ?? "./data"}`})` +
    `\n  Sign in:   ${address}/login\n  Verify:    ${address}/verify\n  API:       ${address}/api/openapi.json${demoNote}\n\n`,
);
