/**
 * The visible-signature option of signing (PAdES, ETSI EN 319 142-1 § 5.4.2 allows any appearance; ISO 32000-2
 * § 12.7.5.5): turns a `SignatureAppearance` into what the signature revision draws in the widget. The appearance
 * module (fonts, shaping) is loaded only when a signature is visible, so invisible signing and everything that
 * bundles signing code without appearances stay free of fonts.
 */
import type { SignatureAppearance } from "../appearance/signature-appearance.js";
import type { VisibleSignature } from "./signature-revision.js";

export async function visibleSignature(
  appearance: SignatureAppearance,
  rect: readonly [number, number, number, number] | undefined,
): Promise<VisibleSignature> {
  const { signatureAppearance } = await import("../appearance/signature-appearance.js");
  // Built once: the revision may be assembled twice when the CMS outgrows its reservation.
  let built: { key: string; stream: ReturnType<typeof signatureAppearance> } | undefined;
  return {
    rect: rect ? normalised(rect) : undefined,
    appearance: (width, height) => {
      const key = `${width}x${height}`;
      if (built?.key !== key) built = { key, stream: signatureAppearance(appearance, width, height) };
      return built.stream;
    },
  };
}

/** x1 < x2, y1 < y2 (§ 7.9.5: a rectangle may be given by any two opposite corners). */
function normalised(r: readonly [number, number, number, number]): [number, number, number, number] {
  if (!r.every((v) => Number.isFinite(v))) throw new RangeError("the signature rectangle has a non-numeric corner");
  return [Math.min(r[0], r[2]), Math.min(r[1], r[3]), Math.max(r[0], r[2]), Math.max(r[1], r[3])];
}
