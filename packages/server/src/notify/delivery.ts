/**
 * The outbox worker: delivers the rows outbox.ts writes (e-mails through SMTP, webhooks as signed POSTs), with
 * retries and exponential backoff, from any number of replicas at once.
 *
 * Contract
 * - **At least once.** A row is marked delivered only after the SMTP server accepted the message or the webhook
 *   receiver answered 2xx. A crash (or lost database) between those two steps delivers the row again once its lease
 *   runs out; webhook receivers dedupe by `Khatam-Delivery` (the outbox id, stable across attempts). Under normal
 *   operation each row is delivered exactly once, however many replicas drain.
 * - **Claiming.** In one short transaction a worker selects due rows `for update skip locked` and pushes their
 *   `next_attempt_at` forward by a lease ({@link LEASE_MS}, longer than any delivery can take) and counts the
 *   attempt. Another replica skips the locked rows and, once committed, no longer sees them as due. No transaction
 *   is held while delivering (PGlite has a single connection; PostgreSQL connections are precious).
 * - **Crash at each step.** Before the claim commits: nothing happened. After the claim, before or during delivery:
 *   the row is due again when the lease expires; the attempt counts, so a row that crashes the process every time
 *   is given up like any other failure. After delivery, before marking: delivered again (see above). While
 *   marking a failure: as a crash during delivery.
 * - **Failures.** Any error (SMTP refusal, connection refused, timeout, non-2xx) sets `last_error` and retries
 *   after 30 s · 2^(attempts−1), capped at 1 h; after {@link MAX_ATTEMPTS} attempts the row is left undelivered with
 *   its `last_error` (prefixed "gave up") and never claimed again.
 * - **Clock.** Due times are computed with the worker's clock (`now`, injectable for tests); replicas should run
 *   NTP. Skew only moves retries; exclusivity comes from the row locks and the lease.
 * - **Secrets.** Logs name the recipient and subject, or the webhook id and event, never bodies, links, tokens or
 *   webhook secrets. Webhook secrets are stored sealed (webhook-secrets.ts) and unsealed for each delivery.
 * - **Destinations (SSRF).** Before each webhook POST the URL's host is resolved again and checked
 *   (webhook-target.ts); the connection goes to the address checked, never to a second DNS answer, and redirects are
 *   not followed. A refused address is a failure like any other (retried: DNS may change back), nothing is sent.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { Transporter } from "nodemailer";
import type { SecretBox } from "../auth/secret-box.js";
import type { Db } from "../db/connect.js";
import type { EmailMessage } from "./outbox.js";
import { type ClaimedRow, claimDueRows, markDelivered, markFailed, webhookForDelivery } from "./store.js";
import { webhookSecret } from "./webhook-secrets.js";
import { signWebhook } from "./webhook-signature.js";
import { parseWebhookUrl, type ResolvedAddress, type WebhookTargets, webhookTargets } from "./webhook-target.js";

export { signWebhook, verifyWebhookSignature } from "./webhook-signature.js";

/** Attempts before a row is given up. */
export const MAX_ATTEMPTS = 10;
/** How long a claim keeps other workers off a row; longer than the slowest possible delivery. */
export const LEASE_MS = 5 * 60_000;
/** Webhook receivers must answer within this. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** Delay before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, … capped at 1 h. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** The subset of pino's logger the worker uses. */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboxWorkerOptions {
  readonly db: Db;
  /** Unseals webhook secrets (the application's secret box: keys derived from the master key). */
  readonly box: SecretBox;
  /** Where webhooks may be delivered (the application's, with its allow-list); default: public addresses only. */
  readonly webhookTargets?: WebhookTargets;
  /** `KHATAM_SMTP_URL` (`smtp://host:port`, `smtps://…`); unset: e-mails are logged (recipient and subject) only. */
  readonly smtpUrl?: string;
  /** `KHATAM_PUBLIC_URL`: names the sender's domain when `from` is not given. */
  readonly publicUrl: string;
  /** The From header; default `Khatam <notifications@<public host>>`. */
  readonly from?: string;
  readonly log: Log;
  /** Pause between drains when started (the loop); `drainOnce` needs none. */
  readonly intervalMs: number;
  /** Rows claimed per transaction, delivered concurrently (default 10). */
  readonly batchSize?: number;
  /** The clock (tests advance it to cross backoff delays). */
  readonly now?: () => Date;
  /** Start the periodic loop (default true); false: only `drainOnce` delivers. */
  readonly autoStart?: boolean;
  /**
   * Delivers a `federation` row (a message to a partner instance, server federation/): resolves when the partner
   * took it, throws to retry later, throws {@link Gone} when the partner refused it for good. Such rows are never
   * given up (a partner's outage delays them, never loses them): their attempts back off up to an hour each.
   */
  readonly federation?: (payload: Record<string, unknown>, deliveryId: string) => Promise<void>;
}

export interface DrainResult {
  readonly delivered: number;
  readonly failed: number;
}

export interface OutboxWorker {
  /** Delivers every due row (batch after batch) and resolves when none is left; serialised with the loop. */
  drainOnce(): Promise<DrainResult>;
  /** Stops the loop; resolves once the batch in flight is delivered and marked (graceful shutdown). */
  stop(): Promise<void>;
}

type Row = ClaimedRow;

export function startOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { db, log } = options;
  const now = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 10;
  const targets = options.webhookTargets ?? webhookTargets();
  const from = options.from ?? `Khatam <notifications@${new URL(options.publicUrl).hostname}>`;
  // nodemailer is loaded with the first e-mail to send, and only when there is an SMTP server to send it to.
  let transport: Promise<Transporter> | undefined;
  const smtp = (url: string) =>
    (transport ??= import("nodemailer").then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url,
        pool: true,
        maxConnections: 4,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      } as Parameters<typeof nodemailer.createTransport>[0]),
    ));

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  /** Claims up to batchSize due rows; see the contract above. */
  async function claim(): Promise<Row[]> {
    const at = now();
    return claimDueRows(db, {
      // The database stores microseconds (a row enqueued with the default now()), the clock here milliseconds:
      // "due" is anything before the end of the current millisecond, or a row enqueued within it would wait a turn.
      due: new Date(at.getTime() + 1),
      leaseUntil: new Date(at.getTime() + LEASE_MS),
      maxAttempts: MAX_ATTEMPTS,
      limit: batchSize,
    });
  }

  async function deliver(row: Row): Promise<void> {
    if (row.kind === "email") return sendEmail(row);
    if (row.kind === "federation") {
      if (!options.federation) throw new Error("this server delivers no federation messages (not an instance)");
      return options.federation(row.payload, row.id);
    }
    return postWebhook(row);
  }

  async function sendEmail(row: Row): Promise<void> {
    const message = row.payload as unknown as EmailMessage;
    if (!options.smtpUrl) {
      log.info({ outboxId: row.id, to: message.to, subject: message.subject }, "e-mail not sent (no KHATAM_SMTP_URL)");
      return;
    }
    await (await smtp(options.smtpUrl)).sendMail({
      from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: { "Khatam-Delivery": row.id },
    });
  }

  async function postWebhook(row: Row): Promise<void> {
    const p = row.payload as { webhookId: string; event: string; data: unknown; at: string };
    const hook = await webhookForDelivery(db, p.webhookId);
    if (!hook?.active) throw new Gone("webhook deleted or deactivated before delivery; not sent");
    let url: URL;
    try {
      url = parseWebhookUrl(hook.url);
    } catch (e) {
      throw new Gone(`${(e as Error).message}; not sent`);
    }
    const secret = await webhookSecret(options.box, hook);
    const address = await targets.check(url); // throws (a failure, retried) when the host now resolves somewhere refused
    const body = JSON.stringify({ id: row.id, event: p.event, createdAt: p.at, data: p.data });
    const t = Math.floor(now().getTime() / 1000);
    const status = await postPinned(url, address, body, {
      "content-type": "application/json",
      "user-agent": "Khatam-Webhooks/1",
      "khatam-event": p.event,
      "khatam-delivery": row.id,
      "khatam-timestamp": String(t),
      "khatam-signature": signWebhook(secret, body, t),
    });
    // A redirect could point anywhere (SSRF): it is a failure, not followed.
    if (status < 200 || status > 299) throw new Error(`receiver answered HTTP ${status}`);
  }

  /** Marks the outcome; errors here (database gone) leave the row to its lease, as a crash would. */
  async function settle(row: Row, error: unknown): Promise<"delivered" | "failed"> {
    const at = now();
    if (error === undefined || error instanceof Gone) {
      await markDelivered(db, row.id, at, error instanceof Gone ? error.message : null);
      return "delivered";
    }
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const giveUp = row.attempts >= MAX_ATTEMPTS && row.kind !== "federation";
    await markFailed(
      db,
      row.id,
      giveUp ? `gave up after ${row.attempts} attempts: ${reason}` : reason,
      new Date(at.getTime() + backoffMs(row.attempts)),
    );
    const fields = { outboxId: row.id, kind: row.kind, attempts: row.attempts, error: reason };
    if (giveUp) log.error(fields, "notification given up");
    else log.warn(fields, "notification failed; will retry");
    return "failed";
  }

  async function drain(): Promise<DrainResult> {
    let delivered = 0;
    let failed = 0;
    for (;;) {
      const rows = await claim();
      if (rows.length === 0) break;
      const outcomes = await Promise.allSettled(
        rows.map(async (row) => {
          let error: unknown;
          try {
            await deliver(row);
          } catch (e) {
            error = e ?? new Error("unknown failure");
          }
          return settle(row, error);
        }),
      );
      for (const o of outcomes) {
        if (o.status === "fulfilled" && o.value === "delivered") delivered++;
        else failed++;
        if (o.status === "rejected") log.error({ err: o.reason }, "outbox: cannot record a delivery outcome");
      }
      if (stopped) break;
    }
    return { delivered, failed };
  }

  function drainOnce(): Promise<DrainResult> {
    const run = chain.then(drain);
    chain = run.catch(() => {});
    return run;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      drainOnce()
        .catch((err: unknown) => log.error({ err }, "outbox: drain failed"))
        .finally(schedule);
    }, options.intervalMs);
    timer.unref?.();
  }

  if (options.autoStart ?? true) schedule();

  return {
    drainOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
      (await transport)?.close();
    },
  };
}

/** A row that can never be delivered and must not be retried (its webhook is gone or its URL unsafe): it is
 * settled (`delivered_at` set) with the reason in `last_error`. */
/** A delivery that cannot ever succeed (the receiver is gone, or refused it for good): recorded, not retried. */
export class Gone extends Error {}

/**
 * POSTs `body` to `url`, connecting to `address` (checked by webhook-target.ts) whatever DNS would answer now: the
 * request's `lookup` hands the socket that address and no other. TLS still uses the URL's host name for SNI and
 * certificate verification. No agent keeps the connection (each delivery checks and connects afresh), no redirect is
 * followed (node:http never does), and the whole exchange is bounded by {@link WEBHOOK_TIMEOUT_MS}. Resolves with the
 * status once the response head arrives; the response body is discarded.
 */
function postPinned(
  url: URL,
  address: ResolvedAddress,
  body: string,
  headers: Record<string, string>,
): Promise<number> {
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      (callback as unknown as (e: null, all: ResolvedAddress[]) => void)(null, [address]);
    } else {
      callback(null, address.address, address.family);
    }
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const request = send(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinned,
        agent: false,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}
