import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HELD_ADDRESSES_FILE } from './layout.js';

/**
 * The addresses a host holds besides its link's (its subnet address, its EIPs), one a line in a
 * small file of its directory: a persistent sandbox's next process finds them there to route them
 * again, and another process judging a claim (address-claims.ts) reads there whether the host
 * still holds it. The directory goes with the host, and with it this record.
 */

/** The addresses recorded in a host's directory; none when it has no record. */
export function heldAddresses(hostDir: string): string[] {
  try {
    return readFileSync(path.join(hostDir, HELD_ADDRESSES_FILE), 'utf8')
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

// Replaced whole by a rename, so a reader in another process never sees half a file.
function writeHeld(hostDir: string, ips: string[]): void {
  const file = path.join(hostDir, HELD_ADDRESSES_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, ips.map((ip) => `${ip}\n`).join(''));
  renameSync(tmp, file);
}

/** Adds an address to a host's record (before it is claimed, so the claim is never orphaned). */
export function recordHeldAddress(hostDir: string, ip: string): void {
  const ips = heldAddresses(hostDir);
  if (!ips.includes(ip)) writeHeld(hostDir, [...ips, ip]);
}

/** Drops an address from a host's record. */
export function forgetHeldAddress(hostDir: string, ip: string): void {
  const ips = heldAddresses(hostDir);
  if (ips.includes(ip))
    writeHeld(
      hostDir,
      ips.filter((x) => x !== ip),
    );
}
