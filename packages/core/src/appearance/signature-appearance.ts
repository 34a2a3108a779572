/**
 * The appearance of a visible signature (ISO 32000-2 § 12.7.5.5; the signature field's widget /AP /N): the
 * signature mark (the name typed in a script face, or a drawn or uploaded image), the seal, then the name, title,
 * agency, country, the signing date in the Gregorian calendar and in the signer's own, and the certificate's
 * issuer, labelled in the signer's language and laid out to fit the widget's rectangle. Right to left for Arabic:
 * the seal goes to the left and the lines are right-aligned.
 *
 * What a signature appearance shows is only a picture; the signature dictionary and the certificate are what a
 * validator trusts (ISO 32000-2 § 12.8.1 warns the same). It is built once per signature, before the revision.
 */

import { sha } from "../cms/hash.js";
import { PdfDict, type PdfObject, type PdfRef } from "../pdf/objects.js";
import type { CalendarLanguage } from "./calendars.js";
import { calendarDates } from "./calendars.js";
import { ContentStream } from "./content-stream.js";
import { AppearanceError } from "./errors.js";
import { FontSubsets } from "./font-subset.js";
import { covers } from "./fonts.js";
import { type AppearanceStream, resourceDict } from "./form-xobject.js";
import { type EmbeddableImage, readImage } from "./images.js";
import { APPEARANCE_LABELS } from "./labels.js";
import { circle, drawSeal } from "./seal.js";
import { preferredFace } from "./text-field.js";
import { lineWidth, shapeLine } from "./text-layout.js";

export interface SignatureAppearance {
  /** The signer's name as it should read (e.g. from the certificate's subject). */
  readonly name: string;
  readonly title?: string;
  readonly agency?: string;
  /** ISO 3166 alpha-2 code (shown as the country's name in the signer's language) or a name. */
  readonly country?: string;
  /** The certificate issuer's display name. */
  readonly issuer?: string;
  /** The signing time shown (the signature dictionary's /M says the same). */
  readonly signedAt: Date;
  /** The signer's language: labels, and the second calendar (ar → Umm al-Qura, ja → Japanese era, en → none). */
  readonly locale: CalendarLanguage;
  /** IANA time zone of the dates shown (default UTC, so every reader sees the same). */
  readonly timeZone?: string;
  /** The mark: the name typed in a script face (default), or an image (drawn signatures arrive as PNG). */
  readonly mark?: { readonly kind: "typed" } | { readonly kind: "image"; readonly bytes: Uint8Array };
  /** A seal: generated from the family name (1–4 characters, set vertically), or an image. */
  readonly seal?:
    | { readonly kind: "generated"; readonly familyName: string }
    | { readonly kind: "image"; readonly bytes: Uint8Array };
}

/** The smallest widget that holds a legible block, in points. */
export const MIN_APPEARANCE_SIZE = { width: 72, height: 36 } as const;
const PAD = 4;
const INK = [0.1, 0.1, 0.1] as const;
const MARK_INK = [0.05, 0.15, 0.45] as const;
const MAX_LINE_SIZE = 9;
const MIN_LINE_SIZE = 3;

/**
 * Appearances by what they show and their size: bulk signing (a folder from the command line, an agency's batch)
 * draws the same block for every document within the minute its date shows.
 */
const built = new Map<string, AppearanceStream>();
const BUILT_CACHE_SIZE = 32;

/** Builds the appearance for a widget of `width` × `height` points. */
export function signatureAppearance(a: SignatureAppearance, width: number, height: number): AppearanceStream {
  const image = (m: { kind: string; bytes?: Uint8Array } | undefined) =>
    m?.bytes ? { kind: m.kind, sha256: Buffer.from(sha("SHA-256", m.bytes)).toString("hex") } : m;
  // The time as the block shows it (to the minute), not to the millisecond.
  const shown = calendarDates(a.signedAt, a.locale, { timeZone: a.timeZone ?? "UTC" });
  const key = JSON.stringify([
    { ...a, signedAt: [shown.gregorian, shown.national], mark: image(a.mark), seal: image(a.seal) },
    width,
    height,
  ]);
  const hit = built.get(key);
  if (hit) return hit;
  const stream = build(a, width, height);
  if (built.size >= BUILT_CACHE_SIZE) built.delete(built.keys().next().value!);
  built.set(key, stream);
  return stream;
}

function build(a: SignatureAppearance, width: number, height: number): AppearanceStream {
  if (width < MIN_APPEARANCE_SIZE.width || height < MIN_APPEARANCE_SIZE.height)
    throw new AppearanceError(
      "does_not_fit",
      `a visible signature needs at least ${MIN_APPEARANCE_SIZE.width}×${MIN_APPEARANCE_SIZE.height} points, not ${Math.round(width)}×${Math.round(height)}`,
    );
  if (Number.isNaN(a.signedAt.getTime())) throw new RangeError("the signing time is not a date");
  const rtl = a.locale === "ar";
  const direction = rtl ? "rtl" : "ltr";
  const preferred = preferredFace(a.locale);
  const labels = APPEARANCE_LABELS[a.locale];
  // Images are read (and refused) first: nothing is drawn for an appearance that cannot be made.
  const markImage = a.mark?.kind === "image" ? readImage(a.mark.bytes) : null;
  const sealImage = a.seal?.kind === "image" ? readImage(a.seal.bytes) : null;

  const fonts = new FontSubsets();
  const content = new ContentStream(fonts);
  const images: { name: string; image: EmbeddableImage }[] = [];
  const drawImage = (image: EmbeddableImage, x: number, y: number, w: number, h: number) => {
    const name = `Im${images.length + 1}`;
    images.push({ name, image });
    const s = Math.min(w / image.width, h / image.height);
    const dw = image.width * s;
    const dh = image.height * s;
    content.op("q", dw, 0, 0, dh, x + (w - dw) / 2, y + (h - dh) / 2, "cm", `/${name}`, "Do", "Q");
  };

  content.op("q", 0, 0, width, height, "re", "W", "n");
  content.op(0.5, "w", 0.55, 0.55, 0.6, "RG", 0.25, 0.25, width - 0.5, height - 0.5, "re", "S");

  // The seal takes a square where the lines end: at the right for left-to-right text (a Japanese seal follows the
  // name), at the left for Arabic.
  let columnX = PAD;
  let columnW = width - 2 * PAD;
  if (a.seal) {
    const side = Math.min(height - 2 * PAD, width * 0.3);
    const sx = rtl ? PAD : width - PAD - side;
    if (a.seal.kind === "generated") drawSeal(content, a.seal.familyName, sx + side / 2, height / 2, side / 2);
    else {
      content.op("q");
      circle(content, sx + side / 2, height / 2, side / 2);
      content.op("W", "n");
      drawImage(sealImage!, sx, PAD, side, height - 2 * PAD);
      content.op("Q");
    }
    columnW -= side + PAD;
    if (rtl) columnX += side + PAD;
  }

  // The mark: the upper part of the column.
  const markH = (height - 2 * PAD) * 0.36;
  const markY = height - PAD - markH;
  if (markImage) drawImage(markImage, columnX, markY, columnW, markH);
  else {
    const markLine = shapeLine(a.name, covers("script", a.name) ? "script" : preferred, direction);
    const size = Math.min(markH * 0.85, (markH * 0.85 * columnW) / Math.max(1, lineWidth(markLine, markH * 0.85)));
    const w = lineWidth(markLine, size);
    const x = rtl ? columnX + columnW - w : columnX;
    content.text(markLine, x, markY + (markH - size * 0.7) / 2, size, MARK_INK);
  }
  content.op(0.4, "w", ...MARK_INK, "RG", columnX, markY - 1, "m", columnX + columnW, markY - 1, "l", "S");

  // The lines, each shrunk to fit the column on its own.
  const dates = calendarDates(a.signedAt, a.locale, { timeZone: a.timeZone ?? "UTC" });
  const texts = [
    `${labels.signedBy}: ${a.name}`,
    [a.title, a.agency].filter(Boolean).join(" — "),
    a.country ? countryName(a.country, a.locale) : "",
    `${labels.date}: ${dates.gregorian}`,
    dates.national ?? "",
    a.issuer ? `${labels.issuer}: ${a.issuer}` : "",
  ].filter((t) => t.length > 0);
  const lines = texts.map((t) => shapeLine(t, preferred, direction));
  const available = markY - 2 - PAD;
  const leading = 1.25;
  const base = Math.min(MAX_LINE_SIZE, available / (lines.length * leading));
  let y = markY - 2 - base;
  for (const line of lines) {
    const natural = lineWidth(line, base);
    const size = natural > columnW ? Math.max(MIN_LINE_SIZE, (base * columnW) / natural) : base;
    const w = lineWidth(line, size);
    const x = line.rtl ? columnX + columnW - w : columnX;
    content.text(line, x, y + (base - size) * 0.3, size, INK);
    y -= base * leading;
  }
  content.op("Q");

  return {
    bbox: [0, 0, width, height],
    content: content.toBytes(),
    resources: (add: (obj: PdfObject) => PdfRef) => {
      const xobjects = new PdfDict();
      for (const { name, image } of images) xobjects.set(name, image.write(add));
      return resourceDict(fonts.write(add), xobjects);
    },
  };
}

/** A country's name in the signer's language from its ISO 3166 code; other values as given. */
function countryName(country: string, locale: CalendarLanguage): string {
  if (!/^[A-Za-z]{2}$/.test(country)) return country;
  try {
    regionNames[locale] ??= new Intl.DisplayNames([locale], { type: "region" });
    return regionNames[locale].of(country.toUpperCase()) ?? country;
  } catch {
    return country;
  }
}
const regionNames: Partial<Record<CalendarLanguage, Intl.DisplayNames>> = {};
