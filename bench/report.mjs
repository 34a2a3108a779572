// bench/RESULTS.md and the console summary, from the figures collected by run.mjs.

const MiB = 1024 * 1024;
const f = (x, d = 1) => (x === undefined || Number.isNaN(x) ? "—" : x.toFixed(d));
const ms = (x) =>
  x === undefined ? "—" : x >= 1000 ? `${f(x / 1000, 2)} s` : x >= 100 ? `${f(x, 0)} ms` : `${f(x, 1)} ms`;
const ratio = (theirs, ours) => (theirs === undefined || ours === undefined ? "—" : `${f(theirs / ours, 1)}×`);
const mb = (kb) => (kb === undefined ? "—" : `${f(kb / 1024, 0)} MB`);
const row = (cells) => `| ${cells.join(" | ")} |`;

/**
 * Issue 13: a visible signature (fonts shaped and subsetted, a seal, a drawn mark) on the 20 MiB document within 2×
 * of an invisible one; judged on CPU time, which other work on a shared machine does not inflate, wall time beside.
 */
function visibleGoals(v) {
  if (!v) return [];
  const line = (label, x) =>
    `- 20 MiB visible signature, ${label}: ${ms(x.warmMs)} (CPU ${ms(x.warmCpuMs)}; cold ${ms(x.coldMs)}, fonts parsed) ` +
    `against ${ms(v.invisible.warmMs)} (CPU ${ms(v.invisible.warmCpuMs)}) invisible: ${f(x.cpuRatio, 2)}× CPU, ` +
    `${f(x.ratio, 2)}× wall ${x.cpuRatio <= 2 ? "— meets" : "— **above**"} the ≤ 2× goal`;
  const lines = [line("Arabic block", v.arabic), line("Japanese block with seal and drawn mark", v.japanese)];
  if (v.arabicNewBlock) lines.push(line("Arabic block with a new date each time", v.arabicNewBlock));
  return lines;
}

/** The validation section: Khatam in-process and CLI vs pdfsig, and the goals. */
function renderValidation(r) {
  const v = r.validation;
  const hw = r.hardware;
  const ip = v.inproc;
  const smallGoal = ip.small.medianMs;
  const largeRatio = ip.large.medianMs / ip.largeFloor.medianMs;
  const table = [
    row([
      "Validation (offline, bench root trusted)",
      "Khatam",
      "pdfsig (poppler, NSS)",
      "pdfsig / Khatam",
      "Floor (SHA-256 + 1 ECDSA verify)",
      "Khatam / floor",
    ]),
    row(Array(6).fill("---")),
    row([
      `signed one-page doc (${f(v.files.smallBytes / 1024, 1)} KiB), in-process, ms/validation (warm median of ${ip.small.runs})`,
      `${f(ip.small.medianMs, 3)} ms (p90 ${f(ip.small.p90Ms, 3)}, cold first ${ms(ip.small.firstMs)})`,
      "—",
      "—",
      `${f(ip.smallFloor.medianMs, 3)} ms`,
      ratio(ip.small.medianMs, ip.smallFloor.medianMs),
    ]),
    row([
      "signed one-page doc, in-process, validations/s on one core",
      `${f(ip.small.perSecond, 0)} /s (CPU ${f(ip.small.cpuMsPerValidation, 3)} ms each → ${f(1000 / ip.small.cpuMsPerValidation, 0)} /s per core-second)`,
      "—",
      "—",
      `${f(1000 / ip.smallFloor.medianMs, 0)} /s`,
      "—",
    ]),
    row([
      `signed one-page doc, one process, wall incl. start (median of ${v.smallRuns ?? v.runs})`,
      `${ms(v.cli.small.ms)} (CLI \`verify --offline --json\`)`,
      ms(v.pdfsig.small.ms),
      `${f(v.pdfsig.small.ms / v.cli.small.ms, 2)}×`,
      "—",
      "—",
    ]),
    row([
      `signed ${f(v.files.largeBytes / MiB, 1)} MiB doc, in-process, ms/validation (warm median of ${ip.large.runs})`,
      `${ms(ip.large.medianMs)} (cold first ${ms(ip.large.firstMs)})`,
      "—",
      "—",
      `${ms(ip.largeFloor.medianMs)}`,
      ratio(ip.large.medianMs, ip.largeFloor.medianMs),
    ]),
    row([
      `signed ${f(v.files.largeBytes / MiB, 1)} MiB doc, one process, wall incl. start (median of ${v.runs})`,
      `${ms(v.cli.large.ms)} (CLI; peak RSS ${mb(v.cli.large.maxRssKb)})`,
      `${ms(v.pdfsig.large.ms)} (peak RSS ${mb(v.pdfsig.large.maxRssKb)})`,
      `${f(v.pdfsig.large.ms / v.cli.large.ms, 2)}×`,
      `${ms(r.startup.node.ms + ip.largeFloor.medianMs)} (bare Node start + floor)`,
      ratio(v.cli.large.ms, r.startup.node.ms + ip.largeFloor.medianMs),
    ]),
  ].join("\n");
  const goals = [
    `- Typical signed document in-process < 2 ms: ${f(smallGoal, 3)} ms — ${smallGoal < 2 ? "meets" : "**misses**"} the goal (${f(2 / smallGoal, 1)}× headroom).`,
    `- 20 MiB validation ≤ 2× (SHA-256 of the file + the signature checks): ${ms(ip.large.medianMs)} vs floor ${ms(ip.largeFloor.medianMs)} = ${f(largeRatio, 2)}× — ${largeRatio <= 2 ? "meets" : "**misses**"} the goal` +
      ` (SHA-256 alone at the hardware rate: ${ms((v.files.largeBytes / MiB / hw.sha256MBps) * 1000)}).`,
    `- The CLI pays Node's start and module loading: bare Node ${ms((v.node ?? r.startup.node).ms)} (interleaved with the CLI runs), so one-file CLI validation is ${f(v.cli.small.ms / v.pdfsig.small.ms, 1)}× pdfsig's wall time on the small file, and ${f(v.cli.small.ms / (v.node ?? r.startup.node).ms, 2)}× a bare \`node -e 0\` (goal ≤ 1.5×).`,
    ...(v.folder
      ? [
          `- A folder of ${v.folder.count} signed files: one \`khatam verify DIR --json\` process ${ms(v.folder.oursMs)} (${v.folder.valid} VALID), ${v.folder.count} pdfsig processes ${ms(v.folder.pdfsigMs)}: ${f(v.folder.pdfsigMs / v.folder.oursMs, 1)}× faster (goal ≥ 20×).`,
        ]
      : []),
  ].join("\n");
  const vd = v.verdicts;
  const verdicts = [
    `- Khatam \`verify\`: small ${vd.small.ours}; 20 MiB ${vd.large.ours}.`,
    `- pdfsig with the NSS db: small "${vd.small.pdfsig}"; 20 MiB "${vd.large.pdfsig}".`,
    `- pdfsig with \`-no-ocsp\` (not timed): "${vd.small.pdfsigNoOcsp}" — no certificate verdict, hence timed without it.`,
  ].join("\n");
  return { table, goals, verdicts };
}

/** The trust-services section: OCSP and TSA over HTTP under autocannon. */
function renderTrust(t) {
  const s = t.settings;
  const rps = (x) => (x === undefined ? "—" : `${f(x, 0)} req/s`);
  const lat = (x) => (x === undefined ? "—" : `${f(x, x < 10 ? 2 : 0)} ms`);
  const po = t.peer.ocsp;
  const table = [
    row([
      "Trust service (127.0.0.1)",
      "Khatam req/s",
      "Khatam p50 / p99",
      "OpenSSL req/s",
      "OpenSSL p50 / p99",
      "Khatam / OpenSSL (req/s)",
    ]),
    row(Array(6).fill("---")),
    row([
      "OCSP POST, autocannon keep-alive",
      rps(t.ours.ocsp.requestsPerS),
      `${lat(t.ours.ocsp.p50Ms)} / ${lat(t.ours.ocsp.p99Ms)}`,
      `${rps(po.requestsPerS)} (responder's own count ${f(po.servedByResponder / (s.durationS + s.warmupS), 0)} /s)`,
      "not measurable (see note)",
      `${f(t.ours.ocsp.requestsPerS / po.requestsPerS, 2)}×`,
    ]),
    row([
      "OCSP POST, a new connection per request (own client)",
      rps(t.ours.ocspFresh.requestsPerS),
      `${lat(t.ours.ocspFresh.p50Ms)} / ${lat(t.ours.ocspFresh.p99Ms)}`,
      rps(t.peer.ocspFresh.requestsPerS),
      `${lat(t.peer.ocspFresh.p50Ms)} / ${lat(t.peer.ocspFresh.p99Ms)}`,
      `${f(t.ours.ocspFresh.requestsPerS / t.peer.ocspFresh.requestsPerS, 2)}×`,
    ]),
    row([
      "Time-stamp POST (RFC 3161), autocannon keep-alive",
      rps(t.ours.tsa.requestsPerS),
      `${lat(t.ours.tsa.p50Ms)} / ${lat(t.ours.tsa.p99Ms)}`,
      `${rps(t.peer.tsa.requestsPerS)} (\`openssl ts -reply\` per query)`,
      `${lat(t.peer.tsa.p50Ms)} / ${lat(t.peer.tsa.p99Ms)}`,
      `${f(t.ours.tsa.requestsPerS / t.peer.tsa.requestsPerS, 1)}×`,
    ]),
  ].join("\n");
  const c = t.checks;
  const checks = [
    `- Khatam OCSP sample (${c.oursOcsp.bytes} B): ${c.oursOcsp.ok ? "verified" : "**NOT verified**"} — ${c.oursOcsp.text}`,
    `- OpenSSL OCSP sample (${c.peerOcsp.bytes} B): ${c.peerOcsp.ok ? "verified" : "**NOT verified**"} — ${c.peerOcsp.text}`,
    `- Khatam TSA sample (${c.oursTs.bytes} B): status ${c.oursTs.status}; \`openssl ts -verify\` ${c.oursTs.ok ? "Verification: OK" : "**failed**"}`,
    `- OpenSSL TSA sample (${c.peerTs.bytes} B): status ${c.peerTs.status}; \`openssl ts -verify\` ${c.peerTs.ok ? "Verification: OK" : "**failed**"}`,
    `- Khatam answers after the load: OCSP ${t.after.ocsp ? "verified" : "**NOT verified**"}, TSA ${t.after.tsa ? "verified" : "**NOT verified**"}.`,
    `- Errors under load: Khatam OCSP ${t.ours.ocsp.errors}/${t.ours.ocsp.non2xx} (errors/non-2xx), TSA ${t.ours.tsa.errors}/${t.ours.tsa.non2xx}; ` +
      `OpenSSL OCSP (autocannon) ${po.errors}/${po.non2xx}, (own client) ${t.peer.ocspFresh.errors}/${t.peer.ocspFresh.non2xx}, TSA ${t.peer.tsa.errors}/${t.peer.tsa.non2xx}.`,
    `- Khatam server: ready ${ms(t.serverStartMs)} after spawn (demo PKIs created with P-256 keys), peak RSS ${mb(t.serverRssKb)}.`,
  ].join("\n");
  return { table, checks };
}

/** The platform-server section: POST /api/verify and the create-send-sign cycle, PGlite and PostgreSQL. */
export function renderPlatform(p) {
  const dbs = ["pglite", "postgres"].filter((d) => p[d]);
  const names = { pglite: "PGlite (embedded)", postgres: "PostgreSQL" };
  const lat = (x) => (x === undefined ? "—" : `${f(x, x < 10 ? 2 : x < 100 ? 1 : 0)} ms`);
  const pp = (s) => `${lat(s.p50)} / ${lat(s.p99)}`;
  const e = p.engine;
  const cells = (fn) => dbs.map((d) => fn(p[d]));
  const table = [
    row(["Platform server (127.0.0.1)", ...dbs.map((d) => names[d])]),
    row(Array(dbs.length + 1).fill("---")),
    row([
      `POST /api/verify, signed one-page doc, autocannon ${p.settings.connections} connections ${p.settings.durationS} s: req/s`,
      ...cells((x) => `${f(x.verify.requestsPerS, 1)} req/s`),
    ]),
    row(["POST /api/verify: p50 / p99", ...cells((x) => `${lat(x.verify.p50Ms)} / ${lat(x.verify.p99Ms)}`)]),
    row([
      "create-send-sign, 1 client: cycles/s",
      ...cells((x) => `${f(x.c1.cyclesPerS, 1)} /s (${x.c1.cycles} cycles)`),
    ]),
    row(["… cycle p50 / p99", ...cells((x) => pp(x.c1.cycle))]),
    row(["… create (multipart upload) p50 / p99", ...cells((x) => pp(x.c1.create))]),
    row(["… send p50 / p99", ...cells((x) => pp(x.c1.send))]),
    row(["… sign p50 / p99", ...cells((x) => pp(x.c1.sign))]),
    row(["… `signingMs` in the sign answer p50 / p99", ...cells((x) => pp(x.c1.signingMs))]),
    row(["… `signingMs` in the audit event p50 / p99", ...cells((x) => pp(x.auditSigningMs))]),
    row(["… server CPU time per cycle", ...cells((x) => lat(x.c1.serverCpuMsPerCycle))]),
    row([
      "create-send-sign, 4 clients: cycles/s",
      ...cells((x) => `${f(x.c4.cyclesPerS, 1)} /s (${x.c4.cycles} cycles)`),
    ]),
    row(["… cycle p50 / p99", ...cells((x) => pp(x.c4.cycle))]),
    row([
      "… create / send / sign p50",
      ...cells((x) => `${lat(x.c4.create.p50)} / ${lat(x.c4.send.p50)} / ${lat(x.c4.sign.p50)}`),
    ]),
    row(["… sign p99", ...cells((x) => lat(x.c4.sign.p99))]),
    row(["… server CPU time per cycle", ...cells((x) => lat(x.c4.serverCpuMsPerCycle))]),
    row([
      `Signing engine in process (B-T + B-LT + B-LTA), p50 / p99 of ${e.runs}`,
      ...cells(() => `${pp(e.engineMs)} (CPU ${lat(e.engineCpuMs)})`),
    ]),
    row([
      "**Server overhead per signature** (sign p50 − engine p50, 1 client)",
      ...cells((x) => `**${lat(x.overheadMs)}**`),
    ]),
    row(["Whole cycle minus engine (p50, 1 client)", ...cells((x) => lat(x.cycleOverheadMs))]),
    row(["Server CPU per cycle minus engine CPU (1 client)", ...cells((x) => lat(x.cpuOverheadMs))]),
  ].join("\n");
  const goal = dbs
    .map(
      (d) =>
        `- ${names[d]}: ${lat(p[d].overheadMs)} over the engine's ${lat(e.engineMs.p50)} — ${p[d].overheadMs < 5 ? "meets" : "**misses**"} the < 5 ms goal.`,
    )
    .join("\n");
  const engineLine =
    `- Engine steps (p50): open the key ${lat(e.keyOpenMs.p50)} (not in the engine figure; the server does it once per certificate), B-T ${lat(e.signBtMs.p50)}, ` +
    `B-LT ${lat(e.ltMs.p50)}, B-LTA ${lat(e.ltaMs.p50)}; lastSignatureField ${lat(e.fieldMs.p50)} (not in it).`;
  const checks = dbs
    .map((d) => {
      const x = p[d];
      return `- ${names[d]}: ready ${ms(x.startMs)} after spawn, peak RSS ${mb(x.rssKb)}; the signed sample (${f(x.check.bytes / 1024, 1)} KiB, ${x.check.level}) verifies ${x.check.verdict}; verify load ${x.verify.non2xx} non-2xx, ${x.verify.errors} errors${x.version ? `; PostgreSQL ${x.version}` : ""}.`;
    })
    .join("\n");
  return { table, goal, engineLine, checks };
}

/** `npm start` on an empty data directory and after a restart (bench/server-startup.mjs). */
export function renderServerStartup(x) {
  if (!x) return "";
  const line = (name, v) => row([name, `${f(v.healthyMs / 1000, 2)} s`, mb(v.rssKb), mb(v.peakKb)]);
  return `## Server start-up

\`node packages/server/dist/src/main.js\` (what \`npm start\` runs) with the demo federation's default keys, spawned on a
fresh KHATAM_DATA and then restarted on the directory it left; time until \`/healthz\` answers, VmRSS after
${x.idleMs / 1000} s idle, and the peak (VmHWM); median of ${x.runs}. Goals: ≤ 3 s to healthy, ≤ 300 MB idle.

${row(["Start", "To healthy", "RSS idle", "Peak RSS"])}
${row(Array(4).fill("---"))}
${line("Empty data directory", x.empty)}
${line("Restart", x.restart)}
`;
}

/** The inbox's reads at 1,000, 10,000 and 100,000 envelopes (bench/inbox-scale.mjs). */
export function renderInboxScale(x) {
  if (!x) return "";
  const lat = (s) => `${f(s.p50, s.p50 < 10 ? 2 : 1)} / ${f(s.p99, s.p99 < 10 ? 2 : 1)} ms`;
  const reads = [
    ["inboxJp", "Inbox first page, all lists (JP official)"],
    ["inboxSa", "Inbox first page, all lists (SA official)"],
    ["waitingSa", "Waiting tab (SA official)"],
    ["envelope", "One envelope"],
    ["audit", "Its audit trail"],
  ];
  const tables = Object.entries(x.engines).map(([engine, rows]) => {
    const head = row([
      `${engine === "pglite" ? "PGlite" : "PostgreSQL"}: p50 / p99`,
      ...rows.map((r) => `${r.size.toLocaleString("en")} envelopes`),
      "p50 ratio, largest / smallest",
    ]);
    const lines = reads.map(([key, name]) =>
      row([name, ...rows.map((r) => lat(r[key])), `${f(rows.at(-1)[key].p50 / rows[0][key].p50, 2)}×`]),
    );
    return [head, row(Array(rows.length + 2).fill("---")), ...lines].join("\n");
  });
  return `## The inbox as envelopes accumulate

The platform (buildApp, demo federation) filled to ${x.sizes.map((s) => s.toLocaleString("en")).join(", ")} envelopes
(bulk SQL into the store's tables: two signers bound to the JP and SA officials, 70% completed, 10% in progress, 8%
drafts, 7% declined, 5% expired); at each size the reads are made through the HTTP API (app.inject), 40 each, after
one warm-up. Goal: every read within 2× of its cost at 1,000 envelopes.

${tables.join("\n\n")}
`;
}

/** Co-signing across two instances beside one (bench/federation.mjs). */
export function renderFederation(x) {
  if (!x) return "";
  const ms = (v) => `${f(v, v < 10 ? 2 : 0)} ms`;
  return `## Co-signing across two instances

The memorandum cycle (create → send → JP signs → SA signs → completed), one at a time, ${x.settings.cycles} cycles after
two warm-ups, on 127.0.0.1: once on one server hosting both countries, once across two instance processes \`jp\`
and \`sa\` (each its own data directory and embedded database, peered), where the SA official signs on \`sa\` and
the offer and the signed revision travel as signed requests (RFC 9421) through each side's outbox, polled every
${x.settings.outboxIntervalMs} ms (\`KHATAM_OUTBOX_INTERVAL_MS\`). Overhead per hop = (two instances − one) / 2 (the
offer and the return are on the critical path).

${row(["Cycle", "p50", "p99", "Cycles/s (1 client)"])}
${row(Array(4).fill("---"))}
${row(["One instance", ms(x.single.p50), ms(x.single.p99), f(x.single.cyclesPerS, 2)])}
${row(["Two instances", ms(x.cross.p50), ms(x.cross.p99), f(x.cross.cyclesPerS, 2)])}

- From JP's signature to the copy in the SA official's inbox (offer hop): p50 ${ms(x.cross.offer.p50)}; from SA's
  signature to the envelope completed on jp (return hop, with the revision's checks and B-LTA): p50 ${ms(x.cross.return.p50)}.
- Protocol overhead per hop: ${ms(x.overheadPerHopMs)}.
- An RFC 9421 request signature over a one-page offer (${f(x.signature.bodyBytes / 1024, 1)} KiB of JSON), made and
  checked in one process with a P-256 instance key: p50 ${ms(x.signature.p50)}.
`;
}

export function renderReport(r) {
  const { machine: m, hardware: hw, fixtures: fx, ours, libpdf, signpdf, pdfsig } = r;
  const n = fx.smallCount;
  const shaMs = (bytes) => (bytes / MiB / hw.sha256MBps) * 1000;
  const signMs = 1000 / hw.ecdsaPerS;
  const limitBulk = n * signMs + shaMs(fx.smallBytes); // one core: hash every byte once, one ECDSA signature per doc
  const limitLarge = shaMs(fx.largeBytes) + signMs;
  const oursBulkColdMs = ours.lib.smallColdMs;
  const oursBulkWarmMs = ours.lib.smallWarmMs;

  const header = row([
    "Measure",
    "Khatam",
    "@libpdf/core",
    "@signpdf",
    "HW limit",
    "vs @libpdf",
    "vs @signpdf",
    "Khatam / limit",
  ]);
  const sep = row(Array(8).fill("---"));
  const rows = [
    row([
      `${n} docs, CLI / one process, wall incl. start`,
      `${ms(ours.bulk.ms)} (${f((n * 1000) / ours.bulk.ms, 0)} docs/s)`,
      `${ms(libpdf.bulk.ms)} (${f((n * 1000) / libpdf.bulk.ms, 0)} docs/s)`,
      `${ms(signpdf.bulk.ms)} (${f((n * 1000) / signpdf.bulk.ms, 0)} docs/s)`,
      "—",
      ratio(libpdf.bulk.ms, ours.bulk.ms),
      ratio(signpdf.bulk.ms, ours.bulk.ms),
      "—",
    ]),
    row([
      `${n} docs, in-process signing, ms/doc (one core), cold pass`,
      `${f(oursBulkColdMs / n, 3)} (${f((n * 1000) / oursBulkColdMs, 0)} docs/s)`,
      `${f(libpdf.bulk.loopMs / n, 3)} (${f((n * 1000) / libpdf.bulk.loopMs, 0)} docs/s)`,
      `${f(signpdf.bulk.loopMs / n, 3)} (${f((n * 1000) / signpdf.bulk.loopMs, 0)} docs/s)`,
      `${f(limitBulk / n, 3)} (${f((n * 1000) / limitBulk, 0)} docs/s)`,
      ratio(libpdf.bulk.loopMs, oursBulkColdMs),
      ratio(signpdf.bulk.loopMs, oursBulkColdMs),
      ratio(oursBulkColdMs, limitBulk),
    ]),
    row([
      `${n} docs, in-process signing, ms/doc, warm (Khatam only)`,
      `${f(oursBulkWarmMs / n, 3)} (${f((n * 1000) / oursBulkWarmMs, 0)} docs/s)`,
      "—",
      "—",
      `${f(limitBulk / n, 3)}`,
      ratio(libpdf.bulk.loopMs, oursBulkWarmMs),
      ratio(signpdf.bulk.loopMs, oursBulkWarmMs),
      ratio(oursBulkWarmMs, limitBulk),
    ]),
    row([
      `20 MiB doc, CLI / one process, wall incl. start`,
      ms(ours.large.ms),
      ms(libpdf.large.ms),
      ms(signpdf.large.ms),
      "—",
      ratio(libpdf.large.ms, ours.large.ms),
      ratio(signpdf.large.ms, ours.large.ms),
      "—",
    ]),
    row([
      `20 MiB doc, in-process signing (Khatam warm median; peers load+sign, median of runs)`,
      `${ms(ours.lib.largeWarmMs)} (cold ${ms(ours.lib.largeColdMs)})`,
      ms(libpdf.large.loopMs),
      ms(signpdf.large.loopMs),
      `${ms(limitLarge)} (SHA-256 + 1 sign)`,
      ratio(libpdf.large.loopMs, ours.lib.largeWarmMs),
      ratio(signpdf.large.loopMs, ours.lib.largeWarmMs),
      ratio(ours.lib.largeWarmMs, limitLarge),
    ]),
    row([
      "20 MiB doc, peak RSS of the process",
      ours.large.maxRssKb ? mb(ours.large.maxRssKb) : `${mb(ours.lib.maxRssKb)} (in-process run)`,
      mb(libpdf.large.maxRssKb),
      mb(signpdf.large.maxRssKb),
      `${f(fx.largeBytes / MiB, 1)} MiB file`,
      "—",
      "—",
      "—",
    ]),
  ];
  const table = [header, sep, ...rows].join("\n");

  const goal = (label, theirs, oursMs) => {
    const x = theirs / oursMs;
    return `- ${label}: ${f(x, 1)}× ${x >= 5 ? "— meets" : "— **below**"} the ≥ 5× goal`;
  };
  const goals = [
    goal(`${n} docs end to end (CLI vs one @libpdf process)`, libpdf.bulk.ms, ours.bulk.ms),
    goal("20 MiB end to end (CLI vs one @libpdf process)", libpdf.large.ms, ours.large.ms),
    goal(`${n} docs in-process signing (cold vs cold)`, libpdf.bulk.loopMs, oursBulkColdMs),
    goal("20 MiB in-process signing", libpdf.large.loopMs, ours.lib.largeWarmMs),
    ...visibleGoals(ours.visible),
  ].join("\n");
  const floorLarge = r.startup.node.ms + limitLarge;
  const floorBulk = r.startup.node.ms + limitBulk;
  const floors =
    `- End-to-end floors (bare Node start + HW limit, ignoring file I/O): ${n} docs ${ms(floorBulk)} ` +
    `(at most ${f(libpdf.bulk.ms / floorBulk, 1)}× faster than @libpdf's ${ms(libpdf.bulk.ms)}); 20 MiB ${ms(floorLarge)} ` +
    `(at most ${f(libpdf.large.ms / floorLarge, 1)}× faster than @libpdf's ${ms(libpdf.large.ms)}).\n` +
    `- Khatam's CLI start-up alone (\`khatam help\`) is ${ms(r.startup.cli.ms)}, ${ms(r.startup.cli.ms - r.startup.node.ms)} ` +
    "more than bare Node: that is module loading. `node bench/hotspots.mjs cli-bulk|cli-large|lib-bulk|lib-large` " +
    "profiles a case (V8 CPU profile: self and inclusive time per function).";

  const hwTable = [
    row(["Hardware (one core)", "Figure"]),
    row(["---", "---"]),
    row(["SHA-256, 64 MiB buffer, best of 5", `${f(hw.sha256MBps, 0)} MiB/s (${ms(hw.sha256Best64MiBMs)})`]),
    row(["ECDSA P-256 sign (crypto.sign, 32 bytes)", `${f(hw.ecdsaPerS, 0)} /s (${f(1000 / hw.ecdsaPerS, 3)} ms)`]),
    row(["RSA-3072 sign (crypto.sign, 32 bytes)", `${f(hw.rsa3072PerS, 0)} /s (${f(1000 / hw.rsa3072PerS, 2)} ms)`]),
  ].join("\n");

  const other = [
    row(["Other", "Figure"]),
    row(["---", "---"]),
    row([
      `Khatam CLI, ${n} docs with the RSA-2048 key @signpdf uses (1 run)`,
      `${ms(ours.rsaBulk.ms)} — ${ratio(signpdf.bulk.ms, ours.rsaBulk.ms)} faster than @signpdf`,
    ]),
    row(["Bare Node start (`node -e 0`)", ms(r.startup.node.ms)]),
    row(["Khatam CLI start (`khatam help`: Node + the signing module graph)", ms(r.startup.cli.ms)]),
    row(["pdfsig (poppler) validation, one signed small file, incl. start", ms(pdfsig.small.ms)]),
    row(["pdfsig (poppler) validation, signed 20 MiB file, incl. start", ms(pdfsig.large.ms)]),
  ].join("\n");

  const v = r.verify;
  const vLine = (who, x) =>
    `- ${who}: ${x.folder.files} files, ${x.folder.eof} end with %%EOF, ${x.folder.grown} larger than their input; ` +
    `pdfsig on ${x.pdfsig.length} sample(s): ${x.pdfsig.filter((s) => s.valid).length} "Signature is Valid." ` +
    `(${x.pdfsig[0]?.subFilter})` +
    (x.large ? `; 20 MiB output: ${x.large.valid ? "valid" : "NOT VALID"} (${x.large.subFilter})` : "");
  const verification = [
    vLine("Khatam (P-256)", v.ours),
    vLine("Khatam (RSA-2048)", v.oursRsa),
    vLine("@libpdf/core", v.libpdf),
    vLine("@signpdf", v.signpdf),
    r.problems.length ? `- **Problems:** ${r.problems.join("; ")}` : "- No problems found.",
  ].join("\n");

  const val = renderValidation(r);
  const trust = renderTrust(r.trust);
  const plat = renderPlatform(r.platform);
  const ps = r.platform.settings;
  const ts = r.trust.settings;
  const validationMd = `## Validation

Khatam's validator against poppler's \`pdfsig\` on the same signed files in the same run: the first of Khatam's
${n} signed one-page documents (bench/work/out-ours/doc-001.pdf) and Khatam's signed ${f(r.validation.files.largeBytes / MiB, 1)} MiB
document (bench/work/out-large/ours.pdf), offline, with the bench root as the only trust anchor:

- **Khatam in-process**: \`validatePdf(bytes, { trustAnchors: [{ certificate: rootDer }] })\` (bench/ours-validate.mjs,
  its own process, file in memory); every call is checked to say VALID / TOTAL_PASSED; each call timed on its own
  after a warm-up, the median reported. Validations/s: back-to-back calls on one thread.
- **Khatam CLI**: \`node packages/cli/dist/src/main.js verify FILE --trust root.pem --offline --json\`, wall time with
  process start, median of ${r.validation.runs} (interleaved with pdfsig).
- **pdfsig**: \`pdfsig -nssdir sql:bench/work/nss FILE\` with an NSS database holding the bench root (\`CT,C,C\`),
  wall time with process start, median of ${r.validation.runs}.
- **Floor**: SHA-256 over the whole file plus one ECDSA P-256 verification (node:crypto, same process as Khatam's
  in-process figures): what any validator of a one-signature file must do at least.

${val.table}

Goals:

${val.goals}

Verdicts:

${val.verdicts}

## Trust services over HTTP

Khatam's server (\`node packages/server/dist/src/main.js\`, a child process on 127.0.0.1, temporary KHATAM_DATA, demo
federation with P-256 keys, LOG_LEVEL=warn) against OpenSSL's own responders, all loaded with autocannon's programmatic API,
${ts.connections} connections, ${ts.durationS} s after a ${ts.warmupS} s warm-up, one fixed request replayed:

- **OCSP**: one request made by \`openssl ocsp -issuer … -cert … -reqout\` (with a nonce) for a certificate Khatam's jp
  issuing CA issued through the admin API for an \`openssl req\` P-256 CSR; answered by the jp delegated OCSP responder
  (P-256). Peer: \`openssl ocsp -index index.txt -port PORT -rsigner -rkey -CA\` with an openssl CA index holding the
  bench P-256 leaf, a P-256 delegated responder certificate issued by the bench root.
- **TSA**: \`openssl ts -query -data doc-001.pdf -sha256 -cert\` (with a nonce) to \`POST /tsa\` (jp TSA, P-256). Peer:
  \`openssl ts -reply\` (P-256 TSA certificate from the bench root) behind a minimal node:http wrapper, one openssl process
  per query, queries answered one at a time (as packages/core/test/support/tsa-server.ts does: its serial file is not
  safe for concurrent writers) — the usual way openssl's TSA is put online, so mostly process-spawn cost.
- Before the load, one answer of each server is checked with openssl: \`openssl ocsp -reqin -respin -CAfile\`
  (Response verify OK, nonce matched) and \`-cert -issuer\` (status good); \`openssl ts -verify -queryfile -CAfile\`.
- **Note:** \`openssl ocsp\` answers in HTTP/1.0 and closes every connection; autocannon's request count matches the
  responder's own log count, but its latencies for it are meaningless (seconds for sub-millisecond answers), so the
  second OCSP row measures both servers with a client of our own that opens a new connection per request (same
  ${ts.connections} concurrent requests, ${ts.durationS} s). The load generator runs in the bench process, on the same machine (${m.cores} cores).

${trust.table}

${trust.checks}

## Platform server

The issue's goal: the server's own overhead per signature under 5 ms over the signing engine's cost. Khatam's server
(\`node packages/server/dist/src/main.js\`, a child process on 127.0.0.1, temporary KHATAM_DATA, KHATAM_DEMO=1 with
P-256 keys, LOG_LEVEL=warn, KHATAM_VERIFY_RATE_LIMIT raised so the load is not answered 429) is started twice in the
run: with the embedded database (PGlite in KHATAM_DATA) and with DATABASE_URL on a fresh PostgreSQL database
(created for the run, dropped after). The load generator runs in the bench process on the same machine (${m.cores} cores).
All requests are official@jp.demo's (signed in once, bearer token).

- **POST /api/verify**: the signed one-page document the API itself produced (create → send → sign → download:
  B-LTA, with its DSS and document time-stamp), replayed by autocannon, ${ps.connections} connections, ${ps.durationS} s after a
  ${ps.warmupS} s warm-up; every answer must be 2xx and the sample's verdict VALID.
- **create-send-sign cycle**: \`POST /api/envelopes\` (multipart: bench/work/small/doc-001.pdf and meta with one
  recipient, official@jp.demo, signer, order 1) → \`POST …/send\` → \`POST …/sign\` (the platform-held P-256 key;
  the only signer is the last, so the server makes it B-T, then B-LT, then B-LTA and completes the envelope).
  ${ps.cycles} cycles with one client, then ${ps.cycles} with four at once (after ${ps.warmCycles} unrecorded), each bounded by ${ps.budgetS} s. Latencies
  are the client's; server CPU time per cycle from /proc/PID/stat over the run.
- **\`signingMs\`**: the sign answer's figure runs from just before the key is taken (opened once per certificate,
  then kept in memory) to after the commit; the audit event's stops before the commit. The server reads the
  envelope, recipients, certificate and document in one query before it, signs outside any transaction, and
  commits in one guarded statement (document, envelope, recipient, audit events, outbox). Neither figure is the
  engine alone, so the engine is measured apart:
- **Signing engine**: bench/platform-engine.mjs, its own process, after the PGlite server stopped, on its data
  directory: the official's key and certificate and the document exactly as the server stamped it, the calls the
  server's sign makes — \`signWithPlatformKey\` (B-T, jp TSA in process) + \`toLongTerm\` (B-LT, OCSP answers from the
  in-process responders) + \`toLongTerm\` with the archive TSA (B-LTA) — ${ps.engineRuns} runs after 5 warm-up ones.
  Overhead per signature = the sign request's p50 latency (one client) − the engine's p50: HTTP, authentication,
  the database read and the commit, the re-read of the field name, the answer.
- \`node bench/platform.mjs --profile [CYCLES] [--postgres]\` runs the PGlite (or PostgreSQL) server under \`node --cpu-prof\` for a one-client
  cycle load and prints its hot spots per cycle.

${plat.table}

Goal (server overhead per signature < 5 ms over the engine):

${plat.goal}
${plat.engineLine}

${plat.checks}

${renderServerStartup(r.serverStartup)}

${renderInboxScale(r.inboxScale)}

${renderFederation(r.federation)}
`;
  const raw = JSON.stringify(
    r,
    (k, val) =>
      k === "text" || k === "stdout" || k === "stderr"
        ? undefined
        : typeof val === "number"
          ? Math.round(val * 1000) / 1000
          : val,
    1,
  );

  const markdown = `# Khatam benchmark: signing, validation, trust services, platform server

Generated by \`npm run bench\` (bench/run.mjs) on ${m.date}; overwritten by every run. Rerun with \`npm run bench\`
(\`BENCH_RUNS=5 npm run bench\` for more runs; fixtures are kept in the gitignored \`bench/work/\`, delete it to
regenerate them).

**Machine:** ${m.cpu}, ${m.cores} cores${m.shaNi ? " (SHA-NI)" : ""}, Node ${m.node} (OpenSSL ${m.openssl}); load
average at the start ${m.loadavg.join(" / ")} (the machine is shared: figures taken under load are inflated, the
peers' as much as ours). Code: commit ${m.commit}${m.dirty ? " plus uncommitted changes in packages/" : ""}, as built
in packages/*/dist. Every measurement runs on one core (one process, one thread, no workers).

**What is measured.** PAdES B-B signing (one incremental update per document) of ${n} distinct one-page PDFs of
2–5 KB (${f(fx.smallBytes / 1024, 0)} KiB in all) and of one ${f(fx.largeBytes / MiB, 1)} MiB PDF (20 pages, each a
1024×1024 unfiltered random image), with an openssl-made P-256 key and root CA:

- **Khatam**: \`node packages/cli/dist/src/main.js sign bench/work/small -o bench/work/out-ours --key leaf.key
  --cert leaf.pem --chain chain.pem\` exactly as a user runs it (wall time including Node start, median of
  ${fx.runs}); the same for the 20 MiB file; and the library in-process (\`signPdfUpdate\` + \`softwareSigner\`,
  bench/ours-inproc.mjs, files already in memory, no writing).
- **@libpdf/core**: one Node process (bench/peer-libpdf.mjs) loads the key, reads the files, signs each with
  \`PDF.load\` + \`pdf.sign({ subFilter: "ETSI.CAdES.detached" })\` through a WebCrypto P-256 \`CryptoKeySigner\`,
  and writes them; wall time including start, median of ${fx.runs}, and the signing loop alone as measured inside.
- **@signpdf**: one Node process (bench/peer-signpdf.mjs) with \`plainAddPlaceholder\` + \`SignPdf.sign\` +
  \`P12Signer\`. node-forge signs with RSA only and cannot read a PKCS#12 holding an EC certificate, so it uses an
  RSA-2048 key and RSA root, and it writes SubFilter adbe.pkcs7.detached (not PAdES). A \`P12Signer\` is
  single-use (its PKCS#12 buffer is consumed by \`sign\`), so one is made per document; it re-parses and decrypts
  the PKCS#12 each time. The ${n}-document run is done once (it takes ~9 s).
- **HW limit**: one core's minimum: SHA-256 over every byte once plus one raw ECDSA P-256 signature per document.
- Runs are interleaved (Khatam, @libpdf, @signpdf, then again) so load on the shared machine falls on all alike.
- Ratios "vs peer" are peer time / Khatam time (higher = Khatam faster); "Khatam / limit" is Khatam time / limit
  (1.0× = at the hardware limit). Khatam's CLI fsyncs every output (atomic write); the peers' runners do not.
- Every Khatam output is checked to end with %%EOF, and pdfsig must say "Signature is Valid." on samples of every
  signer's outputs (certificate trust is not checked: the roots are not installed).

## Results

${table}

Goal: Khatam ≥ 5× faster than @libpdf/core.

${goals}
${floors}

${hwTable}

${other}

${validationMd}## Verification

${verification}

## Raw numbers

Times in ms, RSS in KiB. Whole run: ${f(r.totalS, 1)} s.

\`\`\`json
${raw}
\`\`\`
`;
  const summary = `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date}, load ${m.loadavg.join(" / ")}\n\n${table}\n\n${goals}\n${floors}\n\n${hwTable}\n\n${other}\n\nVALIDATION\n\n${val.table}\n\n${val.goals}\n${val.verdicts}\n\nTRUST SERVICES\n\n${trust.table}\n\n${trust.checks}\n\nPLATFORM SERVER\n\n${plat.table}\n\n${plat.goal}\n${plat.engineLine}\n${plat.checks}\n\n${verification}`;
  return { markdown, table: summary };
}
