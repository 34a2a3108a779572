/**
 * What an instance recorded, in its own words and under its own key: the audit trail of one envelope as it stands,
 * signed with the instance key (ECDSA P-256 over the statement in RFC 8785 canonical JSON, IEEE P1363 r || s). A
 * partner's returns and the owner's completion carry one; the receiver checks it against the key it pinned and keeps
 * it in its own trail (the details of the event it records), so either side can later prove what the other said,
 * with nothing but the statement, the signature and the other's public key — not the transport, not our database.
 */
import { createPublicKey, createVerify } from "node:crypto";
import { derToP1363 } from "@khatam/core/keys";
import canonicalizeModule from "canonicalize";
import type { Db } from "../db/connect.js";
import type { InstanceKey } from "../trust/store.js";
import { keyFingerprint } from "./message-signatures.js";
import { trailOf } from "./store.js";

// The package is CommonJS whose export is the function itself (its types say `export default`).
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** One event of the attested trail, as the instance's audit trail has it (hash-chained there). */
export interface AttestedEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly actor: string | null;
  readonly documentSha256: string | null;
  readonly hash: string;
}

export interface AttestedTrail {
  /** The instance that recorded it. */
  readonly instance: string;
  /** The envelope (or copy) id on that instance. */
  readonly envelopeId: string;
  readonly events: readonly AttestedEvent[];
  /** The hash of the last event: the trail's head. */
  readonly head: string;
  readonly attestedAt: string;
}

export interface Attestation {
  readonly statement: AttestedTrail;
  readonly keyFingerprint: string;
  /** base64 of r || s. */
  readonly signature: string;
}

/** The attestation of envelope `envelopeId`'s trail on this instance. */
export async function attestTrail(db: Db, instance: InstanceKey, envelopeId: string): Promise<Attestation> {
  const rows = await trailOf(db, envelopeId);
  const statement: AttestedTrail = {
    instance: instance.id,
    envelopeId,
    events: rows.map((r) => ({
      seq: Number(r.seq),
      type: r.type,
      at: new Date(r.at).toISOString(),
      actor: r.actor_email,
      documentSha256: r.document_sha256,
      hash: r.hash,
    })),
    head: rows.at(-1)?.hash ?? "",
    attestedAt: new Date().toISOString(),
  };
  const der = await instance.key.signer.sign(Buffer.from(canonicalize(statement)!));
  return {
    statement,
    keyFingerprint: keyFingerprint(instance.publicKey),
    signature: Buffer.from(derToP1363(der, 32)).toString("base64"),
  };
}

/** Whether `attestation` is a well-formed statement by `instance` signed with the key `spki`. */
export function verifyAttestation(attestation: unknown, instance: string, spki: Uint8Array): boolean {
  const a = attestation as Partial<Attestation> | undefined;
  if (!a || typeof a.signature !== "string" || typeof a.statement !== "object" || a.statement === null) return false;
  if (a.statement.instance !== instance || a.keyFingerprint !== keyFingerprint(spki)) return false;
  if (!Array.isArray(a.statement.events)) return false;
  const text = canonicalize(a.statement);
  if (!text) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    return createVerify("sha256")
      .update(text)
      .verify({ key, dsaEncoding: "ieee-p1363" }, Buffer.from(a.signature, "base64"));
  } catch {
    return false;
  }
}
