import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../src/metrics/registry.js';
import { startTestApp, type TestApp } from '../../helpers/api.js';

/** `GET /metrics` on the API's own port, over the real app and database. */
describe('/metrics on the API', () => {
  let t: TestApp;
  let metrics: Metrics;
  beforeAll(async () => {
    metrics = createMetrics();
    t = await startTestApp('pglite', { metrics });
  });
  afterAll(async () => {
    await t.close();
  });

  const count = (text: string, method: string, route: string, status: number) =>
    Number(
      text.match(
        new RegExp(
          `^oneclick_http_request_duration_seconds_count\\{method="${method}",route="${route}",status="${status}"\\} (\\d+)$`,
          'm',
        ),
      )?.[1] ?? 0,
    );

  it('answers without an API key, in Prometheus text, with the requests timed by route pattern', async () => {
    const buyer = await t.principal('buyer');
    await t.call('GET', '/healthz');
    await t.call('GET', '/v1/orders/ord_doesnotexist1', { key: buyer.key });
    await t.call('GET', '/v1/orders/ord_doesnotexist2', { key: buyer.key });
    await t.call('GET', '/v1/orders/ord_doesnotexist3');
    await t.call('GET', '/no/such/route');

    const res = await t.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(count(text, 'GET', '/healthz', 503)).toBe(1); // no Temporal in this app
    expect(count(text, 'GET', '/v1/orders/:id', 404)).toBe(2);
    expect(count(text, 'GET', '/v1/orders/:id', 401)).toBe(1);
    expect(count(text, 'GET', 'unmatched', 404)).toBe(1);
    // No series names an order id.
    expect(text).not.toContain('ord_doesnotexist');
    expect(text).toMatch(/^oneclick_nodejs_heap_size_used_bytes \d+/m);
    // The scrape itself is timed too (the next one shows it).
    expect(count(await (await t.call('GET', '/metrics')).text(), 'GET', '/metrics', 200)).toBe(1);
  });

  it('stays out of the OpenAPI document', async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain('/healthz');
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });

  it('is not served when metrics are off, or when they have a port of their own', async () => {
    const off = await startTestApp('pglite');
    const ownPort = await startTestApp('pglite', { metrics: createMetrics(), metricsRoute: false });
    try {
      expect((await off.call('GET', '/metrics')).status).toBe(404);
      expect((await ownPort.call('GET', '/metrics')).status).toBe(404);
    } finally {
      await off.close();
      await ownPort.close();
    }
  });
});
