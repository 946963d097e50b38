import { hostSlot, type HostSlot } from './layout.js';
import { wireSlotNetwork } from './network.js';
import { claimSlot, installExitHook, releaseSlotSync } from './slots.js';

/**
 * The warm pool: slots whose namespace and veth are already wired, waiting for a host to boot on
 * them, like a cloud's spare capacity, so a burst of servers only has to start sshd.
 */

const pool: HostSlot[] = [];
// Prewarm calls run one after another, each on the pool the last one left.
let warming: Promise<void> = Promise.resolve();

async function claimWiredSlot(): Promise<HostSlot> {
  const n = hostSlot(claimSlot());
  try {
    await wireSlotNetwork(n);
  } catch (e) {
    releaseSlotSync(n.slot);
    throw e;
  }
  return n;
}

/**
 * Keeps `count` network namespaces wired ahead of demand. Off unless asked for (tests measure
 * the cold path).
 */
export function prewarmSandboxHosts(count: number): Promise<void> {
  installExitHook();
  const next = warming.then(async () => {
    while (pool.length < count) {
      const batch = Math.min(4, count - pool.length);
      pool.push(...(await Promise.all(Array.from({ length: batch }, () => claimWiredSlot()))));
    }
  });
  warming = next.catch(() => undefined);
  return next;
}

/** A wired slot from the pool, if one waits. */
export function takeWiredSlot(): HostSlot | undefined {
  return pool.pop();
}

/** How many wired namespaces wait in this process's warm pool. */
export function sandboxHostPoolSize(): number {
  return pool.length;
}

/** Removes the wired namespaces nobody used. */
export async function drainSandboxHostPool(): Promise<void> {
  await warming;
  for (const w of pool.splice(0)) releaseSlotSync(w.slot);
}
