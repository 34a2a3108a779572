/**
 * Where a page shows and which way up (ISO 32000-2 § 14.11.2, § 7.7.3.3): its visible region — the /CropBox, or
 * the /MediaBox when it has none, normalised so that x1 < x2 and y1 < y2 — and its /Rotate, both inheritable from
 * the page tree (§ 7.7.3.4, Table 31).
 */
import { PdfDict, type PdfObject, type PdfRef } from "./objects.js";
import type { PdfReader } from "./reader.js";

export type Box = [number, number, number, number];

/** The visible region of a page, in its default user space. */
export function pageBox(reader: PdfReader, pageRef: PdfRef): Box {
  const media = box(reader, inherited(reader, pageRef, "MediaBox")) ?? [0, 0, 612, 792]; // required; Letter if absent
  const crop = box(reader, inherited(reader, pageRef, "CropBox"));
  if (!crop) return media;
  return [
    Math.max(crop[0], media[0]),
    Math.max(crop[1], media[1]),
    Math.min(crop[2], media[2]),
    Math.min(crop[3], media[3]),
  ];
}

/** How far the page is turned clockwise when shown: 0, 90, 180 or 270 (a multiple of 90, § 7.7.3.3). */
export function pageRotation(reader: PdfReader, pageRef: PdfRef): 0 | 90 | 180 | 270 {
  const r = reader.resolve(inherited(reader, pageRef, "Rotate"));
  if (typeof r !== "number" || !Number.isInteger(r) || r % 90 !== 0) return 0;
  return (((r % 360) + 360) % 360) as 0 | 90 | 180 | 270;
}

function inherited(reader: PdfReader, pageRef: PdfRef, key: string): PdfObject | undefined {
  let node = reader.resolve(pageRef);
  for (let depth = 0; node instanceof PdfDict && depth < 64; depth++) {
    if (node.has(key)) return node.get(key);
    node = reader.resolve(node.get("Parent"));
  }
  return undefined;
}

function box(reader: PdfReader, value: PdfObject | undefined): Box | undefined {
  const v = reader.resolve(value);
  if (!Array.isArray(v) || v.length !== 4) return undefined;
  const n = v.map((x) => reader.resolve(x));
  if (!n.every((x) => typeof x === "number")) return undefined;
  const [a, b, c, d] = n as number[];
  return [Math.min(a!, c!), Math.min(b!, d!), Math.max(a!, c!), Math.max(b!, d!)];
}
