#!/usr/bin/env node
// `npm run demo:federation`: two sovereign instances from one checkout — Japan (`jp`) on port 8081 and Saudi Arabia
// (`sa`) on 8082 — each with its own data directory (data-federation/jp, data-federation/sa), embedded database, CAs
// and people, peered with each other through the federation API exactly as two administrators would (identity
// fetched, fingerprint compared, trusted list checked and pinned). Prints where each country's people sign in; Ctrl-C
// stops both. Run again, it restarts them on the same data (the peering is kept). KHATAM_JP_PORT, KHATAM_SA_PORT and
// KHATAM_FEDERATION_DATA move them elsewhere.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const MAIN = join(ROOT, "packages/server/dist/src/main.js");
const PASSWORD = "khatam-demo";
const HOST = process.env.HOST ?? "127.0.0.1";
const DATA = resolve(process.env.KHATAM_FEDERATION_DATA ?? join(ROOT, "data-federation"));
const INSTANCES = [
  { id: "jp", port: Number(process.env.KHATAM_JP_PORT ?? 8081) },
  { id: "sa", port: Number(process.env.KHATAM_SA_PORT ?? 8082) },
];
// Only these two processes and this script know it; it lives as long as they do.
const adminToken = randomBytes(24).toString("base64url");
const children = [];
let stopping = false;

function stop(code) {
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once("exit", r))))).then(() =>
    process.exit(code),
  );
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

/** The servers' start-up lines and their warnings and errors; not every request's log line. */
function worthShowing(line) {
  if (!line.startsWith("{")) return true;
  try {
    return JSON.parse(line).level >= 40;
  } catch {
    return true;
  }
}

function start({ id, port }) {
  const url = `http://${HOST}:${port}`;
  const dataDir = join(DATA, id);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      KHATAM_INSTANCE: id,
      KHATAM_DATA: dataDir,
      PORT: String(port),
      HOST,
      KHATAM_PUBLIC_URL: url,
      KHATAM_ADMIN_TOKEN: adminToken,
      DATABASE_URL: "", // each instance its own embedded database, whatever the shell says
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = (stream, out) => {
    let rest = "";
    stream.on("data", (chunk) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop();
      for (const line of lines) if (worthShowing(line)) out.write(`[${id}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`demo:federation: the ${id} instance stopped (${signal ?? `exit ${code}`}); stopping the other`);
    stop(1);
  });
  children.push(child);
  return { id, url, child };
}

async function until(url, deadline) {
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return r;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within the start-up time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function api(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

try {
  const running = INSTANCES.map(start);
  const deadline = Date.now() + 120_000;
  const identities = new Map();
  for (const instance of running) {
    await until(`${instance.url}/healthz`, deadline);
    identities.set(instance.id, await (await until(`${instance.url}/federation/v1/identity`, deadline)).json());
  }
  for (const instance of running) {
    // A platform administrator for the partners page (kept on restart: 409 means it is there).
    const admin = await api(instance.url, "POST", "/api/admin/users", {
      email: `root@${instance.id}.demo`,
      displayName: `Platform administrator (${instance.id})`,
      role: "platform_admin",
      password: PASSWORD,
    });
    if (admin.status !== 201 && admin.status !== 409) {
      throw new Error(
        `${instance.id}: creating its platform administrator: HTTP ${admin.status} ${JSON.stringify(admin.body)}`,
      );
    }
    for (const partner of running.filter((p) => p !== instance)) {
      const identity = identities.get(partner.id);
      const peered = await api(instance.url, "POST", "/api/admin/peers", {
        instance: partner.id,
        url: partner.url,
        keyFingerprint: identity.keyFingerprint,
      });
      if (peered.status !== 201 && peered.body?.error?.code !== "peer_exists") {
        throw new Error(`${instance.id} → ${partner.id}: ${peered.body?.error?.message ?? `HTTP ${peered.status}`}`);
      }
    }
  }
  console.log("");
  console.log("Two sovereign instances, peered (each trusts the other's CAs through its pinned trusted list):");
  for (const instance of running) {
    const identity = identities.get(instance.id);
    console.log(
      `  ${instance.id}: ${instance.url}/login  officials: official@${instance.id}.demo, agency admin: admin@${instance.id}.demo,`,
    );
    console.log(`      platform admin (partners at /admin/peers): root@${instance.id}.demo — password ${PASSWORD}`);
    console.log(`      instance key ${identity.keyFingerprint}`);
  }
  console.log(`Ctrl-C stops both; the data stays in ${DATA}.`);
} catch (e) {
  console.error(`demo:federation: ${e.message}`);
  stop(1);
}
