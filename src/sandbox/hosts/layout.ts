import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * Where the sandbox hosts' things live: the run directory, the sshd binary and port, and the
 * names and addresses a slot gives its host. No I/O, so every other module can share it.
 */

/** Everything the hosts keep on this machine is below here. */
export const RUN_DIR = '/run/oneclick-sandbox';
/** One lock file per claimed slot, holding the owner's pid. */
export const SLOT_DIR = path.join(RUN_DIR, 'slots');
/** A small tmpfs of its own, mounted once: the layers every host's root shares (base-layers.ts). */
export const BASE_DIR = path.join(RUN_DIR, 'base');
/** Slot job scripts, outside the host directories (a boot on a pre-wired slot wipes those). */
export const JOB_DIR = path.join(RUN_DIR, 'jobs');
/** One claim file per address routed to a host (or held for one), named by the address. */
export const ADDRESS_DIR = path.join(RUN_DIR, 'addresses');
/** In a host's directory: the addresses it holds besides its link's, one a line. */
export const HELD_ADDRESSES_FILE = 'addresses';
export const SSHD = '/usr/sbin/sshd';
export const SSH_PORT = 22;
/** Inside a host: sshd's PidFile, written once it listens. */
export const SSHD_PID_PATH = '/run/sshd.pid';
/** In a host's directory: the overlay's upper and work directories and its root's mount point. */
export const UPPER_DIR = 'upper';
export const WORK_DIR = 'work';
export const ROOT_DIR = 'root';
/** In a host's directory: the pid of its boot process, which execs down to sshd. */
export const BOOT_PID_FILE = 'boot.pid';

// 198.18.0.0/15 split into /30 links: slot n uses .4n+1 on this machine and .4n+2 inside. The
// top /22 (198.19.252.0/22) is not for links: sandbox EIPs come from it (src/sandbox/eip-pool.ts).
const BASE = (198 << 24) | (18 << 16);
/** How many /30 links the range holds below the EIPs' /22. */
export const SLOT_COUNT = (1 << 15) - 256;
/** The /24 blocks sandbox EIPs come from: the top /22 of the sandbox's range. */
export const EIP_BLOCKS = ['198.19.252', '198.19.253', '198.19.254', '198.19.255'];

/** A slot's host: its namespace, both ends of its veth link, its MAC and its directory. */
export interface HostSlot {
  slot: number;
  netns: string;
  hostVeth: string;
  /** This machine's end of the /30 link, the host's default gateway. */
  hostIp: string;
  /** The host's own address. */
  ip: string;
  mac: string;
  dir: string;
}

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * A MAC like an ECS port's: OpenStack's `fa:16:3e` prefix (0xfa is a locally administered unicast
 * octet, so it clashes with no vendor's), one random byte, then the slot's two bytes, so it is
 * unique among live hosts.
 */
function slotMac(slot: number): string {
  const hex = (byte: number) => byte.toString(16).padStart(2, '0');
  return `fa:16:3e:${hex(randomBytes(1)[0] ?? 0)}:${hex((slot >> 8) & 255)}:${hex(slot & 255)}`;
}

/** The names and addresses of slot `slot`'s host. */
export function hostSlot(slot: number): HostSlot {
  return {
    slot,
    netns: `oc-sbx-${slot}`,
    hostVeth: `ocv${slot}`,
    hostIp: ipv4(BASE + slot * 4 + 1),
    ip: ipv4(BASE + slot * 4 + 2),
    mac: slotMac(slot),
    dir: path.join(RUN_DIR, `host-${slot}`),
  };
}

/** The lock file that says which process owns a slot. */
export function slotLockPath(slot: number): string {
  return path.join(SLOT_DIR, String(slot));
}

/** A job script of a slot (`wire`, `stop`); the launcher writes its output beside it. */
export function slotJobPath(slot: number, job: string): string {
  return path.join(JOB_DIR, `${slot}-${job}.sh`);
}
