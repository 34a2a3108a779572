/**
 * A throw-away SoftHSM2 token for tests: its own token directory and configuration file in a temporary directory.
 *
 * SoftHSM reads SOFTHSM2_CONF when the module is initialised (C_Initialize), so this sets it in `process.env` too:
 * tests that load the module in-process see the new token, and `env` is for child processes (pkcs11-tool, the CLI).
 * Because the module is initialised once per process, close every session on one token before creating the next.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian's softhsm2 package installs the module. */
export const SOFTHSM_MODULE = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
].find((path) => existsSync(path));

export interface SoftHsmToken {
  /** Path of the PKCS#11 module to load. */
  readonly module: string;
  /** Path of the softhsm2.conf written for this token. */
  readonly conf: string;
  /** process.env plus SOFTHSM2_CONF, for child processes. */
  readonly env: NodeJS.ProcessEnv;
  /** The token's label and user PIN, as given. */
  readonly label: string;
  readonly pin: string;
  /** Deletes the token directory. */
  cleanup(): void;
}

/** Whether SoftHSM2 and pkcs11-tool (the independent client the tests use) are installed; tests skip when not. */
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

/** Creates and initialises a token; the SO PIN is `soPin` (default 5678). */
export function createSoftHsmToken(options: { label?: string; pin?: string; soPin?: string } = {}): SoftHsmToken {
  const label = options.label ?? "test";
  const pin = options.pin ?? "1234";
  if (!SOFTHSM_MODULE) throw new Error("SoftHSM2 is not installed (apt-get install softhsm2)");
  const dir = mkdtempSync(join(tmpdir(), "khatam-softhsm-"));
  const tokens = join(dir, "tokens");
  mkdirSync(tokens);
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  execFileSync(
    "softhsm2-util",
    ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", options.soPin ?? "5678"],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  process.env.SOFTHSM2_CONF = conf;
  return {
    module: SOFTHSM_MODULE,
    conf,
    env,
    label,
    pin,
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (process.env.SOFTHSM2_CONF === conf) delete process.env.SOFTHSM2_CONF;
    },
  };
}
