import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors.js';
import { JOB_DIR, SLOT_COUNT, SLOT_DIR, slotLockPath, type HostSlot } from './layout.js';
import { removeSlot, removeSlotSync } from './teardown.js';

/**
 * Slot locks. A slot is claimed by creating its lock file (exclusively, holding this process's
 * pid) under /run, so concurrent test processes never collide; a slot whose owner died is
 * cleaned up by the next claimant. Slots this process owns are torn down synchronously if it
 * exits without stopping them.
 */

// Slots this process owns, from the claim until their teardown.
const liveSlots = new Set<number>();
let exitHookInstalled = false;

/** Tears down this process's slots when it exits; installed once, before its first claim. */
export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const slot of liveSlots) removeSlotSync(slot);
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a lock file, 0 if it is empty. */
function lockOwner(file: string): number {
  return Number(readFileSync(file, 'utf8').trim() || '0');
}

/** Claims a free slot for this process; reclaims slots whose owning process has died. */
export function claimSlot(): number {
  mkdirSync(SLOT_DIR, { recursive: true, mode: 0o755 });
  mkdirSync(JOB_DIR, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 200; attempt++) {
    const slot = randomInt(1, SLOT_COUNT);
    try {
      writeFileSync(slotLockPath(slot), String(process.pid), { flag: 'wx' });
      // Owned from here on, so an exit while it is still being wired removes it too.
      liveSlots.add(slot);
      return slot;
    } catch {
      const owner = lockOwner(slotLockPath(slot));
      if (owner > 0 && !pidAlive(owner)) removeSlotSync(slot);
    }
  }
  throw new AppError('SANDBOX_HOSTS_EXHAUSTED', 'no free sandbox host slot in 198.18.0.0/15');
}

/** Removes everything of a slot of this process at once (a failed wiring, an unused spare). */
export function releaseSlotSync(slot: number): void {
  removeSlotSync(slot);
  liveSlots.delete(slot);
}

/** Stops a slot's host and removes everything of the slot. */
export async function releaseSlot(n: HostSlot): Promise<void> {
  try {
    await removeSlot(n);
  } finally {
    liveSlots.delete(n.slot);
  }
}

/** Cleans up every slot left behind by dead processes (e.g. a test run that was killed). */
export function cleanupStaleSandboxHosts(): number {
  let cleaned = 0;
  const entries = ((): string[] => {
    try {
      return readdirSync(SLOT_DIR);
    } catch {
      return [];
    }
  })();
  for (const entry of entries) {
    const slot = Number(entry);
    const owner = ((): number | undefined => {
      try {
        return lockOwner(path.join(SLOT_DIR, entry));
      } catch {
        return undefined;
      }
    })();
    if (!Number.isInteger(slot) || owner === undefined) continue;
    if (owner !== process.pid && !pidAlive(owner)) {
      removeSlotSync(slot);
      cleaned++;
    }
  }
  return cleaned;
}
