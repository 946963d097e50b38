import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { lockPidFile } from '../runtime/data-dir-lock.js';
import { Emulator, NO_DELAYS, type EmulatorDelays, type SandboxAccount } from './emulator.js';
import type { Inventory } from './emulator-state.js';
import { removeEipClaimsKeptFor } from './eip-pool.js';
import { listen } from './emulator-server.js';
import { Faults, seededRandom } from './faults.js';
import {
  cleanupStaleSandboxHosts,
  drainSandboxHostPool,
  prewarmSandboxHosts,
  removeHostsKeptFor,
} from './hosts.js';
import {
  STATE_FILE,
  readSavedSandbox,
  writeSavedSandbox,
  type SavedSandbox,
} from './persisted-state.js';

/** Options for {@link startSandboxCloud}; everything has a default. */
export interface SandboxCloudOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  region?: string;
  delays?: Partial<EmulatorDelays>;
  /** Extra accounts beyond the default one, e.g. to prove projects are kept apart. */
  extraAccounts?: SandboxAccount[];
  serverQuota?: number;
  /** EIPs per project (default 10). */
  eipQuota?: number;
  /** Seed for fault rates and for delays drawn from ranges, so a run can be replayed. */
  seed?: number;
  /** Network namespaces kept wired ahead of demand (default 0: every server starts cold). */
  warmHosts?: number;
  /**
   * Makes the cloud persistent: its account, port and resources are saved in this directory and
   * loaded on the next start, and its servers keep running when this process stops or dies,
   * until {@link removePersistentSandbox}. Without it, everything goes at stop.
   */
  stateDir?: string;
}

/** A running sandbox cloud. */
export interface SandboxCloud {
  ecsEndpoint: string;
  /** Serves VPC, and EIP v1 on the same paths as the real VPC endpoint. */
  vpcEndpoint: string;
  /** IAM: agency security tokens, projects and domains. */
  iamEndpoint: string;
  region: string;
  ak: string;
  sk: string;
  projectId: string;
  /** The default account's domain (an agency's trust_domain for OneClick's own account). */
  domainId: string;
  domainName: string;
  /** A read-only snapshot of every resource, to prove nothing leaked. */
  inventory(): Inventory;
  faults: Faults;
  emulator: Emulator;
  /** Resolves once the warm pool is full (at once when warmHosts is 0). */
  warmedUp(): Promise<void>;
  /** Servers taken over from an earlier process (a persistent cloud after a restart). */
  resumedServers: number;
  /** Stops serving; a persistent cloud leaves its servers running, any other removes them. */
  stop(): Promise<void>;
}

/** A fresh AK/SK and project, shaped like Huawei's (20-char AK, 32-hex project id). */
export function newSandboxAccount(): SandboxAccount {
  return {
    ak: `SBX${randomBytes(9).toString('hex').toUpperCase().slice(0, 17)}`,
    sk: randomBytes(30).toString('base64url'),
    projectIds: [randomUUID().replace(/-/g, '')],
  };
}

/** Starts the ECS/VPC emulator whose servers are real sandbox hosts (needs Linux and root). */
export async function startSandboxCloud(opts: SandboxCloudOptions = {}): Promise<SandboxCloud> {
  const stateFile = opts.stateDir ? path.join(path.resolve(opts.stateDir), STATE_FILE) : undefined;
  let unlock: (() => Promise<void>) | undefined;
  if (opts.stateDir) {
    mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
    unlock = await lockPidFile(
      path.join(opts.stateDir, 'owner.pid'),
      'SANDBOX_IN_USE',
      (pid) => `the sandbox cloud in ${opts.stateDir} is run by process ${pid}; stop it first`,
    );
  }
  try {
    return await startUnlocked(opts, stateFile, unlock);
  } catch (e) {
    await unlock?.();
    throw e;
  }
}

async function startUnlocked(
  opts: SandboxCloudOptions,
  stateFile: string | undefined,
  unlock: (() => Promise<void>) | undefined,
): Promise<SandboxCloud> {
  const saved = stateFile ? readSavedSandbox(stateFile) : undefined;
  const account = saved?.account ?? newSandboxAccount();
  const faults = new Faults(opts.seed === undefined ? Math.random : seededRandom(opts.seed));
  const region = saved?.region ?? opts.region ?? 'cn-north-4';
  const warm = Math.max(0, opts.warmHosts ?? 0);
  let port = 0;
  const save = () => {
    if (!stateFile) return;
    const state: SavedSandbox = {
      version: 1,
      port,
      region,
      account,
      accounts: emulator.exportAccounts(),
      projects: emulator.exportProjects(),
      hosts: emulator.exportHosts(),
    };
    writeSavedSandbox(stateFile, state);
    // Only once a host is in the saved state may it outlive this process.
    emulator.keepHosts(stateFile);
  };
  const emulator = new Emulator({
    accounts: [account, ...(opts.extraAccounts ?? [])],
    delays: { ...NO_DELAYS, ...opts.delays },
    seed: opts.seed,
    faults,
    region,
    serverQuota: opts.serverQuota ?? 100,
    eipQuota: opts.eipQuota,
    onServerBuilt:
      warm > 0 ? () => void prewarmSandboxHosts(warm).catch(() => undefined) : undefined,
    onChange: stateFile ? save : undefined,
  });
  if (saved?.accounts) emulator.importAccounts(saved.accounts);
  if (saved && stateFile) emulator.restore(saved.projects, saved.hosts, stateFile);
  const host = opts.host ?? '127.0.0.1';
  const { server, url } = await listenOnSavedPort(emulator, host, saved?.port, opts.port ?? 0);
  port = Number(new URL(url).port);
  if (stateFile) {
    save();
    // Hosts the saved state no longer lists (gone with a restart of this machine) are removed.
    cleanupStaleSandboxHosts();
  }
  let stopped: Promise<void> | undefined;
  const domain = emulator.accounts.domainOf(account.ak);
  return {
    ecsEndpoint: url,
    vpcEndpoint: url,
    iamEndpoint: url,
    region,
    ak: account.ak,
    sk: account.sk,
    projectId: account.projectIds[0] ?? '',
    domainId: domain?.id ?? '',
    domainName: domain?.name ?? '',
    inventory: () => emulator.inventory(),
    faults,
    emulator,
    resumedServers: saved ? emulator.exportHosts().length : 0,
    warmedUp: () => (warm > 0 ? prewarmSandboxHosts(warm) : Promise.resolve()),
    stop() {
      stopped ??= (async () => {
        await closeServer(server);
        if (stateFile) {
          await emulator.detach(save);
          await unlock?.();
        } else await emulator.stop();
        if (warm > 0) await drainSandboxHostPool();
      })();
      return stopped;
    },
  };
}

/** Listens on the port the cloud had before (its endpoint stays the same) when it is free. */
async function listenOnSavedPort(
  emulator: Emulator,
  host: string,
  savedPort: number | undefined,
  port: number,
): Promise<{ server: Server; url: string }> {
  if (savedPort) {
    try {
      return await listen(emulator, host, savedPort);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
  return listen(emulator, host, port);
}

/**
 * Removes a persistent sandbox cloud: every server it kept running and its saved state. Refused
 * while a process runs it. Answers how many servers were removed.
 */
export async function removePersistentSandbox(stateDir: string): Promise<number> {
  const unlock = await lockPidFile(
    path.join(stateDir, 'owner.pid'),
    'SANDBOX_IN_USE',
    (pid) => `the sandbox cloud in ${stateDir} is run by process ${pid}; stop OneClick first`,
  ).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  });
  try {
    const stateFile = path.join(path.resolve(stateDir), STATE_FILE);
    removeEipClaimsKeptFor(stateFile);
    return removeHostsKeptFor(stateFile);
  } finally {
    await unlock?.();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
