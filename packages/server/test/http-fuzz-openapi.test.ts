/**
 * Every route of the OpenAPI document, driven with malformed, oversized, encoded-path and wrong-type inputs as an
 * anonymous caller, an official and the platform administrator (security issue 9): whatever is sent, the answer is
 * a 4xx (or a success) in the JSON error shape, never a 5xx. The inputs are generated from each route's own schema,
 * so a route added later is fuzzed too.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { login, startPlatform, type TestPlatform } from "./support/platform.js";
import { ADMIN_TOKEN } from "./support/server.js";

interface Operation {
  readonly requestBody?: { content?: Record<string, { schema?: Schema }> };
  readonly parameters?: { name: string; in: string; schema?: Schema }[];
}
interface Schema {
  readonly type?: string | string[];
  readonly properties?: Record<string, Schema>;
  readonly items?: Schema;
}

/** Values of every wrong kind for a property. */
const WRONG_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1e308,
  -1e308,
  1.5,
  "",
  "x".repeat(100_000),
  "\u0000",
  "\ud800",
  "%00",
  "../../etc/passwd",
  "' or '1'='1",
  "<script>alert(1)</script>",
  [],
  [null],
  {},
  { $ne: null },
  "1970-01-01T00:00:00Z",
  "9999-99-99",
  "00000000-0000-0000-0000-000000000000",
];

/** Path parameter values, raw (already URL-safe or deliberately not). */
const PARAMS = [
  "00000000-0000-4000-8000-000000000000",
  "jp",
  "%00",
  "%2e%2e%2f%2e%2e",
  "..",
  "%E0%A4%A",
  "x".repeat(5000),
  "-1",
  "1e308",
  "%27%20or%201%3D1",
  "%F0%9F%98%80",
];

function bodiesFor(schema: Schema | undefined): { type: string; payload: string }[] {
  const json = (v: unknown) => ({ type: "application/json", payload: JSON.stringify(v) });
  const out = [
    json({}),
    json([]),
    json("text"),
    json(null),
    { type: "application/json", payload: "{not json" },
    { type: "application/json", payload: `{"a":${"[".repeat(5000)}` },
    { type: "text/plain", payload: "hello" },
    { type: "application/pdf", payload: "%PDF-1.7\n%%EOF" },
    { type: "multipart/form-data; boundary=x", payload: '--x\r\nContent-Disposition: form-data; name="meta"\r\n\r\n{' },
    { type: "application/x-www-form-urlencoded", payload: "a=1&b=%ZZ" },
  ];
  for (const [name] of Object.entries(schema?.properties ?? {})) {
    for (const value of WRONG_VALUES) out.push(json({ [name]: value }));
    out.push(json(Object.fromEntries(Object.keys(schema!.properties!).map((k) => [k, { nested: [k] }]))));
  }
  return out;
}

describe("every OpenAPI route under hostile input answers without a 5xx", () => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let official: string;
  let operations: { method: string; path: string; operation: Operation }[];

  before(async () => {
    platform = await startPlatform("pglite", { verifyPerMinute: 100_000, protocolPerMinute: 100_000 });
    app = platform.app;
    official = await login(app, "official@jp.demo");
    const document = (await app.inject({ method: "GET", url: "/api/openapi.json" })).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod)
        .filter(([method]) => ["get", "post", "put", "patch", "delete"].includes(method))
        .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
    );
  });
  after(() => platform.close());

  it("covers the document", () => {
    assert.ok(operations.length >= 40, `${operations.length} operations`);
  });

  it("every route schema compiles (they are compiled lazily, at first use)", async () => {
    // A route not requested yet still has its schemas waiting: validators and response serialisers alike.
    const before = await app.inject({
      method: "GET",
      url: "/api/me",
      headers: { authorization: `Bearer ${official}` },
    });
    assert.equal(before.statusCode, 200);
    const compiled = await app.compileSchemas();
    assert.ok(compiled >= operations.length, `${compiled} schemas compiled for ${operations.length} operations`);
    assert.equal(await app.compileSchemas(), 0, "nothing is left to compile");
    // The compiled functions are the ones the routes use: a response is still serialised by its schema.
    const after = await app.inject({ method: "GET", url: "/api/me", headers: { authorization: `Bearer ${official}` } });
    assert.deepEqual(after.json(), before.json());
  });

  it("malformed bodies, wrong types, hostile path parameters and queries, under every identity", async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const { method, path, operation } of operations) {
      // Logging out or disabling would only end the fuzzing identities' sessions; nothing is learnt from it here.
      if (path === "/api/auth/logout") continue;
      const schema = Object.values(operation.requestBody?.content ?? {})[0]?.schema;
      const urls = PARAMS.map((value) => path.replace(/\{[^}]+\}/g, value));
      const queries = ["", "?limit=-1", "?limit=1e308&cursor=%00", "?tab=%27&format=x", `?${"a=1&".repeat(500)}`];
      for (const token of [undefined, official, ADMIN_TOKEN]) {
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        const requests: { url: string; type?: string; payload?: string }[] = [];
        for (const url of urls) for (const query of queries) requests.push({ url: `${url}${query}` });
        if (method !== "GET" && method !== "DELETE") {
          for (const body of bodiesFor(schema)) requests.push({ url: urls[0]!, ...body });
        }
        for (const r of requests) {
          const response = await app.inject({
            method: method as "GET",
            url: r.url,
            headers: { ...headers, ...(r.type && { "content-type": r.type }) },
            ...(r.payload !== undefined && { payload: r.payload }),
          });
          sent++;
          if (response.statusCode >= 500) {
            failures.push(
              `${method} ${path} [${r.type ?? ""}] ${r.url.slice(0, 80)} ${r.payload?.slice(0, 60) ?? ""} → ${response.statusCode} ${response.body.slice(0, 160)}`,
            );
          } else if (response.statusCode >= 400 && response.headers["content-type"]?.toString().includes("json")) {
            const body = response.json<{ error?: { code?: string } }>();
            if (typeof body.error?.code !== "string")
              failures.push(`${method} ${path}: ${response.statusCode} without an error code`);
          }
        }
      }
    }
    assert.ok(sent > 2000, `${sent} requests`);
    const distinct = [...new Set(failures)];
    assert.deepEqual(distinct.slice(0, 30), [], `${failures.length} failures of ${sent} requests`);
  });
});
