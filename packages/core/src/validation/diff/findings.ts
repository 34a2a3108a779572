/**
 * The vocabulary of modification analysis: levels in pyHanko's order and one finding per change a rule judged, in
 * the shape of every other finding of validation (report.ts `Finding`): a message of the catalogue with the level
 * the change is allowed at where a failed check has its indication.
 *
 * pyHanko (`sign/diff_analysis/policy_api.py`) orders levels NONE < LTA_UPDATES < FORM_FILLING < ANNOTATIONS <
 * OTHER; a revision is as bad as its worst change, and a document as bad as its worst revision.
 */
import type { Message } from "../messages.js";
import type { Finding, ModificationLevel } from "../report.js";

const ORDER: readonly ModificationLevel[] = ["NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER"];

/** The rank of a level: NONE 0 … OTHER 4. */
export function rank(level: ModificationLevel): number {
  return ORDER.indexOf(level);
}

/** The more severe of two levels. */
export function maxLevel(a: ModificationLevel, b: ModificationLevel): ModificationLevel {
  return rank(a) >= rank(b) ? a : b;
}

/** One change a rule judged: what changed and why it has its level (id and parameters), and that level. */
export interface ModificationFinding extends Finding {
  /** The level at which the change is allowed (OTHER: not allowed by any rule). */
  readonly modification: ModificationLevel;
}

/** Collects findings of one revision pair; rules push into it. */
export class Findings {
  readonly list: ModificationFinding[] = [];
  readonly #seen = new Set<string>();
  add(modification: ModificationLevel, reason: Message): void {
    const finding: ModificationFinding = { ...reason, modification };
    const key = JSON.stringify(finding);
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.list.push(finding);
  }
  get level(): ModificationLevel {
    return this.list.reduce<ModificationLevel>((m, f) => maxLevel(m, f.modification), "NONE");
  }
}
