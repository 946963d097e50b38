import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeliveryActivities,
  LIVE_HEARTBEAT_MS,
  type DeliveryActivities,
  type SshEndpoint,
} from '../../../activities/delivery.js';
import { REDACTED } from '../../../activities/live-progress.js';
import { openPglite, type Database } from '../../../src/db/sql.js';
import type { LiveHeartbeat } from '../../../src/domain/deployment.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import type { PackageStore } from '../../../src/packages/store.js';
import { startSandboxHost, type SandboxHost } from '../../../src/sandbox/hosts.js';
import { createSqlHostKeyPins } from '../../../src/ssh/host-key.js';
import { createSshSessionPool, type SshSessionPool } from '../../../src/ssh/session-pool.js';
import { writeRemoteFile } from '../../../src/ssh/write-file.js';
import { inspect, makeKeyPair, putScriptPackage } from '../../helpers/ssh/delivery-harness.js';

const MIGRATION = fileURLToPath(
  new URL('../../../src/db/migrations/0200-ssh-host-keys.sql', import.meta.url),
);
const MiB = 1024 * 1024;
const PASSWORD = `Root!pw-${randomUUID().slice(0, 8)}`;
const DB_SECRET = `db-${randomUUID()}`;
const LICENSE = `LICENSE-OK ${randomUUID()}\nsigned-by oneclick ${randomUUID()}\n`;

/**
 * A store whose reads trickle (about `bytesPerSecond`), like a slow disk or object store, so a
 * push over loopback lasts long enough to report its progress; it has no local file, so the push
 * streams through the activity.
 */
function tricklingStore(inner: PackageStore, bytesPerSecond: number): PackageStore {
  const piece = 64 * 1024;
  return {
    put: (source, options) => inner.put(source, options),
    stat: (key) => inner.stat(key),
    delete: (key) => inner.delete(key),
    async open(key, options) {
      const source = await inner.open(key, options);
      return Readable.from(
        (async function* () {
          for await (const chunk of source as AsyncIterable<Buffer>) {
            for (let i = 0; i < chunk.length; i += piece) {
              yield chunk.subarray(i, i + piece);
              await sleep((piece / bytesPerSecond) * 1000);
            }
          }
        })(),
      );
    },
  };
}

/** Runs an activity in Temporal's activity environment, keeping every heartbeat it sends. */
async function runCollecting<T>(
  fn: () => Promise<T>,
): Promise<{ result?: T; error?: unknown; beats: LiveHeartbeat[] }> {
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 30_000 });
  const beats: LiveHeartbeat[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d as LiveHeartbeat));
  try {
    return { result: await env.run(fn), beats };
  } catch (error) {
    return { error, beats };
  }
}

/**
 * Heartbeats come at most every LIVE_HEARTBEAT_MS (measured by their own clock, so load cannot
 * break it), except the last, whose details go out as the activity ends.
 */
function expectThrottled(all: LiveHeartbeat[]) {
  // (Connection attempts heartbeat on their own, without a time.)
  const beats = all.filter((b) => b.at !== undefined);
  for (let i = 1; i < beats.length - 1; i++) {
    const gap = Date.parse(beats[i]!.at) - Date.parse(beats[i - 1]!.at);
    expect(gap, `heartbeat ${i}`).toBeGreaterThanOrEqual(LIVE_HEARTBEAT_MS - 2);
  }
}

describe('live progress of the delivery activities (real sshd, redacted output)', () => {
  const keys = makeKeyPair();
  let host: SandboxHost;
  let db: Database;
  let dir: string;
  let inner: PackageStore;
  let sessions: SshSessionPool;
  let acts: DeliveryActivities;
  let endpoint: SshEndpoint;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    const id = `live-${randomUUID().slice(0, 8)}`;
    host = await startSandboxHost({
      id,
      hostname: id,
      authorizedKeys: [keys.publicKey],
      rootPassword: PASSWORD,
    });
    db = await openPglite(undefined);
    await db.exec(readFileSync(MIGRATION, 'utf8'));
    dir = mkdtempSync(path.join(tmpdir(), 'oneclick-live-'));
    inner = createDirectoryPackageStore(dir);
    sessions = createSshSessionPool();
    secrets.set('key:deploy', keys.privateKey);
    secrets.set('pw:root', PASSWORD);
    acts = createDeliveryActivities({
      store: tricklingStore(inner, 4 * MiB),
      hostKeys: createSqlHostKeyPins(db),
      resolveSecret: (ref) => Promise.resolve(secrets.get(ref)),
      sessions,
      ssh: { keepaliveIntervalMs: 1_000, keepaliveCountMax: 3, readyTimeoutMs: 5_000 },
    });
    endpoint = {
      serverId: host.id,
      host: host.ip,
      port: host.sshPort,
      username: 'root',
      privateKeyRef: 'key:deploy',
      passwordRef: 'pw:root',
    };
    const s = await inspect(host, keys.privateKey);
    try {
      await writeRemoteFile(s, '/opt/live/license.lic', LICENSE);
    } finally {
      s.close();
    }
  });
  afterAll(async () => {
    sessions?.close();
    await host?.stop();
    await db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('heartbeats the push: bytes on the server growing to the size, with the size and a rate', async () => {
    const pkg = await putScriptPackage(inner, 'echo packaged', 6 * MiB);
    const { result, error, beats } = await runCollecting(() =>
      acts.pushPackage({
        endpoint,
        storageKey: pkg.storageKey,
        sha256: pkg.sha256,
        sizeBytes: pkg.sizeBytes,
        remotePath: '/opt/oneclick/packages/live.run',
        mark: { deploymentId: 'dep_live', step: 'push' },
      }),
    );
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ skipped: false, bytesSent: pkg.sizeBytes });
    const progress = beats.filter((b) => b.bytesSent !== undefined);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    const sent = progress.map((b) => b.bytesSent!);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    expect(new Set(sent).size).toBeGreaterThanOrEqual(3);
    expect(sent.at(-1)).toBe(pkg.sizeBytes);
    for (const b of progress) {
      expect(b).toMatchObject({ step: 'push', totalBytes: pkg.sizeBytes });
      expect(b.outputTail).toBeUndefined();
    }
    expect(progress.filter((b) => (b.bytesPerSecond ?? 0) > 0).length).toBeGreaterThan(0);
    expectThrottled(beats);
  });

  it("heartbeats the installer's output tail as it comes, with the password, the license and secret variables redacted everywhere", async () => {
    const installer = [
      'for i in 1 2 3 4 5 6 7 8; do',
      '  echo "installing part $i"',
      '  [ "$i" = 2 ] && echo "root password: $SETUP_WORD"',
      '  [ "$i" = 3 ] && echo "database: $DB_PASSWORD" && cat "$LICENSE_FILE"',
      '  sleep 0.3',
      'done',
      // A long line of two-byte characters: the live tail is cut on a whole character.
      "printf 'é%.0s' $(seq 1 3000); echo",
      'echo "installer finished"',
    ].join('\n');
    const { result, error, beats } = await runCollecting(() =>
      acts.runInstaller({
        endpoint,
        command: installer,
        installDir: '/opt/live',
        licenseFile: '/opt/live/license.lic',
        variables: { SETUP_WORD: PASSWORD, DB_PASSWORD: DB_SECRET },
        timeoutSeconds: 120,
        mark: { deploymentId: 'dep_live', step: 'install' },
      }),
    );
    expect(error).toBeUndefined();
    const tails = beats.filter((b) => b.outputTail !== undefined);
    expect(tails.length).toBeGreaterThanOrEqual(3);
    for (const b of tails) {
      expect(b.step).toBe('install');
      expect(Buffer.byteLength(b.outputTail!)).toBeLessThanOrEqual(4096);
      expect(b.outputTail).not.toContain('\uFFFD');
    }
    // The tail grew while the installer ran, before its last line.
    expect(
      tails.some(
        (b) =>
          b.outputTail!.includes('installing part 1') &&
          !b.outputTail!.includes('installer finished'),
      ),
    ).toBe(true);
    expect(tails.some((b) => b.outputTail!.includes(`root password: ${REDACTED}`))).toBe(true);
    expect(tails.some((b) => b.outputTail!.includes(`database: ${REDACTED}`))).toBe(true);
    expectThrottled(beats);

    const everything = JSON.stringify({ beats, result });
    for (const secret of [PASSWORD, DB_SECRET, ...LICENSE.trim().split('\n')]) {
      expect(everything).not.toContain(secret);
    }
    expect(result?.tail).toContain(`root password: ${REDACTED}`);
    expect(result?.tail).toContain(`database: ${REDACTED}\n${REDACTED}`);
    expect(result?.tail).toContain('installer finished');
  });

  it('redacts the output tail a failing installer fails with', async () => {
    const { error, beats } = await runCollecting(() =>
      acts.runInstaller({
        endpoint,
        command: 'echo "trying with $SETUP_WORD"; echo "license: $(cat "$LICENSE_FILE")"; exit 3',
        licenseFile: '/opt/live/license.lic',
        variables: { SETUP_WORD: PASSWORD },
        timeoutSeconds: 60,
      }),
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    const failure = error as ApplicationFailure;
    expect(failure.type).toBe('COMMAND_FAILED');
    expect(failure.message).toMatch(/installer on .* failed \(exit 3\)/);
    expect(failure.message).toContain(`trying with ${REDACTED}`);
    const everything = JSON.stringify({ message: failure.message, beats });
    for (const secret of [PASSWORD, ...LICENSE.trim().split('\n')]) {
      expect(everything).not.toContain(secret);
    }
  });
});
