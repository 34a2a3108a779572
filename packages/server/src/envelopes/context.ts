/**
 * What every envelope use case shares: who calls (as the HTTP layer authenticated them), what the workflow needs of
 * the platform, and the clock.
 */
import type { Signer } from "@khatam/core/keys";
import type { Db } from "../db/connect.js";
import type { Role } from "../db/schema.js";
import type { PreparedUpload, RegisterStamp } from "./document.js";
import type { PlatformTrust } from "./signing.js";
import type { SigningCertificateRow } from "./store.js";

/** Who is acting, as the HTTP layer authenticated them. */
export interface Caller {
  readonly userId: string | null;
  readonly email: string;
  readonly role: Role;
  readonly agencyId: string | null;
  readonly countryId: string | null;
  /** The client's address, for the audit trail. */
  readonly ip?: string | null;
}

/** Opens the platform-held key of a signing certificate (tenancy/signing-keys.ts). */
export type SignerResolver = (certificate: SigningCertificateRow) => Promise<Signer>;

/** What the workflow needs of the platform. */
export interface EnvelopeContext extends PlatformTrust {
  readonly db: Db;
  readonly signerFor: SignerResolver;
  /** The clock (tests move it). */
  readonly now?: () => Date;
  /**
   * Inspects and stamps an upload off the event loop (the server's worker pool); without it the work is done in
   * this thread (scripts, tests of the workflow alone).
   */
  readonly documents?: {
    prepare(pdf: Uint8Array, stamp: RegisterStamp): Promise<PreparedUpload>;
  };
}

/** Longest reason for declining or voiding (the route schemas say the same). */
/** What a use case on one envelope is given: the platform, who calls, and which envelope. */
export interface EnvelopeRequest {
  readonly ctx: EnvelopeContext;
  readonly caller: Caller;
  readonly envelopeId: string;
}

export const MAX_REASON_LENGTH = 2000;

export function clock(ctx: { now?: () => Date }): Date {
  return ctx.now ? ctx.now() : new Date();
}

export function registerUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/$/, "")}/register/${code}`;
}
