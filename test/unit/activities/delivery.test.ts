import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeliveryActivities,
  type DeliveryActivities,
  type SshEndpoint,
} from '../../../activities/delivery.js';
import { openPglite, type Database } from '../../../src/db/sql.js';
import { createDirectoryPackageStore } from '../../../src/packages/directory-store.js';
import { createSqlHostKeyPins } from '../../../src/ssh/host-key.js';

const MIGRATION = fileURLToPath(
  new URL('../../../src/db/migrations/0200-ssh-host-keys.sql', import.meta.url),
);

// Bad input is refused before any connection is tried, so nothing here needs a server.
const endpoint: SshEndpoint = {
  serverId: 'srv-1',
  host: '192.0.2.1',
  username: 'root',
  privateKeyRef: 'key:1',
};

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApplicationFailure) return e;
    throw e;
  }
  throw new Error('expected the activity to fail');
}

describe('delivery activities refuse bad input with non-retryable codes', () => {
  let db: Database;
  let dir: string;
  let acts: DeliveryActivities;
  const env = new MockActivityEnvironment();
  beforeAll(async () => {
    db = await openPglite(undefined);
    await db.exec(readFileSync(MIGRATION, 'utf8'));
    dir = mkdtempSync(path.join(tmpdir(), 'oneclick-acts-'));
    acts = createDeliveryActivities({
      store: createDirectoryPackageStore(dir),
      hostKeys: createSqlHostKeyPins(db),
      resolveSecret: (ref) => Promise.resolve(ref === 'key:1' ? 'not-a-real-key' : undefined),
    });
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers PACKAGE_NOT_FOUND for a package the store does not hold', async () => {
    const f = await failureOf(
      env.run((i: Parameters<DeliveryActivities['pushPackage']>[0]) => acts.pushPackage(i), {
        endpoint,
        storageKey: `sha256/${'a'.repeat(64)}`,
        sha256: 'a'.repeat(64),
        sizeBytes: 10,
        remotePath: '/opt/x',
      }),
    );
    expect(f.type).toBe('PACKAGE_NOT_FOUND');
    expect(f.nonRetryable).toBe(true);
  });

  it('answers INVALID_REMOTE_PATH for a relative license path', async () => {
    const f = await failureOf(
      env.run(
        (i: Parameters<DeliveryActivities['writeLicenseFile']>[0]) => acts.writeLicenseFile(i),
        { endpoint, remotePath: 'license.lic', contentRef: 'x' },
      ),
    );
    expect(f.type).toBe('INVALID_REMOTE_PATH');
    expect(f.nonRetryable).toBe(true);
  });

  it('answers INVALID_COMMAND for an empty installer', async () => {
    const f = await failureOf(
      env.run((i: Parameters<DeliveryActivities['runInstaller']>[0]) => acts.runInstaller(i), {
        endpoint,
        command: '   ',
      }),
    );
    expect(f.type).toBe('INVALID_COMMAND');
  });

  it('answers SSH_NO_CREDENTIALS when no reference resolves, without naming a secret', async () => {
    const f = await failureOf(
      env.run(
        (i: Parameters<DeliveryActivities['collectFingerprint']>[0]) => acts.collectFingerprint(i),
        {
          endpoint: { ...endpoint, privateKeyRef: 'key:missing', passwordRef: 'pw:missing' },
        },
      ),
    );
    expect(f.type).toBe('SSH_NO_CREDENTIALS');
    expect(f.nonRetryable).toBe(true);
  });
});
