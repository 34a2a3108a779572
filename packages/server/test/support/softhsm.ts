/**
 * A throw-away SoftHSM2 token (the same logic as packages/core/test/support/softhsm.ts, which a server test cannot
 * import across the packages' build directories). SoftHSM reads SOFTHSM2_CONF at C_Initialize, so it is set in
 * `process.env` for the in-process module and in `env` for child processes (pkcs11-tool).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SOFTHSM_MODULE = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
].find((path) => existsSync(path));

export function softHsmAvailable(): boolean {
  if (!SOFTHSM_MODULE) return false;
  try {
    execFileSync("softhsm2-util", ["--version"], { stdio: "ignore" });
    execFileSync("which", ["pkcs11-tool"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface SoftHsmToken {
  readonly module: string;
  readonly env: NodeJS.ProcessEnv;
  readonly label: string;
  readonly pin: string;
  cleanup(): void;
}

export function createSoftHsmToken(label = "khatam-test", pin = "1234"): SoftHsmToken {
  if (!SOFTHSM_MODULE) throw new Error("SoftHSM2 is not installed (apt-get install softhsm2)");
  const dir = mkdtempSync(join(tmpdir(), "khatam-softhsm-"));
  mkdirSync(join(dir, "tokens"));
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "5678"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  process.env.SOFTHSM2_CONF = conf;
  return {
    module: SOFTHSM_MODULE,
    env,
    label,
    pin,
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (process.env.SOFTHSM2_CONF === conf) delete process.env.SOFTHSM2_CONF;
    },
  };
}
