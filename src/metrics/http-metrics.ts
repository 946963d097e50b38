import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Histogram, type Registry } from 'prom-client';

export type HttpMetrics = Histogram<'method' | 'route' | 'status'>;

/** Seconds: 1 ms (a cached answer) to 10 s (a slow cloud list); slower ones land in +Inf. */
export const HTTP_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The route label of a request no route serves (404s and 405s from the app's notFound). */
export const UNMATCHED = 'unmatched';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Registers the request latency histogram on `registry`. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  return new Histogram({
    name: 'oneclick_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (until the response starts), by route pattern',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
}

/**
 * The route pattern that serves the request (`/v1/orders/:orderRef`), never the raw path, whose
 * ids would make a series per order. Middleware is registered on patterns ending in `*` (as the
 * contract check reads them too); a request no endpoint matches is `unmatched`, even when a
 * middleware answered it (a CORS preflight, a refused URL).
 */
export function routeLabel(c: Context): string {
  const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
  const route = matchedRoutes(c).find(
    (r) => !r.path.endsWith('*') && (r.method === 'ALL' || r.method === method),
  );
  return route?.path ?? UNMATCHED;
}

/**
 * Times every request into `histogram`. Mounted first, so the time covers the other middleware
 * and error answers too (onError has set the response by the time `next` returns).
 */
export function timeRequests(histogram: HttpMetrics): MiddlewareHandler {
  return async (c, next) => {
    const stop = histogram.startTimer();
    // Hono answers handler errors itself; one that still escapes is a 500 to the client.
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      stop({
        // Node's parser accepts dozens of methods: the rare ones share a label.
        method: METHODS.has(c.req.method) ? c.req.method : 'OTHER',
        route: routeLabel(c),
        status: String(status),
      });
    }
  };
}
