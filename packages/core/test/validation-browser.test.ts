// validatePdf in a browser (DESIGN.md principle 4: the public verification page checks a document without uploading
// it). src/browser.ts is bundled with esbuild for the browser ("browser" condition: #crypto → crypto/browser.ts) and
// loaded by a page in Debian's Chromium, driven by playwright-core. The page fetches a signed PDF as bytes, its trust
// anchors as PEM, and validates it; OCSP requests go to the national PKIs' responders, which this test's HTTP server
// plays. Every request the browser makes is intercepted: only our server is contacted and no request carries the PDF.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { extendToLongTerm } from "../src/pades/long-term.js";
import { signPdf } from "../src/pades/sign.js";
import { toPem } from "../src/pki/certificate.js";
import { createNationalPki, type NationalPki } from "../src/pki/national-pki.js";
import { trustAnchorsFrom } from "../src/trust/anchors.js";
import type { ValidationReport } from "../src/validation/report.js";
import { validatePdf } from "../src/validation/validate.js";
import { CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } from "./support/chromium.js";
import { plainPdf } from "./support/fixtures.js";
import { inProcessTsa, official } from "./support/national.js";

/** The verification page: loads the bundle and exposes one function for the test to call. */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Verify a document — Khatam</title></head>
<body><p id="state">loading</p>
<script type="module">
import { trustAnchorsFrom, validatePdf } from "/khatam-browser.js";
window.khatamVerify = async (documentUrl, anchorUrls, validationTime, useNetwork) => {
  const bytes = new Uint8Array(await (await fetch(documentUrl)).arrayBuffer());
  const trustAnchors = [];
  for (const url of anchorUrls) trustAnchors.push(...trustAnchorsFrom(await (await fetch(url)).text(), url));
  const options = { trustAnchors, validationTime: new Date(validationTime) };
  if (useNetwork) options.online = { fetch };
  const report = await validatePdf(bytes, options);
  return {
    report: JSON.parse(JSON.stringify(report)),
    globals: { Buffer: typeof globalThis.Buffer, process: typeof globalThis.process, require: typeof globalThis.require },
  };
};
document.getElementById("state").textContent = "ready";
</script></body></html>`;

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly bodyBytes: number;
}

const readBody = (req: IncomingMessage) =>
  new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });

describe("validatePdf in Chromium", { skip: skipWithoutChromium }, () => {
  let server: Server;
  let origin: string;
  let bundle: string;
  let jp: NationalPki;
  let sa: NationalPki;
  const documents = new Map<string, Uint8Array>();
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const browserRequests: SeenRequest[] = [];
  const foreignRequests: string[] = [];

  before(async () => {
    const bundling = build({
      entryPoints: [fileURLToPath(new URL("../src/browser.js", import.meta.url))],
      bundle: true,
      platform: "browser",
      conditions: ["browser"],
      format: "esm",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    // The server starts first: the PKIs' certificates name its OCSP responders and CRLs (AIA, CRL DP).
    server = createServer(async (req, res) => {
      try {
        const url = new URL(req.url ?? "/", origin);
        const pki = /^\/pki\/([a-z]+)\/(ocsp|crl)$/.exec(url.pathname);
        if (url.pathname === "/") {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
        } else if (url.pathname === "/khatam-browser.js") {
          res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(bundle);
        } else if (url.pathname.startsWith("/docs/") && documents.has(url.pathname.slice(6))) {
          res.writeHead(200, { "content-type": "application/pdf" }).end(documents.get(url.pathname.slice(6)));
        } else if (url.pathname === "/anchors/jp.pem" || url.pathname === "/anchors/sa.pem") {
          const root = (url.pathname.includes("jp") ? jp : sa).root.certificate;
          res.writeHead(200, { "content-type": "application/x-pem-file" }).end(toPem(root));
        } else if (pki && (pki[1] === "jp" || pki[1] === "sa")) {
          const which = pki[1] === "jp" ? jp : sa;
          if (pki[2] === "crl") {
            res.writeHead(200, { "content-type": "application/pkix-crl" }).end(await which.crl());
          } else {
            const answer = await which.ocspRespond(await readBody(req));
            res.writeHead(200, { "content-type": "application/ocsp-response" }).end(answer);
          }
        } else {
          res.writeHead(404).end("not found");
        }
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    assert.ok(address && typeof address === "object");
    origin = `http://127.0.0.1:${address.port}`;

    [jp, sa] = await Promise.all([
      createNationalPki({
        id: "jp",
        country: "JP",
        organization: "Digital Agency",
        keyType: "P-256",
        publicUrl: origin,
      }),
      createNationalPki({ id: "sa", country: "SA", organization: "MCIT", keyType: "RSA-3072", publicUrl: origin }),
    ]);
    const [jpOfficial, saOfficial] = await Promise.all([official(jp, "Taro Yamada"), official(sa, "Abdullah Al-Saud")]);
    const memo = plainPdf();
    const jpSigned = await signPdf(memo, {
      ...jpOfficial,
      level: "B-T",
      timestamp: inProcessTsa(jp),
      reason: "Approved",
    });
    const coSigned = await signPdf(jpSigned, { ...saOfficial, level: "B-T", timestamp: inProcessTsa(sa) });
    const tampered = coSigned.slice();
    const at = Buffer.from(tampered).indexOf("Memorandum of cooperation between");
    assert.ok(at > 0);
    tampered[at] = "N".charCodeAt(0);
    const bLta = await extendToLongTerm(coSigned, {
      level: "B-LTA",
      fetch, // Node's, to this server's responders
      extraCertificates: [jp.root.certificate, sa.root.certificate],
      timestamp: inProcessTsa(jp),
    });
    documents.set("jp-bt.pdf", jpSigned);
    documents.set("jp-sa-bt.pdf", coSigned);
    documents.set("jp-sa-bt-tampered.pdf", tampered);
    documents.set("jp-sa-blta.pdf", bLta);
    const bundled = await bundling;
    bundle = bundled.outputFiles[0]!.text;
    // The "browser" condition chose the pure-JavaScript crypto, and nothing in the bundle is a Node built-in.
    const inputs = Object.keys(bundled.metafile.inputs);
    assert.ok(inputs.some((i) => i.endsWith("crypto/browser.js")));
    assert.ok(!inputs.some((i) => i.endsWith("crypto/node.js") || i.startsWith("node:")), inputs.join("\n"));

    userDataDir = await mkdtemp(join(tmpdir(), "khatam-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    await context.route("**/*", async (route) => {
      const request = route.request();
      browserRequests.push({
        method: request.method(),
        url: request.url(),
        bodyBytes: request.postDataBuffer()?.length ?? 0,
      });
      if (new URL(request.url()).origin !== origin) {
        foreignRequests.push(request.url());
        await route.abort();
      } else {
        await route.continue();
      }
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => document.getElementById("state")?.textContent === "ready", null, {
      timeout: 10_000,
    });
  });

  after(async () => {
    await context?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  /** Validates `name` in the page, and in Node with the same inputs; returns both reports. */
  async function inBothPlaces(name: string, anchors: string[], useNetwork: boolean) {
    const validationTime = new Date().toISOString();
    const fromPage = await page.evaluate(
      ([doc, urls, time, network]) =>
        (
          window as unknown as {
            khatamVerify(
              d: string,
              a: string[],
              t: string,
              n: boolean,
            ): Promise<{ report: ValidationReport; globals: unknown }>;
          }
        ).khatamVerify(doc, urls, time, network),
      [`/docs/${name}`, anchors, validationTime, useNetwork] as const,
    );
    const trustAnchors = anchors.flatMap((a) =>
      trustAnchorsFrom(toPem((a.includes("jp") ? jp : sa).root.certificate), a),
    );
    const inNode = await validatePdf(documents.get(name)!, {
      trustAnchors,
      validationTime: new Date(validationTime),
      ...(useNetwork ? { online: { fetch } } : {}),
    });
    assert.deepEqual(fromPage.globals, { Buffer: "undefined", process: "undefined", require: "undefined" });
    return { browser: fromPage.report, node: JSON.parse(JSON.stringify(inNode)) as ValidationReport };
  }

  const summary = (r: ValidationReport) =>
    JSON.stringify(r.signatures.map((s) => [s.indication, s.subIndication, s.errors]));

  test("JP B-T (ECDSA P-256): VALID in the browser, the same report as in Node", async () => {
    const { browser, node } = await inBothPlaces("jp-bt.pdf", ["/anchors/jp.pem"], true);
    assert.equal(browser.verdict, "VALID", summary(browser));
    assert.equal(browser.signatures.length, 1);
    assert.equal(browser.signatures[0]!.level, "B-T");
    assert.deepEqual(browser.signatures[0]!.revocation, { status: "good", source: "online-ocsp" });
    assert.deepEqual(browser, node);
  });

  test("JP P-256 + SA RSA-3072 co-signed B-T: VALID, both TOTAL_PASSED, the same report as in Node", async () => {
    const { browser, node } = await inBothPlaces("jp-sa-bt.pdf", ["/anchors/jp.pem", "/anchors/sa.pem"], true);
    assert.equal(browser.verdict, "VALID", summary(browser));
    assert.deepEqual(
      browser.signatures.map((s) => [s.signer?.country, s.indication, s.level, s.timestamp?.valid]),
      [
        ["JP", "TOTAL_PASSED", "B-T", true],
        ["SA", "TOTAL_PASSED", "B-T", true],
      ],
    );
    assert.equal(browser.sha256, createHash("sha256").update(documents.get("jp-sa-bt.pdf")!).digest("hex"));
    assert.deepEqual(browser, node);
  });

  test("one byte of page text changed: INVALID (HASH_FAILURE) in the browser", async () => {
    const { browser, node } = await inBothPlaces("jp-sa-bt-tampered.pdf", ["/anchors/jp.pem", "/anchors/sa.pem"], true);
    assert.equal(browser.verdict, "INVALID", summary(browser));
    assert.ok(browser.signatures.some((s) => s.indication === "TOTAL_FAILED" && s.subIndication === "HASH_FAILURE"));
    assert.deepEqual(browser, node);
  });

  test("B-LTA offline: VALID from the document alone, without a single revocation request", async () => {
    const before = browserRequests.length;
    const { browser, node } = await inBothPlaces("jp-sa-blta.pdf", ["/anchors/jp.pem", "/anchors/sa.pem"], false);
    assert.equal(browser.verdict, "VALID", summary(browser));
    assert.deepEqual(
      browserRequests.slice(before).map((r) => `${r.method} ${new URL(r.url).pathname}`),
      ["GET /docs/jp-sa-blta.pdf", "GET /anchors/jp.pem", "GET /anchors/sa.pem"],
    );
    assert.deepEqual(browser, node);
  });

  test("the browser contacted only our server, and no request carried a document", () => {
    assert.deepEqual(foreignRequests, []);
    const paths = new Set(browserRequests.map((r) => `${r.method} ${new URL(r.url).pathname}`));
    assert.ok(paths.has("GET /khatam-browser.js"));
    assert.ok(paths.has("POST /pki/jp/ocsp") && paths.has("POST /pki/sa/ocsp"), [...paths].join(", "));
    const smallest = Math.min(...[...documents.values()].map((d) => d.length));
    for (const r of browserRequests) {
      if (r.method === "GET") continue;
      assert.match(new URL(r.url).pathname, /^\/pki\/(jp|sa)\/ocsp$/, `unexpected ${r.method} ${r.url}`);
      assert.ok(r.bodyBytes > 0 && r.bodyBytes < 1024 && r.bodyBytes < smallest, `${r.url}: ${r.bodyBytes} bytes`);
    }
  });
});
