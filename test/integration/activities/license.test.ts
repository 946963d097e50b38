import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicenseActivities } from '../../../activities/license.js';
import { migrate } from '../../../src/db/migrate.js';
import { openPglite, type Database } from '../../../src/db/sql.js';
import { createLicenseServices, type LicenseServices } from '../../../src/license/services.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../src/sandbox/sample-generator.js';
import { seedOrder, testWraps } from '../../helpers/license/seed.js';

const KEY = 'F'.repeat(64);
let db: Database;
let license: LicenseServices;
let sample: SampleGenerator;
let activities: ReturnType<typeof createLicenseActivities>;
const env = new MockActivityEnvironment();
/** `env.run` with the activity's own parameter and result types. */
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  env.run<A, R, (...args: A) => Promise<R>>(fn, ...args);

beforeAll(async () => {
  db = await openPglite(undefined);
  await migrate(db);
  license = createLicenseServices({
    sql: db,
    wraps: testWraps(),
    issuer: 'https://oc',
    sellerTimeoutMs: 2_000,
    allowPrivateSellerEndpoints: true,
  });
  activities = createLicenseActivities(license);
  sample = await startSampleGenerator({ accessKey: KEY });
});
afterAll(async () => {
  await sample.close();
  await db.close();
});

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

describe('license activities', () => {
  it('issues a code idempotently and returns only the license id', async () => {
    const o = await seedOrder(db, 'license2');
    const a = await run(activities.issueLicenseCode, o.orderRef);
    const b = await run(activities.issueLicenseCode, o.orderRef);
    expect(a).toEqual({ licenseId: b.licenseId, created: true });
    expect(b.created).toBe(false);
    expect(JSON.stringify(a)).not.toMatch(/PL-/);
  });

  it('answers a License 1.0 order on a License 2.0 path as non-retryable with its code', async () => {
    const o = await seedOrder(db, 'license1');
    const f = await failureOf(run(activities.issueLicenseCode, o.orderRef));
    expect(f.type).toBe('LICENSE_MODEL_MISMATCH');
    expect(f.nonRetryable).toBe(true);
  });

  it('makes a placeholder fingerprint a non-retryable INVALID_FINGERPRINT', async () => {
    const o = await seedOrder(db, 'license1');
    const f = await failureOf(
      run(activities.issueLicenseForMachine, o.orderRef, 'FF:FF:FF:FF:FF:FF|D|B|C'),
    );
    expect(f).toMatchObject({ type: 'INVALID_FINGERPRINT', nonRetryable: true });
  });

  it('makes a refused seller notice retryable, with the attempt recorded', async () => {
    const o = await seedOrder(db, 'license2');
    const { generator } = await license.generators.registerRemote(o.sellerId, {
      name: 's',
      url: sample.url,
      accessKey: KEY,
    });
    await license.generators.setProductSettings(o.sellerId, o.productId, {
      generatorId: generator.id,
    });
    const { licenseId } = await run(activities.issueLicenseCode, o.orderRef);
    sample.setBehaviour({ failNext: 1 });
    const f = await failureOf(
      run(activities.notifyLicenseSeller, licenseId, {
        activity: 'updateLicenseCodeStatus',
        status: 'FREEZE',
      }),
    );
    expect(f).toMatchObject({ type: 'GENERATOR_REFUSED', nonRetryable: false });
    await expect(
      run(activities.notifyLicenseSeller, licenseId, {
        activity: 'updateLicenseCodeStatus',
        status: 'FREEZE',
      }),
    ).resolves.toBe('000000');
    expect((await license.lifecycle.calls(licenseId)).map((c) => c.errorCode)).toEqual([
      'GENERATOR_REFUSED',
      null,
    ]);
  });
});
