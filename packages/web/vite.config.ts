/**
 * The web application's build. `resolve.conditions` puts "browser" first so that @khatam/core's `#crypto` import
 * (core/package.json "imports") resolves to the pure-JavaScript implementation, never node:crypto. The output,
 * `dist/public`, is what the platform server serves at `/` (packages/server/src/web-routes.ts); `dist/test` holds
 * the compiled Node unit tests (tsconfig.test.json), so they sit apart from what is served. PDF.js's worker is
 * emitted as a file of its own (`pdfjs-dist/build/pdf.worker.min.mjs?url` in components/pdf-viewer.tsx) and served
 * from this origin, as the Content-Security-Policy requires (`worker-src 'self' blob:`).
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const api = process.env.KHATAM_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ["browser", "module", "development|production"] },
  build: {
    outDir: "dist/public",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // The validation engine (ASN.1, PDF, pure-JS crypto) is large but loaded only by /verify.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: Object.fromEntries(["/api", "/pki", "/trust", "/tsa", "/healthz"].map((p) => [p, api])),
  },
});
