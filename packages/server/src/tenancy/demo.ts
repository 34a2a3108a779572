/**
 * The demo federation (CONTRACTS § 3) in the database: countries `jp` and `sa` (tenants of the CAs with the same
 * ids), one agency each, and five users with the demo password: two officials with platform-held certificates from
 * their own country's CA, a clerk without signing rights, and an agency administrator per agency.
 *
 * Run by buildApp on an empty database when demo mode is on. Idempotent and transactional: everything is written
 * in one transaction under an advisory lock (replicas starting together seed once), and skipped when any country
 * exists. A crash mid-seed rolls the rows back and the next start seeds again; at worst it leaves a certificate in
 * the CA's directory and a key in the key store that no row names (see certificates.ts).
 */
import { hashPassword } from "../auth/passwords.js";
import type { Db } from "../db/connect.js";
import type { KeyStore } from "../trust/keys.js";
import type { TrustStore } from "../trust/store.js";
import { issueCertificateInTransaction } from "./certificates.js";
import { DEFAULT_DEMO_PASSWORD, DEMO_AGENCIES, DEMO_COUNTRIES, DEMO_USERS } from "./demo-people.js";
import * as tenancy from "./store.js";

export { DEFAULT_DEMO_PASSWORD, DEMO_AGENCIES, DEMO_COUNTRIES, DEMO_USERS } from "./demo-people.js";

/** The Argon2 hash of the demo users' password (KHATAM_DEMO_PASSWORD, or the documented default). */
export function demoPasswordHash(password?: string): Promise<string> {
  return hashPassword(password ?? DEFAULT_DEMO_PASSWORD);
}

/** Seeds the demo federation unless the database has a country already; true when it seeded. */
export async function seedDemo(options: {
  db: Db;
  store: TrustStore;
  keyStore: KeyStore;
  password?: string;
  /** The password's hash when the caller started it already (to overlap with the CAs' key generation). */
  passwordHash?: Promise<string>;
}): Promise<boolean> {
  const { db, store, keyStore } = options;
  // The demo tenants are tenants of the demo CAs; without them (demo turned on later) there is nothing to seed.
  // Those of the demo countries whose CA this server runs: both in one server, one in a country's own instance.
  const cas = store.ids();
  const countries = DEMO_COUNTRIES.filter((c) => cas.includes(c.id));
  if (countries.length === 0) return false;
  const here = (country: string) => countries.some((c) => c.id === country);
  // Seeded already (every start but the first): no Argon2 hash, which is most of a restart. Checked again below,
  // under the lock, for replicas starting together.
  if (await tenancy.anyCountry(db)) return false;
  const hashes = new Map<string, string>();
  // One Argon2 hash for the demo users' common password (each user's row holds it): the same password, so nothing
  // is lost, and start-up does one memory-hard hash instead of five.
  const hash = await (options.passwordHash ?? demoPasswordHash(options.password));
  for (const user of DEMO_USERS) hashes.set(user.email, hash);
  return db.transaction().execute(async (tx) => {
    await tenancy.lockDemoSeed(tx);
    if (await tenancy.anyCountry(tx)) return false;
    for (const c of countries) await tenancy.insertCountry(tx, c);
    const agencyOf = new Map<string, string>();
    for (const a of DEMO_AGENCIES.filter((a) => here(a.country))) {
      const id = crypto.randomUUID();
      agencyOf.set(a.country, id);
      // The demo addresses' domain is the agency's, verified (security issue 9.3: recipients bind through it).
      await tenancy.insertAgency(tx, { id, countryId: a.country, names: a.names, domains: [`${a.country}.demo`] });
    }
    for (const u of DEMO_USERS.filter((u) => here(u.country))) {
      const id = crypto.randomUUID();
      const inserted = await tenancy.insertUser(tx, {
        id,
        email: u.email,
        displayName: u.displayName,
        jobTitle: u.jobTitle,
        agencyId: agencyOf.get(u.country)!,
        role: u.role,
        passwordHash: hashes.get(u.email)!,
        locale: u.locale,
      });
      if (!inserted) throw new Error(`the demo address ${u.email} has an account already`);
      if (u.certificate)
        await issueCertificateInTransaction(tx, { store, keyStore, userId: id, holder: { mode: "platform" } });
    }
    return true;
  });
}
