/**
 * Writing objects (ISO 32000-2 § 7.3) and incremental updates (§ 7.5.6): new and changed objects appended after
 * the original bytes with their own cross-reference section whose /Prev points back. Not one earlier byte changes,
 * so every earlier signature keeps covering exactly what it covered.
 */
import { PdfDict, PdfName, type PdfObject, PdfRaw, PdfRef, PdfStream, PdfString } from "./objects.js";
import type { PdfReader } from "./reader.js";

/** An append-only byte buffer that knows the absolute file offset it is writing at. */
export class ByteWriter {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(4096);
  private used = 0;
  private flushed = 0;
  constructor(readonly base = 0) {}

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.flushed + this.used;
  }

  ascii(s: string): this {
    if (this.used + s.length > this.buf.length) this.grow(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.used++] = s.charCodeAt(i);
    return this;
  }

  bytes(b: Uint8Array): this {
    if (b.length > 65536) {
      this.flush();
      this.chunks.push(b);
      this.flushed += b.length;
      return this;
    }
    if (this.used + b.length > this.buf.length) this.grow(b.length);
    this.buf.set(b, this.used);
    this.used += b.length;
    return this;
  }

  private grow(need: number): void {
    this.flush();
    if (need > this.buf.length) this.buf = new Uint8Array(need * 2);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.chunks.push(this.buf.slice(0, this.used));
    this.flushed += this.used;
    this.used = 0;
  }

  toBytes(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.flushed);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** § 7.3.3: numbers without exponents; reals with at most 6 decimals. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const s = n.toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

const NAME_PLAIN = /^[!-~]*$/;
const NAME_SPECIAL = /[()<>[\]{}/%#]/;

export function writeObject(w: ByteWriter, obj: PdfObject): void {
  if (obj === null) w.ascii("null");
  else if (typeof obj === "boolean") w.ascii(obj ? "true" : "false");
  else if (typeof obj === "number") w.ascii(formatNumber(obj));
  else if (obj instanceof PdfName) w.ascii(`/${escapeName(obj.name)}`);
  else if (obj instanceof PdfRef) w.ascii(`${obj.num} ${obj.gen} R`);
  else if (obj instanceof PdfString) writeString(w, obj);
  else if (Array.isArray(obj)) {
    w.ascii("[");
    obj.forEach((o, i) => {
      if (i > 0) w.ascii(" ");
      writeObject(w, o);
    });
    w.ascii("]");
  } else if (obj instanceof PdfDict) writeDict(w, obj);
  else if (obj instanceof PdfStream) {
    const dict = obj.dict.clone().set("Length", obj.raw.length);
    writeDict(w, dict);
    w.ascii("\nstream\n").bytes(obj.raw).ascii("\nendstream");
  } else if (obj instanceof PdfRaw) {
    obj.offset = w.offset;
    w.bytes(obj.bytes);
  }
}

function writeDict(w: ByteWriter, d: PdfDict): void {
  w.ascii("<<");
  for (const [k, v] of d.map) {
    w.ascii(`/${escapeName(k)} `);
    writeObject(w, v);
    w.ascii("\n");
  }
  w.ascii(">>");
}

function escapeName(name: string): string {
  if (NAME_PLAIN.test(name) && !NAME_SPECIAL.test(name)) return name;
  let out = "";
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    out += c < 0x21 || c > 0x7e || NAME_SPECIAL.test(ch) ? `#${c.toString(16).padStart(2, "0").toUpperCase()}` : ch;
  }
  return out;
}

function writeString(w: ByteWriter, s: PdfString): void {
  const b = s.bytes;
  let printable = !s.hex;
  for (let i = 0; printable && i < b.length; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) printable = false;
  if (!printable) {
    let hex = "<";
    for (const x of b) hex += x.toString(16).padStart(2, "0");
    w.ascii(`${hex}>`);
    return;
  }
  let lit = "(";
  for (const x of b) {
    if (x === 0x28 || x === 0x29 || x === 0x5c) lit += "\\";
    lit += String.fromCharCode(x);
  }
  w.ascii(`${lit})`);
}

/**
 * One incremental update being assembled. Objects are numbered after the original's highest, the cross-reference
 * section uses the same form as the original's newest one (a table after a table, a stream after a stream, since
 * a reader that met streams may not expect a table), and /Prev chains to the original.
 */
export class IncrementalUpdate {
  private readonly objects = new Map<number, { ref: PdfRef; obj: PdfObject }>();
  private nextNumber: number;

  constructor(readonly reader: PdfReader) {
    this.nextNumber = reader.size;
  }

  /** A fresh object number for a new object. */
  allocate(): PdfRef {
    return new PdfRef(this.nextNumber++, 0);
  }

  /** Writes `obj` as the new value of `ref` (a new object, or a changed copy of an existing one). */
  set(ref: PdfRef, obj: PdfObject): void {
    this.objects.set(ref.num, { ref, obj });
  }

  /** Adds a new object and returns its reference. */
  add(obj: PdfObject): PdfRef {
    const ref = this.allocate();
    this.set(ref, obj);
    return ref;
  }

  /**
   * Serialises the update: the bytes to append to the original file. `PdfRaw` placeholders inside the objects learn
   * their absolute offsets.
   */
  toBytes(): Uint8Array {
    const original = this.reader.bytes;
    const w = new ByteWriter(original.length);
    const last = original[original.length - 1];
    if (last !== 0x0a && last !== 0x0d) w.ascii("\n");
    const offsets = new Map<number, number>();
    for (const { ref, obj } of this.objects.values()) {
      offsets.set(ref.num, w.offset);
      w.ascii(`${ref.num} ${ref.gen} obj\n`);
      writeObject(w, obj);
      w.ascii("\nendobj\n");
    }
    const useStream = this.reader.sections[0]?.kind === "stream";
    const trailer = this.trailer();
    const xrefOffset = w.offset;
    if (useStream) this.writeXrefStream(w, offsets, trailer, xrefOffset);
    else this.writeXrefTable(w, offsets, trailer);
    w.ascii(`startxref\n${xrefOffset}\n%%EOF\n`);
    return w.toBytes();
  }

  private trailer(): PdfDict {
    const old = this.reader.trailer;
    const t = new PdfDict();
    for (const key of ["Root", "Info", "Encrypt"]) {
      const v = old.get(key);
      if (v !== undefined) t.set(key, v);
    }
    // § 14.4: the first identifier stays, the second changes with each update.
    const id = old.get("ID");
    const first = Array.isArray(id) && id[0] instanceof PdfString ? id[0] : new PdfString(randomId(), true);
    t.set("ID", [first, new PdfString(randomId(), true)]);
    if (this.reader.startXref >= 0) t.set("Prev", this.reader.startXref);
    return t;
  }

  private writeXrefTable(w: ByteWriter, offsets: Map<number, number>, trailer: PdfDict): void {
    writeXrefTable(
      w,
      offsets,
      (n) => this.objects.get(n)!.ref.gen,
      new PdfDict([["Size", this.nextNumber], ...trailer.map]),
    );
  }

  private writeXrefStream(w: ByteWriter, offsets: Map<number, number>, trailer: PdfDict, at: number): void {
    const self = this.allocate();
    offsets.set(self.num, at);
    const nums = [...offsets.keys()].sort((a, b) => a - b);
    const width = at > 0xffffffff ? 8 : 4;
    const data = new Uint8Array(nums.length * (1 + width + 2));
    let p = 0;
    for (const n of nums) {
      data[p++] = 1;
      const off = offsets.get(n)!;
      for (let i = width - 1; i >= 0; i--) data[p++] = Math.floor(off / 2 ** (8 * i)) & 0xff;
      const gen = this.objects.get(n)?.ref.gen ?? 0;
      data[p++] = gen >> 8;
      data[p++] = gen & 0xff;
    }
    const index: number[] = [];
    for (const [first, run] of runs(nums)) index.push(first, run.length);
    const dict = new PdfDict([
      ["Type", PdfName.of("XRef")],
      ["Size", this.nextNumber],
      ["W", [1, width, 2]],
      ["Index", index],
      ...trailer.map,
    ]);
    w.ascii(`${self.num} 0 obj\n`);
    writeObject(w, new PdfStream(dict, data));
    w.ascii("\nendobj\n");
  }
}

/**
 * A cross-reference table (§ 7.5.4) of the objects at `offsets`, in subsections of consecutive numbers, and the
 * trailer. Object 0, the head of the free list, is written as such when it is among them (a new document).
 */
function writeXrefTable(
  w: ByteWriter,
  offsets: Map<number, number>,
  genOf: (num: number) => number,
  trailer: PdfDict,
): void {
  w.ascii("xref\n");
  for (const [first, nums] of runs([...offsets.keys()])) {
    w.ascii(`${first} ${nums.length}\n`);
    for (const n of nums) {
      if (n === 0) w.ascii("0000000000 65535 f\r\n");
      else w.ascii(`${String(offsets.get(n)).padStart(10, "0")} ${String(genOf(n)).padStart(5, "0")} n\r\n`);
    }
  }
  w.ascii("trailer\n");
  writeObject(w, trailer);
  w.ascii("\n");
}

/**
 * A new document (§ 7.5): the header, its objects numbered from 1, one cross-reference table and the trailer. For
 * the few documents Khatam makes from nothing (the demo's memorandum, test documents); everything else it writes is
 * an incremental update of a document it was given.
 */
export class NewDocument {
  private readonly objects: { ref: PdfRef; obj: PdfObject }[] = [];

  /** A fresh object number, for an object that refers to itself or is written later with `set`. */
  allocate(): PdfRef {
    const ref = new PdfRef(this.objects.length + 1, 0);
    this.objects.push({ ref, obj: null });
    return ref;
  }

  set(ref: PdfRef, obj: PdfObject): void {
    this.objects[ref.num - 1] = { ref, obj };
  }

  add(obj: PdfObject): PdfRef {
    const ref = this.allocate();
    this.set(ref, obj);
    return ref;
  }

  /** The file: PDF 1.7, with a binary comment line (§ 7.5.2) and a fresh /ID. */
  toBytes(root: PdfRef, info?: PdfRef): Uint8Array {
    const w = new ByteWriter(0);
    w.ascii("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
    const offsets = new Map<number, number>([[0, 0]]);
    for (const { ref, obj } of this.objects) {
      offsets.set(ref.num, w.offset);
      w.ascii(`${ref.num} 0 obj\n`);
      writeObject(w, obj);
      w.ascii("\nendobj\n");
    }
    const xref = w.offset;
    const id = new PdfString(randomId(), true);
    const trailer = new PdfDict([
      ["Size", this.objects.length + 1],
      ["Root", root],
      ...(info ? ([["Info", info]] as [string, PdfObject][]) : []),
      ["ID", [id, id]],
    ]);
    writeXrefTable(w, offsets, () => 0, trailer);
    w.ascii(`startxref\n${xref}\n%%EOF\n`);
    return w.toBytes();
  }
}

/** Groups sorted object numbers into runs of consecutive numbers (cross-reference subsections). */
function runs(nums: number[]): [number, number[]][] {
  const sorted = [...nums].sort((a, b) => a - b);
  const out: [number, number[]][] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && last[1][last[1].length - 1] === n - 1) last[1].push(n);
    else out.push([n, [n]]);
  }
  return out;
}

function randomId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}
