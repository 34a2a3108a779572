/**
 * Name constraints (RFC 5280 § 4.2.1.10; path processing § 6.1.3 (b), (c) and § 6.1.4 (g)): a CA's permitted and
 * excluded subtrees bind the names of every certificate below it in the path — the subject's distinguished name
 * (directoryName), and its subjectAltName e-mail addresses (with emailAddress attributes of the subject),
 * DNS names, URIs and IP addresses. Written here because no library does path validation with them (PKI.js checks
 * only some forms); EU DSS's CertificateNameConstraintsCheck is the reference for the outcome.
 *
 * A form this module does not evaluate (otherName, x400Address, ediPartyName, registeredID) in a constraint fails
 * the path rather than being ignored.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { type GeneralName, Name, NameConstraints } from "@peculiar/asn1-x509";
import { type Message, message } from "./messages.js";

/** One constraint: a form and its base, normalised. */
export type NameForm = "directoryName" | "rfc822Name" | "dNSName" | "uniformResourceIdentifier" | "iPAddress";
export interface Subtree {
  readonly form: NameForm | "unsupported";
  /** directoryName: normalised RDNs; others: the base text (lower case), iPAddress: address/prefix bytes. */
  readonly rdns?: readonly string[];
  readonly text?: string;
  readonly ip?: { readonly address: Uint8Array; readonly mask: Uint8Array };
}
export interface NameConstraintSet {
  readonly permitted: readonly Subtree[];
  readonly excluded: readonly Subtree[];
}

/** The names of a certificate that constraints apply to. */
export interface ConstrainedNames {
  readonly subjectRdns: readonly string[];
  readonly emails: readonly string[];
  readonly dns: readonly string[];
  readonly uris: readonly string[];
  readonly ips: readonly Uint8Array[];
}

/** Parses a nameConstraints extension value. */
export function parseNameConstraints(value: ArrayBuffer): NameConstraintSet {
  const nc = AsnConvert.parse(value, NameConstraints);
  const subtrees = (list: readonly { base: GeneralName }[] | undefined) => (list ?? []).map((s) => subtree(s.base));
  return { permitted: subtrees(nc.permittedSubtrees), excluded: subtrees(nc.excludedSubtrees) };
}

function subtree(base: GeneralName): Subtree {
  if (base.directoryName)
    return { form: "directoryName", rdns: rdnsOf(new Uint8Array(AsnConvert.serialize(base.directoryName))) };
  if (base.rfc822Name !== undefined) return { form: "rfc822Name", text: base.rfc822Name.toLowerCase() };
  if (base.dNSName !== undefined) return { form: "dNSName", text: base.dNSName.toLowerCase() };
  if (base.uniformResourceIdentifier !== undefined) {
    return { form: "uniformResourceIdentifier", text: base.uniformResourceIdentifier.toLowerCase() };
  }
  if (base.iPAddress !== undefined) {
    const [address, prefix] = base.iPAddress.split("/");
    const bytes = ipBytes(address ?? "");
    if (!bytes) return { form: "unsupported" };
    const bits = prefix === undefined ? bytes.length * 8 : Number(prefix);
    const mask = new Uint8Array(bytes.length).map((_, i) =>
      bits >= (i + 1) * 8 ? 0xff : bits <= i * 8 ? 0 : (0xff << (8 - (bits - i * 8))) & 0xff,
    );
    return { form: "iPAddress", ip: { address: bytes, mask } };
  }
  return { form: "unsupported" };
}

/** A Name's RDNs, each as "oid=value" pairs (sorted within the RDN), values compared case- and space-insensitively. */
export function rdnsOf(nameDer: Uint8Array): string[] {
  return AsnConvert.parse(nameDer, Name).map((rdn) =>
    rdn
      .map((atv) => `${atv.type}=${String(atv.value.toString()).trim().toLowerCase().replace(/\s+/g, " ")}`)
      .sort()
      .join("+"),
  );
}

/** Text IPv4 or IPv6 address → bytes; undefined when it is neither. */
export function ipBytes(text: string): Uint8Array | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split(".").map(Number);
    return parts.every((p) => p <= 255) ? new Uint8Array(parts) : undefined;
  }
  if (!text.includes(":")) return undefined;
  const [head, tail, extra] = text.split("::");
  if (extra !== undefined) return undefined;
  const groups = (s: string | undefined) => (s ? s.split(":") : []);
  const h = groups(head);
  const t = groups(tail);
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill("0");
  const all = [...h, ...fill, ...t];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return new Uint8Array(all.flatMap((g) => [Number.parseInt(g, 16) >> 8, Number.parseInt(g, 16) & 0xff]));
}

/**
 * Why `names` violate `constraints`, or null when they satisfy them (§ 6.1.3 (b) permitted, (c) excluded). For each
 * form the permitted subtrees name (if any), every name of that form must fall in one; none may fall in an
 * excluded subtree of its form.
 */
export function nameConstraintViolation(names: ConstrainedNames, constraints: NameConstraintSet): Message | null {
  const all = [...constraints.permitted, ...constraints.excluded];
  if (all.some((s) => s.form === "unsupported")) {
    return message("names.unsupportedForm");
  }
  const checks: {
    form: NameForm;
    values: readonly (string | Uint8Array | readonly string[])[];
    label: "subjectName" | "email" | "dns" | "uri" | "ip";
  }[] = [
    { form: "directoryName", values: names.subjectRdns.length ? [names.subjectRdns] : [], label: "subjectName" },
    { form: "rfc822Name", values: names.emails, label: "email" },
    { form: "dNSName", values: names.dns, label: "dns" },
    { form: "uniformResourceIdentifier", values: names.uris, label: "uri" },
    { form: "iPAddress", values: names.ips, label: "ip" },
  ];
  for (const { form, values, label } of checks) {
    const permitted = constraints.permitted.filter((s) => s.form === form);
    const excluded = constraints.excluded.filter((s) => s.form === form);
    for (const value of values) {
      if (permitted.length > 0 && !permitted.some((s) => within(form, value, s))) {
        return message("names.notPermitted", { form: message(`names.form.${label}`), name: show(value) });
      }
      if (excluded.some((s) => within(form, value, s))) {
        return message("names.excluded", { form: message(`names.form.${label}`), name: show(value) });
      }
    }
  }
  return null;
}

function show(value: string | Uint8Array | readonly string[]): string {
  if (value instanceof Uint8Array) return [...value].join(".");
  return Array.isArray(value) ? value.join(",") : String(value);
}

function within(form: NameForm, value: string | Uint8Array | readonly string[], s: Subtree): boolean {
  switch (form) {
    case "directoryName": {
      const rdns = value as readonly string[];
      const base = s.rdns ?? [];
      return base.length <= rdns.length && base.every((rdn, i) => rdn === rdns[i]);
    }
    case "rfc822Name": {
      const email = (value as string).toLowerCase();
      const c = s.text ?? "";
      if (c.includes("@")) return email === c;
      const host = email.slice(email.lastIndexOf("@") + 1);
      return c.startsWith(".") ? host.endsWith(c) : host === c;
    }
    case "dNSName": {
      const name = (value as string).toLowerCase();
      const c = (s.text ?? "").replace(/^\./, "");
      return c === "" || name === c || name.endsWith(`.${c}`);
    }
    case "uniformResourceIdentifier": {
      let host: string;
      try {
        host = new URL(value as string).hostname.toLowerCase();
      } catch {
        return false;
      }
      const c = s.text ?? "";
      return c.startsWith(".") ? host.endsWith(c) : host === c;
    }
    case "iPAddress": {
      const ip = value as Uint8Array;
      const { address, mask } = s.ip!;
      return ip.length === address.length && ip.every((b, i) => (b & mask[i]!) === (address[i]! & mask[i]!));
    }
  }
}
