import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { constants, createPublicKey, verify } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pkcs11js from "pkcs11js";
import { KeyError } from "../src/keys/errors.js";
import {
  generateKeyPairInToken,
  openPkcs11,
  type Pkcs11Session,
  pkcs11Signer,
  pkcs11SignerFromUri,
} from "../src/keys/pkcs11.js";
import { parsePkcs11Uri } from "../src/keys/pkcs11-uri.js";
import type { Signer } from "../src/keys/signer.js";
import { createSoftHsmToken, type SoftHsmToken, softHsmAvailable } from "./support/softhsm.js";

const data = new TextEncoder().encode("memorandum of understanding, page 1");

/** Verifies a signature with Node against the signer's own SPKI, as a validator would against the certificate. */
function verifies(signer: Signer, signature: Uint8Array, message = data): boolean {
  const key = createPublicKey({ key: Buffer.from(signer.publicKeySpki), format: "der", type: "spki" });
  const hash = signer.algorithm.hash.replace("-", "").toLowerCase();
  if (signer.algorithm.kind === "rsa-pss") {
    const { saltLength } = signer.algorithm;
    return verify(hash, message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
  }
  return verify(hash, message, { key, dsaEncoding: "der" }, signature);
}

test("PKCS#11 URIs are parsed per RFC 7512, with binary ids and query attributes", () => {
  const uri = parsePkcs11Uri(
    "pkcs11:token=Agency%20HSM;object=signer%E3%81%82;id=%01%A2;type=private?pin-value=12%2634&module-path=/usr/lib/x.so",
  );
  assert.equal(uri.token, "Agency HSM");
  assert.equal(uri.object, "signerあ");
  assert.deepEqual([...(uri.id ?? [])], [0x01, 0xa2]);
  assert.equal(uri.type, "private");
  assert.equal(uri.pinValue, "12&34");
  assert.equal(uri.modulePath, "/usr/lib/x.so");
  assert.throws(() => parsePkcs11Uri("file:///key.pem"), /not a PKCS#11 URI/);
  assert.throws(() => parsePkcs11Uri("pkcs11:bogus=1"), /unknown PKCS#11 URI attribute/);
});

describe("PKCS#11 keys in SoftHSM2", { skip: !softHsmAvailable() && "softhsm2 is not installed" }, () => {
  let token: SoftHsmToken;
  let session: Pkcs11Session;

  before(async () => {
    token = createSoftHsmToken({ label: "test", pin: "1234" });
    session = await openPkcs11({ module: token.module, token: "test", pin: "1234" });
  });

  after(async () => {
    await session?.close();
    token?.cleanup();
  });

  test("a P-256 key generated in the token signs; the DER ECDSA signature verifies against publicKeySpki", async () => {
    const signer = await generateKeyPairInToken(session, { label: "ec-signer", keyType: "P-256" });
    assert.deepEqual(signer.algorithm, { kind: "ecdsa", hash: "SHA-256" });
    const key = createPublicKey({ key: Buffer.from(signer.publicKeySpki), format: "der", type: "spki" });
    assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
    const signature = await signer.sign(data);
    assert.equal(signature[0], 0x30, "DER SEQUENCE, not P1363 r||s");
    assert.ok(verifies(signer, signature));
    assert.ok(!verifies(signer, signature, new TextEncoder().encode("another text")));
  });

  test("a P-384 key signs with SHA-384", async () => {
    const signer = await generateKeyPairInToken(session, { label: "ec384-signer", keyType: "P-384" });
    assert.deepEqual(signer.algorithm, { kind: "ecdsa", hash: "SHA-384" });
    assert.ok(verifies(signer, await signer.sign(data)));
  });

  test("an RSA key generated in the token signs PKCS#1 v1.5 and PSS", async () => {
    const signer = await generateKeyPairInToken(session, { label: "rsa-signer", keyType: "RSA-2048" });
    assert.deepEqual(signer.algorithm, { kind: "rsa-pkcs1", hash: "SHA-256" });
    assert.ok(verifies(signer, await signer.sign(data)));
    const pss = await pkcs11Signer(session, { id: signer.id }, { pss: true, hash: "SHA-384" });
    assert.deepEqual(pss.algorithm, { kind: "rsa-pss", hash: "SHA-384", saltLength: 48 });
    assert.ok(verifies(pss, await pss.sign(data)));
  });

  test("concurrent signatures on one session are serialised and all verify", async () => {
    const signer = await pkcs11Signer(session, { label: "ec-signer" });
    const messages = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(`document ${i}`));
    const signatures = await Promise.all(messages.map((m) => signer.sign(m)));
    for (const [i, signature] of signatures.entries()) {
      assert.ok(verifies(signer, signature, messages[i]), `signature ${i}`);
    }
  });

  test("generated private keys are sensitive and not extractable: CKA_VALUE cannot be read", async () => {
    await session.run((p11, h) => {
      p11.C_FindObjectsInit(h, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_LABEL, value: "ec-signer" },
      ]);
      const [key] = p11.C_FindObjects(h, 1);
      p11.C_FindObjectsFinal(h);
      assert.ok(key, "the private key exists");
      const flags = p11.C_GetAttributeValue(h, key, [
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_TOKEN },
        { type: pkcs11js.CKA_PRIVATE },
        { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
        { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
      ]);
      assert.deepEqual(
        flags.map((a) => a.value[0]),
        [1, 0, 1, 1, 1, 1],
      );
      assert.throws(() => p11.C_GetAttributeValue(h, key, [{ type: pkcs11js.CKA_VALUE }]), /CKR_ATTRIBUTE_SENSITIVE/);
    });
  });

  test("a key is found through a pkcs11: URI; the signature matches the key generated earlier", async () => {
    const generated = await pkcs11Signer(session, { label: "ec-signer" });
    const uri = `pkcs11:token=test;object=ec-signer;type=private?pin-value=1234&module-path=${token.module}`;
    const { signer, session: uriSession } = await pkcs11SignerFromUri(uri);
    try {
      assert.deepEqual(signer.publicKeySpki, generated.publicKeySpki);
      assert.ok(verifies(generated, await signer.sign(data)));
    } finally {
      await uriSession.close();
    }
    // The first session still works after the second one closed (the module stays initialised while in use).
    assert.ok(verifies(generated, await generated.sign(data)));
  });

  test("pkcs11-tool, an independent client, sees the key as private, sensitive and non-extractable", () => {
    const out = execFileSync(
      "pkcs11-tool",
      [
        "--module",
        token.module,
        "--token-label",
        "test",
        "--login",
        "--pin",
        "1234",
        "--list-objects",
        "--type",
        "privkey",
      ],
      { env: token.env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const block = out.split(/\n(?=Private Key Object)/).find((b) => b.includes("label:      ec-signer"));
    assert.ok(block, out);
    assert.match(block, /sensitive/);
    assert.match(block, /never extractable/);
  });

  test("wrong PIN, unknown token and unknown key give one clear error each", async () => {
    await assert.rejects(pkcs11Signer(session, { label: "missing" }), /no PKCS#11 private key with label "missing"/);
    // Login state is shared by all sessions of an application (PKCS#11 § 5.6): log out by closing ours first.
    await session.close();
    await assert.rejects(openPkcs11({ module: token.module, token: "test", pin: "0000" }), (error: unknown) => {
      return error instanceof KeyError && error.message === "wrong PIN for the PKCS#11 token";
    });
    await assert.rejects(
      openPkcs11({ module: token.module, token: "nope", pin: "1234" }),
      /no PKCS#11 token labelled "nope"/,
    );
    session = await openPkcs11({ module: token.module, token: "test", pin: "1234" });
    assert.equal(session.tokenLabel, "test");
  });
});
