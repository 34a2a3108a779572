/**
 * The validation policy (ETSI EN 319 102-1 § 5.1.4 "validation constraints"; EU DSS's constraint.xml): for each
 * check, by its id in the catalogue (messages/en.ts), whether a failure FAILs the signature, is only a WARNing, or is
 * IGNOREd. A check the policy does not name keeps its built-in level (docs/policy.md lists them), so the empty
 * policy, the default, is the validator's behaviour without one.
 *
 * Data only: a policy is JSON (`khatam verify --policy FILE`, the `policy` part of `POST /api/verify`) checked by
 * `parsePolicy`.
 */
import { type Failure, failure } from "./checks.js";
import { type Message, type MessageId, messageIds, reasonOf } from "./messages.js";

/** DSS's constraint levels (FAIL, WARN, IGNORE; DSS's INFORM is a WARN here). */
export type ConstraintLevel = "FAIL" | "WARN" | "IGNORE";
export const CONSTRAINT_LEVELS: readonly ConstraintLevel[] = ["FAIL", "WARN", "IGNORE"];

/**
 * The groups of checks a policy may name: format checking, signer identification, cryptographic verification,
 * X.509 validation, revocation, signature acceptance (EN 319 102-1 § 5.2.2–5.2.8), time-stamps and the PDF
 * placement of the signature (EN 319 142-1 § 5.1, byte ranges). Other ids in the catalogue are parts of messages
 * or the modification analysis, judged by its level (report.ts ModificationLevel), not by the policy.
 */
const CHECK_GROUPS = ["fc", "isc", "cv", "xcv", "rev", "sav", "ts", "pdf", "warn"] as const;
/** Ids in those groups that are parts of another check's message, not checks of their own. */
const PARTS: readonly string[] = ["ts.invalid"];
export type CheckId = Exclude<Extract<MessageId, `${(typeof CHECK_GROUPS)[number]}.${string}`>, "ts.invalid">;

export interface ValidationPolicy {
  /** Overrides of the built-in level, by check id. */
  readonly constraints?: Readonly<Partial<Record<CheckId, ConstraintLevel>>>;
}

/** The default: every check at its built-in level (docs/policy.md). */
export const DEFAULT_POLICY: ValidationPolicy = Object.freeze({ constraints: Object.freeze({}) });

/** Every id a policy may name. */
export function checkIds(): CheckId[] {
  return messageIds().filter(isCheckId);
}

export function isCheckId(id: string): id is CheckId {
  const dot = id.indexOf(".");
  return (
    dot > 0 &&
    !PARTS.includes(id) &&
    (CHECK_GROUPS as readonly string[]).includes(id.slice(0, dot)) &&
    messageIds().includes(id as MessageId)
  );
}

/** A policy that cannot be used; its message is one line naming what is wrong. */
export class PolicyError extends Error {
  override name = "PolicyError";
}

/** `value` (parsed JSON) as a policy, or a PolicyError saying what is wrong with it. */
export function parsePolicy(value: unknown): ValidationPolicy {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new PolicyError(
      'a validation policy is a JSON object: { "constraints": { "<check id>": "FAIL" | "WARN" | "IGNORE" } }',
    );
  for (const key of Object.keys(value)) {
    if (key !== "constraints") throw new PolicyError(`unknown policy field "${key}" (expected "constraints")`);
  }
  const constraints = (value as { constraints?: unknown }).constraints ?? {};
  if (typeof constraints !== "object" || constraints === null || Array.isArray(constraints))
    throw new PolicyError('"constraints" must be an object mapping check ids to FAIL, WARN or IGNORE');
  const out: Partial<Record<CheckId, ConstraintLevel>> = {};
  for (const [id, level] of Object.entries(constraints)) {
    if (!isCheckId(id)) throw new PolicyError(`unknown check id "${id}" in the policy's constraints (docs/policy.md)`);
    if (!(CONSTRAINT_LEVELS as readonly unknown[]).includes(level))
      throw new PolicyError(`the level of "${id}" must be FAIL, WARN or IGNORE, not ${JSON.stringify(level)}`);
    out[id] = level as ConstraintLevel;
  }
  return { constraints: out };
}

/** The level the policy gives `id`, when it names it. */
function override(policy: ValidationPolicy | undefined, id: MessageId): ConstraintLevel | undefined {
  return policy?.constraints?.[id as CheckId];
}

/**
 * Applies `policy` to what the checks found: a failure named WARN becomes a warning and IGNORE drops it; a warning
 * named FAIL becomes a failure of signature acceptance (EN 319 102-1 § 5.2.8: a signature that does not meet the
 * validation constraints is INDETERMINATE / SIG_CONSTRAINTS_FAILURE), IGNORE drops it.
 */
export function applyPolicy(
  failures: readonly Failure[],
  warnings: readonly Message[],
  policy: ValidationPolicy | undefined,
): { failures: Failure[]; warnings: Message[] } {
  if (!policy?.constraints || Object.keys(policy.constraints).length === 0)
    return { failures: [...failures], warnings: [...warnings] };
  const kept: Failure[] = [];
  const noted: Message[] = [];
  for (const f of failures) {
    const level = override(policy, f.id);
    if (level === undefined || level === "FAIL") kept.push(f);
    else if (level === "WARN") noted.push(reasonOf(f));
  }
  for (const w of warnings) {
    const level = override(policy, w.id);
    if (level === "FAIL") kept.push(failure("SAV", "SIG_CONSTRAINTS_FAILURE", w));
    else if (level !== "IGNORE") noted.push(w);
  }
  return { failures: kept, warnings: [...noted] };
}
