import { ensureBaseLayers } from './base-layers.js';
import { bootHost } from './boot.js';
import { writeHostFiles } from './host-files.js';
import { validateHostOptions, type SandboxHost, type SandboxHostOptions } from './host-options.js';
import { SSH_PORT, hostSlot } from './layout.js';
import { setHostLinkUp, wireSlotNetwork } from './network.js';
import { claimSlot, installExitHook, releaseSlot } from './slots.js';
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
  let stopped: Promise<void> | undefined;
  return {
    id: opts.id,
    hostname: opts.hostname,
    ip: n.ip,
    mac: n.mac,
    netns: n.netns,
    hostVeth: n.hostVeth,
    sshPort: SSH_PORT,
    setLinkUp: (up) => setHostLinkUp(n.hostVeth, up),
    stop(): Promise<void> {
      // Kill sshd and anything its sessions left running, then drop the namespaces.
      stopped ??= releaseSlot(n);
      return stopped;
    },
  };
}
