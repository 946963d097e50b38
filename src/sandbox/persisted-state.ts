import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.js';
import type { SavedAccounts } from './accounts.js';
import type { SandboxAccount } from './emulator.js';
import type {
  EipRecord,
  ImageRecord,
  JobRecord,
  RuleRecord,
  SecurityGroupRecord,
  ServerRecord,
  SubnetRecord,
  VpcRecord,
} from './emulator-state.js';

/**
 * The file a persistent sandbox cloud keeps under OneClick's data directory, so a restart of
 * OneClick finds the same cloud: its account (AK/SK, project), its port, every resource and job,
 * and the slot of each server's host (hosts keep running in between, slots.ts). Written whole
 * and renamed into place after every change, so a `kill -9` leaves the last complete state.
 */

export interface SavedProject {
  id: string;
  vpcs: VpcRecord[];
  subnets: SubnetRecord[];
  securityGroups: SecurityGroupRecord[];
  rules: RuleRecord[];
  servers: ServerRecord[];
  jobs: JobRecord[];
  clientTokens: [string, { fingerprint: string; answer: unknown }][];
  /** Absent in states saved before EIPs existed. */
  eips?: EipRecord[];
  /** The project's own images (IMS private images); absent in older states. */
  privateImages?: ImageRecord[];
}

/** Where a server's host runs (its lock says `keep <this file>`). */
export interface SavedHost {
  serverId: string;
  hostname: string;
  slot: number;
  mac: string;
}

export interface SavedSandbox {
  version: 1;
  port: number;
  region: string;
  account: SandboxAccount;
  /** Buyer accounts, agencies and temporary credentials (absent in older states). */
  accounts?: SavedAccounts;
  projects: SavedProject[];
  hosts: SavedHost[];
}

export const STATE_FILE = 'state.json';

/** The saved state, or undefined when there is none yet. */
export function readSavedSandbox(file: string): SavedSandbox | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const saved = JSON.parse(text) as Partial<SavedSandbox>;
  if (saved.version !== 1 || !saved.account || !Array.isArray(saved.projects)) {
    throw new AppError(
      'SANDBOX_STATE_UNREADABLE',
      `${file} is not a sandbox cloud state this version understands; remove it with \`oneclick sandbox stop\``,
    );
  }
  return saved as SavedSandbox;
}

/** Replaces the state file whole (readable by root only: it holds the sandbox's secret key). */
export function writeSavedSandbox(file: string, state: SavedSandbox): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
  renameSync(temp, file);
}
