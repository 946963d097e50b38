import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EIP_BLOCKS, RUN_DIR } from './hosts/layout.js';

/**
 * The public addresses sandbox EIPs come from: 198.19.252.0/22, the top of the sandbox's own
 * fenced range (198.18.0.0/15, which no real network routes here). Not the documentation ranges
 * 203.0.113.0/24 or 198.51.100.0/24: machines like this one reach their package registries
 * through a proxy at such an address, and fencing it cut them off. Several sandbox clouds run on this
 * machine at once (the test suite starts one per file), and each EIP is routed to a host here,
 * so an address is claimed machine-wide: a lock file under /run holding the owner's pid, or
 * `keep <state file>` for a persistent sandbox's EIP. A claim whose process died, or whose state
 * file no longer lists the address, is stale and taken over by the next claimant.
 */

export const EIP_DIR = path.join(RUN_DIR, 'eips');
const BLOCKS = EIP_BLOCKS;
const KEEP = 'keep ';

/** Every address of the pool, in the order they are handed out (.1 to .254 of each block). */
export function poolAddresses(): string[] {
  return BLOCKS.flatMap((block) => Array.from({ length: 254 }, (_, i) => `${block}.${i + 1}`));
}

// Addresses this process holds, released at exit if nothing released them before.
const held = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const ip of held) rmSync(lockPath(ip), { force: true });
  });
}

const lockPath = (ip: string) => path.join(EIP_DIR, ip);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a persistent sandbox's state file (persisted-state.ts) still lists the address. */
function stateListsAddress(stateFile: string, ip: string): boolean {
  if (!existsSync(stateFile)) return false;
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      projects?: { eips?: { public_ip_address?: string }[] }[];
    };
    return (state.projects ?? []).some((p) =>
      (p.eips ?? []).some((e) => e.public_ip_address === ip),
    );
  } catch {
    // Being replaced (a rename, so rare): not stale.
    return true;
  }
}

function isStale(ip: string): boolean {
  let text: string;
  try {
    text = readFileSync(lockPath(ip), 'utf8').trim();
  } catch {
    return false;
  }
  if (text.startsWith(KEEP)) return !stateListsAddress(text.slice(KEEP.length), ip);
  const pid = Number(text || '0');
  return pid > 0 && pid !== process.pid && !pidAlive(pid);
}

/** Claims the first free address of the pool for this process; undefined when all are taken. */
export function claimEipAddress(): string | undefined {
  mkdirSync(EIP_DIR, { recursive: true, mode: 0o755 });
  installExitHook();
  for (const ip of poolAddresses()) {
    if (held.has(ip)) continue;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(lockPath(ip), String(process.pid), { flag: 'wx' });
        held.add(ip);
        return ip;
      } catch {
        if (!isStale(ip)) break;
        rmSync(lockPath(ip), { force: true });
      }
    }
  }
  return undefined;
}

/** Gives an address back (an unknown or foreign one is left alone). */
export function releaseEipAddress(ip: string): void {
  if (!held.delete(ip) && !keptBy(ip)) return;
  rmSync(lockPath(ip), { force: true });
}

function keptBy(ip: string): string | undefined {
  try {
    const text = readFileSync(lockPath(ip), 'utf8').trim();
    return text.startsWith(KEEP) ? text.slice(KEEP.length) : undefined;
  } catch {
    return undefined;
  }
}

/** Hands an address to a persistent sandbox: it stays claimed after this process exits. */
export function keepEipAddress(ip: string, stateFile: string): void {
  if (!held.has(ip) && keptBy(ip) !== stateFile) return;
  writeFileSync(lockPath(ip), `${KEEP}${stateFile}`);
  held.delete(ip);
}

/**
 * Takes an address back after a restart of a persistent sandbox: kept for this state file, or
 * free again. False when another sandbox holds it now.
 */
export function adoptEipAddress(ip: string, stateFile: string): boolean {
  if (keptBy(ip) === stateFile) return true;
  mkdirSync(EIP_DIR, { recursive: true, mode: 0o755 });
  try {
    writeFileSync(lockPath(ip), `${KEEP}${stateFile}`, { flag: 'wx' });
    return true;
  } catch {
    if (!isStale(ip)) return false;
    writeFileSync(lockPath(ip), `${KEEP}${stateFile}`);
    return true;
  }
}

/** Removes every claim kept for a persistent sandbox's state file (the sandbox is removed). */
export function removeEipClaimsKeptFor(stateFile: string): void {
  let names: string[];
  try {
    names = readdirSync(EIP_DIR);
  } catch {
    return;
  }
  for (const ip of names) if (keptBy(ip) === stateFile) rmSync(lockPath(ip), { force: true });
}

/** Removes the claims of dead processes and forgotten persistent sandboxes; answers how many. */
export function cleanupStaleEipClaims(): number {
  let cleaned = 0;
  let names: string[];
  try {
    names = readdirSync(EIP_DIR);
  } catch {
    return 0;
  }
  for (const ip of names) {
    if (!isStale(ip)) continue;
    rmSync(lockPath(ip), { force: true });
    cleaned++;
  }
  return cleaned;
}
