/**
 * Where a page paints (ISO 32000-2 § 8 graphics, § 9 text): an approximate, conservative reading of the page's
 * content stream that yields bounding boxes in default user space, for placing a stamp where it covers nothing.
 *
 * Followed: the current transformation matrix (cm, q/Q, § 8.4.4), paths and their painting (§ 8.5; a path only
 * clipped, `n`, paints nothing), text positioning and showing (Tm, Td, TD, T*, TL, Tf, Tj, TJ, ', ", § 9.4) with
 * each glyph taken as 0.6 em wide (wide enough for Latin; a two-byte code counts as two glyphs, wider still), image
 * and form XObjects (Do, § 8.8: an image fills the unit square; a form is read in turn, up to a depth), inline
 * images (BI … EI), and shadings (sh: the whole page). Fills in white (g 1, rg 1 1 1, k 0 0 0 0) are taken as
 * backgrounds and not counted. Anything the reading cannot follow makes the whole page count as painted.
 */
import { concatBytes } from "../crypto/bytes.js";
import { PdfDict, PdfName, type PdfObject, type PdfRef, PdfStream, PdfString } from "../pdf/objects.js";
import { pageBox } from "../pdf/page-box.js";
import { Parser } from "../pdf/parser.js";
import type { PdfReader } from "../pdf/reader.js";
import type { Rect } from "./page-geometry.js";

type Matrix = [number, number, number, number, number, number];

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/** Operators read per page (a hostile stream of millions of operators ends here). */
const MAX_OPERATORS = 2_000_000;
/** Boxes kept per page; beyond it the page counts as painted all over. */
const MAX_BOXES = 50_000;
/** How deep form XObjects are followed. */
const MAX_FORM_DEPTH = 8;

/** m2 applied after m1 (§ 8.3.4: [a b c d e f] as row vectors). */
function multiply(m1: Matrix, m2: Matrix): Matrix {
  return [
    m1[0] * m2[0] + m1[1] * m2[2],
    m1[0] * m2[1] + m1[1] * m2[3],
    m1[2] * m2[0] + m1[3] * m2[2],
    m1[2] * m2[1] + m1[3] * m2[3],
    m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
    m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
  ];
}

function apply(m: Matrix, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** The box that holds the rectangle [x1 y1 x2 y2] after `m`. */
function boxOf(m: Matrix, x1: number, y1: number, x2: number, y2: number): Rect {
  const pts = [apply(m, x1, y1), apply(m, x2, y1), apply(m, x1, y2), apply(m, x2, y2)];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

class PageTooBusy extends Error {}

/** The painted boxes of a page in default user space; the crop box alone when the page cannot be read. */
export function paintedBoxes(reader: PdfReader, pageRef: PdfRef): Rect[] {
  const boxes: Rect[] = [];
  try {
    const page = reader.dict(pageRef, "the page");
    const contents = reader.resolve(page.get("Contents"));
    const parts = (Array.isArray(contents) ? contents : [contents]).map((c) => reader.resolve(c));
    const chunks: Uint8Array[] = [];
    for (const p of parts) if (p instanceof PdfStream) chunks.push(reader.decoder.decode(p), new Uint8Array([10]));
    const data = concatBytes(...chunks);
    const budget = { operators: 0 };
    interpret(reader, data, inheritedResources(reader, page), IDENTITY, boxes, budget, 0);
  } catch {
    return [pageBox(reader, pageRef)];
  }
  return boxes;
}

function inheritedResources(reader: PdfReader, page: PdfDict): PdfDict | undefined {
  let node: PdfDict | undefined = page;
  for (let i = 0; node && i < 64; i++) {
    const r = reader.resolve(node.get("Resources"));
    if (r instanceof PdfDict) return r;
    const parent = reader.resolve(node.get("Parent"));
    node = parent instanceof PdfDict ? parent : undefined;
  }
  return undefined;
}

interface GraphicsState {
  ctm: Matrix;
  lineWidth: number;
  whiteFill: boolean;
  fontSize: number;
  leading: number;
  hScale: number;
  rise: number;
}

const num = (o: PdfObject | undefined): number => (typeof o === "number" ? o : 0);

function interpret(
  reader: PdfReader,
  data: Uint8Array,
  resources: PdfDict | undefined,
  base: Matrix,
  boxes: Rect[],
  budget: { operators: number },
  depth: number,
): void {
  const p = new Parser(data);
  const stack: GraphicsState[] = [];
  let gs: GraphicsState = { ctm: base, lineWidth: 1, whiteFill: false, fontSize: 12, leading: 0, hScale: 1, rise: 0 };
  let tm: Matrix = IDENTITY;
  let tlm: Matrix = IDENTITY;
  let path: [number, number][] = [];
  const operands: PdfObject[] = [];
  const push = (r: Rect) => {
    if (boxes.length >= MAX_BOXES) throw new PageTooBusy();
    boxes.push(r);
  };
  const paintPath = () => {
    if (path.length === 0) return;
    const xs = path.map((q) => q[0]);
    const ys = path.map((q) => q[1]);
    const w = gs.lineWidth / 2;
    push([Math.min(...xs) - w, Math.min(...ys) - w, Math.max(...xs) + w, Math.max(...ys) + w]);
  };
  const point = (x: number, y: number) => path.push(apply(gs.ctm, x, y));
  const showText = (codes: number) => {
    const size = gs.fontSize;
    const width = codes * 0.6 * size * gs.hScale;
    const m = multiply(tm, gs.ctm);
    push(boxOf(m, 0, gs.rise - 0.3 * size, width, gs.rise + size));
    tm = multiply([1, 0, 0, 1, width, 0], tm);
  };
  const resource = (kind: string, name: PdfObject | undefined): PdfObject => {
    const group = reader.resolve(resources?.get(kind));
    return name instanceof PdfName && group instanceof PdfDict ? reader.resolve(group.get(name.name)) : null;
  };

  for (;;) {
    p.skipWhite();
    if (p.pos >= data.length) break;
    const c = data[p.pos]!;
    const operand =
      c === 0x2f ||
      c === 0x28 ||
      c === 0x3c ||
      c === 0x5b ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2b ||
      c === 0x2d ||
      c === 0x2e;
    if (operand) {
      operands.push(p.object());
      if (operands.length > 64) operands.shift();
      continue;
    }
    const op = p.keyword();
    if (op === "") throw new Error("unexpected byte in content stream");
    if (++budget.operators > MAX_OPERATORS) throw new PageTooBusy();
    const o = operands;
    switch (op) {
      case "true":
      case "false":
      case "null":
        o.push(op === "true" ? true : op === "false" ? false : null);
        continue;
      case "q":
        if (stack.length < 256) stack.push({ ...gs });
        break;
      case "Q":
        gs = stack.pop() ?? gs;
        break;
      case "cm":
        gs.ctm = multiply(o.slice(-6).map(num) as Matrix, gs.ctm);
        break;
      case "w":
        gs.lineWidth = Math.abs(num(o[o.length - 1])) * Math.max(Math.abs(gs.ctm[0]), Math.abs(gs.ctm[3]), 1e-6);
        break;
      case "g":
        gs.whiteFill = num(o[o.length - 1]) >= 0.99;
        break;
      case "rg":
        gs.whiteFill = o.slice(-3).every((v) => num(v) >= 0.99);
        break;
      case "k":
        gs.whiteFill = o.slice(-4).every((v) => num(v) <= 0.01);
        break;
      case "sc":
      case "scn":
      case "cs":
        gs.whiteFill = false;
        break;
      case "m":
      case "l":
        point(num(o[o.length - 2]), num(o[o.length - 1]));
        break;
      case "c":
        for (let i = 6; i > 0; i -= 2) point(num(o[o.length - i]), num(o[o.length - i + 1]));
        break;
      case "v":
      case "y":
        for (let i = 4; i > 0; i -= 2) point(num(o[o.length - i]), num(o[o.length - i + 1]));
        break;
      case "re": {
        const [x, y, w, h] = o.slice(-4).map(num) as [number, number, number, number];
        point(x, y);
        point(x + w, y);
        point(x, y + h);
        point(x + w, y + h);
        break;
      }
      case "S":
      case "s":
        paintPath();
        path = [];
        break;
      case "f":
      case "F":
      case "f*":
        if (!gs.whiteFill) paintPath();
        path = [];
        break;
      case "B":
      case "B*":
      case "b":
      case "b*":
        paintPath();
        path = [];
        break;
      case "n":
        path = [];
        break;
      case "BT":
        tm = IDENTITY;
        tlm = IDENTITY;
        break;
      case "Tf":
        gs.fontSize = num(o[o.length - 1]);
        break;
      case "TL":
        gs.leading = num(o[o.length - 1]);
        break;
      case "Tz":
        gs.hScale = num(o[o.length - 1]) / 100;
        break;
      case "Ts":
        gs.rise = num(o[o.length - 1]);
        break;
      case "Tm":
        tm = o.slice(-6).map(num) as Matrix;
        tlm = tm;
        break;
      case "Td":
      case "TD":
        if (op === "TD") gs.leading = -num(o[o.length - 1]);
        tlm = multiply([1, 0, 0, 1, num(o[o.length - 2]), num(o[o.length - 1])], tlm);
        tm = tlm;
        break;
      case "T*":
        tlm = multiply([1, 0, 0, 1, 0, -gs.leading], tlm);
        tm = tlm;
        break;
      case "'":
      case '"':
        tlm = multiply([1, 0, 0, 1, 0, -gs.leading], tlm);
        tm = tlm;
        showText(textLength(o[o.length - 1]));
        break;
      case "Tj":
        showText(textLength(o[o.length - 1]));
        break;
      case "TJ": {
        const arr = o[o.length - 1];
        let codes = 0;
        let adjust = 0;
        for (const x of Array.isArray(arr) ? arr : []) {
          if (x instanceof PdfString) codes += x.bytes.length;
          else if (typeof x === "number" && x < 0) adjust -= x / 1000 / 0.6; // negative adjustments widen the run
        }
        showText(codes + adjust);
        break;
      }
      case "Do": {
        const xo = resource("XObject", o[o.length - 1]);
        if (!(xo instanceof PdfStream)) break;
        const subtype = xo.dict.name("Subtype");
        if (subtype === "Image") push(boxOf(gs.ctm, 0, 0, 1, 1));
        else if (subtype === "Form") {
          const bbox = reader.resolve(xo.dict.get("BBox"));
          const matrix = reader.resolve(xo.dict.get("Matrix"));
          const m = Array.isArray(matrix) && matrix.length === 6 ? (matrix.map(num) as Matrix) : IDENTITY;
          const formCtm = multiply(m, gs.ctm);
          const b = Array.isArray(bbox) && bbox.length === 4 ? bbox.map(num) : [0, 0, 0, 0];
          if (depth >= MAX_FORM_DEPTH) push(boxOf(formCtm, b[0]!, b[1]!, b[2]!, b[3]!));
          else {
            const res = reader.resolve(xo.dict.get("Resources"));
            const inner: Rect[] = [];
            interpret(
              reader,
              reader.decoder.decode(xo),
              res instanceof PdfDict ? res : resources,
              formCtm,
              inner,
              budget,
              depth + 1,
            );
            // The form's BBox clips what it paints (§ 8.10.1).
            const clip = boxOf(
              formCtm,
              Math.min(b[0]!, b[2]!),
              Math.min(b[1]!, b[3]!),
              Math.max(b[0]!, b[2]!),
              Math.max(b[1]!, b[3]!),
            );
            for (const r of inner) {
              const x: Rect = [
                Math.max(r[0], clip[0]),
                Math.max(r[1], clip[1]),
                Math.min(r[2], clip[2]),
                Math.min(r[3], clip[3]),
              ];
              if (x[0] < x[2] && x[1] < x[3]) push(x);
            }
          }
        }
        break;
      }
      case "BI":
        skipInlineImage(p, data);
        push(boxOf(gs.ctm, 0, 0, 1, 1));
        break;
      case "sh":
        throw new PageTooBusy(); // a shading fills the clip: taken as the whole page
      default:
        break;
    }
    o.length = 0;
  }
}

/** Glyph codes in a string operand: its bytes (a two-byte encoding counts each glyph twice, erring wide). */
function textLength(o: PdfObject | undefined): number {
  return o instanceof PdfString ? o.bytes.length : 0;
}

/** Skips an inline image's dictionary and data (§ 8.9.7): past `ID`, to an `EI` between white space. */
function skipInlineImage(p: Parser, data: Uint8Array): void {
  const id = indexOfToken(data, p.pos, [0x49, 0x44]);
  if (id < 0) throw new Error("inline image without ID");
  const ei = indexOfToken(data, id + 3, [0x45, 0x49]);
  if (ei < 0) throw new Error("inline image without EI");
  p.pos = ei + 2;
}

const white = (c: number | undefined) =>
  c === undefined || c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 0;

function indexOfToken(data: Uint8Array, from: number, token: number[]): number {
  for (let i = from; i + token.length <= data.length; i++) {
    if (data[i] === token[0] && data[i + 1] === token[1] && white(data[i - 1]) && white(data[i + 2])) return i;
  }
  return -1;
}
