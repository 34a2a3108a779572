/**
 * The platform's schema, as ordered migrations. One schema for both engines (PGlite embedded, PostgreSQL at
 * scale): plain PostgreSQL, no extensions. Each migration runs in one transaction with its row in
 * `khatam_migrations`, so a crash mid-migration leaves the previous version intact and the next start retries.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tenancy, people, documents, envelopes, audit, outbox",
    sql: `
create table countries (
  id text primary key check (id ~ '^[a-z]{2,8}$'),   -- also the CA id in /pki/:ca
  iso_code text not null check (iso_code ~ '^[A-Z]{2}$'),
  names jsonb not null                                  -- { "en": …, "ar": …, "ja": … }
);

create table agencies (
  id uuid primary key,
  country_id text not null references countries(id),
  names jsonb not null,
  created_at timestamptz not null default now()
);
create index agencies_country on agencies(country_id);

create table users (
  id uuid primary key,
  email text not null,
  display_name text not null,
  agency_id uuid references agencies(id),               -- null only for platform administrators
  role text not null check (role in ('platform_admin', 'agency_admin', 'official', 'clerk')),
  password_hash text,                                   -- argon2id; null for OIDC-only users
  totp_secret text,                                     -- encrypted with the master key; null when not enrolled
  oidc_issuer text,
  oidc_subject text,
  locale text check (locale in ('ar', 'ja', 'en')),
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  check (role = 'platform_admin' or agency_id is not null)
);
create unique index users_email on users(lower(email));
create unique index users_oidc on users(oidc_issuer, oidc_subject) where oidc_subject is not null;

-- Sessions and API tokens: only the SHA-256 of the token is stored.
create table credentials (
  token_hash text primary key,
  user_id uuid not null references users(id) on delete cascade,
  kind text not null check (kind in ('session', 'api')),
  label text,
  second_factor boolean not null default false,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  last_used_at timestamptz
);
create index credentials_user on credentials(user_id);

create table login_failures (
  id bigserial primary key,
  email text not null,
  ip text not null,
  at timestamptz not null default now()
);
create index login_failures_email_at on login_failures(lower(email), at);
create index login_failures_ip_at on login_failures(ip, at);

-- Signing certificates of officials (and agency seals): issued by the trust store, key held by the platform
-- (key_ref names it in the key store: encrypted file or PKCS#11 label) or on the official's device (key_ref null).
create table signing_certificates (
  id uuid primary key,
  user_id uuid references users(id),
  agency_id uuid not null references agencies(id),
  ca_id text not null references countries(id),
  serial text not null,
  profile text not null check (profile in ('official', 'seal')),
  subject text not null,
  not_after timestamptz not null,
  der bytea not null,
  key_ref jsonb,
  created_at timestamptz not null default now(),
  unique (ca_id, serial)
);
create index signing_certificates_user on signing_certificates(user_id);

-- Documents by content: a revision is never overwritten, only added.
create table documents (
  sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
  bytes bytea not null,
  size integer not null,
  created_at timestamptz not null default now()
);

create table envelopes (
  id uuid primary key,
  agency_id uuid not null references agencies(id),
  created_by uuid not null references users(id),
  title text not null,
  status text not null check (status in ('draft', 'sent', 'completed', 'declined', 'expired')),
  original_sha256 text not null references documents(sha256),
  current_sha256 text not null references documents(sha256),
  register_code text not null unique,                    -- printed on the document; unguessable
  expires_at timestamptz,
  reminder_every interval,
  last_reminded_at timestamptz,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  completed_at timestamptz,
  version integer not null default 0                     -- optimistic concurrency on every state change
);
create index envelopes_agency on envelopes(agency_id, created_at desc);
create index envelopes_expiring on envelopes(expires_at) where status = 'sent';

create table recipients (
  id uuid primary key,
  envelope_id uuid not null references envelopes(id) on delete cascade,
  email text not null,
  user_id uuid references users(id),
  role text not null check (role in ('signer', 'approver', 'viewer')),
  routing_order integer not null check (routing_order >= 1),
  status text not null check (status in ('pending', 'notified', 'viewed', 'signed', 'approved', 'declined')),
  decline_reason text,
  signature_field text,
  acted_at timestamptz
);
create index recipients_envelope on recipients(envelope_id, routing_order);
create index recipients_user on recipients(user_id);
create index recipients_email on recipients(lower(email));

-- External (device-key) signatures in progress: the prepared revision and the signed attributes to sign.
create table signing_sessions (
  id uuid primary key,
  envelope_id uuid not null references envelopes(id) on delete cascade,
  recipient_id uuid not null references recipients(id) on delete cascade,
  base_sha256 text not null references documents(sha256),
  prepared bytea not null,
  state jsonb not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

-- The audit trail: each event carries the hash of the one before (per envelope), so any edit breaks the chain.
create table audit_events (
  id bigserial primary key,
  envelope_id uuid not null references envelopes(id) on delete cascade,
  seq integer not null,
  type text not null,
  actor_user_id uuid references users(id),
  actor_email text,
  ip text,
  at timestamptz not null,
  document_sha256 text,
  details jsonb not null default '{}',
  prev_hash text not null,
  hash text not null,
  unique (envelope_id, seq)
);

create table webhooks (
  id uuid primary key,
  agency_id uuid not null references agencies(id) on delete cascade,
  url text not null,
  secret text not null,
  events text[] not null,
  active boolean not null default true,
  created_at timestamptz not null default now()
);

-- Transactional outbox: e-mails and webhook deliveries are written in the same transaction as the state change
-- they announce, and sent (with retries) afterwards, so none is lost and none is sent for a rolled-back change.
create table outbox (
  id bigserial primary key,
  kind text not null check (kind in ('email', 'webhook')),
  payload jsonb not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  delivered_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
create index outbox_due on outbox(next_attempt_at) where delivered_at is null;
`,
  },
  {
    version: 2,
    name: "authentication: credential ids, TOTP enrolment and replay guard",
    sql: `
-- A stable id per credential, so an API token can be listed and revoked without knowing it.
alter table credentials add column id uuid not null default gen_random_uuid();
create unique index credentials_id on credentials(id);

-- TOTP: a secret being enrolled (encrypted like totp_secret) until a first code confirms it, and the last time step
-- accepted, so a code is good once (RFC 6238 § 5.2).
alter table users add column totp_pending_secret text;
alter table users add column totp_last_step bigint;
`,
  },
  {
    version: 3,
    name: "documents compressed with lz4 where the server has it",
    sql: `
-- Every signature stores a new revision of some tens of KB (mostly the reserved /Contents padding); lz4 compresses it
-- in about half pglz's time. PostgreSQL built without lz4 (PGlite) keeps pglz. Rows already stored stay as they are.
do $$ begin alter table documents alter column bytes set compression lz4; exception when feature_not_supported then null; end $$;
`,
  },
  {
    version: 4,
    name: "webhook secrets sealed with the master key",
    sql: `
-- A webhook's secret signs its deliveries, so the server must read it back: it is sealed (AES-256-GCM under a key
-- derived from the master key, auth/secret-box.ts) in sealed_secret. A secret stored in clear by an earlier version
-- stays in secret until the next start seals it (notify/webhook-secrets.ts: the master key is not available to SQL);
-- a row has exactly one of the two.
alter table webhooks add column sealed_secret text;
alter table webhooks alter column secret drop not null;
alter table webhooks add constraint webhooks_one_secret check ((secret is null) <> (sealed_secret is null));
`,
  },
  {
    version: 5,
    name: "verified addresses and agency domains; the audit trail of administrators' actions",
    sql: `
-- A recipient is bound to an account only through an address the account has proved (security issue 9.3): a link
-- sent to it (email_verified_at), or an agency's domain that the platform administrator verified (email_domains).
alter table agencies add column email_domains text[] not null default '{}';
alter table users add column email_verified_at timestamptz;
-- The demo federation's agencies (addresses under the reserved-looking .demo names) keep binding their users.
update agencies a set email_domains = coalesce((select array_agg(distinct lower(split_part(u.email, '@', 2)))
  from users u where u.agency_id = a.id and lower(u.email) like '%.demo'), '{}');

-- What administrators did to people's accounts (security issue 9.6): certificates issued or revoked, passwords and
-- second factors reset, users created or changed. Append-only; read by the administrators of the same agency.
create table admin_events (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor_user_id uuid,
  actor_email text not null,
  agency_id uuid,
  target_user_id uuid,
  action text not null,
  details jsonb not null default '{}'::jsonb,
  ip text
);
create index admin_events_agency on admin_events(agency_id, at desc, id desc);
create index admin_events_target on admin_events(target_user_id, at desc, id desc);
`,
  },
  {
    version: 6,
    name: "API token scopes",
    sql: `
-- What an API token may do (security issue 9.7): read, sign (every other write), admin. Null for sessions, which
-- may do what the user's role allows. Tokens made before this keep working as they did: every scope.
alter table credentials add column scopes text[];
update credentials set scopes = array['read', 'sign', 'admin'] where kind = 'api';
`,
  },
  {
    version: 7,
    name: "inbox lists walk indexes in their own order",
    sql: `
-- Each inbox list is read newest first, a page at a time (issue 14.6). A recipient row carries its envelope's
-- creation time (set by a trigger, never changed: envelopes.created_at is immutable), so a person's envelopes can be
-- walked in inbox order through one index instead of sorting every envelope they ever received.
alter table recipients add column envelope_created_at timestamptz;
update recipients r set envelope_created_at = e.created_at from envelopes e where e.id = r.envelope_id;
-- (One line: the migration runner splits statements at a semicolon that ends a line.)
create function recipients_envelope_created_at() returns trigger language plpgsql as $f$ begin select e.created_at into new.envelope_created_at from envelopes e where e.id = new.envelope_id; return new; end $f$;
create trigger recipients_envelope_created_at before insert on recipients
  for each row execute function recipients_envelope_created_at();
alter table recipients alter column envelope_created_at set not null;
create index recipients_inbox on recipients(user_id, envelope_created_at desc, envelope_id desc);
create index recipients_inbox_open on recipients(user_id, envelope_created_at desc, envelope_id desc)
  where role in ('signer', 'approver') and status in ('pending', 'notified', 'viewed');
-- The agency's lists: in progress, and finished.
create index envelopes_agency_open on envelopes(agency_id, created_at desc, id desc) where status in ('draft', 'sent');
create index envelopes_agency_finished on envelopes(agency_id, created_at desc, id desc)
  where status in ('completed', 'declined', 'expired');
drop index envelopes_agency;
`,
  },
  {
    version: 8,
    name: "envelopes can be voided by their agency",
    sql: `
-- A sent envelope may be cancelled (voided) by the agency that owns it, with a reason (issue 10.12). A finished
-- state like completed, declined and expired: the agency's finished list and its index include it.
alter table envelopes drop constraint envelopes_status_check;
alter table envelopes add constraint envelopes_status_check
  check (status in ('draft', 'sent', 'completed', 'declined', 'expired', 'voided'));
drop index envelopes_agency_finished;
create index envelopes_agency_finished on envelopes(agency_id, created_at desc, id desc)
  where status in ('completed', 'declined', 'expired', 'voided');
`,
  },
  {
    version: 9,
    name: "the platform's seal for certificates of completion",
    sql: `
-- One seal per national CA (audit/completion-seal.ts): the certificate the CA issued (profile seal) and where its key
-- is in the key store; the key itself is never in the database.
create table platform_seals (
  ca_id text primary key,
  der bytea not null,
  key_ref jsonb not null,
  created_at timestamptz not null default now()
);
`,
  },
  {
    version: 10,
    name: "a message from the sender",
    sql: `
-- The sender's words to the recipients (issue 10.12), sent with the invitation and shown on the envelope.
alter table envelopes add column message text check (length(message) <= 2000);
`,
  },
  {
    version: 11,
    name: "partner instances",
    sql: `
-- Federation (issue 12.2): the instances this one is peered with. The platform administrator gives the id, the
-- address and the instance key's fingerprint (obtained out of band); the rest is what the partner's signed identity
-- and its trusted list said when last checked. The list is pinned: a later one is taken only with a sequence number
-- at least as high (equal only for the same bytes), and the trust anchors it named are kept as DER, so that start-up
-- needs no XML signature check.
create table peers (
  instance text primary key check (instance ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
  url text not null,
  key_fingerprint text not null check (key_fingerprint ~ '^[0-9a-f]{64}$'),
  public_key bytea not null,
  trusted_list_url text not null,
  trusted_list bytea not null,
  trusted_list_digest text not null,
  trusted_list_signer bytea not null,
  territory text not null,
  sequence_number integer not null,
  issued_at timestamptz not null,
  next_update timestamptz,
  anchors jsonb not null,
  refreshed_at timestamptz not null default now(),
  checked_at timestamptz not null default now(),
  last_error text,
  created_at timestamptz not null default now()
);
`,
  },
  {
    version: 12,
    name: "the trust services' state in the database",
    sql: `
-- One instance, several processes (issue 12.5): the national PKIs' state (CAs, issued certificates and their
-- revocations, CRL numbers, the trusted list's releases, the instance key's reference) was a file in one process's
-- data directory. It is one row here, replaced whole by an update that names the version it read, so that a process
-- whose view is stale fails its write, reloads and tries again: changes of any process are serialised by the row.
create table trust_state (
  id smallint primary key default 1 check (id = 1),
  version integer not null check (version > 0),
  state jsonb not null,
  updated_at timestamptz not null default now()
);
-- Software keys, PKCS#8 encrypted under the master key (never in clear), so that every process opens every key;
-- names carry a random suffix and are never reused. Keys in a PKCS#11 token are not here.
create table trust_keys (
  name text primary key,
  pem text not null check (pem like '-----BEGIN ENCRYPTED PRIVATE KEY-----%'),
  created_at timestamptz not null default now()
);
`,
  },
  {
    version: 13,
    name: "envelopes across instances",
    sql: `
-- Cross-instance envelopes (issue 12.3) and the server-to-server protocol (12.4).
-- On the owning instance: a recipient who lives on a partner instance (its id); they never bind to a local account.
alter table recipients add column instance text references peers(instance);
-- On the partner: the copy of an envelope offered by its owner — {instance, envelopeId, offerId, sender} — which the
-- local recipient sees in their inbox and signs or declines here; null for the instance's own envelopes.
alter table envelopes add column origin jsonb;
create unique index envelopes_origin on envelopes((origin->>'instance'), (origin->>'offerId')) where origin is not null;
-- Messages to partners go through the outbox like e-mail and webhooks.
alter table outbox drop constraint outbox_kind_check;
alter table outbox add constraint outbox_kind_check check (kind in ('email', 'webhook', 'federation'));
-- Replay protection: a signed request's nonce is accepted once within the signature's lifetime.
create table federation_nonces (
  peer text not null,
  nonce text not null,
  expires_at timestamptz not null,
  primary key (peer, nonce)
);
-- Idempotency: a request is processed once per (partner, Idempotency-Key); a repeat gets the first answer.
create table federation_requests (
  peer text not null,
  idempotency_key text not null,
  status integer not null,
  response jsonb not null,
  received_at timestamptz not null default now(),
  primary key (peer, idempotency_key)
);
`,
  },
  {
    version: 14,
    name: "fields placed by the sender",
    sql: `
-- Fields the sender places for each recipient (issue 13.1). The document holds them as AcroForm fields (added as an
-- incremental update before the first signature); these rows are what the API returns without parsing the PDF, and
-- which recipient owns each field. rect: x1 y1 x2 y2 in the page's default user space (PDF points).
create table envelope_fields (
  envelope_id uuid not null references envelopes(id) on delete cascade,
  name text not null,
  recipient_id uuid not null references recipients(id) on delete cascade,
  kind text not null check (kind in ('signature', 'initials', 'date', 'name', 'title', 'text', 'checkbox')),
  page integer not null check (page >= 1),
  x1 double precision not null,
  y1 double precision not null,
  x2 double precision not null,
  y2 double precision not null,
  label text,
  required boolean not null default false,
  position integer not null,
  primary key (envelope_id, name)
);
create index envelope_fields_recipient on envelope_fields(recipient_id);
`,
  },
  {
    version: 15,
    name: "job title of accounts",
    sql: `
-- The person's job title, as their visible signature block shows it under their name (issue 13.2); set by an
-- administrator, absent for most accounts.
alter table users add column job_title text check (job_title is null or length(job_title) between 1 and 200);
`,
  },
];
