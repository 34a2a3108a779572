#!/usr/bin/env node
// Bundles the command line into dist/bundle/ after the TypeScript build: Node then reads a handful of files instead
// of resolving several hundred modules (issue 14.5). Two bundles:
// - main.js, ESM, one chunk per lazily loaded command, for every command;
// - verify.cjs, CommonJS, `khatam verify` alone, which bin/khatam.cjs runs with V8's code cache. The cache is made
//   here by verifying a freshly signed document once, so the first verification a user runs is already fast.
// bin/khatam.cjs runs dist/src/main.js when there is no bundle, so a build without esbuild still works.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_ESM, prepareBundle } from "../../../scripts/esbuild-bundle.mjs";

const { esbuild, dir: cli, outdir } = await prepareBundle(import.meta.url, "cli", "the command");
await esbuild.build({
  ...NODE_ESM,
  entryPoints: { main: join(cli, "dist", "src", "main.js") },
  outdir,
  // The PKCS#11 binding is a native addon, loaded only for pkcs11: keys.
  external: ["pkcs11js"],
});

// The CommonJS bundles run in a vm.Script (for the code cache), where import() is not available without an
// experimental flag: esbuild turns import() into require(), and trusted lists, which bring the XML signature stack
// and are rarely given, come from a bundle of their own, required only then.
const commonJs = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  supported: { "dynamic-import": false },
  external: ["pkcs11js"],
  // The core finds its optional pure-JS fallbacks with createRequire(import.meta.url).
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  minifySyntax: true,
  logLevel: "warning",
};
const trustedList = "@khatam/core/trust";
await esbuild.build({
  ...commonJs,
  entryPoints: [join(cli, "dist", "src", "verify-main.js")],
  outfile: join(outdir, "verify.cjs"),
  plugins: [
    {
      name: "trusted-list-apart",
      setup(build) {
        build.onResolve({ filter: /^@khatam\/core\/trust$/ }, () => ({
          path: "./trusted-list.cjs",
          external: true,
        }));
      },
    },
  ],
});
await esbuild.build({
  ...commonJs,
  entryPoints: [fileURLToPath(import.meta.resolve(trustedList))],
  outfile: join(outdir, "trusted-list.cjs"),
});

// The code cache: one verification of a document signed here with a throw-away P-256 test PKI.
const { createNationalPki, inProcessTsa, toPem } = await import("@khatam/core/pki");
const { generateKey, softwareSigner } = await import("@khatam/core/keys");
const { signPdf } = await import("@khatam/core/sign");
const { textDocument } = await import("@khatam/core/appearance");
const pki = await createNationalPki({
  id: "warm",
  country: "JP",
  organization: "Code Cache",
  keyType: "P-256",
  publicUrl: "http://127.0.0.1:1",
});
const { privateKey, publicKey } = await generateKey("P-256");
const issued = await pki.issue("official", {
  spki: publicKey,
  subject: { commonName: "Warm Up", organization: "Code Cache", country: "JP" },
});
const signed = await signPdf(textDocument([{ text: "Code cache" }]), {
  signer: softwareSigner(privateKey),
  certificate: issued.der,
  chain: [pki.issuing.certificate, pki.root.certificate],
  level: "B-T",
  timestamp: inProcessTsa(pki),
});
const work = mkdtempSync(join(tmpdir(), "khatam-warm-"));
try {
  writeFileSync(join(work, "signed.pdf"), signed);
  writeFileSync(join(work, "root.pem"), toPem(pki.root.certificate));
  // Offline, without revocation data, the verdict is INDETERMINATE (exit 2): what matters is that it ran.
  for (const json of [[], ["--json"]]) {
    const args = ["verify", join(work, "signed.pdf"), "--trust", join(work, "root.pem"), "--offline", ...json];
    const { status } = spawnSync(process.execPath, [join(cli, "bin", "khatam.cjs"), ...args], { stdio: "ignore" });
    if (status === null || status > 2) throw new Error(`khatam cli: the code-cache run failed (exit ${status})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
