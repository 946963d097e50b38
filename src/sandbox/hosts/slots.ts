import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { AppError } from '../../errors.js';
import { JOB_DIR, SLOT_COUNT, SLOT_DIR, slotLockPath, type HostSlot } from './layout.js';
import { cleanupStaleAddressClaims } from './address-claims.js';
import { KEEP, slotLockIsStale } from './slot-liveness.js';
import { removeSlot, removeSlotSync } from './teardown.js';

/**
 * Slot locks. A slot is claimed by creating its lock file (exclusively, holding this process's
 * pid) under /run, so concurrent test processes never collide; a slot whose owner died is
 * cleaned up by the next claimant. Slots this process owns are torn down synchronously if it
 * exits without stopping them.
 *
 * A persistent sandbox cloud's hosts outlive the process: their lock says `keep <state file>`
 * instead of a pid, and such a slot is stale only once that file is gone or no longer lists it.
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

/** Hands a slot of this process over to a persistent sandbox: it outlives the process. */
export function keepSlot(slot: number, stateFile: string): void {
  writeFileSync(slotLockPath(slot), `${KEEP}${stateFile}`);
  liveSlots.delete(slot);
}

/** Whether the slot's lock says it is kept for this state file (and so is ours to adopt). */
export function slotKeptFor(slot: number, stateFile: string): boolean {
  try {
    return readFileSync(slotLockPath(slot), 'utf8').trim() === `${KEEP}${stateFile}`;
  } catch {
    return false;
  }
}

/** The slots kept for a persistent sandbox's state file. */
function slotsKeptFor(stateFile: string): number[] {
  return slotLockEntries()
    .filter(({ slot }) => slotKeptFor(slot, stateFile))
    .map(({ slot }) => slot);
}

/** Removes every host kept for a persistent sandbox's state file; answers how many. */
export function removeHostsKeptFor(stateFile: string): number {
  const slots = slotsKeptFor(stateFile);
  for (const slot of slots) removeSlotSync(slot);
  return slots.length;
}

function slotLockEntries(): { slot: number }[] {
  try {
    return readdirSync(SLOT_DIR)
      .map(Number)
      .filter((slot) => Number.isInteger(slot) && slot > 0)
      .map((slot) => ({ slot }));
  } catch {
    return [];
  }
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
      try {
        if (slotLockIsStale(slot)) removeSlotSync(slot);
      } catch {
        // its lock went away meanwhile: the next attempt may take it
      }
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

/**
 * Cleans up every slot left behind by dead processes (e.g. a test run that was killed), and the
 * address claims of dead owners; answers how many slots.
 */
export function cleanupStaleSandboxHosts(): number {
  let cleaned = 0;
  for (const { slot } of slotLockEntries()) {
    try {
      if (!slotLockIsStale(slot)) continue;
    } catch {
      continue;
    }
    removeSlotSync(slot);
    cleaned++;
  }
  cleanupStaleAddressClaims();
  return cleaned;
}
