/**
 * GET /trust/list.xml across restarts: the TL-signing key is kept like the CA keys (encrypted in the database, or an object
 * in the PKCS#11 token), the released list is served byte for byte after a restart, and a new release, with the next
 * sequence number, comes only when the content changes or half of the announced validity has passed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseTrustedList, trustAnchorsFromTrustedList } from "@khatam/core/trust";
import { buildApp } from "../src/app.js";
import { ADMIN_TOKEN, adminPost, makeCsr, startApp, storedTrustState, temporaryDirectory } from "./support/server.js";
import { createSoftHsmToken, softHsmAvailable } from "./support/softhsm.js";

const DAY = 24 * 3600 * 1000;

async function list(url: string): Promise<Buffer> {
  const response = await fetch(`${url}/trust/list.xml`);
  assert.equal(response.status, 200);
  return Buffer.from(await response.arrayBuffer());
}

describe("the platform's trusted list, persistent", () => {
  it("keeps the TL-signing key encrypted, serves the same release after a restart, and numbers releases", async () => {
    const data = temporaryDirectory();
    const work = temporaryDirectory("khatam-work-");
    try {
      const first = await startApp(data.path);
      const xml1 = await list(first.url);
      assert.equal(parseTrustedList(xml1).sequenceNumber, 1);
      // Issuing an end-entity certificate does not change the list.
      const { csr } = await makeCsr(work.path, "official", "/C=JP/O=Digital Agency/CN=Hanako Sato");
      const issued = await adminPost(`${first.url}/api/admin/cas/jp/certificates`, {
        profile: "official",
        csrPem: readFileSync(csr, "utf8"),
      });
      assert.equal(issued.status, 201);
      assert.deepEqual(await list(first.url), xml1);
      await first.close();

      const { state, keys } = await storedTrustState(data.path);
      assert.equal(state.trustedList.key.kind, "file");
      assert.match(state.trustedList.key.file ?? "", /^platform-tl-signer-[0-9a-f]{12}\.key\.pem$/);
      assert.match(keys.get(state.trustedList.key.file ?? "") ?? "", /BEGIN ENCRYPTED PRIVATE KEY/);
      assert.equal(state.trustedList.release.sequenceNumber, 1);

      // Same data directory and public URL: the same release, byte for byte.
      const url = new URL(first.url);
      const second = await buildApp({ dataDir: data.path, publicUrl: first.url, adminToken: ADMIN_TOKEN });
      try {
        const again = await second.inject({ method: "GET", url: "/trust/list.xml" });
        assert.equal(again.statusCode, 200, url.href);
        assert.deepEqual(again.rawPayload, xml1);
        // Past half of the six months announced: a new release with the next number, signed by the same key.
        const later = await second.trustStore.trustedList(new Date(Date.now() + 100 * DAY));
        const next = parseTrustedList(later);
        assert.equal(next.sequenceNumber, 2);
        const signer = second.trustStore.trustedListSigningCertificate()!;
        await trustAnchorsFromTrustedList(new Uint8Array(Buffer.from(later)), { expectedSigner: [signer] });
        await trustAnchorsFromTrustedList(new Uint8Array(xml1), { expectedSigner: [signer] });
      } finally {
        await second.close();
      }
      const reopened = (await storedTrustState(data.path)).state;
      assert.equal(reopened.trustedList.release.sequenceNumber, 2);
    } finally {
      data.remove();
      work.remove();
    }
  });

  it("keeps the TL-signing key in the PKCS#11 token when one is configured", {
    skip: !softHsmAvailable() && "SoftHSM2 not installed",
  }, async () => {
    const token = createSoftHsmToken();
    const data = temporaryDirectory();
    const pkcs11 = { module: token.module, token: token.label, pin: token.pin };
    try {
      const first = await startApp(data.path, { pkcs11 });
      const xml = await list(first.url);
      await first.close();
      const objects = execFileSync(
        "pkcs11-tool",
        ["--module", token.module, "--token-label", token.label, "--login", "--pin", token.pin, "--list-objects"],
        { env: token.env, encoding: "utf8" },
      );
      assert.match(objects, /label:\s+khatam-platform-tl-signer/);
      const { state, keys } = await storedTrustState(data.path);
      assert.equal(state.trustedList.key.kind, "pkcs11");
      assert.equal(keys.size, 0, "no software key when a token is configured");
      const second = await buildApp({ dataDir: data.path, publicUrl: first.url, pkcs11 });
      try {
        const later = await second.trustStore.trustedList(new Date(Date.now() + 100 * DAY));
        assert.equal(parseTrustedList(later).sequenceNumber, 2, "signed again with the token's key");
        const signer = second.trustStore.trustedListSigningCertificate()!;
        await trustAnchorsFromTrustedList(new Uint8Array(Buffer.from(later)), { expectedSigner: [signer] });
        await trustAnchorsFromTrustedList(new Uint8Array(xml), { expectedSigner: [signer] });
      } finally {
        await second.close();
      }
    } finally {
      data.remove();
      token.cleanup();
    }
  });
});
