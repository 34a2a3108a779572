// An RFC 3161 time-stamping authority for tests, answered by `openssl ts -reply` behind a tiny node:http server on
// 127.0.0.1. Its PKI (root CA, TSA certificate with the critical timeStamping EKU) is made with the openssl CLI, so
// the tokens our client code requests come from software we did not write.

import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createRoot, issueLeaf } from "./pki.js";
import { freshDir, run } from "./tools.js";

/** A running openssl-backed TSA. */
export interface OpensslTsa {
  /** POST `application/timestamp-query` here; the answer is `application/timestamp-reply`. */
  readonly url: string;
  /** The TSA's root CA certificate (PEM, DER, and path). */
  readonly rootPem: string;
  readonly rootDer: Buffer;
  readonly rootFile: string;
  /** The TSA's own certificate (PEM and path). */
  readonly tsaCertPem: string;
  readonly tsaCertFile: string;
  /** The openssl ts configuration file the server uses. */
  readonly configFile: string;
  /** Number of queries answered so far. */
  readonly requests: () => number;
  /** Stops the server and removes its files. */
  close(): Promise<void>;
}

/** Default TSA policy OID written into tokens. */
export const TSA_POLICY = "1.3.6.1.4.1.99999.1.1";

/** What `openssl ts -reply` signs with: the TSA's certificate and key, and the certificates to include. */
export interface OpensslTsSigner {
  readonly certFile: string;
  readonly keyFile: string;
  /** The chain put in the tokens (PEM file). */
  readonly chainFile: string;
  /** Default TSA_POLICY. */
  readonly policy?: string;
}

/** A running `openssl ts -reply` behind HTTP (see {@link serveOpensslTs}). */
export interface OpensslTsServer {
  readonly url: string;
  /** The openssl ts configuration file the server uses. */
  readonly configFile: string;
  /** Number of queries answered so far. */
  readonly requests: () => number;
  /** Stops the server (the files in its directory stay). */
  close(): Promise<void>;
}

/**
 * Serves RFC 3161 answers of `openssl ts -reply` signed by `signer` on 127.0.0.1, on a free port, with its serial,
 * configuration and query files in `dir`. Queries are answered one at a time (the openssl serial file is not safe
 * for concurrent writers). Also what bench/trust-services.mjs measures as the OpenSSL TSA.
 */
export async function serveOpensslTs(dir: string, signer: OpensslTsSigner): Promise<OpensslTsServer> {
  const serialFile = join(dir, "tsaserial");
  await writeFile(serialFile, "01\n");
  const configFile = join(dir, "ts.cnf");
  await writeFile(
    configFile,
    [
      "[ tsa ]",
      "default_tsa = tsa_config",
      "[ tsa_config ]",
      `serial = ${serialFile}`,
      "crypto_device = builtin",
      `signer_cert = ${signer.certFile}`,
      `certs = ${signer.chainFile}`,
      `signer_key = ${signer.keyFile}`,
      "signer_digest = sha256",
      `default_policy = ${signer.policy ?? TSA_POLICY}`,
      "other_policies = 1.3.6.1.4.1.99999.1.2",
      "digests = sha1, sha256, sha384, sha512",
      "accuracy = secs:1",
      "ordering = yes",
      "tsa_name = yes",
      "ess_cert_id_chain = no",
      "ess_cert_id_alg = sha256",
      "",
    ].join("\n"),
  );

  let chain: Promise<unknown> = Promise.resolve();
  let count = 0;
  const answer = (query: Buffer): Promise<Buffer> => {
    const next = chain.then(async () => {
      const n = ++count;
      const q = join(dir, `q${n}.tsq`);
      const r = join(dir, `r${n}.tsr`);
      await writeFile(q, query);
      const res = await run("openssl", ["ts", "-reply", "-config", configFile, "-queryfile", q, "-out", r]);
      if (res.code !== 0) throw new Error(`openssl ts -reply failed: ${res.stderr}`);
      const reply = await readFile(r);
      await rm(q, { force: true });
      await rm(r, { force: true });
      return reply;
    });
    chain = next.catch(() => undefined);
    return next;
  };

  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
    if (type !== "application/timestamp-query") {
      res.writeHead(415, { "content-type": "text/plain" }).end("expected application/timestamp-query\n");
      return;
    }
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => {
      answer(Buffer.concat(parts)).then(
        (reply) => res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(reply),
        (err: Error) => res.writeHead(400, { "content-type": "text/plain" }).end(`${err.message}\n`),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    configFile,
    requests: () => count,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Creates the TSA PKI and starts {@link serveOpensslTs} with it. */
export async function startOpensslTsa(options: { policy?: string } = {}): Promise<OpensslTsa> {
  const dir = await freshDir("tsa");
  const root = await createRoot("Khatam Test TSA Root", { dir });
  const tsa = await issueLeaf(root, "Khatam Test TSU", { profile: "tsa" });
  const served = await serveOpensslTs(dir, {
    certFile: tsa.certFile,
    keyFile: tsa.keyFile,
    chainFile: root.certFile,
    policy: options.policy,
  });
  return {
    url: served.url,
    rootPem: root.certPem,
    rootDer: root.certDer,
    rootFile: root.certFile,
    tsaCertPem: tsa.certPem,
    tsaCertFile: tsa.certFile,
    configFile: served.configFile,
    requests: served.requests,
    close: async () => {
      await served.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
