import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

async function check(
  fn: () => Promise<unknown>,
  timeoutMs = 2_000,
): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)),
      ),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`: 200 when the database and Temporal both answer, 503 otherwise, with details. */
export function healthRoutes(docs: OpenApiRegistry) {
  docs.add({
    method: 'get',
    path: '/healthz',
    summary: 'Database and Temporal health',
    tags: ['health'],
    security: 'none',
  });
  return new Hono<AppEnv>().get('/healthz', async (c) => {
    const { db, temporal } = c.get('deps');
    const [database, temporalCheck] = await Promise.all([
      check(() => db.query('select 1')),
      temporal
        ? check(() => temporal.checkHealth())
        : Promise.resolve({ ok: false, error: 'not configured' }),
    ]);
    const ok = database.ok && temporalCheck.ok;
    return c.json(
      { status: ok ? 'ok' : 'degraded', database, temporal: temporalCheck },
      ok ? 200 : 503,
    );
  });
}
