import { Hono } from 'hono';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import {
  getOrder,
  listOrders,
  listSupervisionEvents,
  type Order,
} from '../../db/repositories/orders.js';
import type { Principal } from '../../db/repositories/principals.js';
import { validate } from '../body.js';
import type { AppEnv } from '../context.js';
import type { OpenApiRegistry } from '../openapi.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(64).optional(),
});

/** Whether the principal may see the order: its buyer, its seller, or an operator. */
export function canSeeOrder(p: Principal, o: Order): boolean {
  if (p.role === 'operator') return true;
  if (p.role === 'buyer') return o.buyerId === p.buyerId;
  return o.sellerId === p.sellerId;
}

const scopeOf = (p: Principal) =>
  p.role === 'buyer'
    ? { buyerId: p.buyerId! }
    : p.role === 'seller'
      ? { sellerId: p.sellerId! }
      : {};

/** Orders as each role sees them; foreign ids answer 404, never 403. */
export function orderRoutes(docs: OpenApiRegistry) {
  docs.add(
    {
      method: 'get',
      path: '/v1/orders',
      summary: 'List visible orders, newest first',
      tags: ['orders'],
      query: listQuery,
    },
    {
      method: 'get',
      path: '/v1/orders/:id',
      summary: 'Show an order with its supervision history',
      tags: ['orders'],
      errors: ['NOT_FOUND'],
    },
  );
  return new Hono<AppEnv>()
    .get('/', async (c) => {
      const q = validate(c.req.query(), listQuery);
      const items = await listOrders(c.get('deps').db, scopeOf(c.get('principal')), q);
      const last = items.at(-1);
      return c.json({ items, next: items.length === q.limit && last ? last.id : null });
    })
    .get('/:id', async (c) => {
      const { db } = c.get('deps');
      const order = await getOrder(db, c.req.param('id'));
      if (!order || !canSeeOrder(c.get('principal'), order))
        throw new AppError('NOT_FOUND', 'no such order');
      const supervisionEvents = await listSupervisionEvents(db, order.supervision.id);
      return c.json({ ...order, supervisionEvents });
    });
}
