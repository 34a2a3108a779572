// What the packages' bundle scripts (packages/cli/scripts/bundle.mjs, packages/server/scripts/bundle.mjs) share:
// esbuild when it is installed, an emptied dist/bundle/, and the options of a Node ES-module bundle. Without
// esbuild (a production-only install) nothing is bundled and the compiled modules run.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * For the bundle script at `scriptUrl` (packages/<pkg>/scripts/bundle.mjs): esbuild, the package directory and its
 * emptied dist/bundle/. Exits the process, after saying that `what` runs unbundled, when esbuild is not installed.
 */
export async function prepareBundle(scriptUrl, pkg, what) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    console.warn(`khatam ${pkg}: esbuild is not installed; ${what} runs unbundled`);
    process.exit(0);
  }
  const dir = join(dirname(fileURLToPath(scriptUrl)), "..");
  const outdir = join(dir, "dist", "bundle");
  rmSync(outdir, { recursive: true, force: true });
  return { esbuild, dir, outdir };
}

/** esbuild options of an ES-module bundle for Node, one chunk per lazily imported module. */
export const NODE_ESM = {
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minifySyntax: true,
  logLevel: "warning",
};
