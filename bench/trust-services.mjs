// Trust services over HTTP on 127.0.0.1: Khatam's OCSP responder (POST /pki/jp/ocsp) and TSA (POST /tsa) against
// OpenSSL's own OCSP responder (`openssl ocsp -index … -port`) and `openssl ts -reply` behind the minimal node:http
// wrapper of the core tests (serveOpensslTs of packages/core/test/support/tsa-server.ts: one openssl process per
// query, queries answered one at a time, as the openssl serial file is not safe for concurrent writers). Every server gets the same autocannon load
// (programmatic API): CONNECTIONS connections for DURATION_S seconds after a WARMUP_S warm-up, one fixed request
// (made by the openssl CLI) replayed. Before the load, a sample answer of each is checked with openssl
// (`openssl ocsp -verify` path: Response verify OK + nonce + "good"; `openssl ts -verify`).
//
// Khatam's server is a child process (`node packages/server/dist/src/main.js`) with a temporary KHATAM_DATA, the
// demo federation made with P-256 keys (KHATAM_DEMO_KEY_TYPE=P-256) and LOG_LEVEL=warn (no per-request log lines);
// its OCSP responses are signed by the jp issuing CA's delegated responder, its tokens by the jp TSA (both P-256).
// (`openssl ocsp -port` takes a port number only: it listens on every interface; the load goes to 127.0.0.1.)
// The openssl peers use the bench P-256 root as CA, with a P-256 delegated OCSP responder and a P-256 TSA it issued.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { serveOpensslTs } from "../packages/core/dist/test/support/tsa-server.js";
import { issueForCsr, newKeyAndCsr, openssl, P256 } from "./openssl.mjs";
import { freePort, loadRun, sleep, startServer, stopProcess } from "./server-process.mjs";

export const CONNECTIONS = 10;
export const DURATION_S = 5;
export const WARMUP_S = 1;

async function post(url, type, body) {
  const r = await fetch(url, { method: "POST", headers: { "content-type": type }, body });
  if (r.status !== 200) throw new Error(`POST ${url}: HTTP ${r.status} ${await r.text()}`);
  return Buffer.from(await r.arrayBuffer());
}

/** Waits until `probe()` resolves (up to `ms`). */
async function waitFor(probe, ms, what) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await probe();
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what} did not come up: ${e.message}`);
      await sleep(100);
    }
  }
}

/** The autocannon figures of one POST load run (after an unrecorded warm-up with the same settings). */
function load(url, type, body) {
  const options = { url, method: "POST", headers: { "content-type": type }, body, connections: CONNECTIONS };
  return loadRun(options, { warmupS: WARMUP_S, durationS: DURATION_S });
}

/**
 * A closed-loop load of our own, one new TCP connection per request (\`Connection: close\`): \`openssl ocsp\` speaks
 * HTTP/1.0 and closes every connection after its answer, which autocannon survives for the count but not for the
 * latencies (it reports seconds for answers that take a fraction of a millisecond). Same connections and duration.
 */
async function loadFresh(url, type, body, durationS = DURATION_S) {
  const { hostname, port, pathname } = new URL(url);
  const lat = [];
  let errors = 0;
  let non2xx = 0;
  const one = () =>
    new Promise((res) => {
      const t0 = performance.now();
      const req = request(
        {
          host: hostname,
          port,
          path: pathname,
          method: "POST",
          agent: false,
          headers: { "content-type": type, "content-length": body.length, connection: "close" },
        },
        (r) => {
          r.on("data", () => {});
          r.on("end", () => {
            if (r.statusCode !== 200) non2xx++;
            lat.push(performance.now() - t0);
            res();
          });
        },
      );
      req.setTimeout(3000, () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        errors++;
        res();
      });
      req.end(body);
    });
  const until = performance.now() + durationS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  const wall = performance.now() - t0;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
  return {
    requestsPerS: (lat.length * 1000) / wall,
    total: lat.length,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: lat.at(-1),
    non2xx,
    errors,
  };
}

/** `openssl ocsp` checks of a response: signature and chain, nonce against the request, and the status. */
function checkOcsp(dir, name, reqFile, respDer, { issuer, cert, caFile, untrusted }) {
  const respFile = join(dir, `${name}.ocsp-resp.der`);
  writeFileSync(respFile, respDer);
  const extra = untrusted ? ["-verify_other", untrusted] : [];
  const verified = openssl(["ocsp", "-reqin", reqFile, "-respin", respFile, "-CAfile", caFile, ...extra]);
  // -cert builds a request of its own (with another nonce): the status is read with -no_nonce.
  const status = openssl([
    "ocsp",
    "-respin",
    respFile,
    "-CAfile",
    caFile,
    ...extra,
    "-issuer",
    issuer,
    "-cert",
    cert,
    "-no_nonce",
  ]);
  const ok = /Response verify OK/.test(verified) && /Response verify OK/.test(status) && /: good\b/.test(status);
  return { ok, text: `${verified.trim()} | ${status.trim().replace(/\s+/g, " ")}`, bytes: respDer.length };
}

/** `openssl ts -verify` of a reply against the query (imprint, nonce, signer cert chain). */
function checkTs(dir, name, queryFile, reply, { caFile, untrusted }) {
  const replyFile = join(dir, `${name}.tsr`);
  writeFileSync(replyFile, reply);
  const extra = untrusted ? ["-untrusted", untrusted] : [];
  const r = spawnSync(
    "openssl",
    ["ts", "-verify", "-in", replyFile, "-queryfile", queryFile, "-CAfile", caFile, ...extra],
    { encoding: "utf8" },
  );
  const text = `${r.stdout}${r.stderr}`;
  const info = spawnSync("openssl", ["ts", "-reply", "-in", replyFile, "-text"], { encoding: "utf8" }).stdout;
  return {
    ok: r.status === 0 && /Verification: OK/.test(text),
    text: text.trim().split("\n").at(-1),
    status: /Status: (.*)/.exec(info)?.[1],
    bytes: reply.length,
  };
}

export async function measureTrustServices({ work, pki, dataFile, log }) {
  const dir = resolve(work, "trust");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const children = [];
  let tsaServer;
  try {
    // --- Khatam's server -----------------------------------------------------------------------------------
    const adminToken = randomBytes(16).toString("hex");
    const {
      child: server,
      base,
      startMs,
    } = await startServer({
      dataDir: join(dir, "data"),
      env: { KHATAM_DEMO_KEY_TYPE: "P-256", KHATAM_ADMIN_TOKEN: adminToken, KHATAM_PROTOCOL_RATE_LIMIT: "100000000" },
      timeoutMs: 20_000,
    });
    children.push(server);

    // The CA chain and a certificate issued for a CSR made by openssl (profile "official").
    const chain = await (await fetch(`${base}/pki/jp/ca.pem`)).text();
    const blocks = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g);
    writeFileSync(join(dir, "jp-issuing.pem"), blocks[0]);
    writeFileSync(join(dir, "jp-root.pem"), blocks[1]);
    newKeyAndCsr(dir, "subject", P256, "/C=JP/O=Khatam Bench/CN=Bench OCSP Subject");
    const issued = await fetch(`${base}/api/admin/cas/jp/certificates`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ profile: "official", csrPem: readFileSync(join(dir, "subject.csr"), "utf8") }),
    });
    if (issued.status !== 201) throw new Error(`issuing a certificate: HTTP ${issued.status} ${await issued.text()}`);
    writeFileSync(join(dir, "subject.pem"), (await issued.json()).pem);

    const oursOcspReq = join(dir, "ours.ocsp-req.der");
    openssl(["ocsp", "-issuer", "jp-issuing.pem", "-cert", "subject.pem", "-reqout", oursOcspReq], { cwd: dir });
    const tsQuery = join(dir, "query.tsq");
    openssl(["ts", "-query", "-data", resolve(dataFile), "-sha256", "-cert", "-out", tsQuery]);
    const ocspBody = readFileSync(oursOcspReq);
    const tsBody = readFileSync(tsQuery);

    const oursOcspUrl = `${base}/pki/jp/ocsp`;
    const oursTsaUrl = `${base}/tsa`;
    const jp = { caFile: join(dir, "jp-root.pem"), untrusted: join(dir, "jp-issuing.pem") };
    const oursOcspCheck = checkOcsp(
      dir,
      "ours",
      oursOcspReq,
      await post(oursOcspUrl, "application/ocsp-request", ocspBody),
      {
        ...jp,
        issuer: join(dir, "jp-issuing.pem"),
        cert: join(dir, "subject.pem"),
      },
    );
    const oursTsCheck = checkTs(
      dir,
      "ours",
      tsQuery,
      await post(oursTsaUrl, "application/timestamp-query", tsBody),
      jp,
    );

    // --- OpenSSL's peers: the bench root as CA, a delegated OCSP responder and a TSA certificate it issues -------
    const ca = resolve(pki, "root.pem");
    const caKey = resolve(pki, "root.key");
    writeFileSync(
      join(dir, "peer.ext"),
      [
        "[ocsp]",
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=OCSPSigning",
        "noCheck=ignored",
        "subjectKeyIdentifier=hash",
        "authorityKeyIdentifier=keyid",
        "[tsa]",
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=critical,timeStamping",
        "subjectKeyIdentifier=hash",
        "authorityKeyIdentifier=keyid",
        "",
      ].join("\n"),
    );
    for (const [name, section, serial] of [
      ["peer-ocsp", "ocsp", 101],
      ["peer-tsa", "tsa", 102],
    ]) {
      newKeyAndCsr(dir, name, P256, `/C=JP/O=Khatam Bench/CN=Bench ${name}`);
      issueForCsr(dir, name, { ca, caKey, serial, days: 30, extfile: "peer.ext", extensions: section });
    }
    // An openssl CA index holding the bench leaf (serial 02, P-256, issued by the bench root) as valid.
    const leafPem = resolve(pki, "leaf.pem");
    const enddate = openssl(["x509", "-in", leafPem, "-noout", "-enddate"]).trim().replace("notAfter=", "");
    const d = new Date(enddate);
    const p2 = (n) => String(n).padStart(2, "0");
    const expiry = `${p2(d.getUTCFullYear() % 100)}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}Z`;
    const subject = openssl(["x509", "-in", leafPem, "-noout", "-subject", "-nameopt", "compat"])
      .trim()
      .replace(/^subject=\s*/, "");
    writeFileSync(join(dir, "index.txt"), `V\t${expiry}\t\t02\tunknown\t${subject}\n`);
    writeFileSync(join(dir, "index.txt.attr"), "unique_subject = no\n");
    const peerOcspReq = join(dir, "peer.ocsp-req.der");
    openssl(["ocsp", "-issuer", ca, "-cert", leafPem, "-reqout", peerOcspReq]);

    const ocspPort = await freePort();
    const ocspd = spawn(
      "openssl",
      [
        "ocsp",
        "-index",
        "index.txt",
        "-port",
        String(ocspPort),
        "-rsigner",
        "peer-ocsp.pem",
        "-rkey",
        "peer-ocsp.key",
        "-CA",
        ca,
        "-timeout",
        "2",
      ],
      {
        cwd: dir,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    children.push(ocspd);
    const ocspdErr = []; // its stderr: one "Received request" line per request served, the responder's own count
    ocspd.stderr.on("data", (b) => ocspdErr.push(b));
    const ocspdServed = () => Buffer.concat(ocspdErr).toString("latin1").split("Received request").length - 1;
    const peerOcspUrl = `http://127.0.0.1:${ocspPort}/`;
    const peerOcspBody = readFileSync(peerOcspReq);
    const peerOcspResp = await waitFor(
      () => post(peerOcspUrl, "application/ocsp-request", peerOcspBody),
      10_000,
      "openssl ocsp",
    );
    const peerOcspCheck = checkOcsp(dir, "peer", peerOcspReq, peerOcspResp, { caFile: ca, issuer: ca, cert: leafPem });

    tsaServer = await serveOpensslTs(dir, {
      certFile: join(dir, "peer-tsa.pem"),
      keyFile: join(dir, "peer-tsa.key"),
      chainFile: ca,
    });
    const peerTsaUrl = tsaServer.url;
    const peerTsCheck = checkTs(dir, "peer", tsQuery, await post(peerTsaUrl, "application/timestamp-query", tsBody), {
      caFile: ca,
    });

    const checks = { oursOcsp: oursOcspCheck, oursTs: oursTsCheck, peerOcsp: peerOcspCheck, peerTs: peerTsCheck };
    const problems = Object.entries(checks)
      .filter(([, c]) => !c.ok)
      .map(([k, c]) => `trust services: sample answer of ${k} not verified by openssl: ${c.text}`);

    // --- Load: the same settings for all four; ours and the peers alternate ----------------------------------
    log(`trust services: OCSP load (${CONNECTIONS} connections, ${WARMUP_S}+${DURATION_S} s each)`);
    const oursOcsp = await load(oursOcspUrl, "application/ocsp-request", ocspBody);
    log("trust services: OCSP load, a new connection per request (own client)");
    await loadFresh(oursOcspUrl, "application/ocsp-request", ocspBody, WARMUP_S);
    const oursOcspFresh = await loadFresh(oursOcspUrl, "application/ocsp-request", ocspBody);
    await loadFresh(peerOcspUrl, "application/ocsp-request", peerOcspBody, WARMUP_S);
    const peerOcspFresh = await loadFresh(peerOcspUrl, "application/ocsp-request", peerOcspBody);
    log("trust services: OCSP load of openssl ocsp with autocannon");
    const served0 = ocspdServed();
    const peerOcsp = await load(peerOcspUrl, "application/ocsp-request", peerOcspBody);
    peerOcsp.servedByResponder = ocspdServed() - served0; // warm-up included
    log("trust services: TSA load");
    const oursTsa = await load(oursTsaUrl, "application/timestamp-query", tsBody);
    const peerTsa = await load(peerTsaUrl, "application/timestamp-query", tsBody);
    // A last answer of each of ours after the load, checked again (the load did not degrade them).
    const after = {
      ocsp: checkOcsp(dir, "ours-after", oursOcspReq, await post(oursOcspUrl, "application/ocsp-request", ocspBody), {
        ...jp,
        issuer: join(dir, "jp-issuing.pem"),
        cert: join(dir, "subject.pem"),
      }).ok,
      tsa: checkTs(dir, "ours-after", tsQuery, await post(oursTsaUrl, "application/timestamp-query", tsBody), jp).ok,
    };
    if (!after.ocsp || !after.tsa)
      problems.push(`trust services: answers after the load not verified: ${JSON.stringify(after)}`);
    for (const [k, v] of Object.entries({ oursOcsp, oursTsa, oursOcspFresh })) // the peers' errors are reported in the table
      if (v.non2xx || v.errors || v.timeouts)
        problems.push(`trust services: ${k}: ${v.non2xx} non-2xx, ${v.errors} errors, ${v.timeouts} timeouts`);
    const serverRssKb =
      Number(/VmHWM:\s*(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))?.[1]) || undefined;
    return {
      settings: { connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S },
      serverStartMs: startMs,
      serverRssKb,
      tsaRepliesByOpenssl: tsaServer.requests(),
      ours: { ocsp: oursOcsp, tsa: oursTsa, ocspFresh: oursOcspFresh },
      peer: { ocsp: peerOcsp, tsa: peerTsa, ocspFresh: peerOcspFresh },
      checks,
      after,
      ocspdStderr:
        Buffer.concat(ocspdErr)
          .toString("latin1")
          .replace(/ocsp: Received request.*\n/g, "")
          .trim()
          .slice(0, 400) || undefined,
      problems,
    };
  } finally {
    if (tsaServer) {
      await tsaServer.close();
    }
    for (const c of children) await stopProcess(c, 3000);
  }
}
