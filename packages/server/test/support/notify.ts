/**
 * Test support for notifications: a real SMTP server (smtp-server on 127.0.0.1) that keeps what it receives, a real
 * HTTP webhook receiver (node:http) with scripted answers, a MIME reader for the received messages, a clock tests
 * advance, a log that records, agencies and users written straight into the database, a secret box with a fixed
 * master key, the webhook-destination settings that admit those receivers (they listen on 127.0.0.1, which the
 * SSRF check refuses unless allow-listed), and the outbox worker as the tests run it.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { type SecretBox, secretBox } from "../../src/auth/secret-box.js";
import type { Db } from "../../src/db/connect.js";
import type { Role } from "../../src/db/schema.js";
import { type Log, type OutboxWorker, type OutboxWorkerOptions, startOutboxWorker } from "../../src/notify/delivery.js";
import { sealWebhookSecret } from "../../src/notify/webhook-secrets.js";
import {
  parseWebhookAllowList,
  type ResolvedAddress,
  type WebhookResolver,
  type WebhookTargets,
  webhookTargets,
} from "../../src/notify/webhook-target.js";

/** A secret box over a fixed test master key. */
export const TEST_BOX: SecretBox = secretBox(async () => Buffer.alloc(32, 7));

/** The allow-list entry that admits the test receivers (`startWebhookReceiver` listens on 127.0.0.1 only). */
export const RECEIVER_ALLOW = "127.0.0.1/32";

/** Webhook destinations as the tests' workers see them: public addresses and the local receivers. */
export const RECEIVER_TARGETS: WebhookTargets = webhookTargets({ allow: parseWebhookAllowList(RECEIVER_ALLOW) });

/**
 * A resolver answering from `table` (host name → addresses, or a function of the call number for names whose answer
 * changes: DNS rebinding); other names do not resolve. `calls` records every question.
 */
export function fakeResolver(
  table: Record<string, string | readonly string[] | ((call: number) => string)>,
): WebhookResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const entry = table[hostname.toLowerCase()];
    if (entry === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    const n = calls.filter((c) => c === hostname).length;
    const list = typeof entry === "function" ? [entry(n)] : typeof entry === "string" ? [entry] : entry;
    return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

/** A webhook written straight into the database, its secret sealed with {@link TEST_BOX} as the API does. */
export async function insertWebhook(
  db: Db,
  values: { id: string; agencyId: string; url: string; secret: string; events: string[] },
): Promise<void> {
  await db
    .insertInto("webhooks")
    .values({
      id: values.id,
      agency_id: values.agencyId,
      url: values.url,
      sealed_secret: await sealWebhookSecret(TEST_BOX, values.secret),
      events: values.events,
    })
    .execute();
}

export interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTo: string[];
  readonly headers: Map<string, string>;
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly html: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly url: string;
  readonly messages: ReceivedMail[];
  close(): Promise<void>;
}

/** An SMTP server on 127.0.0.1 (`port` 0: any free port), no TLS, no authentication. */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    closeTimeout: 1000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const parsed = parseMime(Buffer.concat(chunks).toString("latin1"));
        const envelope = session.envelope;
        messages.push({
          mailFrom: envelope.mailFrom ? envelope.mailFrom.address : "",
          rcptTo: envelope.rcptTo.map((r) => r.address),
          headers: parsed.headers,
          subject: decodeWords(parsed.headers.get("subject") ?? ""),
          from: decodeWords(parsed.headers.get("from") ?? ""),
          to: decodeWords(parsed.headers.get("to") ?? ""),
          text: parsed.parts.find((p) => p.type.startsWith("text/plain"))?.body ?? "",
          html: parsed.parts.find((p) => p.type.startsWith("text/html"))?.body ?? "",
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `smtp://127.0.0.1:${actual}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface MimePart {
  readonly type: string;
  readonly body: string;
}

/** Headers (lower-case names, unfolded) and the decoded leaf parts of a message given as latin1 (bytes). */
export function parseMime(raw: string): { headers: Map<string, string>; parts: MimePart[] } {
  const split = raw.indexOf("\r\n\r\n");
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? "" : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    const parts: MimePart[] = [];
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith("--")) break;
      parts.push(...parseMime(section.replace(/^\r\n/, "")).parts);
    }
    return { headers, parts };
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  let bytes: Buffer;
  if (encoding === "base64") bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  else if (encoding === "quoted-printable") bytes = qp(body.replace(/=\r\n/g, ""));
  else bytes = Buffer.from(body, "latin1");
  return { headers, parts: [{ type: type.toLowerCase(), body: bytes.toString("utf8").replace(/\r\n/g, "\n") }] };
}

function qp(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "=" && /^[0-9A-F]{2}$/i.test(s.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/** RFC 2047 encoded words (B and Q, UTF-8), adjacent ones joined before decoding (they may split a character). */
export function decodeWords(value: string): string {
  const bytesOf = (word: RegExpExecArray): Buffer =>
    word[2]!.toUpperCase() === "B" ? Buffer.from(word[3]!, "base64") : qp(word[3]!.replace(/_/g, " "));
  const re = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = "";
  let pending: Buffer[] = [];
  let last = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const between = value.slice(last, m.index);
    if (pending.length > 0 && /^\s*$/.test(between)) {
      pending.push(bytesOf(m));
    } else {
      out += Buffer.concat(pending).toString("utf8") + between;
      pending = [bytesOf(m)];
    }
    last = m.index + m[0].length;
  }
  return out + Buffer.concat(pending).toString("utf8") + value.slice(last);
}

export interface ReceivedHook {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** How to answer the next requests, in order (default 200 once the script is exhausted). */
  readonly script: Array<number | ((hook: ReceivedHook) => Promise<number> | number)>;
  /** Extra response headers (e.g. Location). */
  readonly responseHeaders: Record<string, string>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers per its script. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const script: WebhookReceiver["script"] = [];
  const responseHeaders: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const hook = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(hook);
      const next = script.shift() ?? 200;
      const status = typeof next === "number" ? next : await next(hook);
      res.writeHead(status, { "content-type": "text/plain", ...responseHeaders });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/khatam`,
    received,
    script,
    responseHeaders,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clock that moves only when told. */
export class TestClock {
  constructor(public ms = Date.now()) {}
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface LogLine {
  readonly level: "info" | "warn" | "error";
  readonly obj: object;
  readonly msg: string;
}

/** A logger that keeps its lines (and serialises them, to search for what must not be logged). */
export function recordingLog(): Log & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: "info", obj, msg }),
    warn: (obj, msg) => lines.push({ level: "warn", obj, msg }),
    error: (obj, msg) => lines.push({ level: "error", obj, msg }),
    text: () => JSON.stringify(lines),
  };
}

export interface SeededAgency {
  readonly agencyId: string;
  readonly countryId: string;
  /** Users by role, each with an id and e-mail. */
  readonly users: Record<Exclude<Role, "platform_admin">, { id: string; email: string }>;
}

/** A country (if new), an agency and one user per agency role, written directly. */
export async function seedAgency(
  db: Db,
  countryId: "jp" | "sa",
  locale: "en" | "ar" | "ja" | null = null,
): Promise<SeededAgency> {
  await db
    .insertInto("countries")
    .values({ id: countryId, iso_code: countryId.toUpperCase(), names: JSON.stringify({ en: countryId }) })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  const agencyId = randomUUID();
  await db
    .insertInto("agencies")
    .values({ id: agencyId, country_id: countryId, names: JSON.stringify({ en: `Agency ${agencyId.slice(0, 4)}` }) })
    .execute();
  const users = {} as SeededAgency["users"];
  for (const role of ["agency_admin", "official", "clerk"] as const) {
    const id = randomUUID();
    const email = `${role}.${id.slice(0, 8)}@${countryId}.test`;
    await db
      .insertInto("users")
      .values({
        id,
        email,
        display_name: role,
        agency_id: agencyId,
        role,
        password_hash: null,
        totp_secret: null,
        oidc_issuer: null,
        oidc_subject: null,
        locale,
      })
      .execute();
    users[role] = { id, email };
  }
  return { agencyId, countryId, users };
}

/** Resolves when `condition` holds, polling; rejects after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The outbox worker as the notification tests run it, unless `options` say otherwise: the test secret box, the
 * loopback receivers admitted, a recording log, and no loop (`autoStart: false`: the test calls drainOnce).
 */
export function testOutboxWorker(db: Db, options: Partial<OutboxWorkerOptions> = {}): OutboxWorker {
  return startOutboxWorker({
    db,
    box: TEST_BOX,
    webhookTargets: RECEIVER_TARGETS,
    publicUrl: "http://127.0.0.1",
    log: recordingLog(),
    intervalMs: 1000,
    autoStart: false,
    ...options,
  });
}
