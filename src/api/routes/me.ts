import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

/** Who the presented key belongs to: lets a client check its key and role. */
export function meRoutes(docs: OpenApiRegistry) {
  docs.add({
    method: 'get',
    path: '/v1/me',
    summary: 'The principal of this API key',
    tags: ['auth'],
  });
  return new Hono<AppEnv>().get('/', (c) => c.json(c.get('principal')));
}
