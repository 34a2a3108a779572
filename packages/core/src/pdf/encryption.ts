/**
 * The standard security handler (ISO 32000-2 § 7.6.4), for reading: PDFs encrypted with an empty user password —
 * "permissions only", as government documents often are — with RC4 (40 to 128 bits, R2–R4), AES-128 (AESV2, R4) or
 * AES-256 (AESV3, R5/R6). Strings and streams of indirect objects are decrypted as they are read; the file's bytes
 * are not touched, so signatures are still checked over the raw byte ranges.
 *
 * Written here because no maintained library reads PDF encryption in both Node and the browser; the primitives are
 * `#crypto`'s (MD5, SHA-2, AES-CBC: node:crypto in Node, @noble in the browser) and RC4, which is a dozen lines.
 */
import { aesCbc, digest, md5 } from "#crypto";
import { concatBytes as concat, equalBytes } from "../crypto/bytes.js";
import { PdfDict, PdfFormatError, type PdfObject, PdfStream, PdfString } from "./objects.js";

/** Algorithm 2's padding string (§ 7.6.4.3.2). */
const PAD = Uint8Array.from([
  0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08, 0x2e, 0x2e, 0x00,
  0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
]);

type Method = "none" | "rc4" | "aes128" | "aes256";

/** The PDF is encrypted with a user password other than the empty one: it cannot be read without it. */
export class PasswordRequiredError extends PdfFormatError {
  constructor() {
    super("the PDF is encrypted with a password needed to open it");
  }
}

export class StandardSecurityHandler {
  private constructor(
    private readonly key: Uint8Array,
    private readonly strings: Method,
    private readonly streams: Method,
    readonly encryptMetadata: boolean,
  ) {}

  /** The handler of `/Encrypt` with the empty user password; throws when the document needs another password. */
  static open(encrypt: PdfDict, firstId: Uint8Array): StandardSecurityHandler {
    const filter = encrypt.name("Filter");
    if (filter !== "Standard") throw new PdfFormatError(`the PDF is encrypted with the /${filter} security handler`);
    const v = num(encrypt.get("V"), 0);
    const r = num(encrypt.get("R"), 2);
    const o = bytes(encrypt.get("O"));
    const u = bytes(encrypt.get("U"));
    const p = num(encrypt.get("P"), 0);
    const encryptMetadata = encrypt.get("EncryptMetadata") !== false;
    const method = (name: string | undefined): Method => {
      if (v < 4) return "rc4";
      if (name === "Identity" || name === undefined) return "none";
      const cf = encrypt.get("CF");
      const filterDict = cf instanceof PdfDict ? cf.get(name) : undefined;
      const cfm = filterDict instanceof PdfDict ? filterDict.name("CFM") : undefined;
      if (cfm === "V2") return "rc4";
      if (cfm === "AESV2") return "aes128";
      if (cfm === "AESV3") return "aes256";
      if (cfm === "None") return "none";
      throw new PdfFormatError(`unsupported crypt filter method ${cfm ?? "(none)"}`);
    };
    const strings = method(encrypt.name("StrF") ?? (v >= 4 ? "Identity" : undefined));
    const streams = method(encrypt.name("StmF") ?? (v >= 4 ? "Identity" : undefined));
    if (r >= 5) {
      const ue = bytes(encrypt.get("UE"));
      if (u.length < 48 || ue.length < 32) throw new PdfFormatError("a damaged AES-256 encryption dictionary");
      const password = new Uint8Array(0);
      const check = r === 5 ? digest("SHA-256", password, u.subarray(32, 40)) : hash2B(password, u.subarray(32, 40));
      if (!equalBytes(check, u.subarray(0, 32))) throw new PasswordRequiredError();
      const intermediate =
        r === 5 ? digest("SHA-256", password, u.subarray(40, 48)) : hash2B(password, u.subarray(40, 48));
      const key = aesCbc("decrypt", intermediate, new Uint8Array(16), ue.subarray(0, 32));
      return new StandardSecurityHandler(key, strings, streams, encryptMetadata);
    }
    const length = keyLength(encrypt, v, r);
    // Algorithm 2: the file key from the (empty) padded password, /O, /P, the first file identifier.
    let h = md5(
      PAD,
      o.subarray(0, 32),
      le32(p),
      firstId,
      r >= 4 && !encryptMetadata ? Uint8Array.of(0xff, 0xff, 0xff, 0xff) : new Uint8Array(0),
    );
    if (r >= 3) for (let i = 0; i < 50; i++) h = md5(h.subarray(0, length));
    const key = h.slice(0, length);
    // Algorithms 4 and 5: the empty password is the user password when /U is what it would compute.
    let ok: boolean;
    if (r === 2) ok = equalBytes(rc4(key, PAD), u.subarray(0, 32));
    else {
      let x = rc4(key, md5(PAD, firstId));
      for (let i = 1; i <= 19; i++)
        x = rc4(
          key.map((b) => b ^ i),
          x,
        );
      ok = equalBytes(x, u.subarray(0, 16));
    }
    if (!ok) throw new PasswordRequiredError();
    return new StandardSecurityHandler(key, strings, streams, encryptMetadata);
  }

  decryptString(objectNumber: number, generation: number, data: Uint8Array): Uint8Array {
    return this.decrypt(this.strings, objectNumber, generation, data);
  }

  decryptStream(objectNumber: number, generation: number, data: Uint8Array): Uint8Array {
    return this.decrypt(this.streams, objectNumber, generation, data);
  }

  /**
   * An indirect object as read, with its strings and streams decrypted (§ 7.6.2). Left as they are: the /Contents
   * of a signature dictionary (never encrypted, so that the signed hole is the bytes in the file), cross-reference
   * streams, and metadata streams when /EncryptMetadata is false.
   */
  decryptObject(objectNumber: number, generation: number, object: PdfObject): PdfObject {
    const walk = (o: PdfObject, depth: number): PdfObject => {
      if (depth > 64) return o;
      if (o instanceof PdfString) return new PdfString(this.decryptString(objectNumber, generation, o.bytes), o.hex);
      if (Array.isArray(o)) return o.map((x) => walk(x, depth + 1));
      if (o instanceof PdfStream) {
        const type = o.dict.name("Type");
        const dict = walk(o.dict, depth + 1) as PdfDict;
        if (type === "XRef" || (type === "Metadata" && !this.encryptMetadata)) return new PdfStream(dict, o.raw);
        return new PdfStream(dict, this.decryptStream(objectNumber, generation, o.raw));
      }
      if (o instanceof PdfDict) {
        const signature = o.has("ByteRange") && o.has("Contents");
        const out = new PdfDict();
        for (const [k, val] of o.map) out.set(k, signature && k === "Contents" ? val : walk(val, depth + 1));
        return out;
      }
      return o;
    };
    return walk(object, 0);
  }

  private decrypt(method: Method, objectNumber: number, generation: number, data: Uint8Array): Uint8Array {
    if (method === "none") return data;
    if (method === "aes256") return aesDecrypt(this.key, data);
    // Algorithm 1: a key per object from the file key, the object number and generation (and "sAlT" for AES).
    const salt = method === "aes128" ? Uint8Array.of(0x73, 0x41, 0x6c, 0x54) : new Uint8Array(0);
    const id = Uint8Array.of(
      objectNumber & 0xff,
      (objectNumber >> 8) & 0xff,
      (objectNumber >> 16) & 0xff,
      generation & 0xff,
      (generation >> 8) & 0xff,
    );
    const objectKey = md5(this.key, id, salt).subarray(0, Math.min(this.key.length + 5, 16));
    return method === "rc4" ? rc4(objectKey, data) : aesDecrypt(objectKey, data);
  }
}

/** AES-CBC with the IV in the first 16 bytes and PKCS#7 padding; damaged padding keeps the bytes (as viewers do). */
function aesDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length < 32 || data.length % 16 !== 0) return data.length < 16 ? new Uint8Array(0) : data.subarray(16);
  const plain = aesCbc("decrypt", key, data.subarray(0, 16), data.subarray(16));
  const pad = plain[plain.length - 1]!;
  if (pad >= 1 && pad <= 16 && plain.subarray(plain.length - pad).every((b) => b === pad)) {
    return plain.subarray(0, plain.length - pad);
  }
  return plain;
}

/** Algorithm 2.B (ISO 32000-2 § 7.6.4.3.4): the R6 hash, with an empty user key (no /U for the user password). */
function hash2B(password: Uint8Array, salt: Uint8Array): Uint8Array {
  let k: Uint8Array = digest("SHA-256", password, salt);
  let e: Uint8Array = new Uint8Array(0);
  for (let round = 0; round < 64 || e[e.length - 1]! > round - 32; round++) {
    const block = concat(password, k);
    const k1 = new Uint8Array(block.length * 64);
    for (let i = 0; i < 64; i++) k1.set(block, i * block.length);
    e = aesCbc("encrypt", k.subarray(0, 16), k.subarray(16, 32), k1);
    let sum = 0;
    for (let i = 0; i < 16; i++) sum += e[i]!;
    k = digest((["SHA-256", "SHA-384", "SHA-512"] as const)[sum % 3]!, e);
  }
  return k.subarray(0, 32);
}

/** RC4 (the stream cipher of PDF's V1/V2 encryption). */
function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = new Uint8Array(256).map((_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = new Uint8Array(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

/** Key length in bytes (§ 7.6.4.3.2): 5 for R2; /Length bits, or the crypt filter's length, for R3 and R4. */
function keyLength(encrypt: PdfDict, v: number, r: number): number {
  if (r === 2) return 5;
  if (v >= 4) {
    const cf = encrypt.get("CF");
    const std = cf instanceof PdfDict ? cf.get(encrypt.name("StmF") ?? "StdCF") : undefined;
    if (std instanceof PdfDict && std.name("CFM") === "AESV2") return 16;
    const length = std instanceof PdfDict ? num(std.get("Length"), 16) : 16;
    return length > 16 ? length / 8 : length;
  }
  const bits = num(encrypt.get("Length"), 40);
  if (bits < 40 || bits > 128 || bits % 8 !== 0) throw new PdfFormatError(`unsupported key length ${bits}`);
  return bits / 8;
}

const num = (o: PdfObject | undefined, d: number): number => (typeof o === "number" ? o : d);

function bytes(o: PdfObject | undefined): Uint8Array {
  return o instanceof PdfString ? o.bytes : new Uint8Array(0);
}

function le32(n: number): Uint8Array {
  const u = n >>> 0;
  return Uint8Array.of(u & 0xff, (u >> 8) & 0xff, (u >> 16) & 0xff, (u >>> 24) & 0xff);
}
