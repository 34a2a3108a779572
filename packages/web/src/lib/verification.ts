/**
 * Verification on the reader's machine (DESIGN.md principle 4): the document is read from the chosen file and
 * validated by @khatam/core's browser build; only the platform's trust anchors (GET /api/trust/anchors) and, for
 * revocation, the platform's own OCSP responders and CRLs are fetched. The document itself never leaves the page
 * unless the reader asks the server too (POST /api/verify).
 */
import type { TrustAnchor, ValidationReport } from "@khatam/core/browser";
import type { DirectoryOrganization, PlatformAnchor, RegisterEntry } from "@khatam/server/api";
import { ApiError, apiJson } from "./api.js";

export type { DirectoryOrganization, PlatformAnchor } from "@khatam/server/api";

/** The validation engine, loaded when first needed (it is most of the application's code). */
export const loadEngine = () => import("@khatam/core/browser");

let anchors: Promise<TrustAnchor[]> | undefined;

/** The platform's roots and its partners' as trust anchors; fetched once per page load. */
export function platformTrustAnchors(): Promise<TrustAnchor[]> {
  anchors ??= (async () => {
    const [{ trustAnchorsFrom }, response] = await Promise.all([
      loadEngine(),
      fetch("/api/trust/anchors", { headers: { accept: "application/json" } }),
    ]);
    if (!response.ok) throw new Error(`GET /api/trust/anchors: HTTP ${response.status}`);
    const list = (await response.json()) as PlatformAnchor[];
    return list.flatMap((a) => trustAnchorsFrom(a.pem, a.partner ? `partner ${a.partner}` : `platform CA ${a.ca}`));
  })();
  anchors.catch(() => {
    anchors = undefined; // try again next time
  });
  return anchors;
}

/**
 * A fetch for revocation checks that reaches only this page's own origin (the platform's OCSP responders and CRLs):
 * a document cannot make the reader's browser call an address it names.
 */
export const sameOriginFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input), window.location.href);
  if (url.origin !== window.location.origin) return new Response(null, { status: 404 });
  return fetch(input, { ...init, credentials: "omit" });
};

/** Validates `bytes` in this browser; throws the engine's NotAPdfError for an unreadable file. */
export async function validateHere(bytes: Uint8Array): Promise<ValidationReport> {
  const [{ validatePdf }, trustAnchors] = await Promise.all([loadEngine(), platformTrustAnchors()]);
  return validatePdf(bytes, { trustAnchors, online: { fetch: sameOriginFetch, timeoutMs: 5000 } });
}

/** Asks the platform (POST /api/verify, CONTRACTS § 3); this uploads the document. */
export async function validateOnServer(bytes: Uint8Array): Promise<ValidationReport> {
  const response = await fetch("/api/verify", {
    method: "POST",
    headers: { "content-type": "application/pdf", accept: "application/json" },
    body: new Blob([bytes as BlobPart], { type: "application/pdf" }),
    credentials: "omit",
  });
  if (!response.ok) throw new Error(`POST /api/verify: HTTP ${response.status}`);
  return (await response.json()) as ValidationReport;
}

/**
 * The register code the platform stamped on page 1 of a document it carried ("Khatam register: CODE — …", an
 * uncompressed content stream, server `envelopes/document.ts`), or null. A forged line can only name another
 * document's entry, whose hash then fails to match: the comparison, not the line, is what the reader is told.
 */
export function registerCodeIn(bytes: Uint8Array): string | null {
  const text = new TextDecoder("latin1").decode(bytes);
  return /Khatam register: ([A-Z2-7]{8,40})\b/.exec(text)?.[1] ?? null;
}

/** What the register says about this file: its final document, its original upload, or neither. */
export type RegisterCheck =
  | { readonly code: string; readonly outcome: "final" | "original" | "different"; readonly title: string }
  | { readonly code: string; readonly outcome: "missing" | "failed" };

/** Looks up `code` in the public register and compares the file's SHA-256 with the entry's. */
export async function checkRegister(code: string, sha256: string): Promise<RegisterCheck> {
  let entry: RegisterEntry;
  try {
    entry = await apiJson<RegisterEntry>(`/api/register/${encodeURIComponent(code)}`);
  } catch (e) {
    return { code, outcome: e instanceof ApiError && e.status === 404 ? "missing" : "failed" };
  }
  const outcome =
    entry.documentSha256 === sha256 ? "final" : entry.originalSha256 === sha256 ? "original" : "different";
  return { code, outcome, title: entry.title };
}

let directory: Promise<DirectoryOrganization[]> | undefined;

/** The platform's organisations, fetched once per page load; empty when unavailable (names then stay as issued). */
export function organizationDirectory(): Promise<DirectoryOrganization[]> {
  directory ??= apiJson<DirectoryOrganization[]>("/api/trust/organizations").catch(() => {
    directory = undefined;
    return [];
  });
  return directory;
}

/** The organisation a certificate names (O=, in English as issued) as the platform knows it in every language. */
export function knownOrganization(
  list: readonly DirectoryOrganization[],
  organization: string | undefined,
  country: string | null,
): DirectoryOrganization | undefined {
  if (!organization) return undefined;
  const name = organization.trim().toLowerCase();
  return list.find(
    (o) => o.names.en.trim().toLowerCase() === name && (!country || o.country === country.toUpperCase()),
  );
}
