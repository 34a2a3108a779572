/**
 * Fields the sender places for each recipient (issue 13.1) and what a recipient fills and how their signature
 * looks when they sign (13.2), on the server's side. The document work is core's (`@khatam/core/forms` places the
 * AcroForm fields and fills them in the signer's own revision; `@khatam/core/appearance` draws the signature);
 * here: the API's shape of a field, which recipient it belongs to, their names in the document, the rows kept for
 * reading, and the mapping of core's refusals to the API's error codes.
 *
 * Choices (docs/api.md § Fields):
 * - A field names its recipient by their 0-based index in the request's `recipients` array or by their e-mail.
 * - Only signers get fields (approvers and viewers never sign, so nothing would ever fill or lock theirs), and a
 *   signer with any field has exactly one signature field: their signature fills it and locks their other fields
 *   (FieldMDP, ISO 32000-2 § 12.8.2.4).
 * - A signer on a partner instance gets fields too: they are in the document offered, owned by the recipient's id
 *   here, which is the offer's id; the partner's copy takes the fields that offer id owns (`fieldsPlacedFor`), and
 *   the owner takes back a revision only if it fills that recipient's fields and no one else's
 *   (cross-instance.ts).
 * - Field names in the document: `r<n>.signature` and `r<n>.<kind>.<k>` (n: the recipient's 1-based position in
 *   the request, k: 1-based among that recipient's fields of that kind); the owner stored in the field is the
 *   recipient's id.
 * - A recipient with no signature field signs invisibly, as before fields existed: the sender decides where
 *   signatures appear, and an envelope without fields keeps the document's pages exactly as uploaded.
 */
import type { SignatureAppearance } from "@khatam/core/appearance";
import type { FieldKind, FieldSpec } from "@khatam/core/forms";
import type { Db } from "../db/connect.js";
import { EnvelopeError, type EnvelopeErrorCode } from "./errors.js";
import type { UploadMeta } from "./schemas.js";
import * as store from "./store.js";

// Core's forms and appearance bring fontkit, the fonts' tables and the text shaping (~180 ms to load): imported at
// the first envelope with fields or the first visible signature, not with the server (issue 14.1: start-up).
const forms = () => import("@khatam/core/forms");
const appearance = () => import("@khatam/core/appearance");

/** A field as the creation request gives it. */
export interface FieldInput {
  readonly recipient: number | string;
  readonly kind: FieldKind;
  readonly page: number;
  readonly rect: readonly [number, number, number, number];
  readonly label?: string;
  readonly required?: boolean;
}

/** A field as the envelope read API returns it. */
export interface FieldView {
  readonly name: string;
  readonly recipient: string;
  readonly kind: FieldKind;
  readonly page: number;
  readonly rect: [number, number, number, number];
  readonly label: string | null;
  readonly required: boolean;
}

/**
 * `meta.fields` as the route's schema let it through (uploadMeta in schemas.ts: types, ranges, lengths), checked
 * for what a schema cannot say and normalised: a rectangle must have an area; labels are trimmed.
 */
export function normaliseFields(fields: UploadMeta["fields"]): FieldInput[] {
  return (fields ?? []).map((f, i) => {
    const [x1, y1, x2, y2] = f.rect as [number, number, number, number];
    if (x1 === x2 || y1 === y2) throw new EnvelopeError("invalid_request", `meta/fields/${i}/rect has no area`);
    const label = f.label?.trim() ?? "";
    return {
      recipient: f.recipient,
      kind: f.kind,
      page: f.page,
      // Normalised so that x1 < x2 and y1 < y2 (an annotation's /Rect may be given either way, § 7.9.5).
      rect: [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)] as const,
      ...(label && { label }),
      ...(f.required === true && { required: true }),
    };
  });
}

/** A recipient of the envelope being created, with the id its row will have. */
export interface PlannedRecipient {
  readonly id: string;
  readonly email: string;
  readonly role: string;
  readonly instance?: string;
}

/** The fields as core places them, in request order (the rows keep that order). */
export function planFields(recipients: readonly PlannedRecipient[], inputs: readonly FieldInput[]): FieldSpec[] {
  const counts = new Map<string, number>();
  const signatureFieldOf = new Set<number>();
  const withFields = new Set<number>();
  const specs = inputs.map((f, i): FieldSpec => {
    const index =
      typeof f.recipient === "number"
        ? f.recipient
        : recipients.findIndex((r) => r.email.toLowerCase() === String(f.recipient).toLowerCase());
    const recipient = recipients[index];
    if (!recipient) {
      throw new EnvelopeError(
        "field_recipient_unknown",
        `field ${i + 1}: ${f.recipient} is not a recipient of the envelope`,
      );
    }
    if (recipient.role !== "signer") {
      throw new EnvelopeError(
        "field_recipient_not_signer",
        `field ${i + 1}: ${recipient.email} is an ${recipient.role}; only signers get fields`,
      );
    }
    withFields.add(index);
    let name: string;
    if (f.kind === "signature") {
      if (signatureFieldOf.has(index)) {
        throw new EnvelopeError("field_signature_missing", `${recipient.email} has more than one signature field`);
      }
      signatureFieldOf.add(index);
      name = `r${index + 1}.signature`;
    } else {
      const key = `${index}.${f.kind}`;
      const k = (counts.get(key) ?? 0) + 1;
      counts.set(key, k);
      name = `r${index + 1}.${f.kind}.${k}`;
    }
    return {
      name,
      recipient: recipient.id,
      kind: f.kind,
      page: f.page,
      rect: f.rect,
      ...(f.label && { label: f.label }),
      ...(f.required && { required: true }),
    };
  });
  for (const index of withFields) {
    if (!signatureFieldOf.has(index)) {
      throw new EnvelopeError(
        "field_signature_missing",
        `${recipients[index]!.email} has fields but no signature field: their signature is what fills them`,
      );
    }
  }
  return specs;
}

/** Adds the fields to the working document (one incremental update before any new signature). */
export async function placeFields(pdf: Uint8Array, specs: readonly FieldSpec[]): Promise<Uint8Array> {
  if (specs.length === 0) return pdf;
  const { addFields } = await forms();
  try {
    return addFields(pdf, specs);
  } catch (e) {
    throw await asEnvelopeError(e);
  }
}

/**
 * The fields placed in `pdf` for the recipient whose id in the document is `owner` (on a partner's copy: the offer
 * id, the recipient's id on the owning instance), as specs for storing under the local recipient `recipientId`.
 */
export async function fieldsPlacedFor(pdf: Uint8Array, owner: string, recipientId: string): Promise<FieldSpec[]> {
  const { readFields } = await forms();
  return readFields(pdf)
    .filter((f) => f.recipient === owner)
    .map((f) => ({
      name: f.name,
      recipient: recipientId,
      kind: f.kind,
      page: f.page,
      rect: f.rect,
      ...(f.label && { label: f.label }),
      ...(f.required && { required: true }),
    }));
}

/** The envelope's fields, each naming its recipient by e-mail. */
export async function fieldsOf(db: Db, envelopeId: string): Promise<FieldView[]> {
  const rows = await store.fieldRows(db, envelopeId);
  return rows.map((r) => ({
    name: r.name,
    recipient: r.email,
    kind: r.kind,
    page: r.page,
    rect: [Number(r.x1), Number(r.y1), Number(r.x2), Number(r.y2)],
    label: r.label,
    required: r.required,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// What the signer sends: values and the look of their signature

/** Largest image (drawn or uploaded mark, seal image) accepted, before decoding (core then bounds its pixels). */
export const MAX_IMAGE_BYTES = 1024 * 1024;

export interface SigningChoices {
  readonly fill?: Readonly<Record<string, string | boolean>>;
  readonly mark?: { readonly kind: "typed" } | { readonly kind: "image"; readonly bytes: Uint8Array };
  readonly seal?:
    | { readonly kind: "generated"; readonly familyName: string }
    | { readonly kind: "image"; readonly bytes: Uint8Array };
}

/** The signing request's body (`{ fill?, mark?, seal? }`, every part optional; 400 invalid_request on shape). */
export function parseSigningChoices(body: unknown): SigningChoices {
  const bad = (why: string): never => {
    throw new EnvelopeError("invalid_request", why);
  };
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) bad("the body must be a JSON object");
  const b = body as Record<string, unknown>;
  let fill: Record<string, string | boolean> | undefined;
  if (b.fill !== undefined && b.fill !== null) {
    if (typeof b.fill !== "object" || Array.isArray(b.fill)) bad("`fill` must be an object of field name → value");
    fill = {};
    for (const [name, value] of Object.entries(b.fill as Record<string, unknown>)) {
      if (typeof value !== "string" && typeof value !== "boolean") bad(`\`fill.${name}\` must be text or true/false`);
      fill[name] = value as string | boolean;
    }
  }
  const image = (what: string, v: unknown): Uint8Array => {
    if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return bad(`\`${what}.image\` must be base64`);
    if ((v.length * 3) / 4 > MAX_IMAGE_BYTES + 3) {
      throw new EnvelopeError("invalid_image", `\`${what}.image\` is larger than ${MAX_IMAGE_BYTES / 1024} KiB`);
    }
    return new Uint8Array(Buffer.from(v, "base64"));
  };
  let mark: SigningChoices["mark"];
  if (b.mark !== undefined && b.mark !== null) {
    const m = b.mark as Record<string, unknown>;
    if (m.kind === "typed") mark = { kind: "typed" };
    else if (m.kind === "drawn" || m.kind === "image") mark = { kind: "image", bytes: image("mark", m.image) };
    else bad("`mark.kind` must be typed, drawn or image");
  }
  let seal: SigningChoices["seal"];
  if (b.seal !== undefined && b.seal !== null) {
    const s = b.seal as Record<string, unknown>;
    if (s.kind === "generated") {
      if (typeof s.familyName !== "string" || !s.familyName.trim() || s.familyName.length > 16) {
        bad("`seal.familyName` must be the family name (at most four characters are set)");
      }
      seal = { kind: "generated", familyName: (s.familyName as string).trim() };
    } else if (s.kind === "image") seal = { kind: "image", bytes: image("seal", s.image) };
    else bad("`seal.kind` must be generated or image");
  }
  return { ...(fill && { fill }), ...(mark && { mark }), ...(seal && { seal }) };
}

/** Who signs, as their signature block shows them. */
export interface SignerProfile {
  /** The account's display name; the certificate's common name otherwise. */
  readonly name?: string | null;
  readonly title?: string | null;
  /** The agency's name in the signer's language; the certificate's organisation otherwise. */
  readonly agency?: string | null;
  readonly locale: "ar" | "ja" | "en";
}

/**
 * The core appearance of a signature (issue 13.2): the profile's names (the certificate's where the profile has
 * none), the country and the issuer from the certificate, dated now, in the signer's language and calendar.
 */
export async function signatureAppearanceFor(
  certificate: Uint8Array,
  profile: SignerProfile,
  choices: SigningChoices,
  signedAt: Date,
): Promise<SignatureAppearance> {
  const names = (await appearance()).certificateNames(certificate);
  return {
    name: profile.name?.trim() || names.name,
    ...(profile.title?.trim() && { title: profile.title.trim() }),
    ...((profile.agency?.trim() || names.agency) && { agency: profile.agency?.trim() || names.agency }),
    ...(names.country && { country: names.country }),
    ...(names.issuer && { issuer: names.issuer }),
    signedAt,
    locale: profile.locale,
    mark: choices.mark ?? { kind: "typed" },
    ...(choices.seal && { seal: choices.seal }),
  };
}

const FIELD_CODES: Partial<Record<string, EnvelopeErrorCode>> = {
  page_missing: "field_page_missing",
  off_page: "field_off_page",
  overlaps_signature: "field_overlaps_signature",
  required_missing: "field_required_missing",
  bad_value: "field_value_invalid",
  not_owner: "field_value_invalid",
  unknown_field: "field_value_invalid",
  signed_field: "field_value_invalid",
  bad_rect: "invalid_request",
  bad_kind: "invalid_request",
  bad_name: "invalid_request",
  duplicate_name: "invalid_request",
  unreadable_pdf: "invalid_pdf",
  encrypted_pdf: "encrypted_pdf",
};

const APPEARANCE_CODES: Record<string, EnvelopeErrorCode> = {
  not_an_image: "invalid_image",
  image_too_large: "invalid_image",
  decompression_bomb: "invalid_image",
  bad_image: "invalid_image",
  unsupported_script: "unsupported_script",
  does_not_fit: "unsupported_script",
  bad_seal_name: "invalid_request",
};

/** Core's refusals of a field, a value or an appearance, as the API's coded errors; anything else unchanged. */
export async function asEnvelopeError(e: unknown): Promise<unknown> {
  // Only core's forms and appearance throw these, so their modules are loaded then; any other error loads nothing.
  if (!(e instanceof Error && (e.name === "FieldError" || e.name === "AppearanceError"))) return e;
  const [{ FieldError }, { AppearanceError }] = await Promise.all([forms(), appearance()]);
  if (e instanceof FieldError) return new EnvelopeError(FIELD_CODES[e.code] ?? "invalid_request", e.message);
  if (e instanceof AppearanceError) return new EnvelopeError(APPEARANCE_CODES[e.code] ?? "invalid_request", e.message);
  return e;
}

const LOCALE_OF_COUNTRY: Readonly<Record<string, "ar" | "ja">> = { SA: "ar", JP: "ja" };

/**
 * The signer's profile for their signature block: their display name, job title, their agency's name and their
 * language (the account's language; unset, that of the certificate's country, else English).
 */
export async function signerProfile(db: Db, userId: string | null, certificate: Uint8Array): Promise<SignerProfile> {
  const row = userId ? await store.signerProfileRow(db, userId) : undefined;
  const country = (await appearance()).certificateNames(certificate).country?.toUpperCase() ?? "";
  const locale = row?.locale ?? LOCALE_OF_COUNTRY[country] ?? "en";
  const names = (row?.names ?? null) as Partial<Record<string, string>> | null;
  return {
    name: row?.display_name ?? null,
    title: row?.job_title ?? null,
    agency: names?.[locale] ?? names?.en ?? null,
    locale,
  };
}

/**
 * What core's signing takes for this recipient (issue 13.2): their signature field, the values they filled and
 * the appearance. Without a signature field placed for them, nothing (an invisible signature, as before fields);
 * then values are refused (core: there is no field of theirs to fill) and a mark or seal has nowhere to go.
 */
export async function signingFieldOptions(options: {
  readonly db: Db;
  readonly envelopeId: string;
  readonly recipientId: string;
  readonly userId: string | null;
  readonly certificate: Uint8Array;
  readonly choices: SigningChoices;
  readonly now: Date;
}): Promise<{
  fieldName?: string;
  fill?: Readonly<Record<string, string | boolean>>;
  appearance?: SignatureAppearance;
}> {
  const placed = await store.recipientFields(options.db, options.envelopeId, options.recipientId);
  const fieldName = placed.find((f) => f.kind === "signature")?.name;
  if (!fieldName) {
    if (options.choices.fill && Object.keys(options.choices.fill).length > 0) {
      throw new EnvelopeError("field_value_invalid", "no fields were placed for you on this envelope");
    }
    return {};
  }
  const profile = await signerProfile(options.db, options.userId, options.certificate);
  const appearance = await signatureAppearanceFor(options.certificate, profile, options.choices, options.now);
  return {
    fieldName,
    fill: withProfileDefaults(placed, options.choices.fill ?? {}, appearance),
    appearance,
  };
}

/**
 * "Name" and "title" fields the signer leaves out are filled from their signature block (the account's display name
 * and job title), as core fills a "date signed" field left out with the signing date: what the sender asked for is
 * what the platform already knows. A value the signer gives (even empty) is theirs; with no job title the title
 * field stays empty (and a required one is refused as missing).
 */
function withProfileDefaults(
  placed: readonly { readonly name: string; readonly kind: string }[],
  fill: Readonly<Record<string, string | boolean>>,
  appearance: SignatureAppearance,
): Readonly<Record<string, string | boolean>> {
  const out: Record<string, string | boolean> = { ...fill };
  for (const f of placed) {
    if (f.name in out) continue;
    if (f.kind === "name") out[f.name] = appearance.name;
    else if (f.kind === "title" && appearance.title) out[f.name] = appearance.title;
  }
  return out;
}
