/**
 * With KHATAM_PKCS11_MODULE the CA, TSA and OCSP keys are generated in the token (SoftHSM2 here), non-extractable,
 * found again by label and id after a restart, and no private key byte reaches the data directory.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openssl, opensslVerifyTimeStamp, saveBody, startApp, temporaryDirectory } from "./support/server.js";
import { createSoftHsmToken, softHsmAvailable } from "./support/softhsm.js";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("trust services with keys in a PKCS#11 token", {
  skip: !softHsmAvailable() && "SoftHSM2 not installed",
}, () => {
  it("generates every key in the token, keeps none on disk, and re-opens them after a restart", async () => {
    const token = createSoftHsmToken();
    const data = temporaryDirectory();
    const work = temporaryDirectory("khatam-work-");
    const pkcs11 = { module: token.module, token: token.label, pin: token.pin };
    try {
      const first = await startApp(data.path, { pkcs11 });
      const chain = await (await fetch(`${first.url}/pki/jp/ca.pem`)).text();
      await first.close();

      const objects = execFileSync(
        "pkcs11-tool",
        ["--module", token.module, "--token-label", token.label, "--login", "--pin", token.pin, "--list-objects"],
        { env: token.env, encoding: "utf8" },
      );
      for (const ca of ["jp", "sa"]) {
        for (const role of ["root", "issuing", "tsa", "ocsp"]) {
          const block = objects
            .split(/\n(?=\S)/)
            .find((b) => b.startsWith("Private Key Object") && b.includes(`label:      khatam-${ca}-${role}\n`));
          assert.ok(block, `private key khatam-${ca}-${role} in the token:\n${objects}`);
          assert.match(block!, /never extractable/);
          assert.match(block!, /always sensitive/);
        }
      }
      // No master key, no key files, and no private key in any file of the data directory (the database included).
      assert.deepEqual(readdirSync(data.path).sort(), ["db"]);
      for (const file of filesUnder(data.path)) assert.doesNotMatch(readFileSync(file, "utf8"), /PRIVATE KEY/);

      const second = await startApp(data.path, { pkcs11 });
      try {
        assert.equal(await (await fetch(`${second.url}/pki/jp/ca.pem`)).text(), chain);
        // The token's issuing CA key signs a fresh CRL that OpenSSL verifies.
        const crl = join(work.path, "jp.crl");
        writeFileSync(crl, Buffer.from(await (await fetch(`${second.url}/pki/jp/crl`)).arrayBuffer()));
        const chainFile = join(work.path, "chain.pem");
        writeFileSync(chainFile, chain);
        const verified = await openssl([
          "crl",
          "-inform",
          "DER",
          "-in",
          crl,
          "-CAfile",
          chainFile,
          "-noout",
          "-verify",
        ]);
        assert.equal(verified.code, 0, verified.stderr);
        // And the token's TSA key time-stamps.
        const document = join(work.path, "doc.txt");
        writeFileSync(document, "signed in the HSM\n");
        const query = join(work.path, "q.tsq");
        await openssl(["ts", "-query", "-data", document, "-sha256", "-cert", "-out", query]);
        const reply = join(work.path, "r.tsr");
        const response = await fetch(`${second.url}/tsa`, {
          method: "POST",
          headers: { "content-type": "application/timestamp-query" },
          body: readFileSync(query),
        });
        await saveBody(response, reply);
        const root = join(work.path, "root.pem");
        writeFileSync(root, chain.split(/(?<=-----END CERTIFICATE-----\n)/)[1]!);
        const ts = await opensslVerifyTimeStamp(reply, query, root, chainFile);
        assert.match(ts.stdout, /Verification: OK/, ts.stderr);
      } finally {
        await second.close();
      }
    } finally {
      data.remove();
      work.remove();
      token.cleanup();
    }
  });
});
