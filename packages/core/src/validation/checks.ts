/**
 * What a check answers (EU DSS style: one small check per question): nothing when it passes, or the ETSI
 * EN 319 102-1 § 5.1 indication and sub-indication it yields with a message a person can act on.
 */
import type { Message } from "./messages.js";
import type { Indication, SubIndication } from "./report.js";

/** The building blocks of ETSI EN 319 102-1 § 5.2, in the order the basic validation process runs them. */
export type BuildingBlock = "FC" | "ISC" | "CV" | "XCV" | "SAV";

export interface Failure {
  readonly block: BuildingBlock;
  readonly indication: Exclude<Indication, "TOTAL_PASSED">;
  readonly subIndication: SubIndication;
  readonly message: Message;
}

export function failure(
  block: BuildingBlock,
  indication: Failure["indication"],
  subIndication: SubIndication,
  message: Message,
): Failure {
  return { block, indication, subIndication, message };
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
