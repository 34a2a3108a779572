/**
 * The e-mails of the envelope workflow, rendered from what the state change already read (pure: no database). Each
 * is in its reader's language (notify/templates.ts renders and escapes them; the title is the sender's text and
 * never reaches a header raw).
 */
import type { Multilingual } from "../db/schema.js";
import type { EmailMessage } from "../notify/outbox.js";
import { type Locale, type Notice, renderEmail } from "../notify/templates.js";
import type { EnvelopeRow, RecipientRow } from "./store.js";

/** Who reads the e-mails: each known address's language (lower-cased address → locale), and the links' base. */
export interface Readers {
  readonly locales: ReadonlyMap<string, Locale>;
  readonly publicUrl: string;
}

/** The sender as invitations and offers present them. */
export interface Sender {
  /** Display name, else the address. */
  readonly name: string;
  readonly email: string;
  readonly agency: Multilingual;
}

export function localeOf(readers: Readers, to: string): Locale {
  return readers.locales.get(to.toLowerCase()) ?? "en";
}

/** One e-mail per address (deduplicated case-insensitively, blank ones dropped), each in its reader's language. */
export function mailTo(readers: Readers, addresses: readonly string[], notice: Notice): EmailMessage[] {
  const unique = [...new Map(addresses.filter(Boolean).map((a) => [a.toLowerCase(), a])).values()];
  return unique.map((to) => renderEmail(notice, { to, locale: localeOf(readers, to), publicUrl: readers.publicUrl }));
}

/** The requests to act (or to look), one per recipient, naming the sender and their agency in each language. */
export function invitations(
  readers: Readers,
  envelope: Pick<EnvelopeRow, "id" | "title" | "expires_at" | "message">,
  sender: Pick<Sender, "name" | "agency">,
  recipients: readonly Pick<RecipientRow, "email" | "role">[],
): EmailMessage[] {
  return recipients.map((r) => {
    const agency = sender.agency[localeOf(readers, r.email)] ?? sender.agency.en;
    return renderEmail(
      {
        kind: "invitation",
        role: r.role,
        envelopeId: envelope.id,
        title: envelope.title,
        sender: agency ? `${sender.name} (${agency})` : sender.name,
        expiresAt: envelope.expires_at,
        message: envelope.message,
      },
      { to: r.email, locale: localeOf(readers, r.email), publicUrl: readers.publicUrl },
    );
  });
}
