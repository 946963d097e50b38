import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/registry.js';
import { serveMetrics, type MetricsServer } from '../../../src/metrics/metrics-server.js';

/** The listener a worker-only node serves `/metrics` on (ONECLICK_METRICS_PORT, default 9464). */
describe('metrics listener', () => {
  const metrics = createMetrics({ processMetrics: false });
  let server: MetricsServer;
  beforeAll(async () => {
    server = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the registry at /metrics in Prometheus text', async () => {
    metrics.deployments.deploymentFinished('failed');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toMatch(
      /^oneclick_deployments_finished_total\{outcome="failed"\} 1$/m,
    );
  });

  it('answers nothing else', async () => {
    const base = server.url.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/v1/orders`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it('refuses a port already taken, for the node to carry on without it', async () => {
    const port = Number(new URL(server.url).port);
    await expect(serveMetrics(metrics, { host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('closes with a scraper still connected', async () => {
    const other = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 });
    await fetch(other.url, { keepalive: true });
    await other.close();
    await expect(fetch(other.url)).rejects.toThrow();
  });
});
