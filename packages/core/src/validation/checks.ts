/**
 * What a check answers (EU DSS style: one small check per question): nothing when it passes, or a check result —
 * one shape for every building block, the placement checks and the time-stamps: the id of the check (its message
 * id in the catalogue, messages/en.ts, with the English text), its parameters, and the ETSI EN 319 102-1 § 5.1
 * indication and sub-indication it yields. The indication follows from the sub-indication (Table 5), so a pairing
 * the table does not allow does not compile.
 */
import type { Message } from "./messages.js";
import { type Outcome, outcomeOf, type SharedSubIndication, type SubIndication } from "./report.js";

/** The building blocks of ETSI EN 319 102-1 § 5.2, in the order the basic validation process runs them. */
export type BuildingBlock = "FC" | "ISC" | "CV" | "XCV" | "SAV";

/** A failed check: what failed (id and parameters, rendered in the reader's language) and what it yields. */
export type Failure = Message & Outcome & { readonly block: BuildingBlock };

/**
 * A failed check of `block`. The indication is the one Table 5 gives the sub-indication; EXPIRED and NOT_YET_VALID,
 * which Table 5 lists under both indications, are given with theirs.
 */
export function failure(
  block: BuildingBlock,
  result: Exclude<SubIndication, SharedSubIndication> | (Outcome & { readonly subIndication: SharedSubIndication }),
  reason: Message,
): Failure {
  const outcome = typeof result === "string" ? outcomeOf(result) : result;
  return { block, indication: outcome.indication, subIndication: outcome.subIndication, ...reason } as Failure;
}

const ORDER: readonly BuildingBlock[] = ["FC", "ISC", "CV", "XCV", "SAV"];

/**
 * The failure that decides the indication (ETSI EN 319 102-1 § 5.3.4): format and signer identification stop the
 * process; otherwise a TOTAL_FAILED from any block (HASH_FAILURE, SIG_CRYPTO_FAILURE, REVOKED …) outranks the
 * INDETERMINATE results that X.509 validation hands on, and those outrank the algorithm constraints; within a rank
 * the earlier building block, then the first found, wins.
 */
export function decisive(failures: readonly Failure[]): Failure | null {
  if (failures.length === 0) return null;
  const rank = (f: Failure) =>
    (f.block === "FC" || f.block === "ISC" ? 0 : f.indication === "TOTAL_FAILED" ? 10 : 20) + ORDER.indexOf(f.block);
  return [...failures].sort((a, b) => rank(a) - rank(b))[0]!;
}
