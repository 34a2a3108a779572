/**
 * Certification path building (RFC 4158; ETSI EN 319 102-1 § 5.2.6 step 1): from the signer's certificate to a
 * trust anchor through every candidate issuer, so that bridge and cross-certified paths (RFC 4158 § 1.5.2: country
 * A's root trusted, country B's CA certified by A) are found. A candidate issuer has the child's issuer name as its
 * subject, a subject key identifier that agrees with the child's authority key identifier when both are present,
 * and a key that verifies the child's signature. Loops are cut by fingerprint; depth is bounded.
 */

import { equalBytes } from "../crypto/bytes.js";
import type { Certificate } from "../x509/certificate.js";
import { sameName } from "../x509/name.js";
import { signatureScheme, verifySignature } from "./crypto.js";

/** Longest path tried, signer and anchor included. */
export const MAX_PATH_LENGTH = 10;
/** Paths collected at most, for the validation to choose from. */
const MAX_PATHS = 8;

const verified = new Map<string, boolean>();

/** Whether `issuer`'s key signed `child` (RFC 5280 § 6.1.3 (a)(1)); cached per pair. */
export function signedBy(child: Certificate, issuer: Certificate): boolean {
  const key = `${child.fingerprint}:${issuer.fingerprint}`;
  let ok = verified.get(key);
  if (ok === undefined) {
    try {
      ok = verifySignature(issuer.spki, signatureScheme(child.signatureAlgorithm), child.tbs, child.signatureValue);
    } catch {
      ok = false;
    }
    if (verified.size > 10_000) verified.clear();
    verified.set(key, ok);
  }
  return ok;
}

/** Whether `candidate` may have issued `child`: names, key identifiers, then the signature. */
export function isIssuer(child: Certificate, candidate: Certificate): boolean {
  return child.namesIssuer(candidate) && signedBy(child, candidate);
}

/** Whether `cert` is a trust anchor: the same certificate, or the same subject and public key. */
export function isAnchor(cert: Certificate, anchors: readonly Certificate[]): boolean {
  return anchors.some(
    (a) =>
      a.fingerprint === cert.fingerprint || (equalBytes(a.spki, cert.spki) && sameName(a.subjectDer, cert.subjectDer)),
  );
}

/**
 * Every path (up to a few) from `leaf` to a trust anchor, leaf first, anchor last. Anchors come first among the
 * candidates, so the shortest trusted path is usually the first one.
 */
export function buildPaths(
  leaf: Certificate,
  pool: readonly Certificate[],
  anchors: readonly Certificate[],
): Certificate[][] {
  const candidates = dedupe([...anchors, ...pool]);
  const paths: Certificate[][] = [];
  const walk = (path: Certificate[]) => {
    if (paths.length >= MAX_PATHS) return;
    const last = path[path.length - 1]!;
    if (isAnchor(last, anchors)) {
      paths.push([...path]);
      return;
    }
    if (path.length >= MAX_PATH_LENGTH) return;
    for (const next of candidates) {
      if (
        path.some(
          (p) =>
            p.fingerprint === next.fingerprint ||
            (equalBytes(p.spki, next.spki) && sameName(p.subjectDer, next.subjectDer)),
        )
      )
        continue;
      if (!isIssuer(last, next)) continue;
      path.push(next);
      walk(path);
      path.pop();
    }
  };
  walk([leaf]);
  return paths;
}

/** The issuer of `cert` among `pool` (for revocation checks of certificates outside the path, e.g. responders). */
export function findIssuer(cert: Certificate, pool: readonly Certificate[]): Certificate | undefined {
  return pool.find((c) => c.fingerprint !== cert.fingerprint && isIssuer(cert, c));
}

function dedupe(certs: readonly Certificate[]): Certificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.fingerprint) && seen.add(c.fingerprint));
}
