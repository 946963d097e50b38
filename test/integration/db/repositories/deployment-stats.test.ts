import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds, openTestDatabase } from '../../../helpers/databases.js';
import { seedOrder } from '../../../helpers/license/seed.js';
import type { Database } from '../../../../src/db/sql.js';
import { newId } from '../../../../src/db/ids.js';
import {
  deploymentsPerDay,
  stepDurations,
} from '../../../../src/db/repositories/deployment-stats.js';

const NOW = new Date('2026-05-14T12:00:00Z');

describe.each(databaseKinds)('deployment statistics on %s', (kind) => {
  let db: Database;
  let orderRef: string;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
    orderRef = (await seedOrder(db, 'license2')).orderRef;
  });
  afterEach(async () => {
    await db.close();
  });

  const deployment = async (state: string, createdAt: string) => {
    const id = newId('dep');
    await db.query(
      `insert into deployments (id, order_id, workflow_id, state, created_at) values ($1, $2, $3, $4, $5)`,
      [id, orderRef, `wf-${id}`, state, createdAt],
    );
    return id;
  };
  const step = (
    deploymentId: string,
    name: string,
    status: string,
    startedAt: string,
    seconds: number | null,
  ) =>
    db.query(
      `insert into deployment_steps (deployment_id, step, status, started_at, ended_at)
       values ($1, $2, $3, $4::timestamptz,
               case when $5::float8 is null then null else $4::timestamptz + make_interval(secs => $5::float8) end)`,
      [deploymentId, name, status, startedAt, seconds],
    );

  it('counts deployments per UTC day by outcome over the window, days without any at zero', async () => {
    await deployment('succeeded', '2026-05-14T01:00:00Z');
    await deployment('succeeded', '2026-05-14T11:00:00Z');
    await deployment('failed', '2026-05-14T02:00:00Z');
    await deployment('cancelled', '2026-05-13T23:30:00Z');
    await deployment('push', '2026-05-10T08:00:00Z');
    await deployment('succeeded', '2026-05-01T00:00:00Z');
    await deployment('failed', '2026-04-30T23:59:59Z');

    const days = await deploymentsPerDay(db, 14, NOW);
    expect(days).toHaveLength(14);
    expect(days[0]).toEqual({
      day: '2026-05-01',
      succeeded: 1,
      failed: 0,
      cancelled: 0,
      running: 0,
    });
    expect(days.at(-1)).toEqual({
      day: '2026-05-14',
      succeeded: 2,
      failed: 1,
      cancelled: 0,
      running: 0,
    });
    expect(days.find((d) => d.day === '2026-05-13')).toMatchObject({ cancelled: 1 });
    expect(days.find((d) => d.day === '2026-05-10')).toMatchObject({ running: 1 });
    expect(days.find((d) => d.day === '2026-05-05')).toEqual({
      day: '2026-05-05',
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      running: 0,
    });
    expect(await deploymentsPerDay(db, 1, NOW)).toHaveLength(1);
  });

  it('gives p50 and p95 of each step over the ended steps of the window', async () => {
    const pushes = [10, 20, 30, 40, 100];
    for (const [i, seconds] of pushes.entries()) {
      const d = await deployment('succeeded', '2026-05-12T00:00:00Z');
      await step(d, 'push', i === 4 ? 'failed' : 'succeeded', `2026-05-1${i}T06:00:00Z`, seconds);
      await step(d, 'network', 'skipped', '2026-05-12T05:00:00Z', 0);
    }
    const old = await deployment('succeeded', '2026-05-01T00:00:00Z');
    await step(old, 'push', 'succeeded', '2026-05-06T00:00:00Z', 5000);
    const open = await deployment('push', '2026-05-14T11:00:00Z');
    await step(open, 'push', 'running', '2026-05-14T11:00:00Z', null);
    await step(open, 'server', 'succeeded', '2026-05-14T10:59:00Z', 0.25);

    const byStep = Object.fromEntries(
      (await stepDurations(db, 7, NOW)).map((s) => [s.step, s] as const),
    );
    expect(Object.keys(byStep).sort()).toEqual(['push', 'server']);
    expect(byStep.push!.count).toBe(5);
    expect(byStep.push!.p50Seconds).toBeCloseTo(30, 6);
    expect(byStep.push!.p95Seconds).toBeCloseTo(88, 6);
    expect(byStep.server).toMatchObject({ count: 1, p50Seconds: 0.25, p95Seconds: 0.25 });
  });
});
