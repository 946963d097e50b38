import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.js';
import { openPglite, type Database } from '../../../src/db/sql.js';
import { createTemporalGateway } from '../../../src/temporal/gateway/index.js';
import { GeneratorStore } from '../../../src/license/generator-store.js';
import { LicenseCodeService } from '../../../src/license/license-code-service.js';
import { LicenseLifecycleStore } from '../../../src/license/license-lifecycle-store.js';
import {
  startSampleGenerator,
  type SampleGenerator,
} from '../../../src/sandbox/sample-generator.js';
import { generatorProbe } from '../../../workflows/generator-probe.js';
import { startLicenseWorker, type LicenseWorker } from '../../helpers/license/temporal.js';
import { seedOrder, testWraps } from '../../helpers/license/seed.js';

const WORKFLOWS = fileURLToPath(new URL('../../../workflows/generator-probe.ts', import.meta.url));
const KEY = 'D'.repeat(64);

let db: Database;
let good: SampleGenerator;
let flaky: SampleGenerator;
let generators: GeneratorStore;
let client: Client;
let temporal: LicenseWorker | undefined;
let taskQueue: string;

beforeAll(async () => {
  db = await openPglite(undefined);
  await migrate(db);
  const wraps = testWraps();
  generators = new GeneratorStore(db, wraps, { allowPrivateNetwork: true });
  const lifecycle = new LicenseLifecycleStore(
    db,
    new LicenseCodeService({ sql: db, wraps }),
    generators,
  );
  good = await startSampleGenerator({ accessKey: KEY });
  flaky = await startSampleGenerator({ accessKey: KEY });
  temporal = await startLicenseWorker(WORKFLOWS, { lifecycle, generators });
  client = temporal.client;
  taskQueue = temporal.taskQueue;
}, 120_000);

afterAll(async () => {
  await temporal?.stop();
  await good?.close();
  await flaky?.close();
  await db?.close();
});

describe('generatorProbe', () => {
  it('marks a generator that stopped signing as failing and keeps a healthy one active', async () => {
    const { sellerId } = await seedOrder(db, 'license1');
    const a = await generators.registerRemote(sellerId, {
      name: 'good',
      url: good.url,
      accessKey: KEY,
    });
    const b = await generators.registerRemote(sellerId, {
      name: 'flaky',
      url: flaky.url,
      accessKey: KEY,
    });
    await generators.createBuiltIn(sellerId, 'built-in', { validityDays: 30 });
    expect([a.generator.status, b.generator.status]).toEqual(['active', 'active']);
    flaky.setBehaviour({ signAnswers: 'none' });
    const result = await client.workflow.execute(generatorProbe, {
      taskQueue,
      workflowId: `probe-${randomUUID()}`,
    });
    expect(result).toEqual({ checked: 2, passed: 1, failed: [b.generator.id] });
    const health = await generators.list(sellerId);
    expect(health.find((g) => g.id === b.generator.id)).toMatchObject({
      status: 'failing',
      lastCheck: { passed: false },
    });
    expect(health.find((g) => g.id === a.generator.id)).toMatchObject({
      status: 'active',
      lastCheck: { passed: true },
    });
    // Fixed, it comes back on the next probe.
    flaky.setBehaviour({ signAnswers: 'valid' });
    await client.workflow.execute(generatorProbe, {
      taskQueue,
      workflowId: `probe-${randomUUID()}`,
    });
    expect((await generators.get(b.generator.id))?.status).toBe('active');
    // Every probe call was a debug call.
    expect([...good.calls, ...flaky.calls].every((c) => c.body.testFlag === '1')).toBe(true);
  });

  it('creates the twice-daily schedule once, and a triggered run probes', async () => {
    const scheduleId = `generator-probe-${randomUUID()}`;
    const gateway = createTemporalGateway(client, taskQueue);
    expect(await gateway.ensureGeneratorProbeSchedule({ scheduleId })).toBe('created');
    expect(await gateway.ensureGeneratorProbeSchedule({ scheduleId })).toBe('exists');
    const handle = client.schedule.getHandle(scheduleId);
    try {
      const desc = await handle.describe();
      expect(desc.spec.calendars?.[0]?.hour).toEqual([
        { start: 8, end: 8, step: 1 },
        { start: 15, end: 15, step: 1 },
      ]);
      const before = good.calls.length;
      await handle.trigger();
      for (let i = 0; i < 300 && good.calls.length === before; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(good.calls.length).toBeGreaterThan(before);
    } finally {
      await handle.delete();
    }
  });
});
