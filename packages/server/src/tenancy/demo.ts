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
import { sql } from "kysely";
import { hashPassword } from "../auth/passwords.js";
import type { Db } from "../db/connect.js";
import type { Multilingual, Role } from "../db/schema.js";
import type { KeyStore } from "../trust/keys.js";
import type { TrustStore } from "../trust/store.js";
import { issueCertificateInTransaction } from "./certificates.js";

export const DEFAULT_DEMO_PASSWORD = "khatam-demo";

export const DEMO_COUNTRIES: readonly { id: string; isoCode: string; names: Multilingual }[] = [
  { id: "jp", isoCode: "JP", names: { en: "Japan", ar: "اليابان", ja: "日本" } },
  { id: "sa", isoCode: "SA", names: { en: "Saudi Arabia", ar: "المملكة العربية السعودية", ja: "サウジアラビア" } },
];

export const DEMO_AGENCIES: readonly { country: string; names: Multilingual }[] = [
  { country: "jp", names: { en: "Digital Agency", ar: "الوكالة الرقمية", ja: "デジタル庁" } },
  {
    country: "sa",
    names: {
      en: "Ministry of Communications and Information Technology (MCIT)",
      ar: "وزارة الاتصالات وتقنية المعلومات",
      ja: "通信情報技術省",
    },
  },
];

export const DEMO_USERS: readonly {
  email: string;
  displayName: string;
  country: string;
  role: Role;
  locale: "ar" | "ja" | "en";
  certificate: boolean;
}[] = [
  {
    email: "official@jp.demo",
    displayName: "Hanako Sato",
    country: "jp",
    role: "official",
    locale: "ja",
    certificate: true,
  },
  {
    email: "admin@jp.demo",
    displayName: "Taro Suzuki",
    country: "jp",
    role: "agency_admin",
    locale: "ja",
    certificate: false,
  },
  {
    email: "official@sa.demo",
    displayName: "Noura Al-Qahtani",
    country: "sa",
    role: "official",
    locale: "ar",
    certificate: true,
  },
  {
    email: "clerk@sa.demo",
    displayName: "Faisal Al-Harbi",
    country: "sa",
    role: "clerk",
    locale: "ar",
    certificate: false,
  },
  {
    email: "admin@sa.demo",
    displayName: "Sara Al-Otaibi",
    country: "sa",
    role: "agency_admin",
    locale: "ar",
    certificate: false,
  },
];

/** Seeds the demo federation unless the database has a country already; true when it seeded. */
/** The Argon2 hash of the demo users' password (KHATAM_DEMO_PASSWORD, or the documented default). */
export function demoPasswordHash(password?: string): Promise<string> {
  return hashPassword(password ?? DEFAULT_DEMO_PASSWORD);
}

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
  const cas = store.ids();
  if (!DEMO_COUNTRIES.every((c) => cas.includes(c.id))) return false;
  // Seeded already (every start but the first): no Argon2 hash, which is most of a restart. Checked again below,
  // under the lock, for replicas starting together.
  if (await db.selectFrom("countries").select("id").limit(1).executeTakeFirst()) return false;
  const hashes = new Map<string, string>();
  // One Argon2 hash for the demo users' common password (each user's row holds it): the same password, so nothing
  // is lost, and start-up does one memory-hard hash instead of five.
  const hash = await (options.passwordHash ?? demoPasswordHash(options.password));
  for (const user of DEMO_USERS) hashes.set(user.email, hash);
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(7283002)`.execute(tx);
    const any = await tx.selectFrom("countries").select("id").limit(1).executeTakeFirst();
    if (any) return false;
    for (const c of DEMO_COUNTRIES) {
      await tx
        .insertInto("countries")
        .values({ id: c.id, iso_code: c.isoCode, names: JSON.stringify(c.names) })
        .execute();
    }
    const agencyOf = new Map<string, string>();
    for (const a of DEMO_AGENCIES) {
      const id = crypto.randomUUID();
      agencyOf.set(a.country, id);
      await tx
        .insertInto("agencies")
        // The demo addresses' domain is the agency's, verified (security issue 9.3: recipients bind through it).
        .values({ id, country_id: a.country, names: JSON.stringify(a.names), email_domains: [`${a.country}.demo`] })
        .execute();
    }
    for (const u of DEMO_USERS) {
      const id = crypto.randomUUID();
      await tx
        .insertInto("users")
        .values({
          id,
          email: u.email,
          display_name: u.displayName,
          agency_id: agencyOf.get(u.country)!,
          role: u.role,
          password_hash: hashes.get(u.email)!,
          totp_secret: null,
          oidc_issuer: null,
          oidc_subject: null,
          locale: u.locale,
        })
        .execute();
      if (u.certificate)
        await issueCertificateInTransaction(tx, { store, keyStore, userId: id, holder: { mode: "platform" } });
    }
    return true;
  });
}
