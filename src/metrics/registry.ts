import { collectDefaultMetrics, Registry } from 'prom-client';
import { createDeploymentMetrics, type DeploymentMetrics } from './deployment-metrics.js';
import { createHttpMetrics, type HttpMetrics } from './http-metrics.js';
import { fetchTemporalMetrics } from './temporal-metrics.js';

/**
 * One process's metrics: a registry of its own (not prom-client's global one, so tests that build
 * several apps in one process never register a name twice), the API's and the worker's
 * instruments on it, and the scrape that adds the Temporal SDK's text.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Request latency by route, fed by the API's timing middleware. */
  readonly http: HttpMetrics;
  /** Deployments by outcome, step durations and package bytes, fed by the worker's activities. */
  readonly deployments: DeploymentMetrics;
  /** The Prometheus text of one scrape: OneClick's metrics, then the Temporal SDK's. */
  scrape(): Promise<string>;
}

/** Prometheus text format 0.0.4, which the SDK's exporter writes too. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface MetricsOptions {
  /** The Temporal SDK exporter's `/metrics` URL, appended to every scrape (worker nodes). */
  temporalUrl?: string;
  /** Node process metrics (CPU, memory, event loop, GC), prefixed `oneclick_`. Default true. */
  processMetrics?: boolean;
}

/** Builds this process's metrics; the entry point makes one and hands it to the API and worker. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'oneclick_' });
  }
  const { temporalUrl } = options;
  return {
    registry,
    http: createHttpMetrics(registry),
    deployments: createDeploymentMetrics(registry),
    async scrape() {
      const [own, temporal] = await Promise.all([
        registry.metrics(),
        temporalUrl ? fetchTemporalMetrics(temporalUrl) : '',
      ]);
      return own.endsWith('\n') || !temporal ? own + temporal : `${own}\n${temporal}`;
    },
  };
}
