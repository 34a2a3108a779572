/**
 * A throw-away SoftHSM2 token for the server's tests: packages/core/test/support/softhsm.ts, loaded from the core's
 * build output (this file runs as packages/server/dist/test/support/softhsm.js).
 */
import type * as CoreSoftHsm from "../../../core/dist/test/support/softhsm.js";

const core = (await import(
  new URL("../../../../core/dist/test/support/softhsm.js", import.meta.url).href
)) as typeof CoreSoftHsm;

export type SoftHsmToken = CoreSoftHsm.SoftHsmToken;
export const { SOFTHSM_MODULE, softHsmAvailable, createSoftHsmToken } = core;
