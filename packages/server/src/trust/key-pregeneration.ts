/**
 * Key pairs started before the server has loaded (issue 14.1). On an empty data directory the demo federation needs
 * eight CA keys, four of them RSA-3072 (hundreds of milliseconds each, generated in libuv's thread pool): main.ts
 * starts them first, so they are made while Node loads the rest of the server, and the software key store takes
 * them in order. Nothing is written until the store takes a key; an unused pair is garbage.
 */
import { join } from "node:path";
import { generateKey, type KeyType } from "@khatam/core/keys";

/** The keys of one national CA's trust services, in the order the trust store makes them. */
export const CA_KEY_ROLES = ["root", "issuing", "tsa", "ocsp"] as const;

type KeyPair = Awaited<ReturnType<typeof generateKey>>;

const started = new Map<KeyType, Promise<KeyPair>[]>();

/** Where the software key store keeps its files in a data directory. */
export const keyDirectory = (dataDir: string): string => join(dataDir, "keys");

/**
 * At most this many pairs are generated at once. libuv's pool has four threads, and Node's ES module loader reads
 * every file of the server through them: eight key pairs queued at once held all four for seconds while the
 * loading waited (on two cores, more than two at once makes no key sooner anyway).
 */
const AT_ONCE = 2;
let running = 0;
const waiting: (() => void)[] = [];

/** Starts generating `count` pairs of `keyType`, in order, {@link AT_ONCE} at a time. */
export function pregenerate(keyType: KeyType, count: number): void {
  const list = started.get(keyType) ?? [];
  for (let i = 0; i < count; i++) {
    const pair = new Promise<KeyPair>((resolve, reject) => {
      waiting.push(() => {
        running++;
        generateKey(keyType)
          .then(resolve, reject)
          .finally(() => {
            running--;
            waiting.shift()?.();
          });
      });
    });
    pair.catch(() => {}); // a failure is reported to whoever takes it
    list.push(pair);
  }
  started.set(keyType, list);
  while (running < AT_ONCE && waiting.length > 0) waiting.shift()?.();
}

/** A pair started earlier, or a new one. */
export function freshKeyPair(keyType: KeyType): Promise<KeyPair> {
  return started.get(keyType)?.shift() ?? generateKey(keyType);
}
