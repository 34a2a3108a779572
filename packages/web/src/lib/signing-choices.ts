/**
 * What a signer sends with their signature when the sender placed fields for them (issue 13.2, docs/api.md "Fields
 * and visible signatures"): the values of their own fields, the look of the mark, and a Japanese official's seal.
 * Pure: the checks the browser makes before sending (the server checks again), and the request body.
 */
import type { SigningChoicesBody } from "@khatam/server/api";
import type { Envelope } from "./envelopes.js";

/** A field placed on the envelope (GET /api/envelopes/:id `fields`). */
export type PlacedField = NonNullable<Envelope["fields"]>[number];

/** The server's limit of a mark or seal image (envelopes/fields.ts MAX_IMAGE_BYTES), checked here first. */
export const MAX_IMAGE_BYTES = 1024 * 1024;
/** A generated seal sets at most this many characters of the family name. */
export const MAX_SEAL_CHARACTERS = 4;

export type MarkChoice =
  | { readonly kind: "typed" }
  | { readonly kind: "drawn"; readonly png: Uint8Array | undefined }
  | { readonly kind: "image"; readonly image: Uint8Array | undefined };

export type SealChoice =
  | { readonly kind: "none" }
  | { readonly kind: "generated"; readonly familyName: string }
  | { readonly kind: "image"; readonly image: Uint8Array | undefined };

export type FillValues = Readonly<Record<string, string | boolean>>;

/** The fields placed for this signer (their e-mail, as the API names the recipient), in the sender's order. */
export function fieldsOf(fields: readonly PlacedField[] | undefined, email: string): PlacedField[] {
  const me = email.toLowerCase();
  return (fields ?? []).filter((f) => f.recipient.toLowerCase() === me);
}

/** Fields the signer fills by hand (a signature field is filled by the signature itself). */
export const fillable = (f: PlacedField) => f.kind !== "signature";

/**
 * The values the form starts with: the account's name and job title in name and title fields (the server would put
 * the same there if they were left out), an unticked box, empty text otherwise; a date field stays empty (the
 * server writes the signing date).
 */
export function initialValues(
  fields: readonly PlacedField[],
  profile: { readonly name: string; readonly title?: string | null },
): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const f of fields.filter(fillable)) {
    if (f.kind === "checkbox") out[f.name] = false;
    else if (f.kind === "name") out[f.name] = profile.name;
    else if (f.kind === "title") out[f.name] = profile.title ?? "";
    else out[f.name] = "";
  }
  return out;
}

/** The required fields left empty (an unticked required box counts as empty, as the server counts it). */
export function missingRequired(fields: readonly PlacedField[], values: FillValues): PlacedField[] {
  return fields.filter((f) => {
    if (!f.required || !fillable(f) || f.kind === "date") return false;
    const v = values[f.name];
    return v === undefined || v === false || (typeof v === "string" && v.trim() === "");
  });
}

export type ImageProblem = "too_large" | "not_an_image" | "empty";

/** Whether the bytes are a PNG or a JPEG by their signature, and small enough for the server. */
export function imageProblem(bytes: Uint8Array): ImageProblem | undefined {
  if (bytes.length === 0) return "empty";
  if (bytes.length > MAX_IMAGE_BYTES) return "too_large";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b);
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  return png || jpeg ? undefined : "not_an_image";
}

/** The MIME type of image bytes already checked by {@link imageProblem}. */
export const imageType = (bytes: Uint8Array) => (bytes[0] === 0x89 ? "image/png" : "image/jpeg");

/**
 * The family name a generated seal starts with: in a name written in Japanese (kanji or kana), the family name comes
 * first ("佐藤 花子"); in one written in Latin letters, usually last ("Hanako Sato"). The signer can change it.
 */
export function familyNameOf(displayName: string): string {
  const parts = displayName
    .trim()
    .split(/[\s\u3000]+/)
    .filter(Boolean);
  if (parts.length === 0) return "";
  const japanese = /[\u3040-\u30ff\u3400-\u9fff]/.test(displayName);
  const family = japanese ? parts[0]! : parts[parts.length - 1]!;
  return [...family].slice(0, MAX_SEAL_CHARACTERS).join("");
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * The request body of /sign or /sign/prepare. Only the signer's own fields' values are sent; a date field left empty
 * is left out (the server fills it with the signing date), as is empty text of a field that is not required.
 */
export function signingBody(
  fields: readonly PlacedField[],
  values: FillValues,
  mark: MarkChoice,
  seal: SealChoice,
): SigningChoicesBody {
  const fill: Record<string, string | boolean> = {};
  for (const f of fields.filter(fillable)) {
    const v = values[f.name];
    if (v === undefined || (typeof v === "string" && v.trim() === "" && (f.kind === "date" || !f.required))) continue;
    fill[f.name] = typeof v === "string" ? v.trim() : v;
  }
  const markBody: SigningChoicesBody["mark"] =
    mark.kind === "typed"
      ? { kind: "typed" }
      : {
          kind: mark.kind,
          image: base64(mark.kind === "drawn" ? (mark.png ?? new Uint8Array()) : (mark.image ?? new Uint8Array())),
        };
  const sealBody: SigningChoicesBody["seal"] | undefined =
    seal.kind === "generated"
      ? { kind: "generated", familyName: seal.familyName.trim() }
      : seal.kind === "image"
        ? { kind: "image", image: base64(seal.image ?? new Uint8Array()) }
        : undefined;
  return {
    ...(Object.keys(fill).length > 0 && { fill }),
    mark: markBody,
    ...(sealBody && { seal: sealBody }),
  };
}
