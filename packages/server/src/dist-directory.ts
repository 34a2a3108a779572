/**
 * The server package's dist/ directory, from wherever the code runs: the compiled modules in dist/src/… or the
 * bundle in dist/bundle/ (scripts/bundle.mjs). Files built beside the code (the database template, the web
 * application next door) are found from it rather than from one module's own place, which differs between the two.
 */
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export function distDirectory(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (basename(dir) !== "dist") {
    const up = dirname(dir);
    if (up === dir) throw new Error(`${moduleUrl} is not inside a dist/ directory`);
    dir = up;
  }
  return dir;
}
