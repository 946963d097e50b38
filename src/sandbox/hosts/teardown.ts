import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { BOOT_PID_FILE, hostSlot, slotJobPath, slotLockPath, type HostSlot } from './layout.js';
import { claimedBySlot, releaseSlotAddress } from './address-claims.js';
import { heldAddresses } from './held-addresses.js';
import { unrouteHostAddressLines } from './network.js';
import { runSlotJob } from './slot-jobs.js';

/**
 * Removing everything of a slot: the processes in its network namespace, the namespace, its
 * veth, the routes to the addresses its host held and their claims, its files (among them its
 * root's upper layer: everything the host wrote) and its lock.
 * The synchronous way works at process exit and for slots whose owner died; the asynchronous one
 * is how a live host stops.
 */

/** Removes everything of a slot synchronously, whoever owned it. */
export function removeSlotSync(slot: number): void {
  const n = hostSlot(slot);
  const held = claimedBySlot(n.slot, heldAddresses(n.dir));
  try {
    const pids = execFileSync('ip', ['netns', 'pids', n.netns], { encoding: 'utf8' });
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  } catch {
    // no such netns
  }
  for (const args of [
    ['netns', 'del', n.netns],
    ['link', 'del', n.hostVeth],
    // An address of a host whose link was down has an unreachable route of its own.
    ...held.map((ip) => ['route', 'del', 'unreachable', `${ip}/32`]),
  ]) {
    try {
      execFileSync('ip', args, { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  rmSync(n.dir, { recursive: true, force: true });
  for (const ip of held) releaseSlotAddress(slot, ip);
  for (const job of ['wire', 'stop']) {
    rmSync(slotJobPath(slot, job), { force: true });
    rmSync(`${slotJobPath(slot, job)}.log`, { force: true });
  }
  rmSync(slotLockPath(slot), { force: true });
}

/**
 * Kills what runs in the host's network namespace, then removes the namespace, its files and
 * the slot's lock, in one job of the launcher (no fork of this process); falls back to
 * {@link removeSlotSync} if that job fails.
 */
export async function removeSlot(n: HostSlot): Promise<void> {
  const held = claimedBySlot(n.slot, heldAddresses(n.dir));
  try {
    await runSlotJob(
      n.slot,
      'stop',
      [
        // The boot process by its pid only while its command line still names this host (the
        // pid of a long-dead sshd may belong to someone else by now), then all in the namespace.
        `b=$(cat ${path.join(n.dir, BOOT_PID_FILE)} 2>/dev/null)`,
        `if [ -n "$b" ] && tr '\\0' ' ' < /proc/$b/cmdline 2>/dev/null | grep -qF ${n.dir}/; then kill -9 "$b"; fi`,
        `for p in $(ip netns pids ${n.netns} 2>/dev/null); do kill -9 "$p" 2>/dev/null; done`,
        // SIGKILL is not instant: wait (at most 5 s) until no process of this host is left, so a
        // stop that returns has really stopped everything that names the host's directory.
        `for i in $(seq 1 50); do pgrep -f ${n.dir}/ >/dev/null || break; pkill -9 -f ${n.dir}/; sleep 0.1; done`,
        `ip netns del ${n.netns} 2>/dev/null`,
        `ip link del ${n.hostVeth} 2>/dev/null`,
        ...unrouteHostAddressLines(n, held),
        `rm -rf ${n.dir}`,
        'exit 0',
      ],
      `stopping ${n.netns}`,
    );
    // Released once nothing routes them here any more, before the slot itself.
    for (const ip of held) releaseSlotAddress(n.slot, ip);
    await rm(slotLockPath(n.slot), { force: true });
  } catch {
    // The slow way, but it always ends with nothing left.
    removeSlotSync(n.slot);
  }
}
