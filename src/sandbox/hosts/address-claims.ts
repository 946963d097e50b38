import {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { forgetHeldAddress, heldAddresses, recordHeldAddress } from './held-addresses.js';
import { ADDRESS_DIR, hostSlot } from './layout.js';
import { pidAlive, slotIsLive } from './slot-liveness.js';

/**
 * Machine-wide claims on the addresses routed to sandbox hosts. Several sandbox clouds run on
 * this machine at once (each test worker may start one) and a persistent one keeps its hosts
 * across restarts, yet an address can be routed to one host only. A claim is a file under
 * ADDRESS_DIR named by the address, created exclusively, holding its owner:
 * - `slot <n>`: a host; stale once the slot is no longer live (slot-liveness.ts) or its host's
 *   record (held-addresses.ts) no longer lists the address (a slot reused by another host);
 * - `pid <pid>`: a process holding it for a host yet to come (an EIP not bound yet); stale once
 *   that process is gone.
 * Only creation goes without a lock (it fails when the file exists); every change or removal of an
 * existing claim happens under its guard file, re-reading the claim first, so two claimants that
 * both find a claim stale never both take it, and a removal never hits a claim made meanwhile.
 */

const GUARD_TRIES = 200;
// A guard lives for a few synchronous file operations; one this old outlived a killed process.
const GUARD_STALE_MS = 10_000;

// Addresses this process claimed for itself, whether lent to one of its hosts or not.
const processHeld = new Set<string>();
let exitHookInstalled = false;
// Set first thing at exit: a host torn down then gives a lent address up instead of back.
let exiting = false;

/** The claim file of an address. */
export function addressClaimPath(ip: string): string {
  return path.join(ADDRESS_DIR, ip);
}

const slotOwner = (slot: number) => `slot ${slot}`;
const processOwner = () => `pid ${process.pid}`;

/** The claim's owner; undefined when unclaimed, '' while its claimant is still writing it. */
function readOwner(ip: string): string | undefined {
  try {
    return readFileSync(addressClaimPath(ip), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function ownerIsLive(owner: string, ip: string): boolean {
  // Empty: its claimant is writing it this instant, or was killed doing so long ago.
  if (owner === '') return claimAgeMs(ip) < GUARD_STALE_MS;
  const [kind, id] = owner.split(' ');
  const n = Number(id);
  if (kind === 'slot' && Number.isInteger(n)) {
    return slotIsLive(n) && heldAddresses(hostSlot(n).dir).includes(ip);
  }
  if (kind === 'pid' && Number.isInteger(n) && n > 0) return n === process.pid || pidAlive(n);
  return false;
}

function claimAgeMs(ip: string): number {
  try {
    return Date.now() - statSync(addressClaimPath(ip)).mtimeMs;
  } catch {
    return 0;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `change` holding the address's guard file; answers `busy` when another process holds the
 * guard all along (each holder keeps it for microseconds, so that means trouble, not contention).
 */
function underGuard<T>(ip: string, change: () => T, busy: () => T): T {
  const guard = `${addressClaimPath(ip)}.guard`;
  for (let attempt = 0; attempt < GUARD_TRIES; attempt++) {
    try {
      writeFileSync(guard, String(process.pid), { flag: 'wx' });
    } catch {
      try {
        if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) rmSync(guard, { force: true });
      } catch {
        // released meanwhile
      }
      Atomics.wait(pause, 0, 0, 1);
      continue;
    }
    try {
      return change();
    } finally {
      rmSync(guard, { force: true });
    }
  }
  return busy();
}

/** Replaces an existing claim in one step (a rename), so no reader ever sees it half written. */
function rewriteClaim(ip: string, owner: string): void {
  const tmp = `${addressClaimPath(ip)}.${process.pid}.tmp`;
  writeFileSync(tmp, owner);
  renameSync(tmp, addressClaimPath(ip));
}

/**
 * Claims an address for `owner`: creates the claim, or takes over a stale one, or one this
 * process holds for itself (`lendable`). False when a live owner holds it.
 */
function claim(ip: string, owner: string, lendable: boolean): boolean {
  mkdirSync(ADDRESS_DIR, { recursive: true, mode: 0o755 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(addressClaimPath(ip), owner, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const seen = readOwner(ip);
    if (seen === undefined) continue; // released meanwhile: create it again
    if (seen === owner) return true;
    const ours = lendable && seen === processOwner() && processHeld.has(ip);
    if (!ours && ownerIsLive(seen, ip)) return false;
    return underGuard(
      ip,
      () => {
        // Under the guard nobody else removes or rewrites it: read it again and decide.
        const now = readOwner(ip);
        if (now === owner) return true;
        if (now === undefined) {
          try {
            writeFileSync(addressClaimPath(ip), owner, { flag: 'wx' });
            return true;
          } catch {
            return false;
          }
        }
        if (now !== seen || (!ours && ownerIsLive(now, ip))) return false;
        rewriteClaim(ip, owner);
        return true;
      },
      () => false,
    );
  }
  return false;
}

/** Removes (or hands over to `next`) a claim, only while `owner` holds it. */
function unclaim(ip: string, owner: string, next?: string): void {
  const change = () => {
    if (readOwner(ip) !== owner) return;
    if (next === undefined) rmSync(addressClaimPath(ip), { force: true });
    else rewriteClaim(ip, next);
  };
  // A guard held for long is a dead holder's: this claim is ours, so change it regardless.
  underGuard(ip, change, change);
}

/**
 * Claims `ip` for the host of `slot`, recording it in the host's directory first (so the claim,
 * once made, is never judged stale). True when the host holds it now (also when it already did,
 * or when this process held it for itself); false when a live owner elsewhere holds it.
 */
export function claimAddressForSlot(slot: number, ip: string): boolean {
  const dir = hostSlot(slot).dir;
  recordHeldAddress(dir, ip);
  if (claim(ip, slotOwner(slot), true)) return true;
  forgetHeldAddress(dir, ip);
  return false;
}

/**
 * Those of `ips` the host of `slot` holds the claim on (a dead host's record may list an address
 * another host has claimed since: its route is the other host's now).
 */
export function claimedBySlot(slot: number, ips: string[]): string[] {
  return ips.filter((ip) => readOwner(ip) === slotOwner(slot));
}

/**
 * Gives up the host's claim on `ip`: back to this process when it held the address for itself
 * before lending it to the host, removed otherwise. Then drops it from the host's record.
 */
export function releaseSlotAddress(slot: number, ip: string): void {
  const giveBack = processHeld.has(ip) && !exiting;
  unclaim(ip, slotOwner(slot), giveBack ? processOwner() : undefined);
  forgetHeldAddress(hostSlot(slot).dir, ip);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Before the hosts' own exit hook (slots.ts), whichever was installed first.
  process.prependListener('exit', () => {
    exiting = true;
  });
  process.on('exit', () => {
    for (const ip of processHeld) unclaim(ip, processOwner());
  });
}

/**
 * Claims the first free address of `candidates` for this process (an EIP the emulator allocated
 * and has not bound to a host yet); undefined when every one is taken. Held until
 * `releaseProcessAddress` or this process's exit; a host it is attached to takes the claim over
 * and gives it back when the address is released from it.
 */
export function claimAddressForProcess(candidates: Iterable<string>): string | undefined {
  installExitHook();
  for (const ip of candidates) {
    if (processHeld.has(ip)) continue;
    if (claim(ip, processOwner(), false)) {
      processHeld.add(ip);
      return ip;
    }
  }
  return undefined;
}

/** Gives up an address this process claimed for itself (one lent to a host stays with it). */
export function releaseProcessAddress(ip: string): void {
  if (!processHeld.delete(ip)) return;
  unclaim(ip, processOwner());
}

/** Removes the claims whose owner is gone (a killed test run's); answers how many. */
export function cleanupStaleAddressClaims(): number {
  let names: string[];
  try {
    names = readdirSync(ADDRESS_DIR).filter((name) => /^\d+\.\d+\.\d+\.\d+$/.test(name));
  } catch {
    return 0;
  }
  let cleaned = 0;
  for (const ip of names) {
    const seen = readOwner(ip);
    if (seen === undefined || ownerIsLive(seen, ip)) continue;
    underGuard(
      ip,
      () => {
        if (readOwner(ip) !== seen) return;
        rmSync(addressClaimPath(ip), { force: true });
        cleaned++;
      },
      () => undefined,
    );
  }
  return cleaned;
}
