// The cache of officials' opened platform-held keys (tenancy/signing-keys.ts SignerCache): a key file is opened
// (decrypted and checked against its certificate) once per certificate and key reference, a failed open is not
// kept, a revocation forgets the certificate's signer, and the cache stays within its bound.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createRootCertificate } from "@khatam/core/pki";
import { DeviceKeyError, SignerCache, toKeyRef } from "../src/tenancy/signing-keys.js";
import { type KeyStore, softwareKeyStore } from "../src/trust/keys.js";

describe("SignerCache", () => {
  let dir: string;
  let store: KeyStore;
  let opens = 0;
  const rows: { id: string; ca_id: string; serial: string; der: Uint8Array; key_ref: ReturnType<typeof toKeyRef> }[] =
    [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "khatam-signer-cache-"));
    const files = softwareKeyStore(dir, Buffer.alloc(32, 7));
    store = {
      ...files,
      open: (reference) => {
        opens++;
        return files.open(reference);
      },
    };
    for (let i = 0; i < 3; i++) {
      const { key, reference } = await files.createNamed(`user-test-${i}`, "P-256");
      const cert = await createRootCertificate({
        subject: { commonName: `Official ${i}`, country: "JP" },
        signer: key.signer,
      });
      rows.push({ id: `c${i}`, ca_id: "jp", serial: `0${i}AB`, der: cert.der, key_ref: toKeyRef(reference) });
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("opens a key once per certificate and key reference; concurrent callers share the opening", async () => {
    const cache = new SignerCache(store);
    opens = 0;
    const [a, b] = await Promise.all([cache.signerFor(rows[0]!), cache.signerFor(rows[0]!)]);
    assert.equal(a, b);
    assert.equal(await cache.signerFor({ ...rows[0]!, der: new Uint8Array(rows[0]!.der) }), a);
    assert.equal(opens, 1);
    // Another key reference for the same certificate id is another entry (the key was replaced).
    await cache.signerFor({ ...rows[0]!, key_ref: rows[1]!.key_ref, der: rows[1]!.der });
    assert.equal(opens, 2);
  });

  test("a revocation forgets the certificate's signer; clear forgets all", async () => {
    const cache = new SignerCache(store);
    opens = 0;
    await cache.signerFor(rows[0]!);
    await cache.signerFor(rows[1]!);
    cache.dropSerial("jp", "01ab"); // serials compare case-insensitively
    assert.equal(cache.size, 1);
    await cache.signerFor(rows[1]!);
    assert.equal(opens, 3);
    cache.clear();
    assert.equal(cache.size, 0);
  });

  test("failed opens are not kept; device keys are refused; the least recently used goes first", async () => {
    const cache = new SignerCache(store, 2);
    await assert.rejects(cache.signerFor({ ...rows[0]!, der: rows[1]!.der }), /does not match/);
    assert.equal(cache.size, 0);
    await assert.rejects(cache.signerFor({ ...rows[0]!, key_ref: null }), DeviceKeyError);
    opens = 0;
    await cache.signerFor(rows[0]!);
    await cache.signerFor(rows[1]!);
    await cache.signerFor(rows[0]!); // now the most recently used
    await cache.signerFor(rows[2]!); // evicts rows[1]
    assert.equal(cache.size, 2);
    await cache.signerFor(rows[0]!);
    assert.equal(opens, 3);
    await cache.signerFor(rows[1]!);
    assert.equal(opens, 4);
  });
});
