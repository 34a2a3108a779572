/**
 * `npm start` (`node packages/server/dist/src/main.js`): runs the server's bundle (scripts/bundle.mjs: a few files
 * instead of several hundred modules to resolve, most of a second off the start, issue 14.1) when the build made one
 * from the current code, and the compiled modules (server.ts) otherwise — after a `tsc` alone, for instance.
 */
import { existsSync, statSync } from "node:fs";

const bundle = new URL("../bundle/server.js", import.meta.url);
const compiled = new URL("./server.js", import.meta.url);
const current = existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(compiled).mtimeMs;
await import(current ? bundle.href : compiled.href);
