import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/registry.js';

const SDK_TEXT = [
  '# HELP temporal_worker_task_slots_used Current number of used slots per task type',
  '# TYPE temporal_worker_task_slots_used gauge',
  'temporal_worker_task_slots_used{worker_type="ActivityWorker"} 3',
  '',
].join('\n');

describe('process metrics registry', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A stand-in for the SDK's exporter, answering `status` with `body`. */
  async function exporter(status: number, body: string): Promise<string> {
    server = createServer((_req, res) => res.writeHead(status).end(body));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  }

  it("appends the Temporal SDK's text after OneClick's own metrics", async () => {
    const metrics = createMetrics({ temporalUrl: await exporter(200, SDK_TEXT) });
    metrics.deployments.deploymentFinished('succeeded');
    const text = await metrics.scrape();
    expect(text).toMatch(/^oneclick_deployments_finished_total\{outcome="succeeded"\} 1$/m);
    expect(text).toMatch(/^oneclick_process_cpu_seconds_total \d/m);
    expect(text.endsWith(SDK_TEXT)).toBe(true);
  });

  it('still answers with its own metrics, and says why, when the SDK exporter fails or is gone', async () => {
    const failing = createMetrics({ temporalUrl: await exporter(500, 'oops') });
    expect(await failing.scrape()).toMatch(
      /^# Temporal SDK metrics unavailable \(http:\/\/127\.0\.0\.1:\d+\/metrics\): HTTP 500$/m,
    );
    const gone = createMetrics({
      temporalUrl: 'http://127.0.0.1:1/metrics',
      processMetrics: false,
    });
    const text = await gone.scrape();
    expect(text).toMatch(
      /^# Temporal SDK metrics unavailable \(http:\/\/127\.0\.0\.1:1\/metrics\)/m,
    );
    expect(text).toContain('oneclick_deployments_finished_total{outcome="cancelled"} 0');
  });

  it('gives each process its own registry, so several in one process never clash', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.deployments.packageBytesSent(10);
    b.deployments.packageBytesSent(5);
    expect(await a.scrape()).toMatch(/^oneclick_package_bytes_sent_total 10$/m);
    expect(await b.scrape()).toMatch(/^oneclick_package_bytes_sent_total 5$/m);
  });
});
