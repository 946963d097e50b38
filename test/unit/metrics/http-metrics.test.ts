import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/registry.js';
import { timeRequests, UNMATCHED } from '../../../src/metrics/http-metrics.js';

/** A small app shaped like ours: middleware on `*`, a sub-app mounted under a prefix. */
function timedApp() {
  const metrics = createMetrics({ processMetrics: false });
  const app = new Hono();
  app.use('*', timeRequests(metrics.http));
  app.use('*', async (_c, next) => next());
  const orders = new Hono();
  orders.use('*', async (c, next) =>
    c.req.header('authorization') ? next() : c.json({ error: 'no key' }, 401),
  );
  orders.get('/:orderRef', (c) => c.json({ id: c.req.param('orderRef') }));
  orders.post('/:orderRef/boom', () => {
    throw new Error('boom');
  });
  app.route('/v1/orders', orders);
  app.onError((_err, c) => c.json({ error: 'internal' }, 500));
  return { app, metrics };
}

async function samples(metrics: ReturnType<typeof createMetrics>) {
  const { values } = await metrics.http.get();
  return values
    .filter((v) => v.metricName === 'oneclick_http_request_duration_seconds_count')
    .map((v) => ({ ...v.labels, count: v.value }));
}

describe('request timing', () => {
  it('labels requests with the route pattern, never the ids in the path', async () => {
    const { app, metrics } = timedApp();
    const auth = { headers: { authorization: 'Bearer k' } };
    await app.request('/v1/orders/ord_1', auth);
    await app.request('/v1/orders/ord_2', auth);
    await app.request('/v1/orders/ord_3', { method: 'HEAD', ...auth });
    expect(await samples(metrics)).toEqual([
      { method: 'GET', route: '/v1/orders/:orderRef', status: '200', count: 2 },
      { method: 'HEAD', route: '/v1/orders/:orderRef', status: '200', count: 1 },
    ]);
  });

  it('keeps the pattern for answers a middleware or the error handler gave', async () => {
    const { app, metrics } = timedApp();
    await app.request('/v1/orders/ord_1');
    await app.request('/v1/orders/ord_1/boom', {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
    });
    expect(await samples(metrics)).toEqual([
      { method: 'GET', route: '/v1/orders/:orderRef', status: '401', count: 1 },
      { method: 'POST', route: '/v1/orders/:orderRef/boom', status: '500', count: 1 },
    ]);
  });

  it('puts every path no route serves under one unmatched label', async () => {
    const { app, metrics } = timedApp();
    for (const p of ['/nope', '/v1/orders', '/v1/orders/ord_1/x/y', '/wp-login.php?x=1']) {
      await app.request(p, { headers: { authorization: 'Bearer k' } });
    }
    await app.request('/v1/orders/ord_1', { method: 'DELETE' });
    await app.request('/nope', { method: 'PROPFIND' });
    expect(await samples(metrics)).toEqual([
      { method: 'GET', route: UNMATCHED, status: '404', count: 4 },
      { method: 'DELETE', route: UNMATCHED, status: '401', count: 1 },
      { method: 'OTHER', route: UNMATCHED, status: '404', count: 1 },
    ]);
  });
});
