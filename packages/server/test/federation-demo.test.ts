/**
 * `npm run demo:federation` (issue 12.6): two server processes from one checkout, jp and sa, each with its own data
 * directory and embedded database, peered with each other through the API; it prints where each country's people
 * sign in; through their API, the memorandum is co-signed across the two processes (the SA official on sa). Run a
 * second time on the same data, the peering is kept and nothing is refused. Ctrl-C stops both.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { envelopeForm, pdfsigSignatures, plainPdf } from "./support/envelopes.js";
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
      KHATAM_OUTBOX_INTERVAL_MS: "100",
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

/**
 * The memorandum through the API of the two processes: the JP official sends it on jp to themself and to the SA
 * official on sa, and signs; the SA official finds the copy on sa and signs there; jp completes it and sa receives the
 * final document. pdfsig, trusting both roots, finds two valid trusted signatures (C=JP, then C=SA) in the final
 * document as each instance serves it.
 */
async function memorandum(ports: { jp: number; sa: number }, work: string): Promise<void> {
  const base = (id: "jp" | "sa") => `http://127.0.0.1:${ports[id]}`;
  const login = async (id: "jp" | "sa", email: string) => {
    const r = await fetch(`${base(id)}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "khatam-demo" }),
    });
    return `Bearer ${((await r.json()) as { token: string }).token}`;
  };
  const api = async (id: "jp" | "sa", token: string, method: string, path: string, body?: FormData) => {
    const r = await fetch(`${base(id)}${path}`, { method, headers: { authorization: token }, body });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
    return JSON.parse(text);
  };
  const until = async <T>(check: () => Promise<T | undefined>, what: string): Promise<T> => {
    const end = Date.now() + 60_000;
    for (;;) {
      const value = await check();
      if (value) return value;
      assert.ok(Date.now() < end, `${what} within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const jp = await login("jp", "official@jp.demo");
  const sa = await login("sa", "official@sa.demo");
  const created = await api(
    "jp",
    jp,
    "POST",
    "/api/envelopes",
    envelopeForm(plainPdf(), {
      title: "Memorandum between two instances",
      recipients: [
        { email: "official@jp.demo", role: "signer", order: 1 },
        { email: "official@sa.demo", role: "signer", order: 2, instance: "sa" },
      ],
    }),
  );
  await api("jp", jp, "POST", `/api/envelopes/${created.id}/send`);
  await api("jp", jp, "POST", `/api/envelopes/${created.id}/sign`);
  const copy = await until(
    async () =>
      (await api("sa", sa, "GET", "/api/envelopes")).waiting.find(
        (e: { title: string }) => e.title === "Memorandum between two instances",
      ) as { id: string } | undefined,
    "the offer on sa",
  );
  await api("sa", sa, "POST", `/api/envelopes/${copy.id}/sign`);
  const done = await until(async () => {
    const e = await api("jp", jp, "GET", `/api/envelopes/${created.id}`);
    return e.status === "completed" ? e : undefined;
  }, "completion on jp");
  await until(async () => {
    const c = await api("sa", sa, "GET", `/api/envelopes/${copy.id}`);
    return c.documentSha256 === done.documentSha256 ? c : undefined;
  }, "the final document on sa");
  const roots = await Promise.all(
    (["jp", "sa"] as const).map(async (id) => {
      const pem = await (await fetch(`${base(id)}/pki/${id}/root.pem`)).text();
      return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
    }),
  );
  for (const [id, token, path] of [
    ["jp", jp, `/api/envelopes/${created.id}/document`],
    ["sa", sa, `/api/envelopes/${copy.id}/document`],
  ] as const) {
    const pdf = Buffer.from(
      await (await fetch(`${base(id)}${path}`, { headers: { authorization: token } })).arrayBuffer(),
    );
    const file = join(work, `final-${id}.pdf`);
    writeFileSync(file, pdf);
    const { listing, signatures: blocks } = await pdfsigSignatures(work, file, roots);
    assert.equal(blocks.length, 2, listing);
    assert.match(blocks[0]!, /C=JP/);
    assert.match(blocks[1]!, /C=SA/);
  }
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
        await memorandum(ports, dir.path);
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
