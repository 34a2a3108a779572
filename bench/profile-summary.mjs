// Where the time of a V8 CPU profile (node --cpu-prof) goes: self time per function (file:function:line) and per
// file, and inclusive time of the project's and dependencies' functions. Used by bench/hotspots.mjs and by
// `node bench/platform.mjs --profile`. With `perUnit`, each line also gives the time per unit (e.g. per cycle).
import { readFileSync } from "node:fs";
import { relative } from "node:path";

export function summarizeProfile(file, { top = 25, perUnit, unit = "unit", title } = {}) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  // Self time per node = samples × interval (timeDeltas give the exact spacing).
  const selfUs = new Map();
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const cwd = process.cwd();
  const keyOf = (nd) => {
    const { functionName, url, lineNumber } = nd.callFrame;
    const f = url ? relative(cwd, url.replace(/^file:\/\//, "")) : "";
    return f ? `${f}:${functionName || "(anonymous)"}:${lineNumber + 1}` : functionName;
  };
  const byFn = new Map();
  const byFile = new Map();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const key = keyOf(node);
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const { functionName, url } = node.callFrame;
    const fkey = url ? relative(cwd, url.replace(/^file:\/\//, "")) : functionName;
    byFile.set(fkey, (byFile.get(fkey) ?? 0) + us);
  }
  const total = [...byFn.values()].reduce((a, b) => a + b, 0);

  // Inclusive time per function (each sample counted once per distinct function on its stack).
  const nodes = new Map(profile.nodes.map((nd) => [nd.id, nd]));
  const parent = new Map();
  for (const nd of profile.nodes) for (const c of nd.children ?? []) parent.set(c, nd.id);
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) seen.add(keyOf(nodes.get(cur)));
    for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
  const ours = new Map(
    [...inclusive].filter(
      ([k]) => k.startsWith("packages/") || k.startsWith("bench/") || k.startsWith("node_modules/"),
    ),
  );
  const print = (heading, map) => {
    console.log(`\n${heading}`);
    for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      const per = perUnit ? ` ${(us / 1000 / perUnit).toFixed(2).padStart(7)} ms/${unit}` : "";
      console.log(
        `${(us / 1000).toFixed(1).padStart(8)} ms${per} ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`,
      );
    }
  };
  if (title) console.log(title);
  console.log(`profiled ${(total / 1000).toFixed(0)} ms`);
  print("Self time by function", byFn);
  print("Self time by file", byFile);
  print("Inclusive time, project and dependency functions", ours);
  return { totalUs: total, byFn, byFile, inclusive };
}
