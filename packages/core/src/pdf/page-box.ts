/**
 * A page's visible region (ISO 32000-2 § 14.11.2): its /CropBox, or its /MediaBox when it has none, both inheritable
 * from the page tree (§ 7.7.3.4, Table 31), normalised so that x1 < x2 and y1 < y2.
 */
import { PdfDict, type PdfRef } from "./objects.js";
import type { PdfReader } from "./reader.js";

export type Box = [number, number, number, number];

export function pageBox(reader: PdfReader, pageRef: PdfRef): Box {
  const inherited = (key: string): Box | undefined => {
    let node: unknown = reader.resolve(pageRef);
    for (let depth = 0; node instanceof PdfDict && depth < 64; depth++) {
      const value = reader.resolve(node.get(key));
      if (Array.isArray(value) && value.length === 4) {
        const n = value.map((v) => reader.resolve(v));
        if (n.every((v) => typeof v === "number")) {
          const [a, b, c, d] = n as number[];
          return [Math.min(a!, c!), Math.min(b!, d!), Math.max(a!, c!), Math.max(b!, d!)];
        }
      }
      node = reader.resolve(node.get("Parent"));
    }
    return undefined;
  };
  const media = inherited("MediaBox") ?? [0, 0, 612, 792]; // § 7.7.3.3: MediaBox is required; US Letter if absent
  const crop = inherited("CropBox");
  if (!crop) return media;
  return [
    Math.max(crop[0], media[0]),
    Math.max(crop[1], media[1]),
    Math.min(crop[2], media[2]),
    Math.min(crop[3], media[3]),
  ];
}
