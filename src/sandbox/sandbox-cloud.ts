import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { Emulator, type EmulatorDelays, type SandboxAccount } from './emulator.js';
import type { Inventory } from './emulator-state.js';
import { listen } from './emulator-server.js';
import { Faults, seededRandom } from './faults.js';
import { drainSandboxHostPool, prewarmSandboxHosts } from './hosts.js';

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
  /** Seed for fault rates, so a run can be replayed. */
  seed?: number;
  /** Network namespaces kept wired ahead of demand (default 0: every server starts cold). */
  warmHosts?: number;
}

/** A running sandbox cloud. */
export interface SandboxCloud {
  ecsEndpoint: string;
  vpcEndpoint: string;
  region: string;
  ak: string;
  sk: string;
  projectId: string;
  /** A read-only snapshot of every resource, to prove nothing leaked. */
  inventory(): Inventory;
  faults: Faults;
  emulator: Emulator;
  /** Resolves once the warm pool is full (at once when warmHosts is 0). */
  warmedUp(): Promise<void>;
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
  const account = newSandboxAccount();
  const faults = new Faults(opts.seed === undefined ? Math.random : seededRandom(opts.seed));
  const region = opts.region ?? 'cn-north-4';
  const warm = Math.max(0, opts.warmHosts ?? 0);
  const emulator = new Emulator({
    accounts: [account, ...(opts.extraAccounts ?? [])],
    delays: {
      jobStartMs: 0,
      serverBuildMs: 0,
      serverDeleteMs: 0,
      networkActiveMs: 0,
      ...opts.delays,
    },
    faults,
    region,
    serverQuota: opts.serverQuota ?? 100,
    onServerBuilt:
      warm > 0 ? () => void prewarmSandboxHosts(warm).catch(() => undefined) : undefined,
  });
  const { server, url } = await listen(emulator, opts.host ?? '127.0.0.1', opts.port ?? 0);
  let stopped: Promise<void> | undefined;
  return {
    ecsEndpoint: url,
    vpcEndpoint: url,
    region,
    ak: account.ak,
    sk: account.sk,
    projectId: account.projectIds[0] ?? '',
    inventory: () => emulator.inventory(),
    faults,
    emulator,
    warmedUp: () => (warm > 0 ? prewarmSandboxHosts(warm) : Promise.resolve()),
    stop() {
      stopped ??= (async () => {
        await closeServer(server);
        await emulator.stop();
        if (warm > 0) await drainSandboxHostPool();
      })();
      return stopped;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
