/**
 * Where a webhook may be delivered: the defence against server-side request forgery (OWASP SSRF Prevention Cheat
 * Sheet). An agency administrator names a URL; without this check the server would POST (ten times, with retries) to
 * whatever it names — its own API, the cloud metadata service at 169.254.169.254, a database on the private network.
 *
 * The rule, applied at registration (webhook-routes.ts, 400 `webhook_address_refused`) and again at every delivery
 * (delivery.ts):
 * 1. The URL is http or https, without credentials ({@link parseWebhookUrl}). The WHATWG URL parser has already
 *    normalised the host: `127.1`, `0x7f000001`, `2130706433` and `0177.0.0.1` all read `127.0.0.1`.
 * 2. The host name is resolved to **all** its addresses (IP literals resolve to themselves), and the URL is refused
 *    if **any** of them is not publicly routable ({@link classifyAddress}: IANA's special-purpose registries, RFC 6890
 *    and its updates) unless the operator's allow-list admits it, or if any is the server's own listening address
 *    (always refused: the allow-list is for receivers, not for the platform calling itself).
 * 3. At delivery the connection is made to the address just checked — a custom `lookup` on the request hands the
 *    socket that address and no other — so a name whose DNS answer changes between the check and the connection
 *    (DNS rebinding) cannot reach a forbidden address. The certificate of an https receiver is still checked
 *    against the URL's host name (SNI and verification use the name, not the address). Redirects are not followed.
 *
 * The allow-list (`KHATAM_WEBHOOK_ALLOW`, {@link parseWebhookAllowList}) names on-premises receivers: CIDR blocks
 * (`10.20.0.0/16`, `fd12:3456::/32`, or one address) and host names (`hooks.agency.internal`, matched exactly, case
 * insensitive). An allowed host name is trusted whatever it resolves to (the operator vouches for its DNS); an
 * allowed block admits those addresses for any host name.
 *
 * Address sets are Node's `net.BlockList` (subnet matching for IPv4 and IPv6, in the runtime, no dependency to keep
 * up to date); the few IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are unpacked here and their IPv4
 * address judged like any other.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";

/** One address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses (default: the system resolver, `dns.lookup` with `all`). */
export type WebhookResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver, as the HTTP client would use it (getaddrinfo: /etc/hosts, then DNS). */
export const systemResolver: WebhookResolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** Why an address is not a webhook destination; undefined for a publicly routable one. */
export type AddressClass =
  | "unspecified"
  | "loopback"
  | "private"
  | "shared (CGNAT)"
  | "link-local"
  | "unique-local"
  | "multicast"
  | "broadcast"
  | "documentation"
  | "reserved";

/** A refused webhook destination; the message is fit for a 400 and a delivery's `last_error`. */
export class WebhookAddressRefused extends Error {
  readonly code = "webhook_address_refused";
}

/** Where the server itself listens, so that a webhook cannot call the platform's own API. */
export interface OwnAddress {
  /** An address it listens on; `0.0.0.0` or `::` for all of the machine's addresses. */
  readonly address: string;
  readonly port: number;
}

export interface WebhookTargetOptions {
  /** `KHATAM_WEBHOOK_ALLOW`, parsed ({@link parseWebhookAllowList}); default: nothing beyond public addresses. */
  readonly allow?: WebhookAllowList;
  /** Default {@link systemResolver}; tests inject answers (e.g. a rebinding name). */
  readonly resolve?: WebhookResolver;
  /** Where the server listens now (read at each check: it is known only once listening). */
  readonly ownAddresses?: () => readonly OwnAddress[];
  /** `KHATAM_PUBLIC_URL`: the platform as others reach it (a load balancer); its host and port are refused too. */
  readonly publicUrl?: string;
}

/** The check of webhook destinations; one per application, shared by the routes and the outbox worker. */
export interface WebhookTargets {
  /**
   * The address to connect to for `url` (already parsed by {@link parseWebhookUrl}): every address the host resolves
   * to is checked, and the first is returned for pinning. Throws {@link WebhookAddressRefused}.
   */
  check(url: URL): Promise<ResolvedAddress>;
}

export interface WebhookAllowList {
  /** Allowed blocks (a BlockList used as a set: `check` true means allowed). */
  readonly blocks: BlockList;
  /** Allowed host names, lower case, without a trailing dot. */
  readonly hosts: ReadonlySet<string>;
  /** The entries as given, for logs. */
  readonly entries: readonly string[];
}

/**
 * The URL a webhook may be posted to: http or https only (no file:, data:, ftp:, …), no credentials in the URL.
 * Throws with a message fit for a 400.
 */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error("webhook URL is not a valid absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("webhook URL must be http or https");
  if (url.username || url.password) throw new Error("webhook URL must not contain credentials");
  if (!url.hostname) throw new Error("webhook URL has no host");
  return url;
}

/** A DNS name as the allow-list takes it (letters, digits, `-`, `_`, dots; an optional final dot). */
const HOST_NAME = /^[a-z0-9_]([a-z0-9_.-]{0,251}[a-z0-9_])?\.?$/i;

/**
 * `KHATAM_WEBHOOK_ALLOW`: comma-separated CIDR blocks, single addresses and host names. Throws on an entry that is
 * none of these (a typo must not silently allow nothing, or everything).
 */
export function parseWebhookAllowList(value: string | readonly string[] | undefined): WebhookAllowList {
  const entries = (typeof value === "string" ? value.split(",") : (value ?? [])).map((e) => e.trim()).filter(Boolean);
  const blocks = new BlockList();
  const hosts = new Set<string>();
  for (const entry of entries) {
    const [address = "", prefixText, ...rest] = entry.split("/");
    const family = isIP(address);
    if (family !== 0 && rest.length === 0) {
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
      if (!(prefix <= max)) throw new Error(`KHATAM_WEBHOOK_ALLOW: "${entry}" has an invalid prefix length`);
      blocks.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
    } else if (prefixText === undefined && HOST_NAME.test(entry) && !entry.includes("..") && !/^[\d.]+$/.test(entry)) {
      hosts.add(hostKey(entry));
    } else {
      throw new Error(`KHATAM_WEBHOOK_ALLOW: "${entry}" is neither a CIDR block, an address nor a host name`);
    }
  }
  return { blocks, hosts, entries };
}

/** The check of webhook destinations (see the file comment). */
export function webhookTargets(options: WebhookTargetOptions = {}): WebhookTargets {
  const allow = options.allow ?? parseWebhookAllowList(undefined);
  const resolve = options.resolve ?? systemResolver;
  const publicUrl = options.publicUrl ? new URL(options.publicUrl) : undefined;
  /** An IP literal stands for itself; a name goes to the resolver. */
  const addressesOf = async (host: string): Promise<readonly ResolvedAddress[]> => {
    const family = isIP(host);
    return family === 0 ? resolve(host) : [{ address: host, family: family === 6 ? 6 : 4 }];
  };

  /** The server's own endpoints: where it listens, and its public URL's host (resolved) with its port. */
  async function own(): Promise<OwnAddress[]> {
    const out: OwnAddress[] = [...(options.ownAddresses?.() ?? [])];
    if (publicUrl) {
      const port = effectivePort(publicUrl);
      const answers = await addressesOf(bare(publicUrl.hostname)).catch(() => [] as ResolvedAddress[]);
      for (const a of answers) out.push({ address: a.address, port });
    }
    return out;
  }

  return {
    async check(url) {
      const host = bare(url.hostname);
      const port = effectivePort(url);
      if (publicUrl && hostKey(host) === hostKey(bare(publicUrl.hostname)) && port === effectivePort(publicUrl)) {
        throw new WebhookAddressRefused(`webhook URL names this platform (${url.host}); refused`);
      }
      let answers: readonly ResolvedAddress[];
      try {
        answers = await addressesOf(host);
      } catch {
        throw new WebhookAddressRefused(`webhook host ${host} cannot be resolved`);
      }
      if (answers.length === 0) throw new WebhookAddressRefused(`webhook host ${host} cannot be resolved`);
      const hostAllowed = allow.hosts.has(hostKey(host));
      const self = await own();
      for (const a of answers) {
        if (self.some((s) => s.port === port && sameMachineAddress(s.address, a.address))) {
          throw new WebhookAddressRefused(`webhook host ${host} is this platform (${a.address}:${port}); refused`);
        }
        if (hostAllowed) continue;
        const why = classifyAddress(a.address);
        if (why && !allowedAddress(allow.blocks, a.address)) {
          throw new WebhookAddressRefused(
            `webhook host ${host} resolves to a ${why} address (${a.address}); refused (KHATAM_WEBHOOK_ALLOW admits on-premises receivers)`,
          );
        }
      }
      return answers[0]!;
    },
  };
}

/** `[::1]` → `::1` (URL.hostname keeps the brackets of an IPv6 literal). */
function bare(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

function hostKey(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, "");
}

function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), plus multicast (RFC 5771) and 240/4 (RFC 1112).
const IPV4: readonly [string, number, AddressClass][] = [
  ["0.0.0.0", 8, "unspecified"], // "this network" (RFC 791); 0.0.0.0 reaches the local machine on Linux
  ["10.0.0.0", 8, "private"], // RFC 1918
  ["100.64.0.0", 10, "shared (CGNAT)"], // RFC 6598
  ["127.0.0.0", 8, "loopback"], // RFC 1122
  ["169.254.0.0", 16, "link-local"], // RFC 3927; cloud metadata services (169.254.169.254)
  ["172.16.0.0", 12, "private"], // RFC 1918
  ["192.0.0.0", 24, "reserved"], // IETF protocol assignments (RFC 6890)
  ["192.0.2.0", 24, "documentation"], // TEST-NET-1 (RFC 5737)
  ["192.88.99.0", 24, "reserved"], // 6to4 relay anycast (RFC 7526, deprecated)
  ["192.168.0.0", 16, "private"], // RFC 1918
  ["198.18.0.0", 15, "reserved"], // benchmarking (RFC 2544)
  ["198.51.100.0", 24, "documentation"], // TEST-NET-2
  ["203.0.113.0", 24, "documentation"], // TEST-NET-3
  ["224.0.0.0", 4, "multicast"], // RFC 5771
  ["255.255.255.255", 32, "broadcast"], // RFC 919 (checked before 240/4)
  ["240.0.0.0", 4, "reserved"], // RFC 1112
];

// IANA IPv6 Special-Purpose Address Registry; anything outside 2000::/3 (global unicast, RFC 4291) is refused too.
const IPV6: readonly [string, number, AddressClass][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["::", 96, "reserved"], // IPv4-compatible (RFC 4291 § 2.5.5.1, deprecated)
  ["100::", 64, "reserved"], // discard-only (RFC 6666)
  ["2001::", 23, "reserved"], // IETF protocol assignments, Teredo 2001::/32 (RFC 2928, 4380)
  ["2001:db8::", 32, "documentation"], // RFC 3849
  ["3fff::", 20, "documentation"], // RFC 9637
  ["64:ff9b:1::", 48, "reserved"], // local-use NAT64 (RFC 8215)
  ["fc00::", 7, "unique-local"], // RFC 4193
  ["fe80::", 10, "link-local"], // RFC 4291
  ["fec0::", 10, "reserved"], // site-local (RFC 3879, deprecated)
  ["ff00::", 8, "multicast"], // RFC 4291
];

const ipv4Sets = IPV4.map(([net, prefix, why]) => ({ set: blocks([[net, prefix]], "ipv4"), why }));
const ipv6Sets = IPV6.map(([net, prefix, why]) => ({ set: blocks([[net, prefix]], "ipv6"), why }));
const GLOBAL_UNICAST = blocks([["2000::", 3]], "ipv6");

function blocks(subnets: readonly [string, number][], type: "ipv4" | "ipv6"): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of subnets) list.addSubnet(net, prefix, type);
  return list;
}

/**
 * Why `address` (an IPv4 or IPv6 literal) must not receive webhooks, or undefined if it is publicly routable.
 * IPv6 forms that carry an IPv4 address — IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96` (RFC 6052), 6to4
 * `2002::/16` (RFC 3056) — are judged by that IPv4 address. Anything unparseable is "reserved".
 */
export function classifyAddress(address: string): AddressClass | undefined {
  const family = isIP(address);
  if (family === 4) return ipv4Sets.find((s) => s.set.check(address, "ipv4"))?.why;
  if (family !== 6) return "reserved";
  const embedded = embeddedIPv4(address);
  if (embedded !== undefined) return classifyAddress(embedded);
  const special = ipv6Sets.find((s) => s.set.check(address, "ipv6"))?.why;
  if (special) return special;
  return GLOBAL_UNICAST.check(address, "ipv6") ? undefined : "reserved";
}

/** Whether the allow-list admits `address` (an IPv4-carrying IPv6 form is admitted by its IPv4 address too). */
function allowedAddress(allowed: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 4) return allowed.check(address, "ipv4");
  if (family !== 6) return false;
  if (allowed.check(address, "ipv6")) return true;
  const embedded = embeddedIPv4(address);
  return embedded !== undefined && allowed.check(embedded, "ipv4");
}

/** The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 IPv6 address; undefined for any other. */
function embeddedIPv4(address: string): string | undefined {
  const h = ipv6Hextets(address);
  if (!h) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zero = (from: number, to: number) => h.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && h[5] === 0xffff) return v4(h[6]!, h[7]!); // ::ffff:0:0/96
  if (h[0] === 0x64 && h[1] === 0xff9b && zero(2, 6)) return v4(h[6]!, h[7]!); // 64:ff9b::/96
  if (h[0] === 0x2002) return v4(h[1]!, h[2]!); // 2002::/16
  return undefined;
}

/** The eight 16-bit groups of an IPv6 literal (with `::` and a dotted IPv4 tail expanded); undefined if invalid. */
function ipv6Hextets(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.replace(/%.*$/, ""); // zone id
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1]!.split(".").map(Number);
    text = `${text.slice(0, dotted.index)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (s: string | undefined) => (s ? s.split(":").map((x) => Number.parseInt(x, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...new Array<number>(fill).fill(0), ...right];
  return all.length === 8 ? all : undefined;
}

/**
 * Whether connecting to `candidate` reaches the socket bound to `bound`: the same address (IPv4-mapped forms
 * folded), or, when bound to every address (`0.0.0.0`, `::`), any address of this machine — loopback, unspecified,
 * or one of its interfaces'.
 */
function sameMachineAddress(bound: string, candidate: string): boolean {
  const fold = (a: string) => embeddedIPv4(a) ?? a.toLowerCase();
  const b = fold(bound);
  const c = fold(candidate);
  if (b === c) return true;
  if (b !== "0.0.0.0" && b !== "::") return false;
  const why = classifyAddress(c);
  return why === "loopback" || why === "unspecified" || localInterfaceAddresses().has(c);
}

let interfaces: { at: number; set: Set<string> } | undefined;

/** The machine's interface addresses, re-read at most once a minute. */
function localInterfaceAddresses(): Set<string> {
  if (!interfaces || Date.now() - interfaces.at > 60_000) {
    const set = new Set<string>();
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) set.add(embeddedIPv4(i.address) ?? i.address.toLowerCase());
    }
    interfaces = { at: Date.now(), set };
  }
  return interfaces.set;
}
