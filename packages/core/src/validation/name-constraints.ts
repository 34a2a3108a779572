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
import {
  type BerNode,
  expect,
  type GeneralName,
  generalName,
  isContext,
  oidOf,
  parseBer,
  stringOf,
  UNIVERSAL,
} from "./ber.js";
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

/**
 * Parses a nameConstraints extension value: SEQUENCE { permittedSubtrees [0] IMPLICIT GeneralSubtrees OPTIONAL,
 * excludedSubtrees [1] IMPLICIT GeneralSubtrees OPTIONAL }, GeneralSubtree ::= SEQUENCE { base GeneralName, … }.
 */
export function parseNameConstraints(value: Uint8Array): NameConstraintSet {
  const nc = expect(parseBer(value, "nameConstraints"), UNIVERSAL.SEQUENCE, "NameConstraints");
  const subtrees = (tag: number) =>
    (nc.children.find((n) => isContext(n, tag))?.children ?? []).map((s) =>
      subtree(generalName(expect(s, UNIVERSAL.SEQUENCE, "GeneralSubtree").children[0]!)),
    );
  return { permitted: subtrees(0), excluded: subtrees(1) };
}

function subtree(base: GeneralName): Subtree {
  switch (base.form) {
    case "directoryName":
      return { form: "directoryName", rdns: rdnsOfName(base.name) };
    case "rfc822Name":
    case "dNSName":
    case "uniformResourceIdentifier":
      return { form: base.form, text: base.text.toLowerCase() };
    case "iPAddress": {
      // § 4.2.1.10: the address followed by its mask, 8 octets for IPv4, 32 for IPv6.
      const half = base.bytes.length / 2;
      if (half !== 4 && half !== 16) return { form: "unsupported" };
      return { form: "iPAddress", ip: { address: base.bytes.subarray(0, half), mask: base.bytes.subarray(half) } };
    }
    default:
      return { form: "unsupported" };
  }
}

/** A Name's RDNs, each as "oid=value" pairs (sorted within the RDN), values compared case- and space-insensitively. */
export function rdnsOf(nameDer: Uint8Array): string[] {
  return rdnsOfName(parseBer(nameDer, "Name"));
}

function rdnsOfName(name: BerNode): string[] {
  return name.children.map((rdn) =>
    rdn.children
      .map((atv) => {
        const value = atv.children[1] ? stringOf(atv.children[1]) : "";
        return `${oidOf(atv.children[0])}=${value.trim().toLowerCase().replace(/\s+/g, " ")}`;
      })
      .sort()
      .join("+"),
  );
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
