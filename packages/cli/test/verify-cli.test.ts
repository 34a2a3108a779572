// `khatam verify` as a user runs it (CONTRACTS.md § 2, § 4): the built CLI is spawned on valid, tampered,
// untrusted, unreadable and hostile files, with PEM certificates, certificate bundles and ETSI TS 119 612 trusted
// lists as trust; exit codes 0/1/2/3/64, one clear stderr line on bad input, --json as one parseable document, and,
// under faketime, a B-LTA that outlives its signer's certificate while a B-B does not.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { generateKey, softwareSigner } from "@khatam/core/keys";
import { toPem } from "@khatam/core/pki";
import { nonEuTslType, ServiceStatus, ServiceType, type TrustedList, writeTrustedList } from "@khatam/core/trust";
import type { ValidationReport } from "@khatam/core/verify";
// Types only: the test support lives in @khatam/core's test tree, loaded at run time from its build output.
import type * as Fixtures from "../../core/dist/test/support/fixtures.js";
import type * as National from "../../core/dist/test/support/national.js";
import type * as Revisions from "../../core/dist/test/support/revisions.js";
import type * as Tools from "../../core/dist/test/support/tools.js";
import {
  assertOneLineError as assertOneLineFailure,
  type CliResult,
  COMPILED_MAIN,
  LAUNCHER,
  runCli,
  testSupport,
} from "./support/cli.js";

// This file runs as packages/cli/dist/test/verify-cli.test.js.
const here = (path: string) => new URL(path, import.meta.url);

const fixtures = await testSupport<typeof Fixtures>("core", "fixtures");
const nationalSupport = await testSupport<typeof National>("core", "national");
const revisions = await testSupport<typeof Revisions>("core", "revisions");
const tools = await testSupport<typeof Tools>("core", "tools");

/** Runs the command through the launcher (under `faketime TIME` when given) from an unrelated working directory. */
const khatam = (args: string[], options: { faketime?: string } = {}) => runCli(LAUNCHER, args, options);

/** Asserts a failure reported as one clear line on stderr (support/cli.ts), and nothing on stdout. */
function assertOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  assertOneLineFailure(r, code, pattern);
  assert.equal(r.stdout, "", "nothing on stdout");
}

function json(r: CliResult): ValidationReport {
  assert.equal(r.stderr, "");
  return JSON.parse(r.stdout) as ValidationReport;
}

const EXIT = { VALID: 0, INVALID: 1, INDETERMINATE: 2 } as const;

let dir: string;
const file = async (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
};
const paths = {} as Record<
  | "valid"
  | "validPem"
  | "tampered"
  | "modified"
  | "garbage"
  | "truncated"
  | "truncatedRepairable"
  | "truncatedLate"
  | "empty"
  | "bb"
  | "blta"
  | "bundle"
  | "jpRoot"
  | "list"
  | "tamperedList"
  | "notCert",
  string
>;
let national: National.NationalFixtures;

/** A trusted list of both test countries' root CAs, signed by a JP seal certificate (TS 119 612). */
async function trustedList(n: National.NationalFixtures): Promise<string> {
  const { privateKey } = await generateKey("P-256");
  const signer = softwareSigner(privateKey);
  const seal = await n.jp.issue("seal", {
    spki: signer.publicKeySpki,
    subject: { organization: "Digital Agency", commonName: "Digital Agency Trusted List Signer" },
  });
  const now = new Date();
  const address = {
    postal: [{ lang: "en", streetAddress: "1-3 Kioicho", locality: "Tokyo", countryName: "JP" }],
    electronic: ["mailto:trust@digital.go.jp", "https://www.digital.go.jp/en/"],
  };
  const service = (name: string, der: Uint8Array) => ({
    type: ServiceType.caPkc,
    name: { en: name },
    digitalIdentities: [der],
    status: ServiceStatus.granted,
    statusStartingTime: new Date(now.getTime() - 86_400_000),
    history: [],
  });
  const list: TrustedList = {
    schemeOperator: { name: { en: "Digital Agency" }, address },
    schemeTerritory: "JP",
    sequenceNumber: 1,
    issueDate: now,
    nextUpdate: new Date(now.getTime() + 180 * 86_400_000),
    tslType: nonEuTslType("JP"),
    providers: [
      {
        name: { en: "Digital Agency" },
        services: [
          service("Digital Agency Root CA", n.jp.root.certificate),
          service("MCIT Root CA (recognised)", n.sa.root.certificate),
        ],
      },
    ],
  };
  return writeTrustedList(list, { signer, certificate: seal.der });
}

before(async () => {
  dir = await tools.freshDir("verify-cli");
  await mkdir(dir, { recursive: true });
  national = await nationalSupport.nationalFixtures();
  const self = await revisions.testSigner();
  const { pdf } = await revisions.signed(fixtures.plainPdf());
  paths.valid = await file("valid.pdf", pdf);
  paths.validPem = await file("signer.pem", toPem(self.certificate));
  const tampered = Buffer.from(pdf);
  const at = tampered.indexOf("Memorandum of cooperation between");
  tampered[at] = "N".charCodeAt(0);
  paths.tampered = await file("tampered.pdf", tampered);
  paths.modified = await file(
    "modified.pdf",
    revisions.append(pdf, (r, u) => {
      u.set(
        revisions.page(r).dict.get("Contents") as never,
        revisions.stream({}, "BT /F1 12 Tf 72 720 Td (We owe you nothing) Tj ET"),
      );
    }),
  );
  paths.garbage = await file("garbage.pdf", fixtures.garbage());
  paths.truncated = await file("truncated.pdf", fixtures.truncated(pdf, 0.01));
  paths.truncatedRepairable = await file("truncated-30.pdf", fixtures.truncated(pdf, 0.3));
  paths.truncatedLate = await file("truncated-97.pdf", fixtures.truncated(pdf, 0.97));
  paths.empty = await file("empty.pdf", new Uint8Array(0));
  paths.bb = await file("bb.pdf", national.bb);
  paths.blta = await file("blta.pdf", national.bLta);
  paths.bundle = await file(
    "bundle.pem",
    [national.jp.issuing.certificate, national.jp.root.certificate, national.sa.root.certificate]
      .map((c) => toPem(c))
      .join(""),
  );
  paths.jpRoot = await file("jp-root.pem", toPem(national.jp.root.certificate));
  const xml = await trustedList(national);
  paths.list = await file("list.xml", xml);
  // One character of the MCIT root's base64 changed: the XAdES signature no longer verifies.
  const b64 = Buffer.from(national.sa.root.certificate).toString("base64");
  const i = xml.indexOf(b64) + 40;
  assert.ok(i > 40);
  paths.tamperedList = await file(
    "list-tampered.xml",
    xml.slice(0, i) + (xml[i] === "A" ? "B" : "A") + xml.slice(i + 1),
  );
  paths.notCert = await file(
    "not-a-cert.pem",
    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
  );
});

describe("exit codes", () => {
  test("0: a valid signature with its signer trusted; text names signer, indication, chain, modifications", async () => {
    const r = await khatam(["verify", paths.valid, "--trust", paths.validPem, "--offline"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /Verdict: VALID/);
    assert.match(r.stdout, /Signer: +CN=Diff Test Signer,C=JP \[JP\]/);
    assert.match(r.stdout, /Result: +TOTAL_PASSED/);
    assert.match(r.stdout, /Chain: +CN=Diff Test Signer,C=JP \(trust anchor\)/);
    assert.match(r.stdout, /changes after signing: NONE/);
    assert.match(r.stdout, /SHA-256 [0-9a-f]{64}/);
  });

  test("1: a byte changed in the signed range (HASH_FAILURE)", async () => {
    const r = await khatam(["verify", paths.tampered, "--trust", paths.validPem, "--offline"]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /Verdict: INVALID/);
    assert.match(r.stdout, /TOTAL_FAILED \/ HASH_FAILURE/);
  });

  test("1: page content rewritten after signing (modifications OTHER), and the reason is printed", async () => {
    const r = await khatam(["verify", paths.modified, "--trust", paths.validPem, "--offline"]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /changes after signing: OTHER/);
    assert.match(r.stdout, /Error: +changed after signing: .*Contents/);
  });

  test("2: untrusted (no trust given, or another country's root)", async () => {
    for (const trust of [[], ["--trust", paths.jpRoot]]) {
      const r = await khatam(["verify", paths.valid, ...trust, "--offline", "--json"]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const report = json(r);
      assert.equal(report.verdict, "INDETERMINATE");
      assert.equal(report.signatures[0]!.subIndication, "NO_CERTIFICATE_CHAIN_FOUND");
    }
  });

  test("3: garbage, truncated, empty, missing file, a directory — one clear line each", async () => {
    assertOneLineError(await khatam(["verify", paths.garbage]), 3, /garbage\.pdf: not a readable PDF/);
    assertOneLineError(await khatam(["verify", paths.truncated]), 3, /truncated\.pdf: not a readable PDF/);
    assertOneLineError(await khatam(["verify", paths.empty]), 3, /empty\.pdf: not a readable PDF/);
    // A cut that keeps the catalog is repaired by scanning (as viewers do): readable, but the signature is gone
    // (no signatures: 2) or broken (1) — never VALID.
    const repaired = await khatam(["verify", paths.truncatedRepairable, "--trust", paths.validPem, "--offline"]);
    assert.equal(repaired.code, 2, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /no signatures/);
    const late = await khatam(["verify", paths.truncatedLate, "--trust", paths.validPem, "--offline"]);
    assert.ok([1, 2, 3].includes(late.code), late.stdout + late.stderr);
    assertOneLineError(await khatam(["verify", join(dir, "missing.pdf")]), 3, /missing\.pdf: no such file/);
  });

  test("64: no arguments, unknown option, unreadable or invalid trust files, bad --at", async () => {
    assertOneLineError(await khatam(["verify"]), 64, /give a PDF file or a folder/);
    assertOneLineError(await khatam(["verify", paths.valid, "--frobnicate"]), 64, /frobnicate/);
    assertOneLineError(
      await khatam(["verify", paths.valid, "--trust", join(dir, "nope.pem")]),
      64,
      /cannot read trust file .*nope\.pem/,
    );
    assertOneLineError(await khatam(["verify", paths.valid, "--trust", dir]), 64, /cannot read trust file/);
    assertOneLineError(await khatam(["verify", paths.valid, "--trust", paths.notCert]), 64, /not-a-cert\.pem/);
    assertOneLineError(await khatam(["verify", paths.valid, "--at", "yesterday"]), 64, /--at needs an ISO 8601 time/);
  });

  test("--policy FILE: a constraint made a warning turns INDETERMINATE into VALID; a bad policy is a usage error", async () => {
    const lenient = await file("lenient.json", JSON.stringify({ constraints: { "xcv.noPath": "WARN" } }));
    const r = await khatam(["verify", paths.valid, "--offline", "--json", "--policy", lenient]);
    assert.equal(r.code, EXIT.VALID, r.stderr);
    const s = json(r).signatures[0]!;
    assert.equal(s.indication, "TOTAL_PASSED");
    assert.deepEqual(
      s.findings.map((f) => [f.level, f.id]),
      [["warning", "xcv.noPath"]],
    );
    const text = await khatam(["verify", paths.valid, "--offline", "--policy", lenient]);
    assert.equal(text.code, EXIT.VALID);
    assert.match(text.stdout, /Note: +no certification path from /);
    // The policy changes nothing it does not name: a tampered file still fails.
    const tampered = await khatam(["verify", paths.tampered, "--offline", "--policy", lenient]);
    assert.equal(tampered.code, EXIT.INVALID, tampered.stdout);

    assertOneLineError(
      await khatam(["verify", paths.valid, "--policy", join(dir, "none.json")]),
      64,
      /cannot read policy file .*none\.json/,
    );
    const notJson = await file("not-json.json", "{ constraints: ");
    assertOneLineError(await khatam(["verify", paths.valid, "--policy", notJson]), 64, /not-json\.json: .*JSON/);
    const unknown = await file("unknown.json", JSON.stringify({ constraints: { "xcv.frobnicate": "WARN" } }));
    assertOneLineError(
      await khatam(["verify", paths.valid, "--policy", unknown]),
      64,
      /unknown\.json: unknown check id "xcv\.frobnicate"/,
    );
    const level = await file("level.json", JSON.stringify({ constraints: { "xcv.noPath": "LOUD" } }));
    assertOneLineError(await khatam(["verify", paths.valid, "--policy", level]), 64, /must be FAIL, WARN or IGNORE/);
  });
});

describe("several files and folders in one process", () => {
  test("a folder and files: one report each (JSON lines with the file), exit code the worst", async () => {
    const folder = join(dir, "batch");
    await mkdir(folder, { recursive: true });
    const { readFile, copyFile } = await import("node:fs/promises");
    for (let i = 1; i <= 3; i++) await copyFile(paths.valid, join(folder, `ok-${i}.pdf`));
    await writeFile(join(folder, "notes.txt"), "not a PDF and not named .pdf: skipped");
    const valid = await khatam(["verify", folder, "--trust", paths.validPem, "--offline", "--json"]);
    assert.equal(valid.code, 0, valid.stderr);
    const lines = valid.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as ValidationReport & { file: string });
    assert.deepEqual(
      lines.map((l) => l.file),
      ["ok-1.pdf", "ok-2.pdf", "ok-3.pdf"].map((n) => join(folder, n)),
    );
    assert.ok(lines.every((l) => l.verdict === "VALID"));

    // INVALID outranks an unreadable file, which outranks INDETERMINATE.
    await writeFile(join(folder, "z-garbage.pdf"), await readFile(paths.garbage));
    const unreadable = await khatam(["verify", folder, "--trust", paths.validPem, "--offline", "--json"]);
    assert.equal(unreadable.code, 3);
    const last = JSON.parse(unreadable.stdout.trim().split("\n").at(-1)!) as { file: string; error: string };
    assert.match(last.error, /not a readable PDF/);
    assert.match(unreadable.stderr, /z-garbage\.pdf: not a readable PDF/);
    const invalid = await khatam(["verify", folder, paths.tampered, "--trust", paths.validPem, "--offline"]);
    assert.equal(invalid.code, 1);
    assert.equal(invalid.stdout.match(/^Verdict: /gm)?.length, 4, invalid.stdout);
    const untrusted = await khatam(["verify", paths.valid, paths.valid, "--offline"]);
    assert.equal(untrusted.code, 2);

    // A reader that stops after the first line (`| head -1`) closes the pipe: no crash, no stack trace.
    const many = join(dir, "many");
    await mkdir(many, { recursive: true });
    for (let i = 1; i <= 40; i++) await copyFile(paths.valid, join(many, `doc-${String(i).padStart(2, "0")}.pdf`));
    const child = spawn(process.execPath, [LAUNCHER, "verify", many, "--trust", paths.validPem, "--offline", "--json"]);
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.doesNotMatch(stderr, /EPIPE|at .*\.js:\d+/, "no stack trace when the reader goes away");
    assert.notEqual(code, null, "it exits by itself");
  });
});

describe("the launcher", () => {
  test("runs verify from the CommonJS bundle with a code cache V8 accepts, and the same report as the modules", async () => {
    // The build (scripts/bundle.mjs, at `npm ci`) made both; the launcher prefers them when they are current.
    const bundle = fileURLToPath(here("../bundle/verify.cjs"));
    const { existsSync, readFileSync } = await import("node:fs");
    assert.ok(existsSync(bundle) && existsSync(`${bundle}.v8cache`), "the build made verify.cjs and its code cache");
    const vm = await import("node:vm");
    const { wrap } = (await import("node:module")).default;
    const script = new vm.Script(wrap(readFileSync(bundle, "utf8")), {
      filename: bundle,
      cachedData: readFileSync(`${bundle}.v8cache`),
    });
    assert.equal(script.cachedDataRejected, false, "V8 accepts the code cache");

    const args = ["verify", paths.valid, "--trust", paths.validPem, "--offline", "--json"];
    const launched = await khatam(args);
    const modules = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [COMPILED_MAIN, ...args]);
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("error", reject);
      child.on("close", () => resolve(out));
    });
    assert.equal(launched.code, 0, launched.stderr);
    assert.deepEqual(JSON.parse(launched.stdout), JSON.parse(modules));
  });
});

describe("trust from bundles and trusted lists", () => {
  test("a PEM bundle (JP issuing + JP root + SA root) trusts the co-signed B-LTA offline", async () => {
    const r = await khatam(["verify", paths.blta, "--trust", paths.bundle, "--offline", "--json"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = json(r);
    assert.equal(report.verdict, "VALID");
    assert.deepEqual(
      report.signatures.map((s) => [s.level, s.signer?.country ?? null]),
      [
        ["B-LTA", "JP"],
        ["B-LTA", "SA"],
        ["none", "JP"],
      ],
    );
  });

  test("a trusted list made by writeTrustedList supplies its anchors; a tampered one is a usage error", async () => {
    const r = await khatam(["verify", paths.blta, "--trust", paths.list, "--offline"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /← CN=Digital Agency Root CA,O=Digital Agency,C=JP \(trust anchor\)/);
    assert.match(r.stdout, /← CN=MCIT Root CA,O=MCIT,C=SA \(trust anchor\)/);
    assertOneLineError(
      await khatam(["verify", paths.blta, "--trust", paths.tamperedList, "--offline"]),
      64,
      /list-tampered\.xml: .*signature is not valid/,
    );
  });
});

describe("--json", () => {
  test("prints exactly one JSON document whose verdict matches the exit code", async () => {
    for (const [pdf, trust] of [
      [paths.valid, paths.validPem],
      [paths.tampered, paths.validPem],
      [paths.valid, paths.jpRoot],
      [paths.blta, paths.bundle],
    ] as const) {
      const r = await khatam(["verify", pdf, "--trust", trust, "--offline", "--json"]);
      const report = json(r);
      assert.equal(r.code, EXIT[report.verdict], r.stdout);
      assert.match(report.sha256, /^[0-9a-f]{64}$/);
      assert.ok(Array.isArray(report.signatures) && report.signatures.length > 0);
    }
  });
});

describe("validation time", () => {
  const YEAR = 365.25 * 24 * 3600 * 1000;
  /** Three years after both officials' certificates expired, as faketime's absolute format. */
  const later = () => {
    const expiry = Math.max(national.jpOfficial.notAfter.getTime(), national.saOfficial.notAfter.getTime());
    return new Date(expiry + 3 * YEAR);
  };
  const faketimeFormat = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19);

  test("under faketime, three years after expiry: B-LTA exits 0, B-B exits 2 with OUT_OF_BOUNDS_NO_POE", async () => {
    const at = faketimeFormat(later());
    // Today, offline, the B-B is only "try later" (its certificate names an OCSP responder): the shifted clock is
    // what turns it into OUT_OF_BOUNDS_NO_POE below.
    const today = await khatam(["verify", paths.bb, "--trust", paths.bundle, "--offline", "--json"]);
    assert.equal(json(today).signatures[0]!.subIndication, "TRY_LATER");
    const lta = await khatam(["verify", paths.blta, "--trust", paths.bundle, "--offline", "--json"], { faketime: at });
    assert.equal(lta.code, 0, lta.stdout + lta.stderr);
    assert.ok(json(lta).signatures.every((s) => s.indication === "TOTAL_PASSED"));
    const bb = await khatam(["verify", paths.bb, "--trust", paths.bundle, "--offline", "--json"], { faketime: at });
    assert.equal(bb.code, 2, bb.stdout + bb.stderr);
    const s = json(bb).signatures[0]!;
    assert.equal(s.indication, "INDETERMINATE");
    assert.equal(s.subIndication, "OUT_OF_BOUNDS_NO_POE");
    assert.ok(
      s.errors.some((e) => /expired/.test(e)),
      s.errors.join("\n"),
    );
  });

  test("--at gives the same answers without faketime", async () => {
    const at = later().toISOString();
    const lta = await khatam(["verify", paths.blta, "--trust", paths.bundle, "--offline", "--at", at]);
    assert.equal(lta.code, 0, lta.stdout);
    const bb = await khatam(["verify", paths.bb, "--trust", paths.bundle, "--offline", "--at", at]);
    assert.equal(bb.code, 2, bb.stdout);
    assert.match(bb.stdout, /INDETERMINATE \/ OUT_OF_BOUNDS_NO_POE/);
  });
});
