/**
 * The public directory of organisations: every agency's names in each language with its country, so that a page
 * can show the organisation named in a certificate (in English, as the CA issues it) in the reader's language.
 * Public on purpose: agency names are printed on every signed document.
 */
import type { Db } from "../db/connect.js";
import type { Multilingual } from "../db/schema.js";
import type { DirectoryOrganization } from "./schemas.js";
import { agencyNames } from "./store.js";

export async function organizationDirectory(db: Db): Promise<DirectoryOrganization[]> {
  const rows = await agencyNames(db);
  return rows.map((r) => ({ country: r.iso_code, names: r.names as Multilingual }));
}
