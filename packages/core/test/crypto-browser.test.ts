// The browser implementation of `#crypto` (crypto/browser.ts: @noble/hashes, @noble/curves, BigInt RSA), run in
// Node and compared with the Node implementation (node:crypto) on real keys and signatures: every case must give
// the same answer from both, valid signatures true, corrupted ones false.

import assert from "node:assert/strict";
import { constants, createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { describe, test } from "node:test";
import { children, content, integer, readTlv, sequence } from "../src/cms/der.js";
import * as browser from "../src/crypto/browser.js";
import * as node from "../src/crypto/node.js";
import { modPow } from "../src/crypto/rsa.js";
import type { HashName, SignatureScheme } from "../src/crypto/types.js";

const MESSAGE = new TextEncoder().encode("Memorandum of Cooperation on Digital Government — JP and SA");
const NODE_HASH: Record<HashName, string> = {
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

const spkiOf = (key: KeyObject) => new Uint8Array(key.export({ type: "spki", format: "der" }));
const flip = (bytes: Uint8Array, index: number, bit = 0x01) => {
  const copy = bytes.slice();
  copy[index] = copy[index]! ^ bit;
  return copy;
};

/** Both implementations' verdicts, asserted equal; returns that verdict. */
function bothVerify(spki: Uint8Array, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): boolean {
  const ours = browser.verifySignature(spki, scheme, data, signature);
  const theirs = node.verifySignature(spki, scheme, data, signature);
  assert.equal(ours, theirs, `browser says ${ours}, node:crypto says ${theirs} for ${JSON.stringify(scheme)}`);
  return ours;
}

/** The valid signature verifies; a flipped bit in the signature (first, middle, last byte) or the data does not. */
function assertVerifiesAndCatchesTampering(spki: Uint8Array, scheme: SignatureScheme, signature: Uint8Array) {
  assert.equal(bothVerify(spki, scheme, MESSAGE, signature), true);
  for (const at of [0, signature.length >> 1, signature.length - 1]) {
    assert.equal(bothVerify(spki, scheme, MESSAGE, flip(signature, at)), false, `signature bit flipped at ${at}`);
  }
  assert.equal(bothVerify(spki, scheme, flip(MESSAGE, 5), signature), false, "data bit flipped");
  // RFC 8017 § 8.1.2 / 8.2.2 step 1: a signature of the wrong length is invalid. OpenSSL left-pads a short RSA
  // signature, so when the dropped first byte was 0x00 (about 1 in 100 signatures under a 2047-bit modulus) node
  // still accepts it; the browser implementation follows the RFC. Only ours is asserted in that case.
  const truncated = signature.subarray(1);
  if (signature[0] === 0 && scheme.kind !== "ecdsa") {
    assert.equal(browser.verifySignature(spki, scheme, MESSAGE, truncated), false, "signature truncated");
  } else assert.equal(bothVerify(spki, scheme, MESSAGE, truncated), false, "signature truncated");
}

const rsaKeys = new Map<number, { privateKey: KeyObject; publicKey: KeyObject }>();
const rsa = (bits: number) => {
  let k = rsaKeys.get(bits);
  if (!k) {
    k = generateKeyPairSync("rsa", { modulusLength: bits });
    rsaKeys.set(bits, k);
  }
  return k;
};

describe("browser crypto: digests", () => {
  test("SHA-1/256/384/512 of split input equal node:crypto's of the whole", () => {
    const data = randomBytes(100_003);
    for (const hash of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as const) {
      const expected = new Uint8Array(createHash(NODE_HASH[hash]).update(data).digest());
      assert.deepEqual(
        browser.digest(hash, data.subarray(0, 7), data.subarray(7, 70_000), data.subarray(70_000)),
        expected,
      );
      assert.deepEqual(node.digest(hash, data), expected);
    }
    assert.deepEqual(browser.digest("SHA-256"), node.digest("SHA-256"));
  });

  test("incremental hashers: fed in pieces and forked with copy(), both equal node:crypto's digests", () => {
    const data = randomBytes(100_003);
    const [a, b, c] = [data.subarray(0, 60_000), data.subarray(60_000, 60_100), data.subarray(60_100)];
    for (const hash of ["SHA-1", "SHA-256", "SHA-384", "SHA-512"] as const) {
      const whole = new Uint8Array(createHash(NODE_HASH[hash]).update(data).digest());
      const gapped = new Uint8Array(createHash(NODE_HASH[hash]).update(a).update(c).digest());
      for (const impl of [browser, node]) {
        const first = impl.createHasher(hash).update(a.subarray(0, 7)).update(a.subarray(7));
        const fork = first.copy();
        assert.deepEqual(first.update(b).update(c).digest(), whole, `${hash} whole`);
        assert.deepEqual(fork.update(c).digest(), gapped, `${hash} fork`);
        assert.deepEqual(impl.createHasher(hash).digest(), node.digest(hash), `${hash} empty`);
      }
    }
  });
});

describe("browser crypto: RSASSA-PKCS1-v1_5", () => {
  for (const bits of [2048, 3072]) {
    for (const hash of ["SHA-256", "SHA-384"] as const) {
      test(`RSA-${bits} with ${hash}: valid verifies, flipped bits do not`, () => {
        const { privateKey, publicKey } = rsa(bits);
        const signature = new Uint8Array(
          sign(NODE_HASH[hash], MESSAGE, { key: privateKey, padding: constants.RSA_PKCS1_PADDING }),
        );
        assertVerifiesAndCatchesTampering(spkiOf(publicKey), { kind: "rsa-pkcs1", hash }, signature);
        // The right signature under the wrong hash, and as PSS, is refused.
        const other = hash === "SHA-256" ? "SHA-384" : "SHA-256";
        assert.equal(bothVerify(spkiOf(publicKey), { kind: "rsa-pkcs1", hash: other }, MESSAGE, signature), false);
        assert.equal(
          bothVerify(spkiOf(publicKey), { kind: "rsa-pss", hash, saltLength: 32 }, MESSAGE, signature),
          false,
        );
      });
    }
  }

  test("a signature value ≥ n and one that is not the modulus length are refused", () => {
    const { publicKey } = rsa(2048);
    const spki = spkiOf(publicKey);
    const jwk = publicKey.export({ format: "jwk" });
    const n = new Uint8Array(Buffer.from(jwk.n!, "base64url"));
    assert.equal(bothVerify(spki, { kind: "rsa-pkcs1", hash: "SHA-256" }, MESSAGE, n), false);
    assert.equal(bothVerify(spki, { kind: "rsa-pkcs1", hash: "SHA-256" }, MESSAGE, new Uint8Array(257).fill(1)), false);
  });

  test("a forged encoding (hash in the right place, garbage instead of FF padding) is refused", () => {
    // Build EM = 00 01 00 … DigestInfo with non-FF padding and "sign" it with the private exponent: a parser that
    // skipped the padding would accept it; the whole-encoding comparison must not.
    const { privateKey, publicKey } = rsa(2048);
    const jwk = privateKey.export({ format: "jwk" });
    const big = (b64: string) => BigInt(`0x${Buffer.from(b64, "base64url").toString("hex")}`);
    const [n, d] = [big(jwk.n!), big(jwk.d!)];
    const digestInfo = Buffer.concat([
      Buffer.from("3031300d060960864801650304020105000420", "hex"),
      createHash("sha256").update(MESSAGE).digest(),
    ]);
    const em = Buffer.alloc(256, 0xab);
    em[0] = 0;
    em[1] = 1;
    em[256 - digestInfo.length - 1] = 0;
    digestInfo.copy(em, 256 - digestInfo.length);
    const s = modPow(BigInt(`0x${em.toString("hex")}`), d, n);
    const forged = new Uint8Array(Buffer.from(s.toString(16).padStart(512, "0"), "hex"));
    assert.equal(bothVerify(spkiOf(publicKey), { kind: "rsa-pkcs1", hash: "SHA-256" }, MESSAGE, forged), false);
    // The same construction with FF padding is a valid signature: the test's own arithmetic is right.
    em.fill(0xff, 2, 256 - digestInfo.length - 1);
    const genuine = modPow(BigInt(`0x${em.toString("hex")}`), d, n);
    const ok = new Uint8Array(Buffer.from(genuine.toString(16).padStart(512, "0"), "hex"));
    assert.equal(bothVerify(spkiOf(publicKey), { kind: "rsa-pkcs1", hash: "SHA-256" }, MESSAGE, ok), true);
  });
});

describe("browser crypto: RSASSA-PSS", () => {
  const cases: [number, HashName, number][] = [
    [2048, "SHA-256", 32],
    [2048, "SHA-384", 48],
    [3072, "SHA-256", 32],
    [3072, "SHA-384", 48],
    [3072, "SHA-256", 0],
    [2048, "SHA-1", 20],
    [2049, "SHA-256", 32], // emLen = k − 1: the modulus bit length is 1 mod 8
    [2047, "SHA-512", 64],
  ];
  for (const [bits, hash, saltLength] of cases) {
    test(`RSA-${bits} with ${hash}, salt ${saltLength}: valid verifies, flipped bits and a wrong salt length do not`, () => {
      const { privateKey, publicKey } = rsa(bits);
      const signature = new Uint8Array(
        sign(NODE_HASH[hash], MESSAGE, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }),
      );
      const scheme: SignatureScheme = { kind: "rsa-pss", hash, saltLength };
      assertVerifiesAndCatchesTampering(spkiOf(publicKey), scheme, signature);
      assert.equal(bothVerify(spkiOf(publicKey), { ...scheme, saltLength: saltLength + 1 }, MESSAGE, signature), false);
      assert.equal(bothVerify(spkiOf(publicKey), { kind: "rsa-pkcs1", hash }, MESSAGE, signature), false);
    });
  }

  test("an id-RSASSA-PSS key verifies PSS and refuses PKCS#1 v1.5", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa-pss", { modulusLength: 2048 });
    const spki = spkiOf(publicKey);
    const pss = new Uint8Array(
      sign("sha256", MESSAGE, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    );
    assert.equal(bothVerify(spki, { kind: "rsa-pss", hash: "SHA-256", saltLength: 32 }, MESSAGE, pss), true);
    assert.equal(bothVerify(spki, { kind: "rsa-pkcs1", hash: "SHA-256" }, MESSAGE, pss), false);
    assert.deepEqual(browser.publicKeyFacts(spki), node.publicKeyFacts(spki));
  });
});

describe("browser crypto: ECDSA", () => {
  const cases: ["P-256" | "P-384" | "P-521", HashName][] = [
    ["P-256", "SHA-256"],
    ["P-384", "SHA-384"],
    ["P-521", "SHA-512"],
    ["P-256", "SHA-384"], // CMS pairs curves and hashes freely: the longer digest is truncated (SEC 1 § 4.1.4)
    ["P-256", "SHA-512"],
    ["P-384", "SHA-1"],
  ];
  for (const [curve, hash] of cases) {
    test(`${curve} with ${hash}: valid verifies, flipped bits do not`, () => {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
      const signature = new Uint8Array(sign(NODE_HASH[hash], MESSAGE, { key: privateKey, dsaEncoding: "der" }));
      assertVerifiesAndCatchesTampering(spkiOf(publicKey), { kind: "ecdsa", hash }, signature);
      // Another key of the same curve, and an RSA key, do not verify it.
      const other = generateKeyPairSync("ec", { namedCurve: curve }).publicKey;
      assert.equal(bothVerify(spkiOf(other), { kind: "ecdsa", hash }, MESSAGE, signature), false);
      assert.equal(bothVerify(spkiOf(rsa(2048).publicKey), { kind: "ecdsa", hash }, MESSAGE, signature), false);
      assert.equal(bothVerify(spkiOf(publicKey), { kind: "rsa-pkcs1", hash }, MESSAGE, signature), false);
    });
  }

  test("high-S signatures are accepted, as OpenSSL accepts them; trailing bytes after the DER are refused", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const der = new Uint8Array(sign("sha256", MESSAGE, { key: privateKey, dsaEncoding: "der" }));
    const seq = readTlv(der);
    const [r, s] = children(der, seq).map((t) => content(der, t)) as [Uint8Array, Uint8Array];
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const sValue = BigInt(`0x${Buffer.from(s).toString("hex")}`);
    const flippedS = new Uint8Array(Buffer.from((n - sValue).toString(16).padStart(64, "0"), "hex"));
    const other = sequence(integer(r), integer(flippedS));
    const spki = spkiOf(publicKey);
    assert.equal(bothVerify(spki, { kind: "ecdsa", hash: "SHA-256" }, MESSAGE, der), true);
    assert.equal(bothVerify(spki, { kind: "ecdsa", hash: "SHA-256" }, MESSAGE, other), true);
    assert.equal(bothVerify(spki, { kind: "ecdsa", hash: "SHA-256" }, MESSAGE, new Uint8Array([...der, 0])), false);
  });
});

describe("browser crypto: verification over chunks (signatures without signed attributes)", () => {
  /** Both implementations' verdicts over `chunks`, asserted equal to each other and to the one-buffer verdict. */
  function bothVerifyChunks(spki: Uint8Array, scheme: SignatureScheme, chunks: Uint8Array[], signature: Uint8Array) {
    const ours = browser.verifySignatureChunks(spki, scheme, chunks, signature);
    const theirs = node.verifySignatureChunks(spki, scheme, chunks, signature);
    assert.equal(ours, theirs, `browser says ${ours}, node:crypto says ${theirs} for ${JSON.stringify(scheme)}`);
    const whole = new Uint8Array(Buffer.concat(chunks));
    assert.equal(node.verifySignature(spki, scheme, whole, signature), ours, "chunks and whole disagree");
    return ours;
  }
  const data = randomBytes(70_001);
  const chunks = [data.subarray(0, 1000), data.subarray(1000, 1000), data.subarray(1000)];
  const cases: {
    name: string;
    key: () => KeyObject;
    pub: () => KeyObject;
    scheme: SignatureScheme;
    options: object;
  }[] = [];
  const ec = generateKeyPairSync("ec", { namedCurve: "P-384" });
  for (const hash of ["SHA-256", "SHA-384", "SHA-512"] as const) {
    cases.push({
      name: `ECDSA P-384 ${hash}`,
      key: () => ec.privateKey,
      pub: () => ec.publicKey,
      scheme: { kind: "ecdsa", hash },
      options: { dsaEncoding: "der" },
    });
    cases.push({
      name: `RSA PKCS#1 v1.5 ${hash}`,
      key: () => rsa(2048).privateKey,
      pub: () => rsa(2048).publicKey,
      scheme: { kind: "rsa-pkcs1", hash },
      options: { padding: constants.RSA_PKCS1_PADDING },
    });
    cases.push({
      name: `RSASSA-PSS ${hash}`,
      key: () => rsa(2048).privateKey,
      pub: () => rsa(2048).publicKey,
      scheme: { kind: "rsa-pss", hash, saltLength: 32 },
      options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    });
  }
  for (const c of cases) {
    test(`${c.name}: valid verifies over the pieces; altered data, signature or scheme do not`, () => {
      const spki = spkiOf(c.pub());
      const signature = new Uint8Array(sign(NODE_HASH[c.scheme.hash], data, { key: c.key(), ...c.options }));
      assert.equal(bothVerifyChunks(spki, c.scheme, chunks, signature), true);
      assert.equal(bothVerifyChunks(spki, c.scheme, [flip(chunks[0]!, 7), chunks[2]!], signature), false);
      assert.equal(bothVerifyChunks(spki, c.scheme, [chunks[0]!], signature), false, "a piece missing");
      assert.equal(bothVerifyChunks(spki, c.scheme, chunks, flip(signature, signature.length >> 1)), false);
      const other: SignatureScheme = { ...c.scheme, hash: c.scheme.hash === "SHA-256" ? "SHA-512" : "SHA-256" };
      assert.equal(bothVerifyChunks(spki, other, chunks, signature), false, "another hash");
    });
  }
  test("a key that does not fit the scheme is refused by both", () => {
    const signature = new Uint8Array(sign("sha256", data, { key: ec.privateKey, dsaEncoding: "der" }));
    const rsaSpki = spkiOf(rsa(2048).publicKey);
    assert.equal(bothVerifyChunks(rsaSpki, { kind: "ecdsa", hash: "SHA-256" }, chunks, signature), false);
    const ecSpki = spkiOf(ec.publicKey);
    assert.equal(bothVerifyChunks(ecSpki, { kind: "rsa-pkcs1", hash: "SHA-256" }, chunks, signature), false);
  });
});

describe("browser crypto: public key facts", () => {
  test("RSA modulus length and EC curve as node:crypto reports them", () => {
    const keys = [
      rsa(2048).publicKey,
      rsa(3072).publicKey,
      rsa(2049).publicKey,
      ...(["P-256", "P-384", "P-521"] as const).map((c) => generateKeyPairSync("ec", { namedCurve: c }).publicKey),
      generateKeyPairSync("ed25519").publicKey,
    ];
    for (const key of keys) {
      const spki = spkiOf(key);
      assert.deepEqual(browser.publicKeyFacts(spki), node.publicKeyFacts(spki));
    }
    assert.deepEqual(browser.publicKeyFacts(spkiOf(rsa(3072).publicKey)), { type: "rsa", bits: 3072 });
  });

  test("an EC point off the curve and a truncated key are unreadable to both", () => {
    const spki = spkiOf(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey);
    const offCurve = flip(spki, spki.length - 1);
    assert.throws(() => node.publicKeyFacts(offCurve));
    assert.throws(() => browser.publicKeyFacts(offCurve));
    for (const broken of [spki.subarray(0, 40), new Uint8Array([0x30, 0x00])]) {
      assert.throws(() => node.publicKeyFacts(broken));
      assert.throws(() => browser.publicKeyFacts(broken));
    }
  });
});

describe("PDF primitives (MD5, AES-CBC, zlib) give the same bytes in both implementations", () => {
  test("MD5 over several parts", () => {
    const parts = [MESSAGE, randomBytes(37), new Uint8Array(0)];
    assert.deepEqual(browser.md5(...parts), node.md5(...parts));
    assert.equal(Buffer.from(node.md5(MESSAGE)).toString("hex"), createHash("md5").update(MESSAGE).digest("hex"));
  });

  test("AES-128 and AES-256 CBC without padding, both directions", () => {
    for (const keyLength of [16, 32]) {
      const key = randomBytes(keyLength);
      const iv = randomBytes(16);
      const plain = randomBytes(64);
      const sealed = node.aesCbc("encrypt", key, iv, plain);
      assert.deepEqual(browser.aesCbc("encrypt", key, iv, plain), sealed);
      assert.deepEqual(browser.aesCbc("decrypt", key, iv, sealed), new Uint8Array(plain));
      assert.deepEqual(node.aesCbc("decrypt", key, iv, sealed), new Uint8Array(plain));
    }
  });

  test("inflate: sound, over the limit, truncated, a wrong checksum, not zlib at all", async () => {
    const { deflateSync } = await import("node:zlib");
    const text = new TextEncoder().encode("BT /F1 12 Tf (Memorandum) Tj ET\n".repeat(4000));
    const sound = new Uint8Array(deflateSync(text));
    const badChecksum = flip(sound, sound.length - 1);
    const cases: [string, Uint8Array, number][] = [
      ["sound", sound, 1 << 20],
      ["exactly at the limit", sound, text.length],
      ["one byte over the limit", sound, text.length - 1],
      ["truncated", sound.subarray(0, sound.length >> 1), 1 << 20],
      ["wrong Adler-32", badChecksum, 1 << 20],
      ["not zlib", randomBytes(200), 1 << 20],
      ["empty", new Uint8Array(0), 1 << 20],
    ];
    for (const [name, data, limit] of cases) {
      const a = browser.inflate(data, limit);
      const b = node.inflate(data, limit);
      assert.equal(!!b.overLimit, !!a.overLimit, `${name}: over the limit`);
      assert.equal(!!b.damaged, !!a.damaged, `${name}: damaged`);
      assert.deepEqual(b.bytes, a.bytes, `${name}: bytes`);
    }
    assert.deepEqual(node.inflate(sound, 1 << 20).bytes, new Uint8Array(text));
    assert.equal(node.inflate(sound, text.length - 1).overLimit, true);
    assert.ok(node.inflate(sound.subarray(0, sound.length >> 1), 1 << 20).bytes.length > 0);
  });
});
