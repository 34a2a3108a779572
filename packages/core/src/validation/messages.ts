/**
 * Findings as data (EU DSS's message keys): every reason the validator gives is an id from the catalogue with its
 * parameters, rendered where it is shown — in English by the command line and in the report's `errors`/`warnings`,
 * in the reader's language (messages/ar.ts, messages/ja.ts) by the web app.
 *
 * Parameters are plain values (names from certificates, URLs, OIDs, PDF locators: shown as they are), dates
 * (formatted by the renderer, so a page can add the Hijri or Japanese era date) or other messages and lists of them
 * (rendered in the same language; a list joined with "; ").
 */
import { en } from "./messages/en.js";

export type MessageId = keyof typeof en;
export type MessageParam = string | number | Message | readonly Message[] | { readonly date: string };
export type MessageParams = Readonly<Record<string, MessageParam>>;

export interface Message {
  readonly id: MessageId;
  readonly params?: MessageParams;
}

let ids: MessageId[] | undefined;
/** Every id of the catalogue. */
export function messageIds(): readonly MessageId[] {
  ids ??= Object.keys(en) as MessageId[];
  return ids;
}

/** A catalogue: one template per id, with `{name}` placeholders for the parameters. */
export type Catalogue = Readonly<Record<MessageId, string>>;

export function message(id: MessageId, params?: MessageParams): Message {
  return params ? { id, params } : { id };
}

/**
 * The message of a finding alone, without what it yields (a check's outcome, a change's level): to nest in another
 * message or show in a list.
 */
export function reasonOf(m: Message): Message {
  return m.params ? { id: m.id, params: m.params } : { id: m.id };
}

/** A date parameter. */
export const dateParam = (d: Date): { readonly date: string } => ({ date: d.toISOString() });

/** The detail of an exception (a parser's or the platform's own words), passed on as a plain parameter. */
export const detailOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One piece of a rendered template: literal text, or a parameter to show as the caller wishes. */
export type MessagePart =
  | { readonly text: string }
  | { readonly value: string | number }
  | { readonly date: string }
  | { readonly message: Message }
  | { readonly list: readonly Message[] };

/** The template of `m` split into literal text and parameters, so a page can isolate each parameter (`<bdi>`). */
export function messageParts(m: Message, catalogue: Catalogue = en): MessagePart[] {
  const template = catalogue[m.id] ?? en[m.id] ?? m.id;
  const parts: MessagePart[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    if (match.index! > last) parts.push({ text: template.slice(last, match.index!) });
    last = match.index! + match[0].length;
    const p = m.params?.[match[1]!];
    if (p === undefined) parts.push({ text: match[0] });
    else if (Array.isArray(p)) parts.push({ list: p });
    else if (typeof p === "object") parts.push("date" in p ? { date: p.date } : { message: p as Message });
    else parts.push({ value: p });
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return parts;
}

/** `m` as one line of text; dates as ISO 8601 unless `formatDate` says otherwise. */
export function renderMessage(
  m: Message,
  catalogue: Catalogue = en,
  formatDate: (iso: string) => string = (iso) => iso,
): string {
  return messageParts(m, catalogue)
    .map((p) =>
      "text" in p
        ? p.text
        : "value" in p
          ? String(p.value)
          : "date" in p
            ? formatDate(p.date)
            : "list" in p
              ? p.list.map((x) => renderMessage(x, catalogue, formatDate)).join("; ")
              : renderMessage(p.message, catalogue, formatDate),
    )
    .join("");
}
