import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.js';
import { openPglite, type Database } from '../../../src/db/sql.js';
import { readAudit } from '../../../src/db/repositories/audit-log.js';
import { createTemporalGateway, lifecycleWorkflowId } from '../../../src/temporal/gateway/index.js';
import { GeneratorStore } from '../../../src/license/generator-store.js';
import { LicenseCodeService } from '../../../src/license/license-code-service.js';
import { LicenseLifecycleStore } from '../../../src/license/license-lifecycle-store.js';
import { parseLicenseCode } from '../../../src/license/license-code.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../src/sandbox/sample-generator.js';
import {
  licenseLifecycle,
  lifecycleStateQuery,
  renewSignal,
  unsubscribeSignal,
} from '../../../workflows/license-lifecycle.js';
import { startLicenseWorker, type LicenseWorker } from '../../helpers/license/temporal.js';
import { seedOrder, testWraps } from '../../helpers/license/seed.js';

const WORKFLOWS = fileURLToPath(
  new URL('../../../workflows/license-lifecycle.ts', import.meta.url),
);
const ACCESS_KEY = 'C'.repeat(64);

let db: Database;
let generator: SampleGenerator;
let codes: LicenseCodeService;
let generators: GeneratorStore;
let lifecycle: LicenseLifecycleStore;
let client: Client;
let temporal: LicenseWorker | undefined;
let taskQueue: string;

beforeAll(async () => {
  db = await openPglite(undefined);
  await migrate(db);
  const wraps = testWraps();
  codes = new LicenseCodeService({ sql: db, wraps });
  generators = new GeneratorStore(db, wraps, { allowPrivateNetwork: true });
  lifecycle = new LicenseLifecycleStore(db, codes, generators);
  generator = await startSampleGenerator({ accessKey: ACCESS_KEY });
  temporal = await startLicenseWorker(WORKFLOWS, { lifecycle, generators });
  client = temporal.client;
  taskQueue = temporal.taskQueue;
}, 120_000);

afterAll(async () => {
  await temporal?.stop();
  await generator?.close();
  await db?.close();
});

/** An activated License 2.0 code of a product licensed by the sample remote generator. */
async function activeLicense(expiresInMs: number) {
  const o = await seedOrder(db, 'license2', { expireTime: new Date(Date.now() + expiresInMs) });
  const { generator: g } = await generators.registerRemote(o.sellerId, {
    name: 'sample',
    url: generator.url,
    accessKey: ACCESS_KEY,
  });
  await generators.setProductSettings(o.sellerId, o.productId, { generatorId: g.id });
  const { license, code } = await codes.issue(o.orderRef, 'system');
  await codes.claim(license.id, 'buyer');
  await codes.activate(o.sellerId, code);
  return { o, license, code: parseLicenseCode(code) };
}

const callsFor = (code: string) => generator.calls.filter((c) => c.body.license === code);
const status = async (id: string) =>
  (await db.query<{ status: string }>('select status from licenses where id = $1', [id]))[0]!
    .status;

describe('licenseLifecycle on the real Temporal dev server', () => {
  it("freezes after the grace period and releases after retention, retrying the seller's failing endpoint", async () => {
    const { license, code } = await activeLicense(1_500);
    generator.setBehaviour({ failNext: 2 }); // the FREEZE notice fails twice, then goes through
    const result = await client.workflow.execute(licenseLifecycle, {
      taskQueue,
      workflowId: `license-${license.id}`,
      args: [
        {
          licenseId: license.id,
          durations: { graceMs: 1_000, retentionMs: 1_000, notifyIntervalMs: 200 },
        },
      ],
    });
    expect(result).toMatchObject({ phase: 'released', noticesSent: 2, noticesFailed: 0 });
    expect(await status(license.id)).toBe('RELEASED');
    const seen = callsFor(code).map(
      (c) => `${c.activity}:${(c.body.status as string | undefined) ?? ''}:${c.resultCode}`,
    );
    expect(seen).toEqual([
      'updateLicenseCodeStatus:FREEZE:000005',
      'updateLicenseCodeStatus:FREEZE:000005',
      'updateLicenseCodeStatus:FREEZE:000000',
      'releaseLicenseCode::000000',
    ]);
    expect((await lifecycle.calls(license.id)).map((c) => c.attempt)).toEqual([1, 2, 3, 1]);
    const actions = (await readAudit(db, license.id)).map((e) => e.action);
    expect(actions).toEqual([
      'license.issued',
      'license.claimed',
      'license.activated',
      'license.frozen',
      'license.released',
    ]);
  });

  it('renews a frozen license (refresh + UNFREEZE) and releases it on unsubscription', async () => {
    const { license, code } = await activeLicense(300);
    const handle = await client.workflow.start(licenseLifecycle, {
      taskQueue,
      workflowId: `license-${license.id}`,
      args: [
        {
          licenseId: license.id,
          durations: { graceMs: 300, retentionMs: 600_000, notifyIntervalMs: 200 },
        },
      ],
    });
    // Wait for the freeze, observed through the query the console uses.
    for (let i = 0; i < 200 && (await handle.query(lifecycleStateQuery)).phase !== 'frozen'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await status(license.id)).toBe('FROZEN');
    const newExpiry = new Date(Date.now() + 365 * 86_400_000).toISOString();
    await handle.signal(renewSignal, {
      orderId: 'CS-RENEW-1',
      orderLineId: 'CS-RENEW-1-000001',
      expiresAt: newExpiry,
    });
    for (let i = 0; i < 200 && (await handle.query(lifecycleStateQuery)).phase !== 'alive'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await status(license.id)).toBe('ALIVE');
    await handle.signal(unsubscribeSignal, {
      orderId: 'CS-UNSUB-1',
      orderLineId: 'CS-UNSUB-1-000001',
    });
    expect(await handle.result()).toMatchObject({ phase: 'released', noticesSent: 4 });
    const seen = callsFor(code).map(
      (c) => `${c.activity}:${((c.body.status ?? c.body.scene) as string | undefined) ?? ''}`,
    );
    expect(seen).toEqual([
      'updateLicenseCodeStatus:FREEZE',
      'refreshLicenseCode:RENEWAL',
      'updateLicenseCodeStatus:UNFREEZE',
      'releaseLicenseCode:',
    ]);
    const release = callsFor(code).at(-1)!;
    expect(release.body).toMatchObject({
      orderId: 'CS-UNSUB-1',
      orderLineId: 'CS-UNSUB-1-000001',
      testFlag: '0',
    });
    const refresh = callsFor(code)[1]!;
    expect(refresh.body.expireTime).toMatch(/^\d{14}$/);
  });

  it("goes on to release after the seller's endpoint refused every try", async () => {
    const { license } = await activeLicense(200);
    generator.setBehaviour({ failNext: 1_000 });
    try {
      const result = await client.workflow.execute(licenseLifecycle, {
        taskQueue,
        workflowId: `license-${license.id}`,
        args: [
          {
            licenseId: license.id,
            durations: { graceMs: 200, retentionMs: 200, notifyIntervalMs: 100, notifyAttempts: 3 },
          },
        ],
      });
      expect(result).toMatchObject({ phase: 'released', noticesSent: 0, noticesFailed: 2 });
      expect(await status(license.id)).toBe('RELEASED');
      expect((await lifecycle.calls(license.id)).map((c) => c.errorCode)).toEqual(
        Array(6).fill('GENERATOR_REFUSED'),
      );
    } finally {
      generator.setBehaviour({ failNext: 0 });
    }
  });

  it('keeps the code and access key out of workflow history', async () => {
    const { license, code } = await activeLicense(100);
    const handle = await client.workflow.start(licenseLifecycle, {
      taskQueue,
      workflowId: `license-${license.id}`,
      args: [
        {
          licenseId: license.id,
          durations: { graceMs: 100, retentionMs: 100, notifyIntervalMs: 100 },
        },
      ],
    });
    await handle.result();
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(code);
    expect(history).not.toContain(ACCESS_KEY);
  });

  it('starts once, and an unsubscription through signal-with-start releases the license', async () => {
    const { license, code } = await activeLicense(86_400_000);
    const input = { licenseId: license.id, durations: { notifyIntervalMs: 100 } };
    const gateway = createTemporalGateway(client, taskQueue);
    expect(await gateway.startLicenseLifecycle(input)).toBe('started');
    expect(await gateway.startLicenseLifecycle(input)).toBe('running');
    await gateway.unsubscribeLicenseLifecycle(license.id, {
      orderId: 'CS-U2',
      orderLineId: 'CS-U2-1',
    });
    const result = await client.workflow
      .getHandle<typeof licenseLifecycle>(lifecycleWorkflowId(license.id))
      .result();
    expect(result).toMatchObject({ phase: 'released' });
    expect(await status(license.id)).toBe('RELEASED');
    expect(callsFor(code).map((c) => c.activity)).toEqual(['releaseLicenseCode']);
  });
});
