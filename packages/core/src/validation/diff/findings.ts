/**
 * The vocabulary of modification analysis: levels in pyHanko's order and one finding per change a rule judged.
 *
 * pyHanko (`sign/diff_analysis/policy_api.py`) orders levels NONE < LTA_UPDATES < FORM_FILLING < ANNOTATIONS <
 * OTHER; a revision is as bad as its worst change, and a document as bad as its worst revision.
 */
import type { ModificationLevel } from "../report.js";

const ORDER: readonly ModificationLevel[] = ["NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER"];

/** The rank of a level: NONE 0 … OTHER 4. */
export function rank(level: ModificationLevel): number {
  return ORDER.indexOf(level);
}

/** The more severe of two levels. */
export function maxLevel(a: ModificationLevel, b: ModificationLevel): ModificationLevel {
  return rank(a) >= rank(b) ? a : b;
}

/** One change a rule judged. */
export interface Finding {
  /** The level at which the change is allowed (OTHER: not allowed by any rule). */
  readonly level: ModificationLevel;
  /** One line a person can read: what changed and why it has this level. */
  readonly reason: string;
}

/** Collects findings of one revision pair; rules push into it. */
export class Findings {
  readonly list: Finding[] = [];
  add(level: ModificationLevel, reason: string): void {
    if (!this.list.some((f) => f.level === level && f.reason === reason)) this.list.push({ level, reason });
  }
  get level(): ModificationLevel {
    return this.list.reduce<ModificationLevel>((m, f) => maxLevel(m, f.level), "NONE");
  }
}
