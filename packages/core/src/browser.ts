/**
 * The browser entry of @khatam/core: what the public verification page needs to check a PDF on the reader's own
 * machine, without uploading it (DESIGN.md principle 4), and the certification request an official's device makes
 * for a key that never leaves it. Bundle it with the "browser" condition (esbuild
 * `platform: "browser"`, Vite by default): package.json "imports" then resolves `#crypto` to `crypto/browser.ts`
 * (@noble/hashes, @noble/curves, BigInt RSA) instead of node:crypto, and nothing here reaches Node built-ins.
 * `test/validation-browser.test.ts` bundles this file and runs it in Chromium.
 *
 * Not here: the ETSI TS 119 612 trusted-list loader (`trust/trusted-list.ts`). It verifies XML signatures through
 * xadesjs and @xmldom/xmldom with an engine installed for Node, and has not been proved in a browser; a page that
 * needs trusted lists should receive their anchors from the server (already verified) until it is.
 */
export { webCryptoCertificationRequest } from "./pki/csr-webcrypto.js";
export { trustAnchorsFrom } from "./trust/anchors.js";
export type { TrustAnchor } from "./validation/cades.js";
export { DEFAULT_POLICY, PolicyError, parsePolicy, type ValidationPolicy } from "./validation/policy.js";
export type {
  ChainElementReport,
  Indication,
  ModificationLevel,
  ReportFinding,
  RevocationReport,
  SignatureReport,
  SignerInfoReport,
  SubIndication,
  TimestampReport,
  ValidationReport,
  Verdict,
} from "./validation/report.js";
export { NotAPdfError, type ValidatePdfOptions, validatePdf } from "./validation/validate.js";
