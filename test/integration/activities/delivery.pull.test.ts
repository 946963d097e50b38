import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDeliveryActivities,
  type DeliveryDeps,
  type SshEndpoint,
} from '../../../activities/delivery.js';
import { openPglite, type Database } from '../../../src/db/sql.js';
import type { LiveHeartbeat } from '../../../src/domain/deployment.js';
import { startSandboxHost, type SandboxHost } from '../../../src/sandbox/hosts.js';
import { runChecked } from '../../../src/ssh/exec.js';
import { partialPathFor } from '../../../src/ssh/push.js';
import { createSqlHostKeyPins } from '../../../src/ssh/host-key.js';
import { createSshSessionPool, type SshSessionPool } from '../../../src/ssh/session-pool.js';
import { freePort } from '../../../src/temporal/dev-server.js';
import { inspect, makeKeyPair, putScriptPackage } from '../../helpers/ssh/delivery-harness.js';
import { machineAddress } from '../../helpers/seaweedfs.js';
import { testS3Store } from '../../helpers/s3.js';

const MIGRATION = fileURLToPath(
  new URL('../../../src/db/migrations/0200-ssh-host-keys.sql', import.meta.url),
);
const MiB = 1024 * 1024;

const s3Store = (pullEndpoint: string) => testS3Store({ pullEndpoint });

async function run<T>(fn: () => Promise<T>): Promise<{ result: T; beats: LiveHeartbeat[] }> {
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 60_000 });
  const beats: LiveHeartbeat[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d as LiveHeartbeat));
  return { result: await env.run(fn), beats };
}

describe('pull delivery: a sandbox server downloads its package from SeaweedFS itself', () => {
  const keys = makeKeyPair();
  let host: SandboxHost;
  let db: Database;
  let sessions: SshSessionPool;
  let endpoint: SshEndpoint;
  const sent: number[] = [];
  const refused: { reason: string; tail: string }[] = [];

  function activities(store: DeliveryDeps['store'], extra: Partial<DeliveryDeps> = {}) {
    return createDeliveryActivities({
      store,
      hostKeys: createSqlHostKeyPins(db),
      resolveSecret: (ref) => Promise.resolve(ref === 'key' ? keys.privateKey : undefined),
      sessions,
      onPackageBytesSent: (n) => sent.push(n),
      onPullRefused: (f) => refused.push(f),
      ...extra,
    });
  }

  /** The file's sha256 on the server, read there. */
  async function remoteSha(file: string): Promise<string> {
    const s = await inspect(host, keys.privateKey);
    try {
      const r = await runChecked(s, `sha256sum ${file} | cut -c1-64`, {
        what: 'hash',
        captureStdout: true,
      });
      return (r.stdout ?? '').trim();
    } finally {
      s.close();
    }
  }

  beforeAll(async () => {
    const id = `pull-${randomUUID().slice(0, 8)}`;
    host = await startSandboxHost({ id, hostname: id, authorizedKeys: [keys.publicKey] });
    db = await openPglite(undefined);
    await db.exec(readFileSync(MIGRATION, 'utf8'));
    sessions = createSshSessionPool();
    endpoint = {
      serverId: host.id,
      host: host.ip,
      port: host.sshPort,
      username: 'root',
      privateKeyRef: 'key',
    };
  });
  afterAll(async () => {
    sessions?.close();
    await host?.stop();
    await db?.close();
  });

  it('pulls through its link to this machine: OneClick sends no byte, the sha256 is checked there', async () => {
    const store = s3Store(inject('s3').pullEndpoint);
    const pkg = await putScriptPackage(store, 'echo pulled', 24 * MiB);
    const acts = activities(store);
    const input = {
      endpoint,
      storageKey: pkg.storageKey,
      sha256: pkg.sha256,
      sizeBytes: pkg.sizeBytes,
      remotePath: '/opt/oneclick/packages/pulled.run',
      mark: { deploymentId: 'dep_pull', step: 'push' as const },
    };
    const { result, beats } = await run(() => acts.pushPackage(input));
    expect(result).toMatchObject({ via: 'pull', skipped: false, bytesSent: 0 });
    expect(result.pullRefused).toBeUndefined();
    expect(await remoteSha(input.remotePath)).toBe(pkg.sha256);
    const progress = beats.filter((b) => b.bytesSent !== undefined).map((b) => b.bytesSent!);
    expect(progress.at(-1)).toBe(pkg.sizeBytes);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // Delivered again (a retried activity): the server already has it.
    const again = await run(() => acts.pushPackage(input));
    expect(again.result).toMatchObject({ via: 'pull', skipped: true, bytesSent: 0 });
    expect(sent).toEqual([]);
    expect(refused).toEqual([]);

    // The presigned URL is nowhere in what is recorded or heartbeated.
    const recorded = JSON.stringify([result, beats, again]);
    expect(recorded).not.toContain('X-Amz-');
    expect(recorded).not.toContain(inject('s3').pullEndpoint);
    store.client.destroy();
  }, 120_000);

  it('pushes instead when the server cannot reach the store, and says why', async () => {
    // A port nothing listens on, on the address servers would use: the download is refused.
    const store = s3Store(`http://${machineAddress()}:${await freePort()}`);
    const pkg = await putScriptPackage(store, 'echo pushed', 3 * MiB);
    const { result } = await run(() =>
      activities(store).pushPackage({
        endpoint,
        storageKey: pkg.storageKey,
        sha256: pkg.sha256,
        sizeBytes: pkg.sizeBytes,
        remotePath: '/opt/oneclick/packages/pushed.run',
      }),
    );
    expect(result).toMatchObject({
      via: 'push',
      skipped: false,
      bytesSent: pkg.sizeBytes,
      pullRefused: 'the server could not download from the object store',
    });
    expect(await remoteSha('/opt/oneclick/packages/pushed.run')).toBe(pkg.sha256);
    expect(sent).toEqual([pkg.sizeBytes]);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.tail).toMatch(/download exited 7/);
    expect(refused[0]!.tail).not.toContain('X-Amz-Signature');
    store.client.destroy();
  }, 120_000);

  it('always pushes when configured to', async () => {
    const store = s3Store(inject('s3').pullEndpoint);
    const pkg = await putScriptPackage(store, 'echo forced', MiB);
    const { result } = await run(() =>
      activities(store, { packageDelivery: 'push' }).pushPackage({
        endpoint,
        storageKey: pkg.storageKey,
        sha256: pkg.sha256,
        sizeBytes: pkg.sizeBytes,
        remotePath: '/opt/oneclick/packages/forced.run',
      }),
    );
    expect(result).toMatchObject({ via: 'push', bytesSent: pkg.sizeBytes });
    expect(result.pullRefused).toBeUndefined();
    store.client.destroy();
  }, 120_000);

  it('stops only a download of its own: a stale pid file naming another process leaves it running', async () => {
    const store = s3Store(inject('s3').pullEndpoint);
    const pkg = await putScriptPackage(store, 'echo stale', MiB);
    const remotePath = '/opt/oneclick/packages/stale.run';
    const pidFile = `${partialPathFor(remotePath, pkg.sha256).replace(/\.part$/, '.pull')}.pid`;
    const s = await inspect(host, keys.privateKey);
    try {
      // Another process, whose pid a killed earlier attempt's pid file names.
      const started = await runChecked(
        s,
        `mkdir -p /opt/oneclick/packages; nohup sleep 300 >/dev/null 2>&1 & echo $! > ${pidFile}; cat ${pidFile}`,
        { what: 'bystander', captureStdout: true },
      );
      const bystander = (started.stdout ?? '').trim();
      const { result } = await run(() =>
        activities(store).pushPackage({
          endpoint,
          storageKey: pkg.storageKey,
          sha256: pkg.sha256,
          sizeBytes: pkg.sizeBytes,
          remotePath,
        }),
      );
      expect(result).toMatchObject({ via: 'pull', skipped: false });
      const after = await runChecked(
        s,
        `kill -0 ${bystander} && echo alive; ls -a /opt/oneclick/packages | grep -c '[.]pull[.]' || true; kill ${bystander}`,
        { what: 'look', captureStdout: true },
      );
      expect((after.stdout ?? '').split('\n').map((l) => l.trim())).toEqual(['alive', '0', '']);
    } finally {
      s.close();
    }
    store.client.destroy();
  }, 120_000);
});
