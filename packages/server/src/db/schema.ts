/**
 * Kysely's view of the schema in migrations.ts (keep the two in step). Timestamps are Date, bytea is Uint8Array,
 * jsonb is parsed JSON.
 */
import type { ColumnType, Generated } from "kysely";

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string | T, string | T>;

export type Multilingual = { en: string; ar?: string; ja?: string };
export type Role = "platform_admin" | "agency_admin" | "official" | "clerk";
export type EnvelopeStatus = "draft" | "sent" | "completed" | "declined" | "expired" | "voided";
export type RecipientRole = "signer" | "approver" | "viewer";
export type RecipientStatus = "pending" | "notified" | "viewed" | "signed" | "approved" | "declined";

export interface Database {
  khatam_migrations: { version: number; name: string; applied_at: CreatedAt };
  countries: { id: string; iso_code: string; names: Json<Multilingual> };
  agencies: {
    id: string;
    country_id: string;
    names: Json<Multilingual>;
    /** Mail domains the platform administrator verified as the agency's (lower case). */
    email_domains: Generated<string[]>;
    created_at: CreatedAt;
  };
  users: {
    id: string;
    email: string;
    display_name: string;
    /** Shown under the name in the person's visible signatures (migration 15). */
    job_title: Generated<string | null>;
    agency_id: string | null;
    role: Role;
    password_hash: string | null;
    totp_secret: string | null;
    totp_pending_secret: Generated<string | null>;
    totp_last_step: Generated<string | null>;
    oidc_issuer: string | null;
    oidc_subject: string | null;
    locale: "ar" | "ja" | "en" | null;
    disabled: Generated<boolean>;
    /** When the user proved the address by a link sent to it (null: not by a link). */
    email_verified_at: Generated<Date | null>;
    created_at: CreatedAt;
  };
  admin_events: {
    id: Generated<string>;
    at: CreatedAt;
    actor_user_id: string | null;
    actor_email: string;
    agency_id: string | null;
    target_user_id: string | null;
    action: string;
    details: Json<Record<string, unknown>>;
    ip: string | null;
  };
  credentials: {
    id: Generated<string>;
    token_hash: string;
    user_id: string;
    kind: "session" | "api";
    label: string | null;
    second_factor: Generated<boolean>;
    /** An API token's scopes (read, sign, admin); null for sessions. */
    scopes: Generated<string[] | null>;
    created_at: CreatedAt;
    expires_at: Date | null;
    last_used_at: Date | null;
  };
  login_failures: { id: Generated<string>; email: string; ip: string; at: CreatedAt };
  signing_certificates: {
    id: string;
    user_id: string | null;
    agency_id: string;
    ca_id: string;
    serial: string;
    profile: "official" | "seal";
    subject: string;
    not_after: Date;
    der: Uint8Array;
    key_ref: Json<KeyRef> | null;
    created_at: CreatedAt;
  };
  documents: { sha256: string; bytes: Uint8Array; size: number; created_at: CreatedAt };
  envelopes: {
    id: string;
    agency_id: string;
    created_by: string;
    title: string;
    status: EnvelopeStatus;
    original_sha256: string;
    current_sha256: string;
    register_code: string;
    expires_at: Date | null;
    reminder_every: string | null;
    /** The sender's message to the recipients (migration 10). */
    message: string | null;
    last_reminded_at: Date | null;
    created_at: CreatedAt;
    sent_at: Date | null;
    completed_at: Date | null;
    version: Generated<number>;
    /** On a partner instance, the copy's origin (migration 13); null for this instance's own envelopes. */
    origin: ColumnType<EnvelopeOrigin | null, string | undefined, string | null>;
  };
  recipients: {
    id: string;
    envelope_id: string;
    email: string;
    user_id: string | null;
    role: RecipientRole;
    routing_order: number;
    status: RecipientStatus;
    decline_reason: string | null;
    signature_field: string | null;
    acted_at: Date | null;
    /** The envelope's created_at, copied by a trigger (inbox order; migration 7). */
    envelope_created_at: Generated<Date>;
    /** The partner instance the recipient lives on (migration 13); null: this instance. */
    instance: ColumnType<string | null, string | null | undefined, string | null>;
  };
  peers: {
    instance: string;
    url: string;
    key_fingerprint: string;
    public_key: Uint8Array;
    trusted_list_url: string;
    trusted_list: Uint8Array;
    trusted_list_digest: string;
    trusted_list_signer: Uint8Array;
    territory: string;
    sequence_number: number;
    issued_at: Date;
    next_update: Date | null;
    /** The trust anchors the pinned list names: base64 DER. */
    anchors: Json<string[]>;
    refreshed_at: Generated<Date>;
    checked_at: Generated<Date>;
    last_error: string | null;
    created_at: CreatedAt;
  };
  trust_state: {
    id: Generated<number>;
    version: number;
    state: Json<unknown>;
    updated_at: Generated<Date>;
  };
  trust_keys: {
    name: string;
    pem: string;
    created_at: Generated<Date>;
  };
  federation_nonces: {
    peer: string;
    nonce: string;
    expires_at: Date;
  };
  federation_requests: {
    peer: string;
    idempotency_key: string;
    status: number;
    response: Json<unknown>;
    received_at: Generated<Date>;
  };
  platform_seals: {
    ca_id: string;
    der: Uint8Array;
    key_ref: Json<unknown>;
    created_at: CreatedAt;
  };
  envelope_fields: {
    envelope_id: string;
    name: string;
    recipient_id: string;
    kind: "signature" | "initials" | "date" | "name" | "title" | "text" | "checkbox";
    page: number;
    x1: number;
    y1: number;
    x2: number;
    y2: number;
    label: string | null;
    required: boolean;
    position: number;
  };
  signing_sessions: {
    id: string;
    envelope_id: string;
    recipient_id: string;
    base_sha256: string;
    prepared: Uint8Array;
    state: Json<Record<string, unknown>>;
    created_at: CreatedAt;
    expires_at: Date;
  };
  audit_events: {
    id: Generated<string>;
    envelope_id: string;
    seq: number;
    type: string;
    actor_user_id: string | null;
    actor_email: string | null;
    ip: string | null;
    at: Date;
    document_sha256: string | null;
    details: Json<Record<string, unknown>>;
    prev_hash: string;
    hash: string;
  };
  webhooks: {
    id: string;
    agency_id: string;
    url: string;
    /** Only in rows written before migration 4 and not yet sealed (the next start seals them); otherwise null. */
    secret: Generated<string | null>;
    /** The secret sealed for "webhook-secret" (auth/secret-box.ts). */
    sealed_secret: Generated<string | null>;
    events: string[];
    active: Generated<boolean>;
    created_at: CreatedAt;
  };
  outbox: {
    id: Generated<string>;
    kind: "email" | "webhook" | "federation";
    payload: Json<Record<string, unknown>>;
    attempts: Generated<number>;
    next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
    delivered_at: Date | null;
    last_error: string | null;
    created_at: CreatedAt;
  };
}

/** Where a platform-held signing key lives in the key store (never the key itself). */
export type KeyRef =
  | { readonly kind: "software"; readonly file: string }
  | { readonly kind: "pkcs11"; readonly label: string; readonly id: string };

/** Where a partner's envelope copy came from (envelopes.origin). */
export interface EnvelopeOrigin {
  readonly instance: string;
  /** The envelope's id on the owning instance. */
  readonly envelopeId: string;
  /** The recipient's id on the owning instance: what the offer and its return are about. */
  readonly offerId: string;
  readonly sender: { readonly name: string; readonly email: string; readonly agency: Record<string, string> };
}
