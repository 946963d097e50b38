import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeliveryActivities,
  type RemoteCommandInput,
  type RemoteCommandResult,
  type SshEndpoint,
} from '../../../activities/delivery.js';
import { openPglite, type Database } from '../../../src/db/sql.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import type { PackageStore } from '../../../src/packages/store.js';
import { createSqlHostKeyPins, type HostKeyPins } from '../../../src/ssh/host-key.js';
import { createSshSessionPool, type SshSessionPool } from '../../../src/ssh/session-pool.js';
import { makeKeyPair, putScriptPackage } from '../../helpers/ssh/delivery-harness.js';
import { startLocalSshd, type LocalSshd } from '../../helpers/ssh/local-sshd.js';

const MIGRATION = new URL('../../../src/db/migrations/0200-ssh-host-keys.sql', import.meta.url);

async function until(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  for (const start = Date.now(); !check();) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('SSH connection pool of the delivery activities (real sshd)', () => {
  let sshd: LocalSshd;
  let db: Database;
  let pins: HostKeyPins;
  let store: PackageStore;
  let storeDir: string;
  let remote: string;
  const secrets = new Map<string, string>();
  const pools: SshSessionPool[] = [];
  let serial = 0;

  /** Activities over a fresh pool, as a worker builds them. */
  const activitiesWith = (options: Parameters<typeof createSshSessionPool>[0] = {}) => {
    const sessions = createSshSessionPool(options);
    pools.push(sessions);
    const acts = createDeliveryActivities({
      store,
      hostKeys: pins,
      resolveSecret: (ref) => Promise.resolve(secrets.get(ref)),
      ssh: { keepaliveIntervalMs: 1_000, keepaliveCountMax: 3, readyTimeoutMs: 5_000 },
      sessions,
    });
    return { acts, sessions };
  };
  /** Each test pins a server id of its own. */
  const endpoint = (extra: Partial<SshEndpoint> = {}): SshEndpoint => ({
    serverId: `pool-${++serial}`,
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKeyRef: 'key:client',
    ...extra,
  });
  const command = (ep: SshEndpoint, cmd: string): RemoteCommandInput => ({
    endpoint: ep,
    command: cmd,
    installDir: path.join(remote, 'app'),
    timeoutSeconds: 60,
  });

  beforeAll(async () => {
    sshd = await startLocalSshd();
    secrets.set('key:client', sshd.clientKey);
    db = await openPglite(undefined);
    await db.exec(readFileSync(MIGRATION, 'utf8'));
    pins = createSqlHostKeyPins(db);
    storeDir = mkdtempSync(path.join(tmpdir(), 'oneclick-pool-pkgs-'));
    store = createDirectoryPackageStore(storeDir);
    // The "server" shares this filesystem: the remote side is a directory sshd writes into.
    remote = mkdtempSync(path.join(tmpdir(), 'oneclick-pool-remote-'));
  });
  afterEach(async () => {
    for (const p of pools.splice(0)) p.close();
    await until('sshd has no connections left', () => sshd.sessionCount() === 0);
  });
  afterAll(async () => {
    await sshd?.stop();
    await db?.close();
    rmSync(storeDir, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  });

  it('runs wait, push, installer, license file, verify and fingerprint over one handshake', async () => {
    const { acts, sessions } = activitiesWith();
    const ep = endpoint();
    secrets.set('license:pool', 'LICENSE-OK pooled\n');
    const pkg = await putScriptPackage(store, 'echo hello', 4 * 1024 * 1024);
    const pkgPath = path.join(remote, 'pkgs', 'app.run');
    const licensePath = path.join(remote, 'app', 'license.lic');

    const { hostKey } = await acts.waitForSsh({ endpoint: ep, waitSeconds: 10 });
    expect(hostKey).toBe(sshd.hostKeyFingerprint);
    const pushed = await acts.pushPackage({ endpoint: ep, ...pkg, remotePath: pkgPath });
    expect(pushed).toMatchObject({ skipped: false, bytesSent: pkg.sizeBytes });
    const installed = await acts.runInstaller(
      command(ep, `mkdir -p "$INSTALL_DIR" && sh ${pkgPath} && echo installed`),
    );
    expect(installed.tail).toContain('hello\ninstalled');
    await acts.writeLicenseFile({
      endpoint: ep,
      remotePath: licensePath,
      contentRef: 'license:pool',
    });
    const verified = await acts.runVerify(
      command(ep, `grep -q LICENSE-OK ${licensePath} && echo ok`),
    );
    expect(verified.tail).toContain('ok');
    const { fingerprint } = await acts.collectFingerprint({ endpoint: ep });
    expect(fingerprint.split('|')).toHaveLength(4);

    expect(sessions.stats()).toMatchObject({ handshakes: 1, reuses: 5, open: 1, leased: 0 });
    expect(sshd.sessionCount()).toBe(1);
    expect(readFileSync(licensePath, 'utf8')).toBe('LICENSE-OK pooled\n');
  });

  it('reconnects when sshd dropped the connection between two activities', async () => {
    const { acts, sessions } = activitiesWith();
    const ep = endpoint();
    await acts.waitForSsh({ endpoint: ep, waitSeconds: 10 });
    await acts.runInstaller(command(ep, 'true'));
    expect(sessions.stats()).toMatchObject({ handshakes: 1, open: 1 });

    await sshd.dropSessions();
    await until('the pool has let the dead connection go', () => sessions.stats().open === 0);
    expect(sessions.stats().dropped).toBe(1);

    const after = await acts.runVerify(command(ep, 'echo "still here"'));
    expect(after.tail).toContain('still here');
    expect(sessions.stats()).toMatchObject({ handshakes: 2, open: 1 });
  });

  it('fails an activity that got a connection sshd had just dropped as retryable, and the retry reconnects', async () => {
    const { acts, sessions } = activitiesWith();
    const ep = endpoint();
    await acts.waitForSsh({ endpoint: ep, waitSeconds: 10 });
    await sshd.dropSessions();
    // No waiting: the activity may be handed the dying connection before the pool hears of it.
    const first = await acts.runVerify(command(ep, 'echo one')).then(
      (r) => r,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    if (first instanceof Error) {
      expect(first instanceof ApplicationFailure && first.nonRetryable).toBe(false);
      // What Temporal's retry does: call again; the pool has discarded the broken connection.
      const retried = await acts.runVerify(command(ep, 'echo one'));
      expect(retried.tail).toContain('one');
    } else {
      expect(first.tail).toContain('one');
    }
    expect(sessions.stats()).toMatchObject({ handshakes: 2, open: 1 });
  });

  it('closes a connection once it has been idle for the idle time', async () => {
    const { acts, sessions } = activitiesWith({ idleMs: 300 });
    const ep = endpoint();
    await acts.waitForSsh({ endpoint: ep, waitSeconds: 10 });
    await acts.runInstaller(command(ep, 'true'));
    expect(sessions.stats()).toMatchObject({ open: 1, idleClosed: 0 });
    expect(sshd.sessionCount()).toBe(1);

    await until('the idle connection is closed', () => sessions.stats().open === 0, 3_000);
    expect(sessions.stats()).toMatchObject({ handshakes: 1, idleClosed: 1 });
    await until('sshd saw the client leave', () => sshd.sessionCount() === 0);

    // A later activity simply connects again.
    await acts.runVerify(command(ep, 'true'));
    expect(sessions.stats().handshakes).toBe(2);
  });

  it('never hands a connection made with one credential to a request with another', async () => {
    const other = makeKeyPair();
    appendFileSync(path.join(sshd.dir, 'authorized_keys'), `${other.publicKey}\n`);
    secrets.set('key:other', other.privateKey);
    const { acts, sessions } = activitiesWith();
    const ep = endpoint();
    await acts.runInstaller(command(ep, 'true'));
    await acts.runInstaller(command({ ...ep, privateKeyRef: 'key:other' }, 'true'));
    expect(sessions.stats()).toMatchObject({ handshakes: 2, reuses: 0, open: 2 });

    // A different secret behind the same reference is another credential too.
    secrets.set('key:other', sshd.clientKey);
    await acts.runInstaller(command({ ...ep, privateKeyRef: 'key:other' }, 'true'));
    expect(sessions.stats()).toMatchObject({ handshakes: 3, reuses: 0 });
    // The first credential still finds its own connection.
    await acts.runInstaller(command(ep, 'true'));
    expect(sessions.stats()).toMatchObject({ handshakes: 3, reuses: 1 });
  });

  it('shares one connection between activities running at once on one server', async () => {
    const { acts, sessions } = activitiesWith();
    const ep = endpoint();
    const pkg = await putScriptPackage(store, 'echo concurrent', 8 * 1024 * 1024);
    // No waitForSsh first: all of them start before any connection exists.
    const results = await Promise.all([
      acts.pushPackage({ endpoint: ep, ...pkg, remotePath: path.join(remote, 'c', 'app.run') }),
      acts.runInstaller(command(ep, 'sleep 0.5; echo a')),
      acts.runInstaller(command(ep, 'sleep 0.5; echo b')),
      acts.collectFingerprint({ endpoint: ep }),
    ]);
    expect(results[0]).toMatchObject({ bytesSent: pkg.sizeBytes });
    expect(results[1].tail).toContain('a');
    expect(results[2].tail).toContain('b');
    expect(sessions.stats()).toMatchObject({ handshakes: 1, reuses: 3, open: 1 });
    expect(sshd.sessionCount()).toBe(1);
  });

  it('keeps a connection working for others when an activity on it is cancelled mid-command', async () => {
    const { acts, sessions } = activitiesWith();
    const ep = endpoint();
    await acts.waitForSsh({ endpoint: ep, waitSeconds: 10 });
    const cancelled = new MockActivityEnvironment();
    const pidFile = path.join(remote, `cancelled-${serial}.pid`);
    const long = cancelled.run(() =>
      acts.runInstaller(command(ep, `echo $$ > ${pidFile}; sleep 30`)),
    );
    const other: Promise<RemoteCommandResult> = new MockActivityEnvironment().run(() =>
      acts.runVerify(command(ep, 'sleep 1; echo other')),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(sessions.stats()).toMatchObject({ handshakes: 1, leased: 2 });
    cancelled.cancel();
    expect(await failureOf(long)).toBeInstanceOf(CancelledFailure);
    // The other activity on the same connection finishes as if nothing happened...
    expect((await other).tail).toContain('other');
    // ...and the connection the cancelled one used is not handed out again.
    expect(sessions.stats()).toMatchObject({ handshakes: 1, discarded: 1, open: 0 });
    const next = await acts.runVerify(command(ep, 'echo next'));
    expect(next.tail).toContain('next');
    expect(sessions.stats()).toMatchObject({ handshakes: 2, open: 1 });
    // The cancelled command was stopped on the server.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await until('the cancelled command has ended', () => !isAlive(pid));
  });

  it('keeps the connection after a command that failed on its own', async () => {
    const { acts, sessions } = activitiesWith();
    const ep = endpoint();
    const err = await failureOf(acts.runInstaller(command(ep, 'echo broken >&2; exit 3')));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('COMMAND_FAILED');
    await acts.runVerify(command(ep, 'true'));
    expect(sessions.stats()).toMatchObject({ handshakes: 1, reuses: 1, discarded: 0 });
  });

  it('stops with HOST_KEY_MISMATCH when the server comes back with another key, pooling nothing', async () => {
    const { acts, sessions } = activitiesWith();
    const ep = endpoint();
    const { hostKey } = await acts.waitForSsh({ endpoint: ep, waitSeconds: 10 });
    // Connections first: sessions of a stopped listener would outlive it unseen.
    await sshd.dropSessions();
    await sshd.regenerateHostKey();
    await until('the pool has let the dead connection go', () => sessions.stats().open === 0);

    const err = await failureOf(acts.runVerify(command(ep, 'true')));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('HOST_KEY_MISMATCH');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect(await pins.get(ep.serverId)).toBe(hostKey);
    expect(sessions.stats()).toMatchObject({ handshakes: 1, open: 0 });
    await until('sshd has no connections left', () => sshd.sessionCount() === 0);
  });

  it('closes every connection when the worker closes the pool', async () => {
    const { acts, sessions } = activitiesWith();
    await acts.waitForSsh({ endpoint: endpoint(), waitSeconds: 10 });
    await acts.waitForSsh({ endpoint: endpoint(), waitSeconds: 10 });
    expect(sessions.stats()).toMatchObject({ handshakes: 2, open: 2 });
    expect(sshd.sessionCount()).toBe(2);
    sessions.close();
    expect(sessions.stats().open).toBe(0);
    await until('sshd saw both clients leave', () => sshd.sessionCount() === 0);
  });
});
