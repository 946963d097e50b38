import { ensureBaseLayers } from './base-layers.js';
import { bootHost } from './boot.js';
import { writeHostFiles } from './host-files.js';
import { validateHostOptions, type SandboxHost, type SandboxHostOptions } from './host-options.js';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { AppError } from '../../errors.js';
import { claimAddressForSlot, claimedBySlot, releaseSlotAddress } from './address-claims.js';
import { heldAddresses } from './held-addresses.js';
import { machineNetworks } from './machine-networks.js';
import { BOOT_PID_FILE, SSH_PORT, hostSlot, type HostSlot } from './layout.js';
import {
  addHostAddress,
  removeHostAddress,
  restoreHostRoutesSync,
  setHostLinkUp,
  wireSlotNetwork,
} from './network.js';
import { claimSlot, installExitHook, keepSlot, releaseSlot, slotKeptFor } from './slots.js';
import { checkOffLink, parseHostAddress, subnetHostAddresses } from './subnet-addresses.js';
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
    await Promise.all([writeHostFiles(n.dir, opts), ensureBaseLayers()]);
    if (!wired) await wireSlotNetwork(n);
    const delayMs = Math.max(0, Math.floor(opts.bootDelayMs ?? 0));
    await bootHost(n, opts.id, opts.hostname, delayMs);
  } catch (e) {
    await releaseSlot(n);
    throw e;
  }
  return hostHandle(opts.id, opts.hostname, n);
}

/** This machine's own addresses: a /32 route to one of them would cut this machine off it. */
function localAddresses(): Set<string> {
  return new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((i) => i?.address ?? ''),
  );
}

/** The handle of a host running on slot `n`. */
function hostHandle(id: string, hostname: string, n: HostSlot): SandboxHost {
  let stopped: Promise<void> | undefined;
  // One network change at a time per host, each reading and writing its record of addresses.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(() => {
      if (stopped) throw new AppError('SANDBOX_HOST_STOPPED', `sandbox host ${id} was stopped`);
      return task();
    });
    queue = next.catch(() => undefined);
    return next;
  };
  // Claims `ip` for this host and routes it here; false when another live host holds it.
  const hold = async (ip: string): Promise<boolean> => {
    if (!claimAddressForSlot(n.slot, ip)) return false;
    try {
      await addHostAddress(n, ip);
    } catch (e) {
      await removeHostAddress(n, ip).catch(() => undefined);
      releaseSlotAddress(n.slot, ip);
      throw e;
    }
    return true;
  };
  return {
    id,
    slot: n.slot,
    hostname,
    ip: n.ip,
    mac: n.mac,
    netns: n.netns,
    hostVeth: n.hostVeth,
    sshPort: SSH_PORT,
    setLinkUp: (up) => serial(() => setHostLinkUp(n, up, heldAddresses(n.dir))),
    assignPrivateAddress: (cidr, gatewayIp) =>
      serial(async () => {
        const skip = new Set([...localAddresses(), ...heldAddresses(n.dir)]);
        // Never an address of this machine's own networks: its /32 route would shadow a neighbour.
        for (const ip of subnetHostAddresses(cidr, gatewayIp, machineNetworks())) {
          if (!skip.has(ip) && (await hold(ip))) return ip;
        }
        throw new AppError('SANDBOX_SUBNET_EXHAUSTED', `no free address left in ${cidr}`, {
          context: { cidr },
        });
      }),
    attachAddress: (ip) =>
      serial(async () => {
        parseHostAddress(ip);
        if (localAddresses().has(ip)) {
          throw new AppError('SANDBOX_ADDRESS_IN_USE', `${ip} is an address of this machine`);
        }
        checkOffLink(ip, machineNetworks());
        if (!(await hold(ip))) {
          throw new AppError('SANDBOX_ADDRESS_IN_USE', `${ip} is held by another sandbox host`, {
            context: { ip },
          });
        }
      }),
    releaseAddress: (ip) =>
      serial(async () => {
        if (!heldAddresses(n.dir).includes(ip)) return;
        await removeHostAddress(n, ip);
        releaseSlotAddress(n.slot, ip);
      }),
    keep: (stateFile) => keepSlot(n.slot, stateFile),
    stop(): Promise<void> {
      // Kill sshd and anything its sessions left running, drop the namespaces, the routes to
      // the addresses it holds and their claims; after any address change under way.
      stopped ??= queue.then(() => releaseSlot(n));
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
 * Takes over a host a persistent sandbox kept running (by an earlier OneClick process), with the
 * routes to the addresses it holds, or answers undefined when it no longer runs (this machine
 * restarted, someone removed it) or its slot now belongs to someone else (claimed after the
 * restart emptied it).
 */
export function adoptSandboxHost(
  saved: { id: string; hostname: string; slot: number; mac: string },
  stateFile: string,
): SandboxHost | undefined {
  const n = { ...hostSlot(saved.slot), mac: saved.mac };
  if (!slotKeptFor(saved.slot, stateFile)) return undefined;
  if (!hostRunning(n)) return undefined;
  restoreHostRoutesSync(n, claimedBySlot(n.slot, heldAddresses(n.dir)));
  return hostHandle(saved.id, saved.hostname, n);
}
