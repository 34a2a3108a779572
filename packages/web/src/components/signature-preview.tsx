/**
 * A preview of the visible signature block, drawn in the browser as an approximation of what the server draws
 * (core `appearance/signature-appearance.ts`): the seal in a square where the lines end (right for left-to-right
 * text, left for Arabic), the mark in the upper part of the column, then the name, title and agency, country and
 * the date in the Gregorian calendar and the signer's own (Umm al-Qura, Japanese era). One SVG in PDF points, so
 * it fits any box: the signature field on the page or the preview panel. The words and calendars are core's
 * (`@khatam/core/vocabulary`); the fonts are the browser's, except the typed Latin mark's face (Great Vibes, the
 * face core embeds, loaded once from this origin).
 */

import greatVibes from "@expo-google-fonts/great-vibes/400Regular/GreatVibes_400Regular.ttf?url";
import { APPEARANCE_LABELS, type CalendarLanguage, calendarDates } from "@khatam/core/vocabulary";
import { useEffect, useMemo } from "react";
import { countryName } from "../lib/format-date.js";

/** The face of a typed Latin mark, as core's. */
export const SCRIPT_FAMILY = "KhatamScript";
let scriptFace: Promise<unknown> | undefined;
/** Loads the typed mark's face once (font-src 'self': Vite emits it as a file of this origin). */
export function useScriptFace(): void {
  useEffect(() => {
    if (scriptFace || typeof FontFace === "undefined") return;
    const face = new FontFace(SCRIPT_FAMILY, `url(${greatVibes})`);
    scriptFace = face.load().then(
      (f) => document.fonts.add(f),
      (e) => console.warn("script face:", e),
    );
  }, []);
}

const LATIN = /^[\p{Script=Latin}\p{Zs}\p{P}\p{N}]*$/u;

export interface BlockContent {
  readonly name: string;
  readonly title?: string | null;
  readonly agency?: string | null;
  /** ISO 3166 alpha-2 code. */
  readonly country?: string | null;
  readonly locale: CalendarLanguage;
  readonly signedAt: Date;
  /** The mark: typed (the name) or an image (object URL). */
  readonly markImage?: string;
  /** The seal: generated from a family name, or an image (object URL). */
  readonly seal?: { readonly familyName: string } | { readonly image: string };
}

const PAD = 4;
const MAX_LINE = 9;
const MARK_INK = "rgb(13 38 115)";

/** The block in a box of `width` × `height` points (the signature field's size). */
export function SignaturePreview({
  block,
  width,
  height,
  label,
}: {
  readonly block: BlockContent;
  readonly width: number;
  readonly height: number;
  readonly label: string;
}) {
  useScriptFace();
  const rtl = block.locale === "ar";
  const labels = APPEARANCE_LABELS[block.locale];
  const dates = useMemo(
    () => calendarDates(block.signedAt, block.locale, { timeZone: "UTC" }),
    [block.signedAt, block.locale],
  );
  let columnX = PAD;
  let columnW = width - 2 * PAD;
  const side = Math.min(height - 2 * PAD, width * 0.3);
  const sealX = rtl ? PAD : width - PAD - side;
  if (block.seal) {
    columnW -= side + PAD;
    if (rtl) columnX += side + PAD;
  }
  const markH = (height - 2 * PAD) * 0.36;
  const markY = PAD; // from the top: SVG's y runs downwards
  const lines = [
    `${labels.signedBy}: ${block.name}`,
    [block.title, block.agency].filter(Boolean).join(" — "),
    block.country ? countryName(block.country, block.locale) : "",
    `${labels.date}: ${dates.gregorian}`,
    dates.national ?? "",
  ].filter((l) => l.length > 0);
  const available = height - PAD - (markY + markH + 2);
  const base = Math.min(MAX_LINE, available / (lines.length * 1.25));
  // Each line shrunk to the column by an estimate of its width (no measuring: an approximation of core's layout).
  const sizeOf = (text: string, size: number) => Math.min(size, columnW / Math.max(1, [...text].length * 0.55));
  const anchorX = rtl ? columnX + columnW : columnX;
  const typedSize = sizeOf(block.name, markH * 0.85);
  const chars = "familyName" in (block.seal ?? {}) ? [...(block.seal as { familyName: string }).familyName] : [];
  const r = side / 2;
  const sealCx = sealX + r;
  const sealCy = height / 2;
  return (
    <svg
      className="signature-preview"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      direction={rtl ? "rtl" : "ltr"}
      data-signature-preview
    >
      <rect
        x={0.25}
        y={0.25}
        width={width - 0.5}
        height={height - 0.5}
        fill="#fff"
        stroke="#8c8c99"
        strokeWidth={0.5}
      />
      {block.seal &&
        ("image" in block.seal ? (
          <>
            <clipPath id="seal-clip">
              <circle cx={sealCx} cy={sealCy} r={r} />
            </clipPath>
            <image
              href={block.seal.image}
              x={sealX}
              y={PAD}
              width={side}
              height={height - 2 * PAD}
              clipPath="url(#seal-clip)"
              preserveAspectRatio="xMidYMid meet"
            />
          </>
        ) : (
          <g data-seal fill="none" stroke="rgb(204 20 20)">
            <circle cx={sealCx} cy={sealCy} r={r * 0.94} strokeWidth={r * 0.08} />
            {chars.map((c, i) => {
              const size = Math.min(r * 1.2, (r * 1.5) / chars.length);
              const top = sealCy - (size * chars.length) / 2;
              return (
                <text
                  // biome-ignore lint/suspicious/noArrayIndexKey: a character's place is its identity
                  key={i}
                  x={sealCx}
                  y={top + size * (i + 0.85)}
                  fontSize={size}
                  textAnchor="middle"
                  fill="rgb(204 20 20)"
                  stroke="none"
                  fontWeight={700}
                >
                  {c}
                </text>
              );
            })}
          </g>
        ))}
      {block.markImage ? (
        <image
          href={block.markImage}
          x={columnX}
          y={markY}
          width={columnW}
          height={markH}
          preserveAspectRatio="xMidYMid meet"
          data-mark="image"
        />
      ) : (
        <text
          x={anchorX}
          y={markY + markH * 0.8}
          fontSize={typedSize}
          fill={MARK_INK}
          textAnchor="start"
          fontFamily={LATIN.test(block.name) ? `${SCRIPT_FAMILY}, cursive` : "serif"}
          data-mark="typed"
        >
          {block.name}
        </text>
      )}
      <line
        x1={columnX}
        x2={columnX + columnW}
        y1={markY + markH + 1}
        y2={markY + markH + 1}
        stroke={MARK_INK}
        strokeWidth={0.4}
      />
      {lines.map((line, i) => (
        <text
          // biome-ignore lint/suspicious/noArrayIndexKey: the lines are in a fixed order
          key={i}
          x={anchorX}
          y={markY + markH + 2 + base * (i * 1.25 + 1)}
          fontSize={sizeOf(line, base)}
          fill="#1a1a1a"
          textAnchor="start"
        >
          {line}
        </text>
      ))}
    </svg>
  );
}
