import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { createDeliveryActivities, type SshEndpoint } from '../../../activities/delivery.js';
import { openPglite, type Database } from '../../../src/db/sql.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import type { PackageStore, StoredPackage } from '../../../src/packages/store.js';
import type { SandboxHost } from '../../../src/sandbox/hosts.js';
import { connectSsh, type SshSession } from '../../../src/ssh/connect.js';
import { createSqlHostKeyPins, type HostKeyPins } from '../../../src/ssh/host-key.js';
import { createSshSessionPool, type SshSessionPool } from '../../../src/ssh/session-pool.js';

const WORKFLOWS = fileURLToPath(new URL('./delivery-workflows.ts', import.meta.url));
const MIGRATION = fileURLToPath(
  new URL('../../../src/db/migrations/0200-ssh-host-keys.sql', import.meta.url),
);
const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

let bundle: Promise<WorkflowBundle> | undefined;

/** A per-test-file key pair made by ssh-keygen. */
export function makeKeyPair(): { privateKey: string; publicKey: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
  const pair = {
    privateKey: readFileSync(path.join(dir, 'k'), 'utf8'),
    publicKey: readFileSync(path.join(dir, 'k.pub'), 'utf8').trim(),
  };
  rmSync(dir, { recursive: true });
  return pair;
}

/** Everything a delivery test needs: store, pins on PGlite, secrets, a worker and a client. */
export interface DeliveryHarness {
  client: Client;
  taskQueue: string;
  store: PackageStore;
  pins: HostKeyPins;
  secrets: Map<string, string>;
  /** The worker's SSH connections, to count handshakes. */
  sessions: SshSessionPool;
  stop(): Promise<void>;
}

/** Starts the harness on a fresh task queue. */
export async function startDeliveryHarness(opts: {
  address: string;
  namespace: string;
  taskQueue: string;
}): Promise<DeliveryHarness> {
  const storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-pkgs-'));
  const inner = createDirectoryPackageStore(storeDir);
  const db: Database = await openPglite(undefined);
  await db.exec(readFileSync(MIGRATION, 'utf8'));
  const pins = createSqlHostKeyPins(db);
  const secrets = new Map<string, string>();
  const harness = { secrets, pins } as DeliveryHarness;
  const store = inner;
  harness.store = store;
  harness.sessions = createSshSessionPool();
  const activities = createDeliveryActivities({
    sessions: harness.sessions,
    store,
    hostKeys: pins,
    resolveSecret: (ref) => Promise.resolve(secrets.get(ref)),
    // Short keepalive so a cut link is noticed in seconds, not minutes.
    ssh: { keepaliveIntervalMs: 1_000, keepaliveCountMax: 3, readyTimeoutMs: 5_000 },
  });
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: quietLogger });
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await bundle,
    activities,
    // Cancellation reaches an activity only through a heartbeat answer: do not hold them back.
    maxHeartbeatThrottleInterval: '1s',
  });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address: opts.address });
  harness.client = new Client({ connection: clientConnection, namespace: opts.namespace });
  harness.taskQueue = opts.taskQueue;
  harness.stop = async () => {
    worker.shutdown();
    await running;
    harness.sessions.close();
    await connection.close();
    await clientConnection.close();
    await db.close();
    rmSync(storeDir, { recursive: true, force: true });
  };
  return harness;
}

/**
 * A package that is a runnable shell script followed by `size` random bytes (sh stops at `exit`),
 * so the installer can run what was pushed.
 */
export async function putScriptPackage(
  store: PackageStore,
  script: string,
  size: number,
): Promise<StoredPackage> {
  const head = Buffer.from(`${script}\nexit 0\n`);
  const chunk = 4 * 1024 * 1024;
  const source = Readable.from(
    (function* () {
      yield head;
      for (let left = size; left > 0; left -= chunk) yield randomBytes(Math.min(chunk, left));
    })(),
  );
  return store.put(source, { maxBytes: 4 * 1024 ** 3 });
}

/** The endpoint of a sandbox host, with the key by reference. */
export function endpointOf(
  host: SandboxHost,
  privateKeyRef: string,
  serverId = host.id,
): SshEndpoint {
  return { serverId, host: host.ip, port: host.sshPort, username: 'root', privateKeyRef };
}

/** Opens a plain session to a sandbox host to look at what the activities left there. */
export function inspect(host: SandboxHost, privateKey: string): Promise<SshSession> {
  return connectSsh({ host: host.ip, port: host.sshPort, username: 'root', privateKey });
}

export const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
