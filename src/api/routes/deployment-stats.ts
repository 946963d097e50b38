import { z } from '@hono/zod-openapi';
import { deploymentsPerDay, stepDurations } from '../../db/repositories/deployment-stats.js';
import { DEPLOYMENT_STEPS } from '../../domain/deployment.js';
import { defineRoute, ok, resourceRoutes } from '../contract.js';

const query = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(14)
    .openapi({ description: 'Days of deployments per day, ending today (UTC)' }),
  stepDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(7)
    .openapi({ description: 'Days of step durations, ending now' }),
});

/**
 * Deployment statistics for the operators' charts (mounted at /v1/deployment-stats): deployments
 * per UTC day by outcome, and the p50/p95 duration of each step, computed in SQL over the
 * deployments and their steps. Every step is listed in the workflow's order, with null
 * percentiles where none ended in the window.
 */
export function deploymentStatsRoutes() {
  const stats = defineRoute({
    method: 'get',
    path: '/',
    summary: 'Deployments per day by outcome and p50/p95 duration per step (operators)',
    tags: ['operators'],
    auth: 'apiKey',
    roles: ['operator'],
    request: { query },
    errors: [],
    responses: { 200: ok('Per-day counts (oldest first) and per-step durations in seconds') },
  });
  return resourceRoutes().openapi(stats, async (c) => {
    const { days, stepDays } = c.req.valid('query');
    const { db } = c.get('deps');
    const now = new Date();
    const [perDay, durations] = await Promise.all([
      deploymentsPerDay(db, days, now),
      stepDurations(db, stepDays, now),
    ]);
    const byStep = new Map(durations.map((d) => [d.step, d]));
    return c.json({
      generatedAt: now.toISOString(),
      timeZone: 'UTC',
      perDay: { days, items: perDay },
      stepDurations: {
        days: stepDays,
        items: DEPLOYMENT_STEPS.map((step) => {
          const d = byStep.get(step);
          return {
            step,
            count: d?.count ?? 0,
            p50Seconds: d ? round(d.p50Seconds) : null,
            p95Seconds: d ? round(d.p95Seconds) : null,
          };
        }),
      },
    });
  });
}

/** Milliseconds are the finest a step's duration means anything at. */
const round = (seconds: number) => Math.round(seconds * 1000) / 1000;
