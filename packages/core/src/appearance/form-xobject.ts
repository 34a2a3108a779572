/**
 * An appearance stream (ISO 32000-2 § 12.5.5): a form XObject (§ 8.10) with its bounding box, content and the
 * resources it draws with. The objects are written only when the caller has an incremental update to add them to,
 * so one appearance can be built before the signature revision that carries it.
 */
import { PdfDict, PdfName, type PdfObject, type PdfRef, PdfStream } from "../pdf/objects.js";
import { flate } from "./font-subset.js";

export interface AppearanceStream {
  /** /BBox in the form's space: [0 0 width height]. */
  readonly bbox: readonly [number, number, number, number];
  /** The content stream, uncompressed. */
  readonly content: Uint8Array;
  /** Writes the fonts and images with `add` (e.g. `IncrementalUpdate.add`) and returns the /Resources dictionary. */
  readonly resources: (add: (obj: PdfObject) => PdfRef) => PdfDict;
}

/**
 * Writes the form XObject and everything it uses; returns its reference, for a widget's /AP /N. `matrix` (§ 8.10.1)
 * maps the form's space to the widget's, e.g. to turn an appearance upright on a rotated page.
 */
export function writeFormXObject(
  appearance: AppearanceStream,
  add: (obj: PdfObject) => PdfRef,
  matrix?: readonly [number, number, number, number, number, number],
): PdfRef {
  const entries: [string, PdfObject][] = [
    ["Type", PdfName.of("XObject")],
    ["Subtype", PdfName.of("Form")],
    ["BBox", [...appearance.bbox]],
  ];
  if (matrix) entries.push(["Matrix", [...matrix]]);
  entries.push(["Resources", appearance.resources(add)]);
  let compressed = deflated.get(appearance);
  if (!compressed) {
    compressed = flate(appearance.content).raw;
    deflated.set(appearance, compressed);
  }
  return add(new PdfStream(new PdfDict([...entries, ["Filter", PdfName.of("FlateDecode")]]), compressed));
}

/** Compressed content by appearance: a cached appearance written into another document is not deflated again. */
const deflated = new WeakMap<AppearanceStream, Uint8Array>();

/** Resources of fonts and named XObjects. */
export function resourceDict(fonts: PdfDict | null, xobjects: PdfDict | null): PdfDict {
  const d = new PdfDict([
    ["ProcSet", [PdfName.of("PDF"), PdfName.of("Text"), PdfName.of("ImageB"), PdfName.of("ImageC")]],
  ]);
  if (fonts && fonts.map.size > 0) d.set("Font", fonts);
  if (xobjects && xobjects.map.size > 0) d.set("XObject", xobjects);
  return d;
}
