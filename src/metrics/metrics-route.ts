import { Hono } from 'hono';
import { METRICS_CONTENT_TYPE, type Metrics } from './registry.js';

/**
 * `GET /metrics` for Prometheus. Scrapers carry no API key, so it is unauthenticated and lives
 * outside /v1 and the OpenAPI document (it is not part of the API's contract); operators turn it
 * off (ONECLICK_METRICS=off), move it to an internal port (ONECLICK_METRICS_PORT) or firewall it.
 */
export function metricsRoutes(metrics: Metrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    c.header('Content-Type', METRICS_CONTENT_TYPE);
    c.header('Cache-Control', 'no-store');
    return c.body(await metrics.scrape());
  });
  return app;
}
