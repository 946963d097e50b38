import { ping } from '../../db/sql.js';
import { defineRoute, resourceRoutes } from '../contract.js';

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
export function healthRoutes() {
  const route = defineRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Database and Temporal health',
    tags: ['health'],
    auth: 'none',
    errors: [],
    responses: {
      200: { description: 'Both answer' },
      503: { description: 'The database or Temporal does not answer (details in the body)' },
    },
  });
  return resourceRoutes().openapi(route, async (c) => {
    const { db, temporal } = c.get('deps');
    const [database, temporalCheck] = await Promise.all([
      check(() => ping(db)),
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
