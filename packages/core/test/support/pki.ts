// A small test PKI made with the openssl CLI: a root CA and end-entity certificates issued by it (document
// signers, a time-stamping unit), written to a directory as PEM, with a PKCS#12 bundle for the tools that want one.
// RSA-2048 by default, because every peer tool (node-forge in @signpdf, NSS, mupdf) handles it; leaves can also have
// RSA-3072 or ECDSA P-256 keys (see {@link LeafKey}).

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadCertificates, loadPrivateKey } from "../../src/keys/pem.js";
import { softwareSigner } from "../../src/keys/software.js";
import type { PadesSignOptions } from "../../src/pades/sign.js";
import { freshDir, pemToDer, runOk } from "./tools.js";

/** A root CA on disk. */
export interface TestRoot {
  /** Directory holding the files. */
  readonly dir: string;
  /** Root certificate, PEM text; also at {@link certFile}. */
  readonly certPem: string;
  /** Root certificate, DER. */
  readonly certDer: Buffer;
  readonly certFile: string;
  /** Root private key file (unencrypted PKCS#8 PEM). */
  readonly keyFile: string;
}

/** An end-entity certificate issued by a {@link TestRoot}. */
export interface TestLeaf {
  readonly certPem: string;
  readonly certDer: Buffer;
  readonly certFile: string;
  /** Private key, unencrypted PKCS#8 PEM text; also at {@link keyFile}. */
  readonly keyPem: string;
  readonly keyFile: string;
  /** PKCS#12 with key, certificate and the root, protected by {@link p12Password} (SHA-1/3DES, widely readable). */
  readonly p12: Buffer;
  readonly p12File: string;
  readonly p12Password: string;
  /** The PKCS#12 friendly name (the NSS nickname after import). */
  readonly friendlyName: string;
}

let serial = 0x1000;

/** Creates a self-signed root CA (basicConstraints CA:TRUE critical, keyCertSign|cRLSign). */
export async function createRoot(
  commonName: string,
  options: { country?: string; dir?: string } = {},
): Promise<TestRoot> {
  const dir = options.dir ?? (await freshDir("pki"));
  const subject = `/C=${options.country ?? "JP"}/O=Khatam Test/CN=${commonName}`;
  const { certFile, keyFile } = await createCa(dir, "root", subject, {
    key: "rsa:2048",
    extensions: ["subjectKeyIdentifier=hash"],
  });
  const certPem = await readFile(certFile, "utf8");
  return { dir, certPem, certDer: pemToDer(certPem), certFile, keyFile };
}

/**
 * `openssl req -x509`: a self-signed CA certificate for a fresh key (P-256 unless `key` says otherwise) with
 * basicConstraints CA:TRUE and keyUsage keyCertSign|cRLSign, both critical, then `extensions` (each an -addext
 * line: a subject key identifier, name constraints …), written to `dir` as `name`.pem and `name`.key. `config`: an
 * openssl configuration file, for extensions that name its sections (a nameConstraints dirName).
 */
export async function createCa(
  dir: string,
  name: string,
  subject: string,
  options: { key?: LeafKey; extensions?: readonly string[]; config?: string } = {},
): Promise<Pick<Issued, "certFile" | "keyFile">> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  await runOk("openssl", [
    ...["req", "-x509", ...NEWKEY[options.key ?? "ec:P-256"], "-nodes"],
    ...(options.config ? ["-config", options.config] : []),
    ...["-keyout", keyFile, "-out", certFile, "-days", "3650", "-sha256", "-subj", subject],
    ...["-set_serial", String(serial++)],
    ...[
      "basicConstraints=critical,CA:TRUE",
      "keyUsage=critical,keyCertSign,cRLSign",
      ...(options.extensions ?? []),
    ].flatMap((e) => ["-addext", e]),
  ]);
  return { certFile, keyFile };
}

/** The extensions of a leaf certificate. */
export type LeafProfile = "signer" | "tsa";

const PROFILES: Record<LeafProfile, string> = {
  signer: [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,nonRepudiation",
    "extendedKeyUsage=emailProtection",
    "subjectKeyIdentifier=hash",
    "authorityKeyIdentifier=keyid",
  ].join("\n"),
  tsa: [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,nonRepudiation",
    "extendedKeyUsage=critical,timeStamping",
    "subjectKeyIdentifier=hash",
    "authorityKeyIdentifier=keyid",
  ].join("\n"),
};

/** Key types of a leaf or a CA: `openssl req -newkey` arguments. */
export type LeafKey = "rsa:2048" | "rsa:3072" | "ec:P-256";

/** The `openssl req` arguments that make a fresh key of each type. */
export const NEWKEY: Readonly<Record<LeafKey, readonly string[]>> = {
  "rsa:2048": ["-newkey", "rsa:2048"],
  "rsa:3072": ["-newkey", "rsa:3072"],
  "ec:P-256": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
};

/** Issues an end-entity certificate from `root` (RSA-2048 unless `key` says otherwise) and bundles it as PKCS#12. */
export async function issueLeaf(
  root: TestRoot,
  name: string,
  options: { profile?: LeafProfile; country?: string; password?: string; key?: LeafKey } = {},
): Promise<TestLeaf> {
  const dir = root.dir;
  const keyFile = join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  const p12File = join(dir, `${name}.p12`);
  const password = options.password ?? "test-password";
  await writeFile(extFile, `${PROFILES[options.profile ?? "signer"]}\n`);
  const subj = `/C=${options.country ?? "JP"}/O=Khatam Test/CN=${name}`;
  await runOk("openssl", [
    "req",
    ...NEWKEY[options.key ?? "rsa:2048"],
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    csrFile,
    "-subj",
    subj,
  ]);
  await runOk("openssl", [
    "x509",
    "-req",
    "-in",
    csrFile,
    "-CA",
    root.certFile,
    "-CAkey",
    root.keyFile,
    "-set_serial",
    String(serial++),
    "-days",
    "825",
    "-sha256",
    "-extfile",
    extFile,
    "-out",
    certFile,
  ]);
  await runOk("openssl", [
    "pkcs12",
    "-export",
    "-inkey",
    keyFile,
    "-in",
    certFile,
    "-certfile",
    root.certFile,
    "-name",
    name,
    "-passout",
    `pass:${password}`,
    "-keypbe",
    "PBE-SHA1-3DES",
    "-certpbe",
    "PBE-SHA1-3DES",
    "-macalg",
    "sha1",
    "-out",
    p12File,
  ]);
  const certPem = await readFile(certFile, "utf8");
  return {
    certPem,
    certDer: pemToDer(certPem),
    certFile,
    keyPem: await readFile(keyFile, "utf8"),
    keyFile,
    p12: await readFile(p12File),
    p12File,
    p12Password: password,
    friendlyName: name,
  };
}

/**
 * `leaf` as signPdf's signer, certificate and chain (its root), read back from the PEM files openssl wrote;
 * `pss`: RSASSA-PSS for an RSA key.
 */
export function signingIdentity(
  leaf: TestLeaf,
  root: TestRoot,
  options: { pss?: boolean } = {},
): Pick<PadesSignOptions, "signer" | "certificate" | "chain"> {
  return {
    signer: softwareSigner(loadPrivateKey(leaf.keyPem), { pss: options.pss ?? false }),
    certificate: loadCertificates(leaf.certPem)[0]!,
    chain: [root.certDer],
  };
}

/** A certificate on disk: PEM files of the certificate and its key, and the certificate's DER. */
export interface Issued {
  readonly certFile: string;
  readonly keyFile: string;
  readonly der: Uint8Array;
}

let extensionSerial = 0x7000;

/**
 * `openssl req` for a fresh P-256 key and `openssl x509 -req` under `issuer`, written to `dir` as `name`.*, with
 * `extensions`: an openssl extension file (extensions in the default section, then any sections they name), for
 * certificates that test one extension or constraint at a time.
 */
export async function issueWithExtensions(
  dir: string,
  name: string,
  subject: string,
  issuer: Pick<Issued, "certFile" | "keyFile">,
  extensions: string,
): Promise<Issued> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  const csrFile = join(dir, `${name}.csr`);
  await writeFile(join(dir, `${name}.ext`), `${extensions}\n`);
  await runOk("openssl", [
    ...["req", "-new", ...NEWKEY["ec:P-256"], "-nodes"],
    ...["-keyout", keyFile, "-subj", subject, "-out", csrFile],
  ]);
  await runOk("openssl", [
    ...["x509", "-req", "-in", csrFile, "-CA", issuer.certFile, "-CAkey", issuer.keyFile],
    ...["-set_serial", String(extensionSerial++), "-days", "365", "-sha256"],
    ...["-extfile", join(dir, `${name}.ext`), "-out", certFile],
  ]);
  return { certFile, keyFile, der: pemToDer(await readFile(certFile, "utf8")) };
}
