import { z } from '@hono/zod-openapi';
import {
  countGeneratorsByStatus,
  listGeneratorHealth,
} from '../../db/repositories/generator-health.js';
import { defineRoute, ok, resourceRoutes } from '../contract.js';
import { encodeCursor, pageQuery } from '../cursor.js';

const query = z.object({
  sellerId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a seller id')
    .optional()
    .openapi({ description: "Only this seller's generators" }),
  status: z.enum(['pending', 'active', 'failing', 'disabled']).optional(),
  ...pageQuery,
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

/**
 * License generators' health across sellers, for operators (mounted at /v1/generator-health):
 * each generator with its seller, status, latest check report (check by check) and the outcomes
 * of its latest checks (conformance runs and generatorProbe dial tests, as the license engine
 * records them), plus how many generators are in each status.
 */
export function generatorHealthRoutes() {
  const list = defineRoute({
    method: 'get',
    path: '/',
    summary: "Sellers' license generators with their latest checks, newest first (operators)",
    tags: ['operators'],
    auth: 'apiKey',
    roles: ['operator'],
    request: { query },
    errors: [],
    responses: {
      200: ok('A page of generators, the counts by status, and the `cursor` of the next (`next`)'),
    },
  });
  return resourceRoutes().openapi(list, async (c) => {
    const q = c.req.valid('query');
    const { db } = c.get('deps');
    const [page, counts] = await Promise.all([
      listGeneratorHealth(
        db,
        { ...(q.sellerId && { sellerId: q.sellerId }), ...(q.status && { status: q.status }) },
        { limit: q.limit, ...(q.cursor && { after: q.cursor }) },
      ),
      countGeneratorsByStatus(db, q.sellerId || undefined),
    ]);
    return c.json({ counts, items: page.items, next: encodeCursor(page.next) });
  });
}
