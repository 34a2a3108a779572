/**
 * `npm run demo:federation` (issue 12.6): two server processes from one checkout, jp and sa, each with its own data
 * directory and embedded database, peered with each other through the API; it prints where each country's people
 * sign in. Run a second time on the same data, the peering is kept and nothing is refused. Ctrl-C stops both.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ADMIN_TOKEN, freePort, temporaryDirectory } from "./support/server.js";

const SCRIPT = fileURLToPath(new URL("../../../../scripts/demo-federation.mjs", import.meta.url));

async function runDemo(
  data: string,
  ports: { jp: number; sa: number },
): Promise<{ child: ChildProcess; output: () => string }> {
  let output = "";
  const child = spawn(process.execPath, [SCRIPT], {
    env: {
      ...process.env,
      KHATAM_FEDERATION_DATA: data,
      KHATAM_JP_PORT: String(ports.jp),
      KHATAM_SA_PORT: String(ports.sa),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const deadline = Date.now() + 120_000;
  while (!/Ctrl-C stops both/.test(output)) {
    if (child.exitCode !== null) throw new Error(`demo:federation exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`demo:federation did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGINT");
  return exited;
}

describe("npm run demo:federation", { timeout: 300_000 }, () => {
  it("starts jp and sa, each its own data and database, peered both ways; a restart keeps the peering", async () => {
    const dir = temporaryDirectory("khatam-demo-federation-");
    const ports = { jp: await freePort(), sa: await freePort() };
    try {
      let demo = await runDemo(dir.path, ports);
      try {
        assert.match(demo.output(), new RegExp(`jp: http://127\\.0\\.0\\.1:${ports.jp}/login`));
        assert.match(demo.output(), new RegExp(`sa: http://127\\.0\\.0\\.1:${ports.sa}/login`));
        assert.doesNotMatch(demo.output(), /"level":30/, "request logs are not echoed");
        assert.deepEqual(readdirSync(dir.path).sort(), ["jp", "sa"]);
        for (const [id, partner] of [
          ["jp", "sa"],
          ["sa", "jp"],
        ] as const) {
          const health = (await (await fetch(`http://127.0.0.1:${ports[id]}/healthz`)).json()) as { cas: string[] };
          assert.deepEqual(health.cas, [id], `${id} holds only its own CAs`);
          // The demo's admin token is its own secret, not the tests'.
          assert.equal(
            (
              await fetch(`http://127.0.0.1:${ports[id]}/api/admin/peers`, {
                headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
              })
            ).status,
            401,
          );
          const anchors = (await (await fetch(`http://127.0.0.1:${ports[id]}/api/trust/anchors`)).json()) as {
            partner?: string;
            country: string;
          }[];
          assert.ok(
            anchors.some((a) => a.partner === partner && a.country === partner.toUpperCase()),
            `${id} trusts ${partner}'s roots`,
          );
        }
        const login = await fetch(`http://127.0.0.1:${ports.jp}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "root@jp.demo", password: "khatam-demo" }),
        });
        assert.equal(login.status, 200, "the platform administrator it prints can sign in");
      } finally {
        assert.equal(await stop(demo.child), 0);
      }
      demo = await runDemo(join(dir.path), ports);
      try {
        assert.doesNotMatch(demo.output(), /demo:federation: /, "no refusal on the second run");
      } finally {
        assert.equal(await stop(demo.child), 0);
      }
    } finally {
      dir.remove();
    }
  });
});
