import { ensureBaseLayers } from './base-layers.js';
import { bootHost } from './boot.js';
import { writeHostFiles } from './host-files.js';
import { validateHostOptions, type SandboxHost, type SandboxHostOptions } from './host-options.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BOOT_PID_FILE, SSH_PORT, hostSlot, type HostSlot } from './layout.js';
import { setHostLinkUp, wireSlotNetwork } from './network.js';
import { claimSlot, installExitHook, keepSlot, releaseSlot, slotKeptFor } from './slots.js';
import { takeWiredSlot } from './warm-pool.js';

/**
 * Starts a sandbox host on a wired slot from the warm pool, or on a newly claimed one. Without
 * `bootDelayMs` it resolves once sshd answers; with it, it resolves as soon as the network is up
 * and sshd starts answering after the delay. Whatever fails, the slot is left with nothing.
 */
export async function startSandboxHost(opts: SandboxHostOptions): Promise<SandboxHost> {
  validateHostOptions(opts);
  installExitHook();
  const wired = takeWiredSlot();
  const n = wired ?? hostSlot(claimSlot());
  try {
    await Promise.all([writeHostFiles(n.dir, n.ip, opts), ensureBaseLayers()]);
    if (!wired) await wireSlotNetwork(n);
    const delayMs = Math.max(0, Math.floor(opts.bootDelayMs ?? 0));
    await bootHost(n, opts.id, opts.hostname, delayMs);
  } catch (e) {
    await releaseSlot(n);
    throw e;
  }
  return hostHandle(opts.id, opts.hostname, n);
}

/** The handle of a host running on slot `n`. */
function hostHandle(id: string, hostname: string, n: HostSlot): SandboxHost {
  let stopped: Promise<void> | undefined;
  return {
    id,
    slot: n.slot,
    hostname,
    ip: n.ip,
    mac: n.mac,
    netns: n.netns,
    hostVeth: n.hostVeth,
    sshPort: SSH_PORT,
    setLinkUp: (up) => setHostLinkUp(n.hostVeth, up),
    keep: (stateFile) => keepSlot(n.slot, stateFile),
    stop(): Promise<void> {
      // Kill sshd and anything its sessions left running, then drop the namespaces.
      stopped ??= releaseSlot(n);
      return stopped;
    },
  };
}

/** Whether a slot's host still runs: its boot process is alive and still names its directory. */
function hostRunning(n: HostSlot): boolean {
  try {
    const pid = readFileSync(path.join(n.dir, BOOT_PID_FILE), 'utf8').trim();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(`${n.dir}/`) && existsSync(`/run/netns/${n.netns}`);
  } catch {
    return false;
  }
}

/**
 * Takes over a host a persistent sandbox kept running (by an earlier OneClick process), or
 * answers undefined when it no longer runs (this machine restarted, someone removed it) or its
 * slot now belongs to someone else (claimed after the restart emptied it).
 */
export function adoptSandboxHost(
  saved: { id: string; hostname: string; slot: number; mac: string },
  stateFile: string,
): SandboxHost | undefined {
  const n = { ...hostSlot(saved.slot), mac: saved.mac };
  if (!slotKeptFor(saved.slot, stateFile)) return undefined;
  return hostRunning(n) ? hostHandle(saved.id, saved.hostname, n) : undefined;
}
