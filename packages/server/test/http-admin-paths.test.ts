/**
 * Authorization of the administration routes does not depend on how the URL is spelled (security issue 9.1): the
 * router decodes `%61dmin`, so a guard that tested the raw URL let anonymous callers obtain national CA certificates.
 * Every `/api/admin/…` route of the OpenAPI document is sent anonymously and as an official under every spelling
 * the router might match — percent-encoded, double slashes, trailing slash, case-changed, query strings — over a
 * real socket (raw paths, nothing normalised by a client), and nothing may succeed.
 */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { login, startPlatform, type TestPlatform } from "./support/platform.js";
import { ADMIN_TOKEN } from "./support/server.js";

interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** One request with the path sent byte for byte as given. */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const { hostname, port } = new URL(base);
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The spellings of one path that a router may take for it. */
function spellings(path: string): string[] {
  const hex = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  const encodeFirst = (segment: string) => `${hex(segment[0]!)}${segment.slice(1)}`;
  const parts = path.split("/").filter(Boolean);
  const variants = new Set<string>([
    path,
    `${path}/`,
    `/${path}`,
    path.replace("/api/", "/api//"),
    path.replace("/admin/", "//admin//"),
    path.replace("/api/admin", "/API/ADMIN"),
    path.replace("/admin", "/Admin"),
    path.replace("/admin/", "/admin%2F"),
    path.replace("/admin", "/%2561dmin"),
    `${path}?x=/api/public`,
    `${path}#frag`,
    `${path}/.`,
    path.replace("/api/admin/", "/api/x/../admin/"),
  ]);
  parts.forEach((segment, i) => {
    const copy = [...parts];
    copy[i] = encodeFirst(segment);
    variants.add(`/${copy.join("/")}`);
    copy[i] = [...segment].map(hex).join("");
    variants.add(`/${copy.join("/")}`);
  });
  return [...variants];
}

/** The admin paths with their parameters filled in with values that exist in the demo federation. */
function concrete(path: string): string {
  return path
    .replace(/\{ca\}|:ca\b/g, "jp")
    .replace(/\{serial\}|:serial\b/g, "01")
    .replace(/\{[^}]+\}|:[a-zA-Z]+/g, "00000000-0000-4000-8000-000000000000");
}

const CSR_BODY = JSON.stringify({ profile: "official", csrPem: "-----BEGIN CERTIFICATE REQUEST-----\n" });

describe("admin routes under every spelling of their URL", () => {
  let platform: TestPlatform;
  let official: string;
  let routes: { method: string; path: string }[];

  before(async () => {
    platform = await startPlatform("pglite");
    official = await login(platform.app, "official@jp.demo");
    const document = (await (await fetch(`${platform.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(document.paths)
      .filter(([path]) => path.startsWith("/api/admin"))
      .flatMap(([path, operations]) =>
        Object.keys(operations)
          .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
          .map((method) => ({ method: method.toUpperCase(), path: concrete(path) })),
      );
  });
  after(() => platform.close());

  it("finds the CA administration routes in the OpenAPI document", () => {
    const paths = routes.map((r) => r.path);
    assert.ok(paths.includes("/api/admin/cas/jp/certificates"), paths.join("\n"));
    assert.ok(paths.includes("/api/admin/cas/jp/certificates/01/revoke"), paths.join("\n"));
  });

  it("refuses every spelling anonymously and to an official; never a success, never a 5xx", async () => {
    const seen: string[] = [];
    for (const { method, path } of routes) {
      for (const spelling of spellings(path)) {
        for (const token of [undefined, official]) {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (token) headers.authorization = `Bearer ${token}`;
          const body = method === "GET" || method === "DELETE" ? undefined : CSR_BODY;
          if (!body) delete headers["content-type"];
          const response = await raw(platform.url, method, spelling, headers, body);
          seen.push(`${method} ${spelling} → ${response.status}`);
          assert.ok(
            response.status >= 400 && response.status < 500,
            `${method} ${spelling} (${token ? "official" : "anonymous"}) → ${response.status} ${response.body}`,
          );
          // The guard answers before any handler or body validation: 401 anonymously, 403 to an official.
          const refused = token ? [403, 404, 405] : [401, 404, 405];
          assert.ok(refused.includes(response.status), `${method} ${spelling} → ${response.status} ${response.body}`);
        }
      }
    }
    assert.ok(seen.length > 100, `only ${seen.length} requests`);
  });

  it("an encoded path that the router matches is guarded like the plain one", async () => {
    for (const path of [
      "/api/%61dmin/cas/jp/certificates",
      "/api/admin/cas/jp/certificates/",
      "/api/ad%6Din/cas/%6Ap/certificates",
    ]) {
      const anonymous = await raw(platform.url, "POST", path, { "content-type": "application/json" }, CSR_BODY);
      assert.ok([401, 404].includes(anonymous.status), `${path} → ${anonymous.status} ${anonymous.body}`);
      const asOfficial = await raw(
        platform.url,
        "POST",
        path,
        { "content-type": "application/json", authorization: `Bearer ${official}` },
        CSR_BODY,
      );
      assert.ok([403, 404].includes(asOfficial.status), `${path} → ${asOfficial.status} ${asOfficial.body}`);
      // The administrator reaches the handler (a 400 for the broken CSR), proving the route itself was matched.
      const asAdmin = await raw(
        platform.url,
        "POST",
        path,
        { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
        CSR_BODY,
      );
      if (anonymous.status !== 404) assert.equal(asAdmin.status, 400, `${path}: ${asAdmin.body}`);
    }
  });
});
