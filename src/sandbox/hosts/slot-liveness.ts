import { existsSync, readFileSync } from 'node:fs';
import { slotLockPath } from './layout.js';

/**
 * Whether a slot's owner is still there. A slot's lock holds its owner's pid, or `keep <state
 * file>` for a persistent sandbox's host, which lives on while that file lists the slot.
 */

/** The lock's prefix of a slot kept for a persistent sandbox. */
export const KEEP = 'keep ';

/** Whether a process runs under this pid (one we may not signal runs too). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a persistent sandbox's state file (persisted-state.ts) still lists the slot. */
function stateListsSlot(stateFile: string, slot: number): boolean {
  if (!existsSync(stateFile)) return false;
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { hosts?: { slot?: number }[] };
    return (state.hosts ?? []).some((h) => h.slot === slot);
  } catch {
    // Being rewritten (it is replaced whole by a rename, so this is rare): not stale.
    return true;
  }
}

/** Whether the process or persistent sandbox named in a slot's lock is gone; throws without one. */
export function slotLockIsStale(slot: number): boolean {
  const text = readFileSync(slotLockPath(slot), 'utf8').trim();
  if (text.startsWith(KEEP)) return !stateListsSlot(text.slice(KEEP.length), slot);
  const pid = Number(text || '0');
  return pid > 0 && pid !== process.pid && !pidAlive(pid);
}

/** Whether the slot is claimed by a live process or a persistent sandbox that still lists it. */
export function slotIsLive(slot: number): boolean {
  try {
    return !slotLockIsStale(slot);
  } catch {
    return false;
  }
}
