import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/api.js';
import { seedOrder } from '../../../helpers/license/seed.js';
import { newId } from '../../../../src/db/ids.js';
import { DEPLOYMENT_STEPS } from '../../../../src/domain/deployment.js';

interface Stats {
  timeZone: string;
  perDay: {
    days: number;
    items: { day: string; succeeded: number; failed: number; cancelled: number; running: number }[];
  };
  stepDurations: {
    days: number;
    items: { step: string; count: number; p50Seconds: number | null; p95Seconds: number | null }[];
  };
}

const DAY = 86_400_000;
const utcDay = (d: Date) => d.toISOString().slice(0, 10);

describe('GET /v1/deployment-stats (operators)', () => {
  let t: TestApp;
  let operator: string;

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await t.principal('operator')).key;
    const { orderRef } = await seedOrder(t.db, 'license2');
    const now = Date.now();
    const seed = async (state: string, at: number, pushSeconds: number) => {
      const id = newId('dep');
      await t.db.query(
        `insert into deployments (id, order_id, workflow_id, state, created_at) values ($1, $2, $3, $4, $5)`,
        [id, orderRef, `wf-${id}`, state, new Date(at)],
      );
      await t.db.query(
        `insert into deployment_steps (deployment_id, step, status, started_at, ended_at)
         values ($1, 'push', 'succeeded', $2, $3)`,
        [id, new Date(at), new Date(at + pushSeconds * 1000)],
      );
    };
    await seed('succeeded', now - 60_000, 10);
    await seed('failed', now - 2 * DAY, 20);
    await seed('succeeded', now - 20 * DAY, 999);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 403 FORBIDDEN to seller and buyer keys', async () => {
    for (const role of ['seller', 'buyer'] as const) {
      const { key } = await t.principal(role, `${role}-x`);
      const res = await t.call('GET', '/v1/deployment-stats', { key });
      expect(res.status).toBe(403);
    }
  });

  it('counts the last 14 UTC days by outcome and lists every step with its p50/p95', async () => {
    const res = await t.call('GET', '/v1/deployment-stats', { key: operator });
    expect(res.status).toBe(200);
    const stats = (await res.json()) as Stats;
    expect(stats.timeZone).toBe('UTC');
    expect(stats.perDay.items).toHaveLength(14);
    expect(stats.perDay.items.at(-1)!.day).toBe(utcDay(new Date()));
    const total = stats.perDay.items.reduce((n, d) => n + d.succeeded + d.failed, 0);
    expect(total).toBe(2);
    expect(stats.stepDurations.items.map((s) => s.step)).toEqual([...DEPLOYMENT_STEPS]);
    expect(stats.stepDurations.items.find((s) => s.step === 'push')).toEqual({
      step: 'push',
      count: 2,
      p50Seconds: 15,
      p95Seconds: 19.5,
    });
    expect(stats.stepDurations.items.find((s) => s.step === 'ssh')).toEqual({
      step: 'ssh',
      count: 0,
      p50Seconds: null,
      p95Seconds: null,
    });
  });

  it('takes other windows and refuses ones out of range', async () => {
    const res = await t.call('GET', '/v1/deployment-stats?days=30&stepDays=1', { key: operator });
    const stats = (await res.json()) as Stats;
    expect(stats.perDay.items).toHaveLength(30);
    expect(stats.perDay.items.reduce((n, d) => n + d.succeeded, 0)).toBe(2);
    expect(stats.stepDurations.items.find((s) => s.step === 'push')!.count).toBe(1);
    for (const q of ['days=0', 'days=91', 'stepDays=x']) {
      const bad = await t.call('GET', `/v1/deployment-stats?${q}`, { key: operator });
      expect(bad.status, q).toBe(400);
    }
  });
});
