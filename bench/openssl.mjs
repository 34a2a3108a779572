// The openssl CLI as the bench uses it to make certificates: a key and CSR, then a certificate issued for the CSR by
// a CA's key (bench/fixtures.mjs for the signing PKI, trust-services.mjs for the OpenSSL peers' OCSP and TSA).
import { spawnSync } from "node:child_process";

/** Runs openssl (in `opts.cwd`); returns stdout and stderr, or throws with stderr when it fails. */
export function openssl(args, opts = {}) {
  const r = spawnSync("openssl", args, { encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** `openssl req` key arguments of a new P-256 key (named curve) and of a new RSA-2048 key. */
export const P256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:named_curve"];
export const RSA_2048 = ["-newkey", "rsa:2048"];

/** Writes `name`.key (unencrypted) and `name`.csr for `subject` (OpenSSL syntax) in `dir`. */
export function newKeyAndCsr(dir, name, keyArgs, subject) {
  openssl(["req", "-new", ...keyArgs, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], {
    cwd: dir,
  });
}

/**
 * Writes `name`.pem, issued for `name`.csr in `dir` by `ca`/`caKey` with the extensions of `extfile` (its
 * `extensions` section when given), valid `days`.
 */
export function issueForCsr(dir, name, { ca, caKey, serial, days, extfile, extensions }) {
  openssl(
    ["x509", "-req", "-in", `${name}.csr`, "-CA", ca, "-CAkey", caKey, "-set_serial", String(serial)]
      .concat(["-days", String(days), "-sha256", "-extfile", extfile])
      .concat(extensions ? ["-extensions", extensions] : [])
      .concat(["-out", `${name}.pem`]),
    { cwd: dir },
  );
}
