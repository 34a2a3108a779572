/**
 * Webhook signing secrets at rest. The server must read a secret back to sign each delivery (webhook-signature.ts),
 * so it cannot keep only a hash as it does for API tokens; it keeps the secret sealed with the master key
 * (auth/secret-box.ts, purpose "webhook-secret") in `webhooks.sealed_secret`. A copy of the database — a backup, a
 * replica, a stolen PGlite directory — without the master key does not let anyone forge deliveries.
 *
 * Rows written before migration 4 hold the secret in clear (`webhooks.secret`); {@link sealStoredWebhookSecrets}
 * seals them at start, before the outbox worker runs. Until then (or for a row an older replica writes during a
 * rolling upgrade) a delivery signs with the clear secret, so nothing is lost on the way. Sealing rewrites the row,
 * but the old row version may linger in the database files (dead tuples, WAL) until PostgreSQL reuses the space: an
 * operator who fears an earlier copy leaked re-creates those webhooks (a new secret), which is the only real remedy.
 */
import type { SecretBox } from "../auth/secret-box.js";
import type { Db } from "../db/connect.js";
import { clearWebhookSecrets, sealWebhookSecretRow } from "./store.js";

const PURPOSE = "webhook-secret";

/** The sealed form of a new webhook's secret, for `webhooks.sealed_secret`. */
export function sealWebhookSecret(box: SecretBox, secret: string): Promise<string> {
  return box.seal(PURPOSE, secret);
}

/**
 * The secret of a stored webhook row. Throws when the sealed secret does not open (another master key, or a
 * tampered row): the delivery fails rather than going out unsigned or signed with something else.
 */
export async function webhookSecret(
  box: SecretBox,
  row: { readonly secret: string | null; readonly sealed_secret: string | null },
): Promise<string> {
  if (row.sealed_secret !== null) {
    const secret = await box.open(PURPOSE, row.sealed_secret);
    if (secret === undefined) throw new Error("the webhook's secret cannot be unsealed (another master key?)");
    return secret;
  }
  if (row.secret !== null) return row.secret;
  throw new Error("the webhook has no secret");
}

/**
 * Seals every secret still stored in clear; returns how many. Safe on replicas starting together: each row is
 * rewritten only while it still holds a clear secret. A crash midway leaves the rest for the next start.
 */
export async function sealStoredWebhookSecrets(db: Db, box: SecretBox): Promise<number> {
  let sealed = 0;
  for (const row of await clearWebhookSecrets(db)) {
    if (await sealWebhookSecretRow(db, row.id, row.secret, await sealWebhookSecret(box, row.secret))) sealed++;
  }
  return sealed;
}
